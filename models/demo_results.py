"""Demo data with results: a finished 2013 夏日检测 campaign played through execution for every
demo dealer, so each results page, chart and closing report shows real figures on `make run`."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from .base import LOCAL_TZ
from .campaign import Campaign, Participation
from .customer import Customer
from .execution import FEEDBACK_ITEMS, Feedback, FeedbackRating, SignIn
from .followup import Callback, Complaint
from .org import Dealer, User
from .planning import PlanGoal, PlanMeeting
from .preparation import CustomerInvitation, DailyFlow
from .reporting import ClosingMeeting, RevenueReport
from .snapshots import refresh_snapshots
from .workorder import WorkOrder

FINISHED_NAME = "2013夏日检测"
STARTS, ENDS = dt.date(2013, 7, 1), dt.date(2013, 7, 28)
# how well each demo dealer did (arrival, satisfaction, revenue growth): a ranking worth reading
QUALITY = {"BJ001": (0.9, 0.9, 0.22), "BJ002": (0.75, 0.7, 0.08), "TJ001": (0.6, 0.5, -0.03)}


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), LOCAL_TZ).astimezone(dt.UTC)


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 100, high * 100)) / 100


def load_finished_campaign(session, dealers: list[Dealer], rng: random.Random) -> Campaign | None:
    """The finished campaign with its records, once; None when it is already there."""
    if session.scalar(select(Campaign.id).where(Campaign.name == FINISHED_NAME)) is not None:
        return None
    campaign = Campaign(name=FINISHED_NAME, type="summer_check", theme="清凉一夏 空调免费检测",
                        starts_on=STARTS, ends_on=ENDS, baseline_starts_on=dt.date(2012, 7, 1),
                        baseline_ends_on=dt.date(2012, 7, 28), phase="evaluation",
                        goals="进厂台次 150；营业收入增长 6万元；满意度 ≥ 93%")
    session.add(campaign)
    session.flush()
    session.add(PlanMeeting(campaign_id=campaign.id, held_on=dt.date(2013, 6, 10), place="总部会议室", chair="王文宝",
                            status="approved", budget_media=Decimal(30000), goals=[
                                PlanGoal(metric="进厂台次", target=Decimal(150), unit="台次"),
                                PlanGoal(metric="营业收入增长", target=Decimal(6), unit="万元"),
                                PlanGoal(metric="满意度", target=Decimal(93), unit="%")]))
    for dealer in dealers:
        session.add(Participation(campaign_id=campaign.id, dealer_id=dealer.id, phase="evaluation"))
        _dealer_records(session, campaign, dealer, rng, *QUALITY.get(dealer.code, (0.7, 0.7, 0.05)))
    session.flush()
    refresh_snapshots(session, campaign, _local(ENDS + dt.timedelta(days=10), 2, 0))
    return campaign


def _dealer_records(session, campaign: Campaign, dealer: Dealer, rng: random.Random,
                    turnout: float, happy: float, growth: float) -> None:
    own = dict(campaign_id=campaign.id, dealer_id=dealer.id)
    advisors = list(session.scalars(select(User).where(User.dealer_id == dealer.id, User.role == "service_advisor")))
    days = [STARTS + dt.timedelta(days=i) for i in range((ENDS - STARTS).days + 1)]
    session.add(PlanMeeting(held_on=dt.date(2013, 6, 15), place=dealer.name, status="approved",
                            budget_customer=Decimal(3000), budget_staff=Decimal(2000), budget_media=Decimal(1500),
                            budget_gifts=Decimal(2500), goals=[
                                PlanGoal(metric="进厂台次", target=Decimal(50), unit="台次"),
                                PlanGoal(metric="营业收入增长", target=Decimal(2), unit="万元"),
                                PlanGoal(metric="满意度", target=Decimal(93), unit="%")], **own))
    session.add_all(DailyFlow(day=d, leader="服务经理", target_arrivals=1, **own) for d in days)
    customers = list(session.scalars(select(Customer).where(Customer.dealer_id == dealer.id).order_by(Customer.id)))
    arrivals = []
    for customer in customers:
        vehicle = customer.vehicles[0] if customer.vehicles else None
        status = rng.choices(["not_contacted", "unreachable", "invited", "booked", "declined"], [8, 8, 22, 50, 12])[0]
        session.add(CustomerInvitation(customer_id=customer.id, name=customer.name, mobile=customer.mobile,
                                       plate=getattr(vehicle, "plate", None), contact_status=status, **own))
        if rng.random() < {"booked": 0.95, "invited": 0.1}.get(status, 0) * turnout:
            arrivals.append((customer, vehicle, False))
    arrivals += [(None, None, True) for _ in range(rng.randrange(4, 9))]
    for n, (customer, vehicle, walk_in) in enumerate(arrivals):
        day = rng.choice(days)
        advisor = rng.choice(advisors) if advisors else None
        sign = SignIn(arrived_at=_local(day, rng.randrange(9, 17), rng.randrange(60)), customer_id=getattr(customer, "id", None),
                      name=customer.name if customer else f"散客{n + 1}", mobile=getattr(customer, "mobile", None),
                      plate=getattr(vehicle, "plate", None), advisor_id=getattr(advisor, "id", None), walk_in=walk_in,
                      gift_given=True, sticker_applied=True, **own)
        session.add(sign)
        session.flush()
        if rng.random() < 0.93:
            paid = _money(rng, 180, 2600) if rng.random() < 0.6 else None
            order = WorkOrder(number=f"{dealer.code}-S{n + 1:04d}", visited_on=day, sign_in_id=sign.id,
                              customer_id=getattr(customer, "id", None), vehicle_id=getattr(vehicle, "id", None),
                              advisor_id=getattr(advisor, "id", None), labor_hours=Decimal("0.5"), paid_amount=paid,
                              **own)
            session.add(order)
            session.flush()
            late = rng.random()
            called = None if late > 0.97 else _local(day + dt.timedelta(days=rng.randrange(1, 7) if late < 0.85 else 9), 10, 0)
            session.add(Callback(kind="dealer", work_order_id=order.id, customer_name=sign.name, due_on=day + dt.timedelta(days=7),
                                 called_at=called, outcome="reached" if called else "pending",
                                 satisfaction=rng.choice([4, 5]) if called else None, **own))
        if rng.random() < 0.75:
            scores = {item: rng.choices([2, 3, 4, 5], [1, 2, 4 * happy, 6 * happy])[0] for item in FEEDBACK_ITEMS}
            session.add(Feedback(filled_on=day, sign_in_id=sign.id, customer_name=sign.name,
                                 nps=rng.choices(range(11), [1, 1, 1, 1, 1, 2, 3, 5, 8, 10 * happy, 12 * happy])[0],
                                 ratings=[FeedbackRating(item=k, score=v) for k, v in scores.items()], **own))
    for n, hours in enumerate([6, 30, None, 70][: 2 + int(3 * (1 - happy))]):
        registered = _local(rng.choice(days), 11, 0)
        closed = registered + dt.timedelta(hours=hours) if hours else None
        session.add(Complaint(customer_name=f"投诉顾客{n + 1}", description="等候时间过长，希望改进预约安排",
                              registered_at=registered, acknowledged_at=registered + dt.timedelta(hours=2),
                              resolved_at=closed, status="resolved" if closed else "acknowledged",
                              root_cause="高峰时段工位不足" if closed else None,
                              resolution="增开快速检测工位并电话致歉" if closed else None, **own))
    for week in range(4):
        start = STARTS + dt.timedelta(days=7 * week)
        baseline = _money(rng, 38000, 46000)
        session.add(RevenueReport(period_start=start, period_end=start + dt.timedelta(days=6),
                                  visits=rng.randrange(70, 95), baseline_visits=rng.randrange(65, 85),
                                  labor_revenue=(baseline * Decimal(str(0.35 + growth * 0.35))).quantize(Decimal("0.01")),
                                  parts_revenue=(baseline * Decimal(str(0.65 + growth * 0.65))).quantize(Decimal("0.01")),
                                  baseline_revenue=baseline, submitted_at=_local(start + dt.timedelta(days=7), 15, 0),
                                  **own))
    session.add(ClosingMeeting(held_on=dt.date(2013, 8, 5), attendees="服务经理、服务顾问、质量跟踪专员",
                               cost_customer=_money(rng, 2500, 3300), cost_staff=_money(rng, 1500, 2400),
                               cost_media=_money(rng, 1200, 1800), cost_gifts=_money(rng, 2000, 2900),
                               results_commentary="到店台次与满意度基本达成目标，营业收入较基期增长。",
                               what_worked="电话邀约结合短信提醒，预约到店率高；空调检测项目受欢迎。",
                               to_improve="周末高峰等候时间偏长，需增开快速检测工位。",
                               self_assessment="活动组织有序，100%回访基本落实。", **own))
