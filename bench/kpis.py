"""Time all KPIs of one campaign (models/results.py, SQL aggregation) against a baseline run in the
same process: the same KPIs computed by loading the rows into Python (ORM objects, per-row loops).

    .venv/bin/python bench/kpis.py --database-url postgresql+psycopg://app@127.0.0.1:PORT/db \
        [--dealers 500] [--customers 2000]

The data are generated inside PostgreSQL with generate_series (invitations for every customer,
~30 % sign-ins, work orders, callbacks, feedback with 3 ratings, complaints, weekly revenue,
plans and closing meetings). Target (issue 11): < 5 s for the whole campaign and ≥ 10× the baseline.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STAMP = "now(), now(), 1"  # created_at, updated_at, version_id
GENERATE = [
    "INSERT INTO region (code, name, created_at, updated_at, version_id) VALUES ('N', '华北区', {stamp})",
    """INSERT INTO dealer (code, name, region_id, active, created_at, updated_at, version_id)
       SELECT 'D' || lpad(d::text, 4, '0'), '特约店' || d, (SELECT id FROM region), true, {stamp}
       FROM generate_series(1, {dealers}) d""",
    """INSERT INTO campaign (name, type, starts_on, ends_on, phase, created_at, updated_at, version_id)
       VALUES ('基准活动', 'free_inspection', '2014-01-06', '2014-02-02', 'evaluation', {stamp})""",
    """INSERT INTO participation (campaign_id, dealer_id, phase, coaching_selected, created_at, updated_at, version_id)
       SELECT (SELECT id FROM campaign), id, 'evaluation', false, {stamp} FROM dealer""",
    """INSERT INTO customer_invitation (campaign_id, dealer_id, name, source, contact_status,
                                        created_at, updated_at, version_id)
       SELECT (SELECT id FROM campaign), d.id, '顾客' || c, 'dms',
              (ARRAY['not_contacted','unreachable','invited','invited','booked','booked','booked','booked',
                     'declined','booked'])[1 + c % 10], {stamp}
       FROM dealer d, generate_series(1, {customers}) c""",
    """INSERT INTO sign_in (campaign_id, dealer_id, arrived_at, name, plate, channel, gift_given, sticker_applied,
                            walk_in, created_at, updated_at, version_id)
       SELECT (SELECT id FROM campaign), d.id, timestamp '2014-01-06 01:00' + (c % 28) * interval '1 day'
              + (c % 9) * interval '1 hour', '顾客' || c, 'P' || d.id || '-' || c, 'desk', true, true, c % 17 = 0, {stamp}
       FROM dealer d, generate_series(1, {customers}) c WHERE c % 10 < 3""",
    """INSERT INTO work_order (campaign_id, dealer_id, number, visited_on, sign_in_id, labor_hours, paid_amount,
                               customer_signed, created_at, updated_at, version_id)
       SELECT campaign_id, dealer_id, 'WO' || id, (arrived_at + interval '8 hours')::date, id, 0.5,
              CASE WHEN id % 5 < 3 THEN 100 + (id % 900) + 0.55 END, false, {stamp}
       FROM sign_in WHERE id % 11 <> 0""",
    """INSERT INTO callback (campaign_id, dealer_id, kind, work_order_id, customer_name, due_on, called_at, outcome,
                             created_at, updated_at, version_id)
       SELECT campaign_id, dealer_id, 'dealer', id, '顾客', visited_on + 7,
              CASE WHEN id % 20 <> 0 THEN visited_on + (id % 9) * interval '1 day' END,
              CASE WHEN id % 20 <> 0 THEN 'reached' ELSE 'pending' END, {stamp}
       FROM work_order""",
    """INSERT INTO feedback (campaign_id, dealer_id, filled_on, sign_in_id, customer_name, nps, wants_complaint,
                             created_at, updated_at, version_id)
       SELECT campaign_id, dealer_id, (arrived_at + interval '8 hours')::date, id, name, id % 11, false, {stamp}
       FROM sign_in WHERE id % 10 < 7""",
    """INSERT INTO feedback_rating (feedback_id, item, score)
       SELECT f.id, item, 1 + (f.id + length(item)) % 5
       FROM feedback f, unnest(ARRAY['接待服务','等候时间','总体满意度']) item""",
    """INSERT INTO complaint (campaign_id, dealer_id, registered_at, source, customer_name, description, severity,
                              status, acknowledged_at, resolved_at, created_at, updated_at, version_id)
       SELECT (SELECT id FROM campaign), d.id, timestamp '2014-01-10 02:00', 'on_site', '顾客', '等候太久', 'low',
              CASE WHEN k = 1 THEN 'resolved' ELSE 'acknowledged' END, timestamp '2014-01-10 05:00',
              CASE WHEN k = 1 THEN timestamp '2014-01-10 02:00' + (d.id % 60) * interval '1 hour' END, {stamp}
       FROM dealer d, generate_series(1, 2) k""",
    """INSERT INTO revenue_report (campaign_id, dealer_id, period_start, period_end, visits, labor_revenue,
                                   parts_revenue, baseline_visits, baseline_revenue, cost, created_at, updated_at,
                                   version_id)
       SELECT (SELECT id FROM campaign), d.id, date '2014-01-06' + 7 * w, date '2014-01-12' + 7 * w, 80,
              15000 + d.id, 30000 + w, 70, 40000 + d.id % 7000, 0, {stamp}
       FROM dealer d, generate_series(0, 3) w""",
    """INSERT INTO plan_meeting (campaign_id, dealer_id, held_on, conflicts_policy, budget_customer, budget_staff,
                                 budget_media, budget_gifts, status, created_at, updated_at, version_id)
       SELECT (SELECT id FROM campaign), id, '2014-01-02', false, 3000, 2000, 1500, 2500, 'approved', {stamp}
       FROM dealer""",
    """INSERT INTO closing_meeting (campaign_id, dealer_id, held_on, cost_customer, cost_staff, cost_media,
                                    cost_gifts, created_at, updated_at, version_id)
       SELECT (SELECT id FROM campaign), id, '2014-02-10', 2800, 2100, 1400, 2600, {stamp} FROM dealer""",
]


def naive_kpis(session, campaign) -> dict[int, dict]:
    """The baseline: every row of the campaign loaded as an ORM object, counted in Python loops."""
    from models import (Callback, ClosingMeeting, Complaint, CustomerInvitation, Feedback, PlanMeeting,
                        RevenueReport, SignIn, WorkOrder)
    from models.base import local_date
    from models.results import derive
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    raw: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    rows = (lambda model, *opts: session.scalars(select(model).where(model.campaign_id == campaign.id).options(*opts)))
    for inv in rows(CustomerInvitation):
        raw[inv.dealer_id]["invited"] += inv.contact_status in ("invited", "booked", "declined")
        raw[inv.dealer_id]["booked"] += inv.contact_status == "booked"
    seen: dict[int, set] = defaultdict(set)
    for s in rows(SignIn):
        raw[s.dealer_id]["arrived"] += 1
        raw[s.dealer_id]["walk_ins"] += bool(s.walk_in)
        seen[s.dealer_id].add(s.customer_id or s.plate or s.name)
    for dealer_id, ids in seen.items():
        raw[dealer_id]["participants"] = len(ids)
    calls = defaultdict(list)
    for cb in rows(Callback):
        calls[cb.work_order_id].append(cb)
    for wo in rows(WorkOrder):
        r = raw[wo.dealer_id]
        r["inspected"] += 1
        r["paid"] += bool(wo.paid_amount and wo.paid_amount > 0)
        r["paid_revenue"] += wo.paid_amount or 0
        r["called_in_7_days"] += any(c.kind == "dealer" and c.outcome != "pending" and c.called_at is not None
                                     and local_date(c.called_at) <= c.due_on
                                     for c in calls[wo.id])
    for fb in rows(Feedback, selectinload(Feedback.ratings)):
        r = raw[fb.dealer_id]
        r["feedbacks"] += 1
        if fb.nps is not None:
            r["nps_answers"] += 1
            r["promoters"] += fb.nps >= 9
            r["detractors"] += fb.nps <= 6
        for rating in fb.ratings:
            r.setdefault("scores", {}).setdefault(rating.item, [0] * 5)[rating.score - 1] += 1
    for c in rows(Complaint):
        r = raw[c.dealer_id]
        r["complaints"] += 1
        r["closed"] += c.status in ("resolved", "verified")
        if c.resolved_at:
            r.setdefault("close_hours", []).append((c.resolved_at - c.registered_at).total_seconds() / 3600)
    for rep in rows(RevenueReport):
        r = raw[rep.dealer_id]
        r["revenue"] += rep.labor_revenue + rep.parts_revenue
        r["visits"] += rep.visits
        r["baseline_revenue"] += rep.baseline_revenue
        r["baseline_visits"] += rep.baseline_visits
        r["revenue_with_baseline"] += (rep.labor_revenue + rep.parts_revenue) if rep.baseline_revenue > 0 else 0
    for plan in rows(PlanMeeting):
        for part in ("customer", "staff", "media", "gifts"):
            raw[plan.dealer_id][f"budget_{part}"] += getattr(plan, f"budget_{part}")
    for meeting in rows(ClosingMeeting):
        for part in ("customer", "staff", "media", "gifts"):
            raw[meeting.dealer_id][f"actual_{part}"] += getattr(meeting, f"cost_{part}") or 0
    return {dealer_id: derive(values) for dealer_id, values in raw.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to fill (emptied first)")
    parser.add_argument("--dealers", type=int, default=500)
    parser.add_argument("--customers", type=int, default=2000, help="per dealer")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["TEST_DATABASE_URL"] = args.database_url
    os.environ.setdefault("PREFECT_API_URL", "http://127.0.0.1:9/api")

    from sqlalchemy import func, select, text

    from app import create_app
    from config import TestConfig
    from models import Campaign, FeedbackRating, SignIn, db
    from models.base import Base
    from models.results import campaign_results

    app = create_app(TestConfig())
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        started = time.perf_counter()
        for sql in GENERATE:
            db.session.execute(text(sql.format(stamp=STAMP, dealers=args.dealers, customers=args.customers)))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        generated = time.perf_counter() - started
        campaign = db.session.scalar(select(Campaign))
        signins = db.session.scalar(select(func.count()).select_from(SignIn))
        ratings = db.session.scalar(select(func.count()).select_from(FeedbackRating))
        print(f"{args.dealers} dealers × {args.customers:,} customers on {db.engine.url.get_backend_name()}: "
              f"{signins:,} sign-ins, {ratings:,} ratings (generated in {generated:.1f} s)")

        sql_times = []
        for _ in range(args.repeat):
            db.session.expunge_all()
            t0 = time.perf_counter()
            per_dealer, totals = campaign_results(db.session, campaign)
            sql_times.append(time.perf_counter() - t0)
        db.session.expunge_all()
        t0 = time.perf_counter()
        naive = naive_kpis(db.session, campaign)
        baseline = time.perf_counter() - t0
        db.session.expunge_all()

        some = next(iter(per_dealer))
        for key in ("funnel", "satisfaction", "nps", "callbacks", "revenue"):
            assert per_dealer[some][key] == naive[some][key], (key, per_dealer[some][key], naive[some][key])
        sql = statistics.median(sql_times)
        print(f"  SQL aggregation (all dealers + campaign total): {sql:6.2f} s  (median of {args.repeat})")
        print(f"  baseline, rows loaded into Python             : {baseline:6.2f} s")
        print(f"  ratio                                          : {baseline / sql:6.1f}x faster than the baseline")
        print(f"  campaign NPS {totals['nps']['score']}, CSI {totals['satisfaction']['csi']['pct']} %")
        db.session.rollback()  # end the reading transaction, or DROP TABLE waits for it
        Base.metadata.drop_all(db.engine)
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
