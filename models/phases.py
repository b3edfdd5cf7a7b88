"""Gate decisions: approve, override, refuse (DESIGN §3, §6).

The database is the system of record for phase state: a decision is written
here first (with its audit row, in the caller's transaction), and only then does
anyone try to resume the Prefect run — so a decision is never lost when Prefect
is down; the reconciler catches up.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from .audit import AuditLog, record
from .base import LOCAL_TZ, local_date, utcnow
from .campaign import DECISION_LABELS, PHASE_ORDER, Campaign, GateApproval, Participation
from .gates import DEALER_GATE_PHASES, GATE_PHASES, campaign_items, dealer_items, has_passed, phase_label
from .org import Dealer, User
from .schedules import notify

DECISIONS = ("approved", "overridden", "refused")
PASSED = ("approved", "overridden")
MIN_REASON = 4  # characters; "ok" is not a written reason
START_REQUESTED = "campaign_start_requested"
SUBMITTED = "gate_submitted"
DEAD_RUN_STATES = ("FAILED", "CRASHED", "CANCELLED")


class GateError(Exception):
    """A refused decision, with the Chinese sentence shown to the person and an HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def next_phase(phase: str) -> str:
    return PHASE_ORDER[PHASE_ORDER.index(phase) + 1]


def existing_decision(session, campaign_id: int, phase: str, dealer_id: int | None) -> GateApproval | None:
    dealer_clause = GateApproval.dealer_id.is_(None) if dealer_id is None \
        else GateApproval.dealer_id == dealer_id
    return session.scalar(select(GateApproval).where(
        GateApproval.campaign_id == campaign_id, GateApproval.phase == phase, dealer_clause))


def may_decide(user, campaign: Campaign, part: Participation | None, decision: str) -> bool:
    """Who may decide (DESIGN §6): HQ decides campaign gates and overrides anything;
    the regional manager approves or refuses the dealer gates of his own region."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == "hq_admin":
        return part is None or decision in ("overridden", "refused")
    if user.role == "regional_manager" and part is not None:
        return decision in ("approved", "refused") and part.dealer.region_id == user.region_id
    return False


def _check_reached(campaign: Campaign, part: Participation | None, phase: str) -> None:
    current = part.phase if part is not None else campaign.phase
    who = f"特约店「{part.dealer.name}」" if part is not None else f"活动「{campaign.name}」"
    if has_passed(current, phase):
        raise GateError(f"{who}已通过「{phase_label(phase)}」关口，无需重复审批。", 409)
    if current != phase or (part is not None and campaign.phase != phase):
        where = campaign.phase if part is not None and campaign.phase != phase else current
        raise GateError(f"{who}尚未到达「{phase_label(phase)}」关口（当前处于「{phase_label(where)}」阶段）。",
                        409)


def _participation(session, campaign: Campaign, dealer_id: int) -> Participation:
    part = session.scalar(select(Participation).where(Participation.campaign_id == campaign.id,
                                                      Participation.dealer_id == dealer_id))
    if part is None:
        raise GateError("该特约店未参加此活动。", 404)
    return part


def decide(session, *, user, campaign: Campaign, phase: str, decision: str, note: str | None = "",
           dealer_id: int | None = None, version: int | str | None = None,
           today: dt.date | None = None, now: dt.datetime | None = None, mailer=None) -> GateApproval:
    """Record one decision, advance the phase and tell the people concerned (inbox + e-mail
    through `mailer`); raises GateError with a clear reason."""
    now = now or utcnow()
    today = today or local_date(now)
    note = (note or "").strip()
    if phase not in GATE_PHASES:
        raise GateError(f"未知阶段「{phase}」。")
    if decision not in DECISIONS:
        raise GateError(f"未知决定「{decision}」。")
    part = None
    if dealer_id is not None:
        if phase not in DEALER_GATE_PHASES:
            raise GateError(f"「{phase_label(phase)}」阶段只有活动整体关口，没有特约店关口。")
        part = _participation(session, campaign, dealer_id)
    if not may_decide(user, campaign, part, decision):
        raise GateError(_unauthorised(user, part, decision), 403)
    target = part if part is not None else campaign
    previous = existing_decision(session, campaign.id, phase, dealer_id)
    if previous is not None and previous.decision in PASSED:
        raise GateError(f"该关口已于 {previous.decided_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}（北京时间）"
                        "通过，不能重复审批。", 409)
    _check_reached(campaign, part, phase)
    # checked after "already"/"not reached" so a double click gets the clearer message
    if version in (None, "") or str(version) != str(target.version_id):
        raise GateError("页面已过期：关口状态已被他人更新，请刷新页面后重新审批。", 409)
    if part is not None and decision == "approved" and submission(session, part, phase) is None:
        # the dealer certifies its records first (DESIGN §6); HQ's written override stays possible
        raise GateError(f"特约店「{part.dealer.name}」尚未提交「{phase_label(phase)}」关口审核，"
                        "请待特约店活动协调员确认检查项并提交后再审批。", 409)
    items = dealer_items(session, part, phase, today) if part is not None \
        else campaign_items(session, campaign, phase, today)
    missing = [i.label for i in items if not i.ok]
    if decision == "approved" and missing:
        raise GateError("关口条件未满足：" + "、".join(missing) + "。总部管理员可填写书面理由后强制通过。", 400)
    if decision == "overridden" and len(note) < MIN_REASON:
        raise GateError(f"强制通过必须填写书面理由（至少 {MIN_REASON} 个字）。", 400)
    if decision == "refused" and not note:
        raise GateError("驳回必须说明原因。", 400)

    approval = previous or GateApproval(campaign_id=campaign.id, dealer_id=dealer_id, phase=phase)
    approval.decision, approval.note = decision, note or None
    approval.decided_by_id, approval.decided_at, approval.resumed = user.id, now, False
    session.add(approval)
    moved: list[str] = []
    if decision in PASSED:
        target.phase = next_phase(phase)
        if part is None:
            # HQ's campaign decision carries laggard dealers along; the audit says which.
            for p in campaign.participations:
                if p.phase == phase:
                    p.phase = target.phase
                    moved.append(p.dealer.name)
    session.flush()
    detail = f"{phase_label(phase)}关口：{DECISION_LABELS[decision]}" + (f"；理由：{note}" if note else "") + \
        (f"；未达条件：{'、'.join(missing)}" if missing else "") + \
        (f"；随活动推进的特约店：{'、'.join(moved)}" if moved else "")
    record(session, user=user, action=f"gate_{decision}", entity=approval, detail=detail)
    notify_decision(session, approval, campaign, part, mailer=mailer)
    return approval


# --- who hears about a decision ------------------------------------------------------------------
def coordinators_of(session, dealer_id: int) -> list[User]:
    return list(session.scalars(select(User).where(User.role == "dealer_coordinator", User.dealer_id == dealer_id,
                                                   User.active.is_(True)).order_by(User.id)))


def managers_of(session, region_ids) -> list[User]:
    return list(session.scalars(select(User).where(User.role == "regional_manager",
                                                   User.region_id.in_(list(region_ids)),
                                                   User.active.is_(True)).order_by(User.id)))


def hq_admins(session) -> list[User]:
    return list(session.scalars(select(User).where(User.role == "hq_admin", User.active.is_(True))
                                .order_by(User.id)))


def decision_recipients(session, approval: GateApproval, campaign: Campaign,
                        part: Participation | None) -> list[User]:
    """A dealer gate's decision goes to that dealer's coordinators; a refused campaign gate goes to
    the regional managers of the participating dealers and to HQ (the decider excepted)."""
    if part is not None:
        return coordinators_of(session, part.dealer_id)
    if approval.decision != "refused":
        return []  # a passed campaign gate is announced by the flow's "phase started" notice
    regions = {p.dealer.region_id for p in campaign.participations}
    people = managers_of(session, regions) + hq_admins(session)
    return [u for u in people if u.id != approval.decided_by_id]


def notify_decision(session, approval: GateApproval, campaign: Campaign, part: Participation | None,
                    mailer=None) -> list:
    users = decision_recipients(session, approval, campaign, part)
    if not users:
        return []
    who = f"{part.dealer.name}的" if part is not None else ""
    verb = {"approved": "已批准", "overridden": "已由总部强制通过", "refused": "被驳回"}[approval.decision]
    when = approval.decided_at.astimezone(LOCAL_TZ)
    # the time in the title keeps a second refusal of the same gate from being deduplicated away
    title = f"{campaign.name}：{who}「{phase_label(approval.phase)}」关口{verb}（{when:%Y-%m-%d %H:%M}）"
    label = "驳回原因" if approval.decision == "refused" else "说明"
    body = f"{label}：{approval.note}" if approval.note else ""
    return notify(session, users, kind=f"gate_{approval.decision}", title=title, body=body,
                  link=f"/admin/gates/?campaign={campaign.id}",
                  dealer_id=part.dealer_id if part is not None else None, mailer=mailer)


# --- a coordinator passes the dealer gate to review (DESIGN §6) ------------------------------------
def _submitted_detail(phase: str) -> str:
    return f"{phase_label(phase)}关口：提交审核"


def submission(session, part: Participation, phase: str) -> AuditLog | None:
    """The open review request of this dealer gate: the latest submission not answered by a
    later refusal (after a refusal the coordinator fixes the records and submits again)."""
    row = session.scalar(select(AuditLog).where(
        AuditLog.action == SUBMITTED, AuditLog.entity == "Participation", AuditLog.entity_id == part.id,
        AuditLog.detail.like(_submitted_detail(phase) + "%")).order_by(AuditLog.at.desc(), AuditLog.id.desc()))
    if row is None:
        return None
    decision = existing_decision(session, part.campaign_id, phase, part.dealer_id)
    if decision is not None and decision.decision == "refused" and decision.decided_at >= row.at:
        return None
    return row


def submit_for_review(session, *, user, campaign: Campaign, dealer_id: int, phase: str,
                      today: dt.date | None = None, now: dt.datetime | None = None, mailer=None) -> AuditLog:
    """Record "the dealer gate is ready" and ask the region's manager(s) to approve it."""
    now = now or utcnow()
    today = today or local_date(now)
    if getattr(user, "role", None) != "dealer_coordinator":
        raise GateError("只有特约店活动协调员可以提交关口审核。", 403)
    if user.dealer_id != dealer_id:
        raise GateError("只能为本特约店提交审核。", 404)  # another dealer: as if it did not exist
    if phase not in DEALER_GATE_PHASES:
        raise GateError(f"「{phase_label(phase)}」阶段没有特约店关口，无需提交审核。")
    part = _participation(session, campaign, dealer_id)
    _check_reached(campaign, part, phase)
    missing = [i.label for i in dealer_items(session, part, phase, today) if not i.ok]
    if missing:
        raise GateError("关口条件未满足，不能提交审核：" + "、".join(missing) + "。", 400)
    previous = submission(session, part, phase)
    if previous is not None:
        raise GateError(f"已于 {previous.at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}（北京时间）提交审核，"
                        "请等待区域经理审批。", 409)
    row = record(session, user=user, action=SUBMITTED, entity=part, detail=_submitted_detail(phase))
    row.at = now
    session.flush()
    dealer = session.get(Dealer, dealer_id)
    notify(session, managers_of(session, [dealer.region_id]), kind=SUBMITTED,
           title=f"{campaign.name}：{dealer.name}「{phase_label(phase)}」关口提交审核"
                 f"（{now.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}）",
           body=f"{user.full_name or user.username}已确认关口检查项全部满足，请审批。",
           link=f"/admin/gates/?campaign={campaign.id}", dealer_id=dealer_id, mailer=mailer)
    return row


def _unauthorised(user, part: Participation | None, decision: str) -> str:
    role = getattr(user, "role", None)
    if decision == "overridden":
        return "只有总部活动管理员可以强制通过关口。"
    if part is None:
        return "活动整体关口只能由总部活动管理员审批。"
    if role == "regional_manager":
        return "区域经理只能审批本区域特约店的关口。"
    if role == "hq_admin":
        return "特约店关口由区域经理审批；总部如需放行请填写理由强制通过。"
    return "您的角色无权审批关口。"


def approve(session, **kwargs) -> GateApproval:
    return decide(session, decision="approved", **kwargs)


def override(session, **kwargs) -> GateApproval:
    return decide(session, decision="overridden", **kwargs)


def refuse(session, **kwargs) -> GateApproval:
    return decide(session, decision="refused", **kwargs)


def pending_resumes(session) -> list[GateApproval]:
    """Campaign-gate decisions the Prefect run has not yet been told about (for the reconciler)."""
    return list(session.scalars(select(GateApproval).where(
        GateApproval.dealer_id.is_(None), GateApproval.decision.in_(PASSED),
        GateApproval.resumed.is_(False)).order_by(GateApproval.decided_at)))


def campaign_gate_passed(session, campaign_id: int, phase: str) -> GateApproval | None:
    row = existing_decision(session, campaign_id, phase, None)
    return row if row is not None and row.decision in PASSED else None


def start_requested_ids(session) -> list[int]:
    """Campaigns whose start was requested while Prefect was down (the reconciler starts them)."""
    return list(session.scalars(select(Campaign.id).where(
        Campaign.flow_run_id.is_(None),
        Campaign.id.in_(select(AuditLog.entity_id).where(AuditLog.action == START_REQUESTED,
                                                         AuditLog.entity == "Campaign")))))


# --- the reconciler's decisions (workflows/jobs.reconcile carries them out) --------------------------
@dataclass(frozen=True)
class ReconcileStep:
    kind: str  # "resume" | "restart" | "start"
    campaign_id: int
    phase: str | None = None  # the gate a "resume" answers
    dead_run_id: str | None = None  # the run a "restart" replaces


def reconcile_steps(session, run_state: Callable[[str], tuple[str, str | None] | None]) -> list[ReconcileStep]:
    """What is needed to bring Prefect in step with the database, given a state lookup
    (state type, pause key) per run id — None when Prefect cannot say (then: nothing, try later)."""
    steps: list[ReconcileStep] = []
    for campaign in session.scalars(select(Campaign).where(Campaign.flow_run_id.is_not(None))
                                    .order_by(Campaign.id)):
        state = run_state(campaign.flow_run_id)
        if state is None:
            continue
        kind, pause_key = state
        if kind == "PAUSED" and pause_key and pause_key.startswith("approve-"):
            waiting = pause_key.split("-")[1]
            if campaign_gate_passed(session, campaign.id, waiting) is not None \
                    and has_passed(campaign.phase, waiting):
                steps.append(ReconcileStep("resume", campaign.id, phase=waiting))
        elif kind in DEAD_RUN_STATES and campaign.phase != "closed":
            steps.append(ReconcileStep("restart", campaign.id, dead_run_id=campaign.flow_run_id))
    steps += [ReconcileStep("start", cid) for cid in start_requested_ids(session)]
    return steps
