"""测评 results: the campaign KPIs of DESIGN §4 (seeds 001–004) as plain functions.

Every number is aggregated by the database (GROUP BY dealer or service advisor), so a campaign
of 500 dealers costs a dozen queries, not a walk over a million rows in Python
(bench/kpis.py measures both). `raw_measures` returns counts and sums per group; `derive` turns
one group's counts into the KPI dict that pages, charts, Excel, the PDF and the stored
KpiSnapshot all read. That dict is JSON as it stands: money is a Decimal string to the fen,
every rate carries its numerator and denominator, and a rate without a denominator has
pct None, shown as "—" — never 0 % and never a division error.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import String, and_, case, cast, distinct, extract, func, literal, select

from .base import UTCDateTime
from .campaign import Campaign
from .execution import Feedback, FeedbackRating, SignIn
from .followup import Callback, Complaint
from .planning import PlanGoal, PlanMeeting
from .preparation import CustomerInvitation, DailyFlow
from .reporting import ClosingMeeting, RevenueReport
from .schedules import ACK_HOURS, RESOLVE_HOURS
from .workorder import WorkOrder

CSI_TARGET = Decimal("93")  # 客户满意度CSI全年至少93%以上 (seed 004)
FUNNEL = {"invited": "邀约", "booked": "预约", "arrived": "到店", "inspected": "检测", "paid": "成交"}
COST_PARTS = {"customer": "顾客费用", "staff": "人员车辆", "media": "媒体推广", "gifts": "礼品物料"}  # seed 001
INVITED = ("invited", "booked", "declined")  # reached and invited; "unreachable" never heard it
CLOSED = ("resolved", "verified")
FEN, TENTH = Decimal("0.01"), Decimal("0.1")
DASH = "—"


# --- value helpers (JSON-safe) ----------------------------------------------------------------
def money(value: Any) -> str:
    return str(Decimal(value or 0).quantize(FEN, ROUND_HALF_UP))


def rate(num: Any, den: Any) -> dict[str, Any]:
    """A share with what it is made of; pct is a 0.1-rounded string, None without a denominator."""
    n, d = Decimal(str(num or 0)), Decimal(str(den or 0))
    pct = str((100 * n / d).quantize(TENTH, ROUND_HALF_UP)) if d else None
    plain = (lambda v: v if isinstance(v, int) else str(v))
    return {"num": plain(num or 0), "den": plain(den or 0), "pct": pct}


def show(value: Any, unit: str = "") -> str:
    """How pages print a KPI value: a rate as "93.5 %", None as "—"."""
    if isinstance(value, dict):
        value = value.get("pct")
        unit = unit or " %"
    return DASH if value is None else f"{value}{unit}"


# --- dialect-neutral SQL pieces ---------------------------------------------------------------
def _local_day(session, column):
    """The Asia/Shanghai calendar day of a stored (naive UTC) time, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(column + literal(dt.timedelta(hours=8)))
    return func.date(column, "+8 hours")


def _hours(session, later, earlier):
    if session.get_bind().dialect.name == "postgresql":
        return extract("epoch", later - earlier) / 3600
    return (func.julianday(later) - func.julianday(earlier)) * 24


def _sum_if(condition) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _grouped(session, key, columns: dict[str, Any], *where, base, joins=()) -> dict[Any, dict[str, Any]]:
    """{group: {name: value}} for `columns` of `base` aggregated per `key` (None: one group)."""
    head = key.label("k") if key is not None else literal(0).label("k")
    stmt = select(head, *(expr.label(name) for name, expr in columns.items())).select_from(base)
    for target, on in joins:
        stmt = stmt.join(target, on)
    stmt = stmt.where(*where)
    if key is not None:
        stmt = stmt.group_by(key)
    return {row.k: {name: getattr(row, name) for name in columns} for row in session.execute(stmt)}


# --- raw measures ------------------------------------------------------------------------------
def raw_measures(session, campaign: Campaign, by: str = "dealer", dealer_ids=None,
                 now: dt.datetime | None = None) -> dict[Any, dict[str, Any]]:
    """Counts and sums per dealer (by="dealer"), per service advisor ("advisor") or for all the
    given dealers together ("all", key 0). `dealer_ids` (a list or a sub-select) narrows the set."""
    now = now or dt.datetime.now(dt.UTC)
    cid = campaign.id
    out: dict[Any, dict[str, Any]] = defaultdict(dict)

    def key(dealer_col, advisor_col=None):
        return {"dealer": dealer_col, "advisor": advisor_col, "all": None}[by]

    def mine(model, dealer_col=None):
        dealer_col = dealer_col if dealer_col is not None else model.dealer_id
        return (model.campaign_id == cid,) + ((dealer_col.in_(dealer_ids),) if dealer_ids is not None else ())

    def merge(rows):
        for k, values in rows.items():
            out[k].update(values)

    if by != "advisor":
        merge(_grouped(session, key(CustomerInvitation.dealer_id), {
            "invited": _sum_if(CustomerInvitation.contact_status.in_(INVITED)),
            "booked": _sum_if(CustomerInvitation.contact_status == "booked")}, *mine(CustomerInvitation),
            base=CustomerInvitation))
    identity = func.coalesce(cast(SignIn.customer_id, String), SignIn.plate, SignIn.name)
    merge(_grouped(session, key(SignIn.dealer_id, SignIn.advisor_id), {
        "arrived": func.count(SignIn.id), "walk_ins": _sum_if(SignIn.walk_in.is_(True)),
        "participants": func.count(distinct(identity))}, *mine(SignIn), base=SignIn))
    merge(_grouped(session, key(WorkOrder.dealer_id, WorkOrder.advisor_id), {
        "inspected": func.count(WorkOrder.id), "paid": _sum_if(WorkOrder.paid_amount > 0),
        "paid_revenue": func.coalesce(func.sum(WorkOrder.paid_amount), 0)}, *mine(WorkOrder), base=WorkOrder))
    on_time = and_(Callback.work_order_id == WorkOrder.id, Callback.kind == "dealer",
                   Callback.outcome != "pending", Callback.called_at.is_not(None),
                   _local_day(session, Callback.called_at) <= Callback.due_on)
    merge(_grouped(session, key(WorkOrder.dealer_id, WorkOrder.advisor_id), {
        "called_in_7_days": func.count(distinct(WorkOrder.id))}, *mine(WorkOrder), base=WorkOrder,
        joins=[(Callback, on_time)]))
    feedback_advisor = [(SignIn, SignIn.id == Feedback.sign_in_id)] if by == "advisor" else []
    merge(_grouped(session, key(Feedback.dealer_id, SignIn.advisor_id), {
        "feedbacks": func.count(Feedback.id), "nps_answers": func.count(Feedback.nps),
        "promoters": _sum_if(Feedback.nps >= 9), "detractors": _sum_if(Feedback.nps <= 6)},
        *mine(Feedback), base=Feedback, joins=feedback_advisor))
    scores = select(*(k for k in [key(Feedback.dealer_id, SignIn.advisor_id)] if k is not None),
                    FeedbackRating.item, FeedbackRating.score, func.count(FeedbackRating.id)) \
        .select_from(FeedbackRating).join(Feedback, Feedback.id == FeedbackRating.feedback_id)
    for target, on in feedback_advisor:
        scores = scores.join(target, on)
    scores = scores.where(*mine(Feedback)).group_by(
        *(k for k in [key(Feedback.dealer_id, SignIn.advisor_id)] if k is not None),
        FeedbackRating.item, FeedbackRating.score)
    for row in session.execute(scores):
        k, item, score, n = (row if by != "all" else (0, *row))
        dist = out[k].setdefault("scores", {}).setdefault(item, [0, 0, 0, 0, 0])
        if 1 <= (score or 0) <= 5:
            dist[score - 1] += n
    if by == "advisor":
        return dict(out)
    _complaints(session, out, key(Complaint.dealer_id), mine(Complaint), now)
    merge(_grouped(session, key(RevenueReport.dealer_id), {
        "revenue": func.coalesce(func.sum(RevenueReport.labor_revenue + RevenueReport.parts_revenue), 0),
        "visits": func.coalesce(func.sum(RevenueReport.visits), 0),
        "baseline_revenue": func.coalesce(func.sum(RevenueReport.baseline_revenue), 0),
        # growth compares like with like: only periods that have a baseline
        "revenue_with_baseline": func.coalesce(func.sum(case((RevenueReport.baseline_revenue > 0,
                                                              RevenueReport.labor_revenue + RevenueReport.parts_revenue),
                                                             else_=0)), 0),
        "baseline_visits": func.coalesce(func.sum(RevenueReport.baseline_visits), 0),
        "revenue_reports": func.count(RevenueReport.id)}, *mine(RevenueReport), base=RevenueReport))
    budget = {f"budget_{p}": func.coalesce(func.sum(getattr(PlanMeeting, f"budget_{p}")), 0) for p in COST_PARTS}
    approved = (*mine(PlanMeeting), PlanMeeting.status == "approved", PlanMeeting.dealer_id.is_not(None))
    merge(_grouped(session, key(PlanMeeting.dealer_id), budget, *approved, base=PlanMeeting))
    actual = {f"actual_{p}": func.sum(getattr(ClosingMeeting, f"cost_{p}")) for p in COST_PARTS}
    merge(_grouped(session, key(ClosingMeeting.dealer_id), {**actual, "closings": func.count(ClosingMeeting.id)},
                   *mine(ClosingMeeting), base=ClosingMeeting))
    return dict(out)


def _complaints(session, out, key, where, now: dt.datetime) -> None:
    now_ = literal(now, UTCDateTime())
    waited = (lambda stamp: _hours(session, func.coalesce(stamp, now_), Complaint.registered_at))
    for k, values in _grouped(session, key, {
            "complaints": func.count(Complaint.id), "closed": _sum_if(Complaint.status.in_(CLOSED)),
            "over_24h": _sum_if(waited(Complaint.acknowledged_at) > ACK_HOURS),
            "over_48h": _sum_if(waited(Complaint.resolved_at) > RESOLVE_HOURS)}, *where, base=Complaint).items():
        out[k].update(values)
    # a median is not portable SQL (no percentile_cont in SQLite): fetch only the closed durations
    head = key if key is not None else literal(0)
    for k, hours in session.execute(select(head, _hours(session, Complaint.resolved_at, Complaint.registered_at))
                                    .where(*where, Complaint.resolved_at.is_not(None))):
        out[k].setdefault("close_hours", []).append(float(hours))


def add_up(groups: list[dict[str, Any]]) -> dict[str, Any]:
    """One group's raw measures from several (a region from its dealers)."""
    total: dict[str, Any] = {}
    for raw in groups:
        for name, value in raw.items():
            if name == "scores":
                for item, dist in value.items():
                    mine = total.setdefault("scores", {}).setdefault(item, [0] * 5)
                    total["scores"][item] = [a + b for a, b in zip(mine, dist)]
            elif name == "close_hours":
                total.setdefault(name, []).extend(value)
            elif value is not None:
                total[name] = total.get(name, 0) + value
    return total


# --- derived KPIs --------------------------------------------------------------------------------
def derive(raw: dict[str, Any], goals: list[PlanGoal] | tuple = ()) -> dict[str, Any]:
    """The KPI dict of one group (dealer, advisor, region, campaign) from its raw measures."""
    g = (lambda name: raw.get(name) or 0)
    counts = {"invited": g("invited"), "booked": g("booked"), "arrived": g("arrived") - g("walk_ins"),
              "inspected": g("inspected"), "paid": g("paid")}
    funnel, before = [], None
    for step, label in FUNNEL.items():
        # arrivals convert from bookings, inspections from every arrival (walk-ins included)
        den = {"inspected": g("arrived")}.get(step, counts[before] if before else None)
        funnel.append({"step": step, "label": label, "count": counts[step],
                       "rate": rate(counts[step], den) if before else None})
        before = step
    revenue, baseline = Decimal(g("revenue")), Decimal(g("baseline_revenue"))
    has_baseline = baseline > 0
    growth = Decimal(g("revenue_with_baseline")) - baseline if has_baseline else None
    dist = raw.get("scores") or {}
    ratings = sum(sum(d) for d in dist.values())
    satisfied = sum(d[3] + d[4] for d in dist.values())
    answers = g("nps_answers")
    nps = (str((100 * Decimal(g("promoters") - g("detractors")) / answers).quantize(TENTH, ROUND_HALF_UP))
           if answers else None)
    budget = {p: Decimal(g(f"budget_{p}")) for p in COST_PARTS}
    actual = {p: raw.get(f"actual_{p}") for p in COST_PARTS}
    spent = sum((Decimal(v) for v in actual.values() if v is not None), Decimal(0))
    has_actual = any(v is not None for v in actual.values())
    hours = raw.get("close_hours") or []
    kpis = {
        "funnel": funnel, "walk_ins": g("walk_ins"), "participants": g("participants"),
        "revenue": {"revenue": money(revenue), "visits": g("visits"),
                    "baseline": money(baseline) if has_baseline else None,
                    "growth": money(growth) if growth is not None else None,
                    "growth_rate": rate(growth, baseline) if has_baseline else rate(0, 0),
                    "per_vehicle": money(revenue / g("visits")) if g("visits") else None,
                    "baseline_per_vehicle": money(baseline / g("baseline_visits")) if g("baseline_visits") else None,
                    "paid_revenue": money(g("paid_revenue"))},
        "satisfaction": {"csi": rate(satisfied, ratings), "target": str(CSI_TARGET),
                         "items": {item: {"csi": rate(d[3] + d[4], sum(d)), "scores": d}
                                   for item, d in sorted(dist.items())}},
        "nps": {"score": nps, "answers": answers, "promoters": rate(g("promoters"), answers),
                "detractors": rate(g("detractors"), answers)},
        "callbacks": {"in_7_days": rate(g("called_in_7_days"), g("inspected"))},
        "complaints": {"count": g("complaints"), "closed": rate(g("closed"), g("complaints")),
                       "median_hours": str(Decimal(statistics.median(hours)).quantize(TENTH, ROUND_HALF_UP))
                       if hours else None,
                       "over_24h": g("over_24h"), "over_48h": g("over_48h")},
        "cost": {"parts": [{"part": p, "label": label, "budget": money(budget[p]),
                            "actual": money(actual[p]) if actual[p] is not None else None}
                           for p, label in COST_PARTS.items()],
                 "budget": money(sum(budget.values(), Decimal(0))),
                 "actual": money(spent) if has_actual else None,
                 "per_participant": money(spent / g("participants")) if has_actual and g("participants") else None,
                 "per_extra_yuan": money(spent / growth) if has_actual and growth and growth > 0 else None},
        "closings": g("closings"),
    }
    kpis["goals"] = [attainment(goal, kpis) for goal in goals]
    return kpis


# Which KPI a goal row's free-text metric names (PlanGoal.metric, e.g. 进厂台次 / 营业收入 / 满意度).
GOAL_METRICS = [("增", "收入", "growth"), ("", "收入", "revenue"), ("", "满意", "csi"), ("", "推荐", "nps"),
                ("", "NPS", "nps"), ("", "回访", "callbacks"), ("", "检测", "inspected"), ("", "台次", "arrived"),
                ("", "到店", "arrived"), ("", "参与", "participants"), ("", "人数", "participants")]


def _goal_actual(metric: str, kpis: dict[str, Any]) -> str | int | None:
    kind = next((k for extra, word, k in GOAL_METRICS if word in metric and extra in metric), None)
    funnel = {f["step"]: f["count"] for f in kpis["funnel"]}
    return {"growth": kpis["revenue"]["growth"], "revenue": kpis["revenue"]["revenue"],
            "csi": kpis["satisfaction"]["csi"]["pct"], "nps": kpis["nps"]["score"],
            "callbacks": kpis["callbacks"]["in_7_days"]["pct"], "inspected": funnel["inspected"],
            "arrived": funnel["arrived"] + kpis["walk_ins"], "participants": kpis["participants"],
            None: None}[kind]


def attainment(goal: PlanGoal, kpis: dict[str, Any]) -> dict[str, Any]:
    """Target vs actual of one goal row; 万元 targets compare with yuan actuals / 10,000."""
    actual = _goal_actual(goal.metric, kpis)
    unit = goal.unit or ""
    value = None if actual is None else \
        (Decimal(str(actual)) / (10000 if "万" in unit else 1)).quantize(FEN, ROUND_HALF_UP).normalize()
    return {"metric": goal.metric, "unit": unit, "target": str(goal.target),
            "actual": str(value) if value is not None else None,
            "attainment": rate(value, goal.target) if value is not None else rate(0, 0)}


# --- public entry points ---------------------------------------------------------------------
def goals_of(session, campaign: Campaign) -> dict[int | None, list[PlanGoal]]:
    """Goal rows of the approved plan meetings, by dealer (None: HQ's campaign goals)."""
    out: dict[int | None, list[PlanGoal]] = defaultdict(list)
    rows = session.execute(select(PlanMeeting.dealer_id, PlanGoal).join(PlanGoal, PlanGoal.meeting_id == PlanMeeting.id)
                           .where(PlanMeeting.campaign_id == campaign.id, PlanMeeting.status == "approved")
                           .order_by(PlanGoal.id))
    for dealer_id, goal in rows:
        out[dealer_id].append(goal)
    return out


def dealer_kpis(session, campaign: Campaign, dealer_ids=None, now=None) -> dict[int, dict[str, Any]]:
    """KPIs of every enrolled dealer (or of `dealer_ids`), keyed by dealer id."""
    from .campaign import Participation

    enrolled = select(Participation.dealer_id).where(Participation.campaign_id == campaign.id)
    if dealer_ids is not None:
        enrolled = enrolled.where(Participation.dealer_id.in_(dealer_ids))
    ids = list(session.scalars(enrolled))
    raw = raw_measures(session, campaign, "dealer", ids, now)
    goals = goals_of(session, campaign)
    return {d: derive(raw.get(d, {}), goals.get(d, ())) for d in ids}


def _hq_budget(session, campaign: Campaign) -> dict[str, Any]:
    """The campaign's own budget lines (HQ's approved plan, no dealer)."""
    return _grouped(session, None, {f"budget_{p}": func.coalesce(func.sum(getattr(PlanMeeting, f"budget_{p}")), 0)
                                    for p in COST_PARTS},
                    PlanMeeting.campaign_id == campaign.id, PlanMeeting.status == "approved",
                    PlanMeeting.dealer_id.is_(None), base=PlanMeeting).get(0, {})


def total_kpis(session, campaign: Campaign, dealer_ids=None, now=None) -> dict[str, Any]:
    """KPIs of the whole campaign, or of a region / any set of dealers given by `dealer_ids`."""
    raw = raw_measures(session, campaign, "all", dealer_ids, now).get(0, {})
    if dealer_ids is not None:
        return derive(raw)
    return derive(add_up([raw, _hq_budget(session, campaign)]), goals_of(session, campaign).get(None, ()))


def campaign_results(session, campaign: Campaign, now=None) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    """(KPIs per enrolled dealer, campaign KPIs) from one pass of GROUP BY dealer queries: the
    campaign's raw measures are the dealers' added up (what the nightly refresh stores)."""
    from .campaign import Participation

    ids = list(session.scalars(select(Participation.dealer_id).where(Participation.campaign_id == campaign.id)))
    raw = raw_measures(session, campaign, "dealer", None, now)
    goals = goals_of(session, campaign)
    per_dealer = {d: derive(raw.get(d, {}), goals.get(d, ())) for d in ids}
    return per_dealer, derive(add_up([*raw.values(), _hq_budget(session, campaign)]), goals.get(None, ()))


def advisor_kpis(session, campaign: Campaign, dealer_id: int, now=None) -> dict[int | None, dict[str, Any]]:
    """Per service advisor of one dealer: funnel from arrival on, paid revenue, CSI, NPS, callbacks."""
    raw = raw_measures(session, campaign, "advisor", [dealer_id], now)
    return {k: derive(v) for k, v in raw.items()}


def _window_days(campaign: Campaign) -> list[str]:
    return [(campaign.starts_on + dt.timedelta(days=i)).isoformat()
            for i in range((campaign.ends_on - campaign.starts_on).days + 1)]


def daily_arrivals(session, campaign: Campaign, dealer_ids=None, per_dealer: bool = False):
    """Arrivals per Shanghai day of the window against the DailyFlow targets of that day; with
    per_dealer, {dealer id: that list} from the same two queries."""
    day = _local_day(session, SignIn.arrived_at)
    where = [SignIn.campaign_id == campaign.id]
    flows = [DailyFlow.campaign_id == campaign.id]
    if dealer_ids is not None:
        where.append(SignIn.dealer_id.in_(dealer_ids))
        flows.append(DailyFlow.dealer_id.in_(dealer_ids))
    arrived_key = [SignIn.dealer_id] if per_dealer else [literal(0)]
    target_key = [DailyFlow.dealer_id] if per_dealer else [literal(0)]
    arrived: dict[Any, dict[str, int]] = defaultdict(dict)
    target: dict[Any, dict[str, int]] = defaultdict(dict)
    for k, d, n in session.execute(select(*arrived_key, day, func.count(SignIn.id)).where(*where)
                                   .group_by(*([SignIn.dealer_id] if per_dealer else []), day)):
        arrived[k][str(d)] = n
    for k, d, n in session.execute(select(*target_key, DailyFlow.day, func.sum(DailyFlow.target_arrivals))
                                   .where(*flows).group_by(*([DailyFlow.dealer_id] if per_dealer else []), DailyFlow.day)):
        target[k][str(d)] = n
    days = _window_days(campaign)
    lists = {k: [{"day": d, "arrivals": arrived[k].get(d, 0), "target": target[k].get(d)} for d in days]
             for k in set(arrived) | set(target) | ({0} if not per_dealer else set())}
    return (lambda k: lists.get(k) or [{"day": d, "arrivals": 0, "target": None} for d in days]) \
        if per_dealer else lists[0]


def _weekly(session, campaign: Campaign, dealer_ids, *keys, join=None):
    """((keys…), row) of the revenue reports summed per `keys` and week."""
    week = RevenueReport.period_start
    stmt = select(*keys, week, func.sum(RevenueReport.labor_revenue + RevenueReport.parts_revenue),
                  func.sum(RevenueReport.baseline_revenue), func.sum(RevenueReport.visits),
                  func.sum(RevenueReport.baseline_visits)).select_from(RevenueReport)
    if join is not None:
        stmt = stmt.join(*join)
    stmt = stmt.where(RevenueReport.campaign_id == campaign.id,
                      *([RevenueReport.dealer_id.in_(dealer_ids)] if dealer_ids is not None else []))
    for *k, w, r, b, v, bv in session.execute(stmt.group_by(*keys, week).order_by(*keys, week)):
        yield tuple(k), {"week": str(w), "revenue": money(r), "baseline": money(b), "visits": v or 0,
                         "baseline_visits": bv or 0, "growth": rate(Decimal(r or 0) - Decimal(b or 0), b)}


def weekly_revenue(session, campaign: Campaign, dealer_ids=None, per_dealer: bool = False):
    """营业收入状况分析表 by week: revenue vs baseline, summed over the given dealers; with
    per_dealer, a lookup dealer id → that list, from one query."""
    if not per_dealer:
        return [row for _, row in _weekly(session, campaign, dealer_ids)]
    lists: dict[int, list] = defaultdict(list)
    for (dealer_id,), row in _weekly(session, campaign, dealer_ids, RevenueReport.dealer_id):
        lists[dealer_id].append(row)
    return lambda dealer_id: lists.get(dealer_id, [])


def weekly_revenue_by_dealer(session, campaign: Campaign, dealer_ids=None) -> list[dict[str, Any]]:
    """营业收入状况分析表 per dealer and week, with the dealer's name (the campaign's Excel)."""
    from .org import Dealer

    return [{"dealer": name, **row} for (_, name), row in
            _weekly(session, campaign, dealer_ids, Dealer.code, Dealer.name, join=(Dealer, Dealer.id == RevenueReport.dealer_id))]


def baseline_window(campaign: Campaign) -> tuple[dt.date, dt.date]:
    """The comparison period: the campaign's baseline dates, else the same dates a year earlier."""
    if campaign.baseline_starts_on and campaign.baseline_ends_on:
        return campaign.baseline_starts_on, campaign.baseline_ends_on

    def year_before(d: dt.date) -> dt.date:
        return d.replace(year=d.year - 1) if not (d.month == 2 and d.day == 29) else d.replace(year=d.year - 1, day=28)
    return year_before(campaign.starts_on), year_before(campaign.ends_on)


def headline(kpis: dict[str, Any]) -> list[tuple[str, str]]:
    """The few numbers a gate page, an artifact row or a ranking shows, as (label, text)."""
    funnel = [(f"{f['label']}台次" if f["step"] != "invited" else "邀约人数", str(f["count"])) for f in kpis["funnel"]]
    return [*funnel, ("非邀约到店", str(kpis["walk_ins"])), ("营业收入 (元)", kpis["revenue"]["revenue"]),
            ("收入增长", show(kpis["revenue"]["growth_rate"])), ("满意度 (4-5分)", show(kpis["satisfaction"]["csi"])),
            ("NPS", show(kpis["nps"]["score"])), ("7日内回访率", show(kpis["callbacks"]["in_7_days"])),
            ("投诉结案率", show(kpis["complaints"]["closed"]))]
