"""Gate rules (DESIGN §3), per dealer and per campaign, without Prefect."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models import (AuditLog, Callback, ChecklistTemplate, ClosingMeeting, CoachingVisit, CompensationRule,
                    CustomerInvitation, PlanGoal, PlanMeeting, PreparationItem, TrainingSession,
                    WeeklySummary, WorkOrder, db)
from models.awards import publish, ranking_for
from models.gates import gate_report, iso_weeks, markdown_table

TODAY = dt.date(2014, 1, 10)


def _items(report, dealer=None):
    items = report.dealers[dealer] if dealer else report.campaign_items
    return {i.key: i.ok for i in items}


def test_it_requires_an_approved_plan_with_a_goal(personas):
    c = personas.campaign
    meeting = PlanMeeting(campaign_id=c.id, held_on=TODAY, status="submitted")
    db.session.add(meeting)
    db.session.flush()
    assert _items(gate_report(db.session, c, "planning", TODAY)) == {"plan": False, "window": True}
    meeting.status = "approved"
    db.session.flush()
    assert not gate_report(db.session, c, "planning", TODAY).ok  # still no goal
    db.session.add(PlanGoal(meeting_id=meeting.id, metric="进厂台次", target=Decimal(128), unit="台次"))
    db.session.flush()
    report = gate_report(db.session, c, "planning", TODAY)
    assert report.ok and report.dealers == {}


def test_it_flags_a_window_that_ends_before_it_starts(personas):
    c = personas.campaign
    c.ends_on = c.starts_on - dt.timedelta(days=1)
    item = next(i for i in gate_report(db.session, c, "planning", TODAY).campaign_items if i.key == "window")
    assert not item.ok and item.detail == "执行结束日不能早于开始日"


def test_it_checks_preparation_per_dealer(personas):
    c, a = personas.campaign, personas.dealer_a
    kw = dict(campaign_id=c.id, dealer_id=a.id)
    db.session.add_all([TrainingSession(kind="internal", held_on=TODAY, trainer="李", **kw),
                        CustomerInvitation(name="王先生", **kw),
                        PreparationItem(item="标示贴", quantity=500, ready=True, **kw),
                        PreparationItem(item="礼品", quantity=100, ready=False, **kw)])
    db.session.flush()
    report = gate_report(db.session, c, "preparation", TODAY)
    assert _items(report, a.name) == {"training": True, "invitations": True, "prep_items": False}
    assert _items(report, personas.dealer_b.name) == {"training": False, "invitations": False,
                                                      "prep_items": False}
    missing = next(i for i in report.dealers[a.name] if i.key == "prep_items")
    assert missing.detail == "1/2 已备妥" and missing.link == "/admin/preparation_item/"  # fix the unready rows, no new one
    assert _items(report)["dealers"] is False
    assert "北京乙特约店：至少一次培训" in report.missing()


def test_it_checks_application_at_campaign_level(personas):
    c = personas.campaign
    report = gate_report(db.session, c, "application", TODAY)
    assert _items(report) == {"template": False, "coaching": True, "compensation": False}
    c.checklist_template = ChecklistTemplate(name="21项", version=1, fixed=True)
    c.participations[0].coaching_selected = True
    db.session.add(CompensationRule(name="默认", published=True))
    db.session.flush()
    assert _items(gate_report(db.session, c, "application", TODAY))["coaching"] is False
    db.session.add(CoachingVisit(campaign_id=c.id, dealer_id=c.participations[0].dealer_id,
                                 visit_on=TODAY, coach_id=personas.coach.id))
    db.session.flush()
    assert gate_report(db.session, c, "application", TODAY).ok


def test_it_requires_all_weekly_summaries_and_callback_attempts(personas):
    c, a = personas.campaign, personas.dealer_a
    kw = dict(campaign_id=c.id, dealer_id=a.id)
    weeks = iso_weeks(c.starts_on, c.ends_on)
    assert weeks[0] == dt.date(2014, 1, 13) and weeks[-1] == dt.date(2014, 2, 17) and len(weeks) == 6
    at = dt.datetime(2014, 1, 20, 8, 0, tzinfo=dt.UTC)
    db.session.add_all([WeeklySummary(week_start=w, submitted_at=at, **kw) for w in weeks[:-1]])
    wo = WorkOrder(number="WO1", visited_on=dt.date(2014, 1, 16), **kw)
    db.session.add(wo)
    db.session.flush()
    db.session.add(Callback(work_order_id=wo.id, customer_name="王", due_on=dt.date(2014, 1, 23),
                            outcome="pending", **kw))
    db.session.flush()
    during = gate_report(db.session, c, "execution", dt.date(2014, 2, 17))
    assert _items(during) == {"window_ended": False, "dealers": False}
    assert _items(during, a.name) == {"weekly": False, "callbacks": False}
    db.session.add(WeeklySummary(week_start=weeks[-1], submitted_at=at, **kw))
    db.session.scalars(db.select(Callback)).one().outcome = "unreachable"  # a recorded attempt counts
    db.session.flush()
    after = gate_report(db.session, c, "execution", dt.date(2014, 2, 18))
    assert _items(after, a.name) == {"weekly": True, "callbacks": True}
    assert _items(after)["window_ended"] is True


def test_it_requires_closing_meeting_verification_and_awards(personas):
    c, a = personas.campaign, personas.dealer_a
    kw = dict(campaign_id=c.id, dealer_id=a.id)
    db.session.add(ClosingMeeting(held_on=TODAY, **kw))
    db.session.flush()
    report = gate_report(db.session, c, "evaluation", TODAY)
    assert _items(report, a.name) == {"closing": True, "closing_costs": False, "results": False,
                                      "verification": True}  # no visits to verify
    assert _items(report) == {"awards": False, "results": False, "dealers": False}
    publish(db.session, ranking_for(db.session, c.id), personas.hq)
    for p in c.participations:
        p.phase = "closed"
    db.session.flush()
    assert _items(gate_report(db.session, c, "evaluation", TODAY)) == {"awards": True, "results": False,
                                                                        "dealers": True}


def test_it_wants_costs_and_results_computed_after_the_window_for_evaluation(personas):
    from models.snapshots import refresh_snapshots

    c, a = personas.campaign, personas.dealer_a
    closing = ClosingMeeting(held_on=dt.date(2014, 2, 18), campaign_id=c.id, dealer_id=a.id)
    db.session.add(closing)
    # 2014-02-17 23:30 in Beijing: still inside the window, not the final numbers
    refresh_snapshots(db.session, c, dt.datetime(2014, 2, 17, 15, 30, tzinfo=dt.UTC))
    report = gate_report(db.session, c, "evaluation", dt.date(2014, 2, 18))
    assert not _items(report, a.name)["results"] and not _items(report)["results"]
    assert next(i for i in report.campaign_items if i.key == "results").link == "/admin/results/"
    closing.cost_media = Decimal("800")
    refresh_snapshots(db.session, c, dt.datetime(2014, 2, 17, 16, 30, tzinfo=dt.UTC))  # 02-18 00:30
    report = gate_report(db.session, c, "evaluation", dt.date(2014, 2, 18))
    assert _items(report, a.name)["results"] and _items(report, a.name)["closing_costs"]
    assert _items(report)["results"]


def test_it_renders_a_dealer_by_item_markdown_table_with_links(personas):
    report = gate_report(db.session, personas.campaign, "preparation", TODAY)
    text = markdown_table(report, "http://desk")
    assert "| 北京甲特约店 | [✘](http://desk/admin/training_session/new/)" in text
    assert "完成度 0.0%" in text


def test_it_counts_verification_done_when_every_reported_customer_has_an_outcome(personas):
    from models.verification import create_tasks, record_call, reserve
    from tests.models.test_verification import reported

    c, a = personas.campaign, personas.dealer_a
    reported(personas, n=2)
    report = gate_report(db.session, c, "evaluation", TODAY)
    assert next(i for i in report.dealers[a.name] if i.key == "verification").detail == "0/2 人"
    create_tasks(db.session, c.id)
    first, second = reserve(db.session, c.id, personas.call_center)
    record_call(db.session, first, personas.call_center, "confirmed")
    assert _items(gate_report(db.session, c, "evaluation", TODAY), a.name)["verification"] is False
    record_call(db.session, second, personas.call_center, "refused")
    assert _items(gate_report(db.session, c, "evaluation", TODAY), a.name)["verification"] is True
