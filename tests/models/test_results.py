"""KPIs of models/results.py against a small campaign calculated by hand (in the comments).

Dealer A has a bit of everything, dealer B has nothing at all, dealer C has only detractors and
revenue without a baseline. `now` is fixed: 2014-02-20 00:00 UTC.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from models import (Callback, ClosingMeeting, Complaint, CustomerInvitation, DailyFlow, Feedback,
                    FeedbackRating, PlanGoal, PlanMeeting, RevenueReport, SignIn, WorkOrder, db)
from models.results import (advisor_kpis, dealer_kpis, derive, rate, show, total_kpis, weekly_revenue,
                            daily_arrivals, baseline_window)
from models.snapshots import latest, refresh_snapshots

NOW = dt.datetime(2014, 2, 20, tzinfo=dt.UTC)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def build(p) -> None:
    c, a, cc = p.campaign, p.dealer_a, p.dealer_c
    A = dict(campaign_id=c.id, dealer_id=a.id)
    C = dict(campaign_id=c.id, dealer_id=cc.id)
    # invitations: 2 not contacted, 1 unreachable, 2 invited, 5 booked, 2 declined → invited 9, booked 5
    for status, n in (("not_contacted", 2), ("unreachable", 1), ("invited", 2), ("booked", 5), ("declined", 2)):
        db.session.add_all(CustomerInvitation(name=f"{status}{i}", contact_status=status, **A) for i in range(n))
    # 5 sign-ins: plates 京A1, 京A2, 京A3, 京A3 again (4 invited arrivals) + walk-in 京A4 → 4 participants
    signs = [SignIn(name=f"顾客{i}", plate=plate, walk_in=walk, advisor_id=p.sa_a.id,
                    arrived_at=utc(2014, 1, 20, 2, i), **A)
             for i, (plate, walk) in enumerate([("京A00001", False), ("京A00002", False), ("京A00003", False),
                                                ("京A00003", False), ("京A00004", True)])]
    signs[4].arrived_at = utc(2014, 1, 20, 17, 0)  # 01-21 01:00 in Beijing: the next local day
    db.session.add_all(signs)
    db.session.flush()
    # 4 work orders, 3 paid: 1200.50 + 800.00 + 333.33 = 2333.83; the 4th by no advisor
    orders = [WorkOrder(number=f"WO{i}", visited_on=dt.date(2014, 1, 20), sign_in_id=signs[i].id,
                        advisor_id=p.sa_a.id if i < 3 else None, paid_amount=amount, **A)
              for i, amount in enumerate([Decimal("1200.50"), Decimal("800.00"), Decimal("333.33"), None])]
    db.session.add_all(orders)
    db.session.flush()
    due = dt.date(2014, 1, 27)
    db.session.add_all([  # in 7 days: WO0 (01-27 23:00 local), WO3 (unreachable, 01-21); WO1 01-28 01:00 local
        Callback(kind="dealer", work_order_id=orders[0].id, customer_name="甲", due_on=due, outcome="reached",
                 called_at=utc(2014, 1, 27, 15, 0), **A),
        Callback(kind="dealer", work_order_id=orders[1].id, customer_name="乙", due_on=due, outcome="reached",
                 called_at=utc(2014, 1, 27, 17, 0), **A),
        Callback(kind="dealer", work_order_id=orders[2].id, customer_name="丙", due_on=due, **A),
        Callback(kind="dealer", work_order_id=orders[3].id, customer_name="丁", due_on=due, outcome="unreachable",
                 called_at=utc(2014, 1, 21, 3, 0), **A),
        Callback(kind="verification", work_order_id=orders[2].id, customer_name="丙", due_on=due,
                 outcome="reached", called_at=utc(2014, 1, 22, 3, 0), **A)])
    # feedback: ratings 5,3,4 / 4,2,5 → 4 of 6 satisfied; NPS 10, 6, 9 → (2 − 1) / 3
    rated = [({"接待服务": 5, "等候时间": 3, "总体满意度": 4}, 10, 0), ({"接待服务": 4, "等候时间": 2, "总体满意度": 5}, 6, 1),
             ({}, 9, 2)]
    for scores, nps, i in rated:
        db.session.add(Feedback(filled_on=dt.date(2014, 1, 20), customer_name=f"顾客{i}", nps=nps,
                                sign_in_id=signs[i].id,
                                ratings=[FeedbackRating(item=k, score=v) for k, v in scores.items()], **A))
    # complaints: one closed after 30 h (acknowledged after 8 h), one still open since 01-25
    db.session.add_all([
        Complaint(customer_name="甲", description="等候太久", registered_at=utc(2014, 1, 20, 2), status="resolved",
                  acknowledged_at=utc(2014, 1, 20, 10), resolved_at=utc(2014, 1, 21, 8), root_cause="人手",
                  resolution="加人", **A),
        Complaint(customer_name="乙", description="洗车不净", registered_at=utc(2014, 1, 25, 0), **A)])
    # revenue: 3000.30 + 2999.70 = 6000.00 over 22 visits vs baseline 5000.00 over 20 visits
    db.session.add_all([
        RevenueReport(period_start=dt.date(2014, 1, 15), period_end=dt.date(2014, 1, 19), visits=10,
                      labor_revenue=Decimal("1000.10"), parts_revenue=Decimal("2000.20"), baseline_visits=9,
                      baseline_revenue=Decimal("2500.00"), **A),
        RevenueReport(period_start=dt.date(2014, 1, 20), period_end=dt.date(2014, 1, 26), visits=12,
                      labor_revenue=Decimal("1500.00"), parts_revenue=Decimal("1499.70"), baseline_visits=11,
                      baseline_revenue=Decimal("2500.00"), **A),
        RevenueReport(period_start=dt.date(2014, 1, 20), period_end=dt.date(2014, 1, 26), visits=2,
                      labor_revenue=Decimal("500.00"), **C)])
    # plans: dealer A budgets 1000 + 500 + 300 + 200; HQ 10000 media; a draft plan does not count
    db.session.add_all([
        PlanMeeting(held_on=dt.date(2014, 1, 5), status="approved", budget_customer=Decimal(1000),
                    budget_staff=Decimal(500), budget_media=Decimal(300), budget_gifts=Decimal(200), goals=[
                        PlanGoal(metric="进厂台次", target=Decimal(5), unit="台次"),
                        PlanGoal(metric="营业收入增长", target=Decimal("0.2"), unit="万元"),
                        PlanGoal(metric="满意度", target=Decimal(93), unit="%")], **A),
        PlanMeeting(campaign_id=c.id, held_on=dt.date(2014, 1, 3), status="approved", budget_media=Decimal(10000),
                    goals=[PlanGoal(metric="进厂台次", target=Decimal(10), unit="台次")]),
        PlanMeeting(held_on=dt.date(2014, 1, 6), status="draft", budget_media=Decimal(99999), **C),
        ClosingMeeting(held_on=dt.date(2014, 2, 18), cost_customer=Decimal(900), cost_staff=Decimal(600),
                       cost_gifts=Decimal("100.50"), **A),
        DailyFlow(day=dt.date(2014, 1, 20), leader="王", target_arrivals=6, **A),
        DailyFlow(day=dt.date(2014, 1, 20), leader="李", target_arrivals=2, **C)])
    # dealer C: two detractors, no ratings
    db.session.add_all(Feedback(filled_on=dt.date(2014, 1, 21), customer_name=f"丙{n}", nps=n, **C) for n in (0, 3))
    db.session.commit()


@pytest.fixture
def results(personas):
    build(personas)
    return personas


def test_it_computes_the_funnel_with_rates_from_the_step_before(results):
    a = dealer_kpis(db.session, results.campaign, now=NOW)[results.dealer_a.id]
    steps = {f["step"]: (f["count"], f["rate"]) for f in a["funnel"]}
    assert steps["invited"] == (9, None)
    assert steps["booked"] == (5, {"num": 5, "den": 9, "pct": "55.6"})
    assert steps["arrived"] == (4, {"num": 4, "den": 5, "pct": "80.0"})
    assert steps["inspected"] == (4, {"num": 4, "den": 5, "pct": "80.0"})  # of all 5 arrivals
    assert steps["paid"] == (3, {"num": 3, "den": 4, "pct": "75.0"})
    assert a["walk_ins"] == 1 and a["participants"] == 4
    assert a["revenue"]["paid_revenue"] == "2333.83"


def test_it_computes_revenue_against_the_baseline_to_the_fen(results):
    r = dealer_kpis(db.session, results.campaign, now=NOW)[results.dealer_a.id]["revenue"]
    assert r == {"revenue": "6000.00", "visits": 22, "baseline": "5000.00", "growth": "1000.00",
                 "growth_rate": {"num": "1000.00", "den": "5000.00", "pct": "20.0"},
                 "per_vehicle": "272.73", "baseline_per_vehicle": "250.00", "paid_revenue": "2333.83"}


def test_it_computes_satisfaction_per_item_and_nps(results):
    a = dealer_kpis(db.session, results.campaign, now=NOW)[results.dealer_a.id]
    assert a["satisfaction"]["csi"] == {"num": 4, "den": 6, "pct": "66.7"}
    items = a["satisfaction"]["items"]
    assert items["接待服务"] == {"csi": {"num": 2, "den": 2, "pct": "100.0"}, "scores": [0, 0, 0, 1, 1]}
    assert items["等候时间"]["csi"]["pct"] == "0.0" and items["等候时间"]["scores"] == [0, 1, 1, 0, 0]
    assert a["nps"] == {"score": "33.3", "answers": 3, "promoters": {"num": 2, "den": 3, "pct": "66.7"},
                        "detractors": {"num": 1, "den": 3, "pct": "33.3"}}


def test_it_counts_callbacks_within_seven_beijing_days(results):
    a = dealer_kpis(db.session, results.campaign, now=NOW)[results.dealer_a.id]
    assert a["callbacks"]["in_7_days"] == {"num": 2, "den": 4, "pct": "50.0"}


def test_it_measures_complaints_against_the_24_and_48_hour_limits(results):
    a = dealer_kpis(db.session, results.campaign, now=NOW)[results.dealer_a.id]
    assert a["complaints"] == {"count": 2, "closed": {"num": 1, "den": 2, "pct": "50.0"},
                               "median_hours": "30.0", "over_24h": 1, "over_48h": 1}


def test_it_sets_actual_costs_against_the_four_budget_parts(results):
    cost = dealer_kpis(db.session, results.campaign, now=NOW)[results.dealer_a.id]["cost"]
    assert [(p["label"], p["budget"], p["actual"]) for p in cost["parts"]] == [
        ("顾客费用", "1000.00", "900.00"), ("人员车辆", "500.00", "600.00"), ("媒体推广", "300.00", None),
        ("礼品物料", "200.00", "100.50")]
    assert cost["budget"] == "2000.00" and cost["actual"] == "1600.50"
    assert cost["per_participant"] == "400.13"  # 1600.50 / 4, half up
    assert cost["per_extra_yuan"] == "1.60"     # 1600.50 / 1000.00


def test_it_computes_goal_attainment_for_every_goal_row(results):
    goals = dealer_kpis(db.session, results.campaign, now=NOW)[results.dealer_a.id]["goals"]
    assert [(g["metric"], g["actual"], g["attainment"]["pct"]) for g in goals] == [
        ("进厂台次", "5", "100.0"), ("营业收入增长", "0.1", "50.0"), ("满意度", "66.7", "71.7")]


def test_it_shows_a_dealer_without_data_as_dashes_not_zero(results):
    b = dealer_kpis(db.session, results.campaign, now=NOW)[results.dealer_b.id]
    assert [f["count"] for f in b["funnel"]] == [0, 0, 0, 0, 0]
    assert all(f["rate"] is None or f["rate"]["pct"] is None for f in b["funnel"])
    assert b["revenue"]["baseline"] is None and b["revenue"]["per_vehicle"] is None
    assert b["satisfaction"]["csi"]["pct"] is None and b["nps"]["score"] is None
    assert b["callbacks"]["in_7_days"]["pct"] is None and b["complaints"]["median_hours"] is None
    assert b["cost"]["actual"] is None and b["cost"]["per_participant"] is None
    assert show(b["nps"]["score"]) == "—" and show(b["satisfaction"]["csi"]) == "—"


def test_it_handles_all_detractors_and_revenue_without_baseline(results):
    c = dealer_kpis(db.session, results.campaign, now=NOW)[results.dealer_c.id]
    assert c["nps"]["score"] == "-100.0" and c["satisfaction"]["csi"]["pct"] is None
    assert c["revenue"]["revenue"] == "500.00" and c["revenue"]["baseline"] is None
    assert c["revenue"]["growth"] is None and c["revenue"]["growth_rate"]["pct"] is None
    assert c["cost"]["budget"] == "0.00"  # a draft plan's budget does not count


def test_it_adds_up_the_campaign_with_hq_goals_and_budget(results):
    t = total_kpis(db.session, results.campaign, now=NOW)
    assert [f["count"] for f in t["funnel"]] == [9, 5, 4, 4, 3]
    assert t["nps"]["score"] == "-20.0"  # promoters 2, detractors 3 of 5
    # growth only where a baseline exists: 6000.00 − 5000.00, C's 500.00 is not compared
    assert t["revenue"]["revenue"] == "6500.00" and t["revenue"]["growth"] == "1000.00"
    assert t["cost"]["budget"] == "12000.00"
    assert [(g["metric"], g["actual"], g["attainment"]["pct"]) for g in t["goals"]] == [("进厂台次", "5", "50.0")]
    north = total_kpis(db.session, results.campaign, [results.dealer_a.id, results.dealer_b.id], now=NOW)
    assert north["nps"]["score"] == "33.3" and north["goals"] == [] and north["cost"]["budget"] == "2000.00"


def test_it_counts_daily_arrivals_by_beijing_day_against_the_target(results):
    days = {d["day"]: (d["arrivals"], d["target"]) for d in daily_arrivals(db.session, results.campaign)}
    assert len(days) == 34 and days["2014-01-20"] == (4, 8) and days["2014-01-21"] == (1, None)
    assert days["2014-01-15"] == (0, None)


def test_it_reports_revenue_per_week(results):
    weeks = weekly_revenue(db.session, results.campaign, [results.dealer_a.id])
    assert [(w["week"], w["revenue"], w["baseline"], w["growth"]["pct"]) for w in weeks] == [
        ("2014-01-15", "3000.30", "2500.00", "20.0"), ("2014-01-20", "2999.70", "2500.00", "20.0")]


def test_it_computes_kpis_per_service_advisor(results):
    per = advisor_kpis(db.session, results.campaign, results.dealer_a.id, now=NOW)
    mine = per[results.sa_a.id]
    assert [f["count"] for f in mine["funnel"]][2:] == [4, 3, 3]
    assert mine["revenue"]["paid_revenue"] == "2333.83" and mine["nps"]["score"] == "33.3"
    assert per[None]["funnel"][3]["count"] == 1  # the work order without an advisor


def test_it_stores_a_snapshot_equal_to_a_fresh_computation(results):
    refresh_snapshots(db.session, results.campaign, NOW)
    db.session.commit()
    db.session.expire_all()
    stored = latest(db.session, results.campaign.id)
    fresh = total_kpis(db.session, results.campaign, now=NOW)
    assert {k: v for k, v in stored.values.items() if k not in ("daily", "weekly")} == fresh
    assert stored.values["daily"] == daily_arrivals(db.session, results.campaign)
    dealer = latest(db.session, results.campaign.id, "dealer", results.dealer_a.id)
    assert dealer.dealer_id == results.dealer_a.id
    fresh_dealer = dealer_kpis(db.session, results.campaign, now=NOW)[results.dealer_a.id]
    assert {k: v for k, v in dealer.values.items() if k not in ("daily", "weekly")} == fresh_dealer
    assert dealer.values["daily"] == daily_arrivals(db.session, results.campaign, [results.dealer_a.id])
    assert dealer.values["weekly"] == weekly_revenue(db.session, results.campaign, [results.dealer_a.id])
    empty = latest(db.session, results.campaign.id, "dealer", results.dealer_b.id).values
    assert empty["weekly"] == [] and len(empty["daily"]) == 34 and empty["daily"][0]["target"] is None


def test_it_never_divides_by_zero():
    empty = derive({})
    assert empty["funnel"][1]["rate"] == {"num": 0, "den": 0, "pct": None}
    assert rate(1, 0)["pct"] is None and rate(Decimal("1.5"), 3)["pct"] == "50.0"


def test_it_compares_with_the_same_dates_a_year_earlier_without_baseline_dates(personas):
    assert baseline_window(personas.campaign) == (dt.date(2013, 1, 15), dt.date(2013, 2, 17))


def test_it_keeps_one_snapshot_set_per_campaign_and_beijing_day(personas):
    from sqlalchemy import func, select

    from models import KpiSnapshot

    c = personas.campaign
    assert latest(db.session, c.id) is None
    refresh_snapshots(db.session, c, utc(2014, 1, 23, 18, 30))  # 01-24 02:30 in Beijing
    db.session.add(WorkOrder(campaign_id=c.id, dealer_id=personas.dealer_a.id, number="K2",
                             visited_on=dt.date(2014, 1, 17)))
    refresh_snapshots(db.session, c, utc(2014, 1, 24, 15, 0))  # 01-24 23:00: replaces the first
    assert latest(db.session, c.id).values["funnel"][3]["count"] == 1
    refresh_snapshots(db.session, c, utc(2014, 1, 24, 18, 30))  # 01-25: a new set
    counted = db.session.scalar(select(func.count()).select_from(KpiSnapshot).where(KpiSnapshot.scope == "campaign"))
    assert counted == 2 and db.session.scalar(select(func.count()).select_from(KpiSnapshot)) == 8
