"""工时补偿: tiers, amounts, eligibility and the claim's steps, as plain functions (no HTTP, no Prefect)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from models import AuditLog, CompensationRule, CompensationTier, WeeklySummary, WorkOrder, db
from models.compensation import DEFAULT_TIERS, compensation_amount
from models.compensation_steps import (CompensationError, approve, calculate, calculate_claimed, claim,
                                       order_counts, pay, refuse)
from models.verification import VerificationTask, create_tasks

SHANGHAI_MONDAY_10 = dt.time(2, 0)  # 10:00 Asia/Shanghai in UTC


def default_rule(rate="100", hours="1.0", version=1) -> CompensationRule:
    rule = CompensationRule(name="2014工时补偿", version=version, published=True, labor_rate=Decimal(rate),
                            hours_per_inspection=Decimal(hours),
                            tiers=[CompensationTier(min_truthfulness=t, payout_percent=p) for t, p in DEFAULT_TIERS])
    db.session.add(rule)
    db.session.flush()
    return rule


def visits(personas, dealer=None, n=4, sent=dt.date(2014, 2, 19), visited=dt.date(2014, 1, 20),
           summary_at: dt.datetime | None = dt.datetime(2014, 1, 27, 2, 0, tzinfo=dt.UTC), outcome="confirmed"):
    """n reported visits in the week of `visited`, that week's summary in at `summary_at`, verified as `outcome`."""
    dealer = dealer or personas.dealer_a
    c = personas.campaign
    c.first_copy_deadline = dt.date(2014, 2, 20)
    start = db.session.query(WorkOrder).filter_by(dealer_id=dealer.id).count()
    for i in range(start, start + n):
        db.session.add(WorkOrder(campaign_id=c.id, dealer_id=dealer.id, number=f"{dealer.code}-{i:03d}",
                                 visited_on=visited, first_copy_sent_on=sent))
    week = visited - dt.timedelta(days=visited.weekday())
    if summary_at is not None and db.session.scalar(select(WeeklySummary).filter_by(
            dealer_id=dealer.id, week_start=week)) is None:
        db.session.add(WeeklySummary(campaign_id=c.id, dealer_id=dealer.id, week_start=week, submitted_at=summary_at))
    db.session.flush()
    create_tasks(db.session, c.id)
    for task in db.session.scalars(select(VerificationTask).where(VerificationTask.dealer_id == dealer.id,
                                                                   VerificationTask.status == "open")):
        task.status = outcome
    db.session.flush()


# --- pure rules -------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate,payout", [
    (Fraction(1), 100), (Fraction(95, 100), 100), (Fraction(94999, 100000), 80), (Fraction(90, 100), 80),
    (Fraction(8999, 10000), 50), (Fraction(80, 100), 50), (Fraction(7999, 10000), 0), (Fraction(0), 0), (None, 0)])
def test_it_picks_the_tier_exactly_at_the_boundaries(rate, payout):
    rule = CompensationRule(tiers=[CompensationTier(min_truthfulness=t, payout_percent=p) for t, p in DEFAULT_TIERS])
    assert rule.payout_percent(rate) == Decimal(payout)


def test_it_computes_the_amount_to_the_fen():
    assert compensation_amount(7, Decimal("1.5"), Decimal("85.50"), Decimal(80)) == Decimal("718.20")
    assert compensation_amount(1, Decimal("0.33"), Decimal("33.33"), Decimal(50)) == Decimal("5.50")  # 5.49945
    assert compensation_amount(0, Decimal("1"), Decimal("100"), Decimal(100)) == Decimal("0.00")


# --- eligibility ------------------------------------------------------------------------------------
def test_it_does_not_count_a_first_copy_sent_late(personas):
    visits(personas, n=2)
    visits(personas, n=1, sent=dt.date(2014, 2, 21))
    counts = order_counts(db.session, personas.campaign, personas.dealer_a.id)
    assert [c.eligible for c in counts] == [True, True, False]
    assert counts[2].reason == "不计：第一联 2014-02-21 寄出，晚于截止日 2014-02-20"


def test_it_does_not_count_a_week_whose_summary_came_after_monday_17(personas):
    visits(personas, n=1, summary_at=dt.datetime(2014, 1, 27, 9, 1, tzinfo=dt.UTC))  # 17:01 Shanghai
    visits(personas, n=1, visited=dt.date(2014, 2, 3), summary_at=None)
    counts = order_counts(db.session, personas.campaign, personas.dealer_a.id)
    assert [c.eligible for c in counts] == [False, False]
    assert "晚于 2014-01-27 17:00" in counts[0].reason and "汇总表未提交" in counts[1].reason


# --- the steps -------------------------------------------------------------------------------------
def test_it_calculates_from_the_published_rule_and_keeps_the_inputs(personas):
    rule = default_rule(rate="120", hours="1.5")
    visits(personas, n=18)
    visits(personas, n=1, outcome="not_real")
    visits(personas, n=2, outcome="unreachable")
    comp = claim(db.session, personas.campaign, personas.dealer_a.id, personas.coord_a)
    calculate(db.session, comp, personas.hq)
    # 真实率 = 18 / (21 − 2) = 94.73 % → 80 %; 21 台 × 1.5 × 120 × 80 % = 3024.00
    assert (comp.eligible_inspections, comp.confirmed, comp.reported, comp.unreachable) == (21, 18, 21, 2)
    assert comp.truthfulness_rate == Decimal("94.73") and comp.payout_percent == Decimal(80)
    assert comp.amount == Decimal("3024.00") and comp.rule_id == rule.id and comp.status == "calculated"


def test_it_keeps_a_calculated_amount_when_the_rule_changes(personas):
    rule = default_rule()
    visits(personas, n=3)
    comp = claim(db.session, personas.campaign, personas.dealer_a.id, personas.coord_a)
    calculate(db.session, comp, personas.hq)
    assert comp.amount == Decimal("300.00")
    newer = rule.new_version()
    newer.labor_rate, newer.published = Decimal("200"), True
    db.session.add(newer)
    db.session.flush()
    assert newer.version == 2 and len(newer.tiers) == 4
    db.session.expire_all()
    assert comp.amount == Decimal("300.00") and comp.recomputed_amount() == Decimal("300.00")
    assert comp.rule_id == rule.id


def test_it_pays_nothing_for_zero_reported_customers(personas):
    default_rule()
    personas.campaign.first_copy_deadline = dt.date(2014, 2, 20)
    comp = claim(db.session, personas.campaign, personas.dealer_a.id, personas.coord_a)
    calculate(db.session, comp, None)
    assert (comp.reported, comp.truthfulness_rate, comp.payout_percent, comp.amount) == (0, None, 0, 0)


def test_it_pays_nothing_when_every_customer_was_unreachable(personas):
    default_rule()
    visits(personas, n=3, outcome="unreachable")
    comp = claim(db.session, personas.campaign, personas.dealer_a.id, personas.coord_a)
    calculate(db.session, comp, personas.hq)
    assert comp.eligible_inspections == 3 and comp.truthfulness_rate is None and comp.amount == 0


def test_it_waits_for_the_call_center_before_calculating(personas):
    default_rule()
    visits(personas, n=2, outcome="open")
    comp = claim(db.session, personas.campaign, personas.dealer_a.id, personas.coord_a)
    with pytest.raises(CompensationError, match="待核实 2 人"):
        calculate(db.session, comp, personas.hq)
    personas.campaign.first_copy_deadline = None
    with pytest.raises(CompensationError, match="第一联寄送截止日"):
        calculate(db.session, comp, personas.hq)


def test_it_refuses_steps_out_of_order_or_by_the_wrong_role(personas):
    default_rule()
    visits(personas, n=1)
    comp = claim(db.session, personas.campaign, personas.dealer_a.id, personas.coord_a)
    with pytest.raises(CompensationError, match="重复申请"):
        claim(db.session, personas.campaign, personas.dealer_a.id, personas.coord_a)
    with pytest.raises(CompensationError, match="只有本店活动协调员"):
        claim(db.session, personas.campaign, personas.dealer_b.id, personas.coord_a)
    with pytest.raises(CompensationError, match="只有“已核算”的补偿可以批准"):
        approve(db.session, comp, personas.hq)
    with pytest.raises(CompensationError, match="只有总部活动管理员"):
        calculate(db.session, comp, personas.coord_a)
    calculate(db.session, comp, personas.hq)
    with pytest.raises(CompensationError, match="须先批准才能支付"):
        pay(db.session, comp, personas.hq, "ZF-1", dt.date(2014, 3, 1))
    with pytest.raises(CompensationError, match="驳回须填写原因"):
        refuse(db.session, comp, personas.hq, "  ")
    with pytest.raises(CompensationError, match="只有总部活动管理员"):
        approve(db.session, comp, personas.rm)
    approve(db.session, comp, personas.hq)
    with pytest.raises(CompensationError, match="当前为“已批准”"):
        approve(db.session, comp, personas.hq)
    with pytest.raises(CompensationError, match="不能再修改或重新核算"):
        calculate(db.session, comp, personas.hq)
    with pytest.raises(CompensationError, match="不能驳回"):
        refuse(db.session, comp, personas.hq, "金额不对")
    with pytest.raises(CompensationError, match="付款凭证号"):
        pay(db.session, comp, personas.hq, "", dt.date(2014, 3, 1))
    with pytest.raises(CompensationError, match="没有登记索赔账户"):
        pay(db.session, comp, personas.hq, "ZF-1", dt.date(2014, 3, 1))
    personas.dealer_a.claim_account = "CLAIM-A01"
    pay(db.session, comp, personas.hq, "ZF-1", dt.date(2014, 3, 1))
    assert (comp.status, comp.claim_account, comp.amount) == ("paid", "CLAIM-A01", Decimal("100.00"))
    steps = db.session.scalars(select(AuditLog.action).where(AuditLog.entity == "LaborCompensation")
                               .order_by(AuditLog.id)).all()
    assert steps == ["compensation_claimed", "compensation_calculated", "compensation_approved",
                     "compensation_paid"]


def test_it_recalculates_after_a_refusal(personas):
    default_rule()
    visits(personas, n=1)
    comp = claim(db.session, personas.campaign, personas.dealer_a.id, personas.coord_a)
    calculate(db.session, comp, personas.hq)
    refuse(db.session, comp, personas.hq, "第一联原件缺页")
    assert comp.status == "refused" and comp.refusal_reason == "第一联原件缺页"
    calculate(db.session, comp, personas.hq)
    assert comp.status == "calculated" and comp.refusal_reason is None


def test_it_calculates_every_claim_whose_verification_is_done(personas):
    default_rule()
    visits(personas, n=1)
    visits(personas, personas.dealer_b, n=1, outcome="open")
    a = claim(db.session, personas.campaign, personas.dealer_a.id, personas.coord_a)
    b = claim(db.session, personas.campaign, personas.dealer_b.id, personas.coord_b)
    done = calculate_claimed(db.session, personas.campaign.id)
    assert a.status == "calculated" and b.status == "claimed"
    assert done[personas.dealer_a.name].startswith("有效检测 1 台") and "待核实 1 人" in done[personas.dealer_b.name]
    assert calculate_claimed(db.session, personas.campaign.id) == {personas.dealer_b.name: done[personas.dealer_b.name]}
