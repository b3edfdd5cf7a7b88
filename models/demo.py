"""Demo data: the 2014 车主回娘家 free-inspection campaign (seed 000 slide 31). Idempotent."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from .campaign import Campaign, Participation
from .checklists import default_template
from .compensation import DEFAULT_TIERS, CompensationRule, CompensationTier
from .customer import Customer, Vehicle
from .base import local_today
from .org import Dealer, Region, User
from .preparation import CustomerInvitation
from .reporting import WeeklySummary
from .validators import with_check_digit
from .workorder import WorkOrder

DEMO_PASSWORD = "campaign-demo"
CAMPAIGN_NAME = "2014车主回娘家"
LIVE_CAMPAIGN_NAME = "免费检测 · 扫码签到演示"  # running from yesterday: the customers' QR pages work
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建国志海峰鹏辉晨宇浩然欣怡子涵"
MODELS = ["索纳塔", "伊兰特", "途胜", "悦动", "瑞纳", "朗动", "ix35", "名图"]
DEALERS = [("BJ001", "北京北辰特约店", "北京", "京"), ("BJ002", "北京东方特约店", "北京", "京"),
           ("TJ001", "天津滨海特约店", "天津", "津")]
HQ_USERS = [("hq_admin", "hq", "王文宝"), ("regional_manager", "region", "赵区域"),
            ("coach", "coach", "钱辅导"), ("call_center", "callcenter", "孙客服")]


def _get_or_add(session, model: type, lookup: dict, **values):
    obj = session.scalar(select(model).filter_by(**lookup))
    if obj is None:
        obj = model(**lookup, **values)
        session.add(obj)
    return obj


def _user(session, username: str, role: str, full_name: str, **extra) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, role=role, full_name=full_name, **extra)
        user.set_password(DEMO_PASSWORD)
        session.add(user)
    return user


def load_demo_data(session, customers_per_dealer: int = 67, seed: int = 2014) -> Campaign:
    rng = random.Random(seed)
    region = _get_or_add(session, Region, {"code": "NORTH"}, name="华北区")
    dealers = [_get_or_add(session, Dealer, {"code": code}, name=name, city=city, region=region,
                           claim_account=f"CLAIM-{code}") for code, name, city, _ in DEALERS]
    session.flush()
    hq = {}
    for role, username, full_name in HQ_USERS:
        extra = {"region_id": region.id} if role == "regional_manager" else {}
        hq[role] = _user(session, username, role, full_name, **extra)
    if not hq["coach"].coached_dealers:
        hq["coach"].coached_dealers = dealers[:2]
    for dealer in dealers:
        code = dealer.code.lower()
        _user(session, f"{code}-coord", "dealer_coordinator", f"{dealer.city}协调员", dealer_id=dealer.id)
        for n in (1, 2):
            _user(session, f"{code}-sa{n}", "service_advisor",
                  rng.choice(SURNAMES) + rng.choice(GIVEN), dealer_id=dealer.id)
    template = default_template(session)
    rule = session.scalar(select(CompensationRule).where(CompensationRule.name == "2014工时补偿"))
    if rule is None:
        session.add(CompensationRule(name="2014工时补偿", version=1, published=True, tiers=[
            CompensationTier(min_truthfulness=t, payout_percent=p) for t, p in DEFAULT_TIERS]))
    session.flush()
    campaign = _get_or_add(
        session, Campaign, {"name": CAMPAIGN_NAME}, type="homecoming",
        theme="2014年度车主回娘家 免费检测 · 星级的体验", starts_on=dt.date(2014, 1, 15),
        ends_on=dt.date(2014, 2, 17), baseline_starts_on=dt.date(2013, 1, 15),
        baseline_ends_on=dt.date(2013, 2, 17), checklist_template_id=template.id,
        goals="进厂台次 +128；营业收入 +25万元；满意度 ≥ 93%", first_copy_deadline=dt.date(2014, 2, 20))
    session.flush()
    for i, dealer in enumerate(dealers):
        _get_or_add(session, Participation, {"campaign_id": campaign.id, "dealer_id": dealer.id},
                    coaching_selected=(i == 0))
        existing = session.scalar(select(Customer.id).where(Customer.dealer_id == dealer.id).limit(1))
        if existing is None:
            _customers(session, rng, dealer, DEALERS[i][3], customers_per_dealer)
        session.flush()
        if session.scalar(select(WorkOrder.id).where(WorkOrder.dealer_id == dealer.id).limit(1)) is None:
            _reported_visits(session, campaign, dealer, late_copies=i)
    session.flush()
    from .demo_results import load_finished_campaign

    load_finished_campaign(session, dealers, rng)  # the results pages need a campaign that has ended
    session.commit()
    return campaign


def load_live_demo(session, invited: int = 10) -> Campaign:
    """A campaign in its execution phase this week, with an invitation list of BJ001's first
    customers: their QR sign-in links open today (2014's window is long over). Loaded by the
    demo-data command after load_demo_data, not by it: pages that open on the latest campaign
    stay on 2014's in the tests that walk the demo."""
    dealer = session.scalar(select(Dealer).where(Dealer.code == DEALERS[0][0]))
    template_id = default_template(session).id
    today = local_today()
    campaign = _get_or_add(
        session, Campaign, {"name": LIVE_CAMPAIGN_NAME}, type="free_inspection", phase="execution",
        starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=6),
        checklist_template_id=template_id, goals="演示：顾客到店扫码自助签到、扫码填写回馈表")
    session.flush()
    _get_or_add(session, Participation, {"campaign_id": campaign.id, "dealer_id": dealer.id}, phase="execution")
    listed = session.scalar(select(CustomerInvitation.id).where(CustomerInvitation.campaign_id == campaign.id)
                            .limit(1))
    if listed is None:
        customers = session.scalars(select(Customer).where(Customer.dealer_id == dealer.id)
                                    .order_by(Customer.id).limit(invited)).all()
        session.add_all(CustomerInvitation(
            campaign_id=campaign.id, dealer_id=dealer.id, customer_id=c.id, name=c.name, mobile=c.mobile,
            plate=c.vehicles[0].plate if c.vehicles else None, contact_status="invited") for c in customers)
    session.commit()
    return campaign


def _customers(session, rng: random.Random, dealer: Dealer, province: str, count: int) -> None:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q: not allowed in VINs
    for n in range(count):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        mobile = rng.choice(["138", "139", "150", "186", "187", "135", "177"]) + \
            f"{rng.randrange(10**8):08d}"
        plate = province + rng.choice("ABCEFGHJ") + "".join(
            rng.choice(letters[:8] + "0123456789") for _ in range(5))
        vin = with_check_digit("LBE" + "".join(rng.choice(letters + "0123456789") for _ in range(5))
                               + "0E" + rng.choice(letters) + f"{rng.randrange(10**6):06d}")
        session.add(Customer(dealer=dealer, name=name, mobile=mobile, vehicles=[Vehicle(
            dealer=dealer, plate=plate, vin=vin, model=rng.choice(MODELS),
            mileage_km=rng.randrange(3000, 150000),
            last_visit=dt.date(2013, 1, 1) + dt.timedelta(days=rng.randrange(365)))]))


def _reported_visits(session, campaign: Campaign, dealer: Dealer, late_copies: int,
                     per_dealer: int = 24) -> None:
    """Inspections in the first two weeks with their first copies and weekly summaries sent;
    dealer i sends i first copies after the deadline, so the compensation screen has reasons to show."""
    customers = session.scalars(select(Customer).where(Customer.dealer_id == dealer.id)
                                .order_by(Customer.id).limit(per_dealer)).all()
    for n, customer in enumerate(customers):
        visited = campaign.starts_on + dt.timedelta(days=n % 10)
        late = n >= len(customers) - late_copies
        session.add(WorkOrder(campaign_id=campaign.id, dealer_id=dealer.id, number=f"{dealer.code}-{n + 1:03d}",
                              visited_on=visited, customer_id=customer.id, vehicle_id=customer.vehicles[0].id,
                              labor_hours=1, first_copy_sent_on=campaign.first_copy_deadline
                              + dt.timedelta(days=2 if late else -1)))
    for week in sorted({campaign.starts_on + dt.timedelta(days=d) - dt.timedelta(
            days=(campaign.starts_on + dt.timedelta(days=d)).weekday()) for d in range(10)}):
        monday_10 = dt.datetime.combine(week + dt.timedelta(days=7), dt.time(2, 0), dt.UTC)  # 10:00 北京时间
        session.add(WeeklySummary(campaign_id=campaign.id, dealer_id=dealer.id, week_start=week,
                                  submitted_at=monday_10))
