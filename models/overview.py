"""A campaign at a glance: the five-phase stepper, each dealer's progress, the current gate and
the decision history — one definition read by the gates page and the Prefect run's artifacts,
so both always say the same thing as the database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select

from .audit import AuditLog
from .base import LOCAL_TZ
from .campaign import DECISION_LABELS, PHASE_ORDER, Campaign, GateApproval
from .gates import DEALER_GATE_PHASES, GATE_PHASES, GateReport, dealer_items, gate_report, markdown_table, \
    phase_label

HISTORY_ACTIONS = {"gate_approved": "批准", "gate_overridden": "强制通过", "gate_refused": "驳回",
                   "gate_submitted": "提交审核", "campaign_started": "启动流程",
                   "campaign_restarted": "重启流程"}


@dataclass(frozen=True)
class Step:
    phase: str
    state: str  # "done" | "current" | "todo"
    decision: GateApproval | None  # the campaign gate's decision (the latest one)

    @property
    def label(self) -> str:
        return phase_label(self.phase)


@dataclass(frozen=True)
class DealerProgress:
    dealer_id: int
    name: str
    phase: str
    done: int  # gate items ✔ of the dealer's current gate
    total: int


@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    who: str
    scope: str  # 活动整体 or the dealer's name
    action: str
    detail: str


@dataclass
class Overview:
    campaign: Campaign
    steps: list[Step]
    gate: GateReport | None
    dealers: list[DealerProgress]
    history: list[HistoryRow]

    def progress(self) -> float:
        """Passed phases plus the current gate's share, over the five phases (100 when closed)."""
        passed = sum(s.state == "done" for s in self.steps)
        current = self.gate.progress() / 100 if self.gate is not None else 0.0
        return round(100.0 * min(passed + current, len(GATE_PHASES)) / len(GATE_PHASES), 1)


def _steps(session, campaign: Campaign) -> list[Step]:
    decisions = {a.phase: a for a in session.scalars(select(GateApproval).where(
        GateApproval.campaign_id == campaign.id, GateApproval.dealer_id.is_(None)))}
    now = PHASE_ORDER.index(campaign.phase)
    return [Step(p, "done" if i < now else "current" if i == now else "todo", decisions.get(p))
            for i, p in enumerate(GATE_PHASES)]


def history(session, campaign: Campaign, dealer_ids: list[int] | None = None) -> list[HistoryRow]:
    """Every gate decision, review request and (re)start of the campaign, oldest first, from the
    audit log (GateApproval keeps only the latest decision of a gate). `dealer_ids` limits it
    to those dealers' rows — a dealer sees neither other dealers nor campaign-wide notes."""
    parts = {p.id: p for p in campaign.participations}
    approvals = select(GateApproval.id).where(GateApproval.campaign_id == campaign.id)
    where = [or_((AuditLog.entity == "GateApproval") & AuditLog.entity_id.in_(approvals),
                 (AuditLog.entity == "Participation") & AuditLog.entity_id.in_(list(parts) or [-1]),
                 (AuditLog.entity == "Campaign") & (AuditLog.entity_id == campaign.id)),
             AuditLog.action.in_(list(HISTORY_ACTIONS))]
    if dealer_ids is not None:
        where.append(AuditLog.dealer_id.in_(dealer_ids or [-1]))
    names = {p.dealer_id: p.dealer.name for p in parts.values()}
    rows = session.scalars(select(AuditLog).where(*where).order_by(AuditLog.at, AuditLog.id))
    return [HistoryRow(r.at, (r.user.full_name or r.user.username) if r.user else "系统",
                       names.get(r.dealer_id, "活动整体") if r.dealer_id else "活动整体",
                       HISTORY_ACTIONS[r.action], r.detail or "") for r in rows]


def campaign_overview(session, campaign: Campaign, today: dt.date,
                      dealer_ids: list[int] | None = None) -> Overview:
    """`dealer_ids`: the dealers the viewer may see (None: all)."""
    phase = campaign.phase
    gate = gate_report(session, campaign, phase, today) if phase in GATE_PHASES else None
    dealers = []
    for part in sorted(campaign.participations, key=lambda p: p.dealer.code):
        if dealer_ids is not None and part.dealer_id not in dealer_ids:
            continue
        items = dealer_items(session, part, part.phase, today) if part.phase in DEALER_GATE_PHASES else []
        dealers.append(DealerProgress(part.dealer_id, part.dealer.name, part.phase,
                                      sum(i.ok for i in items), len(items)))
    return Overview(campaign, _steps(session, campaign), gate, dealers, history(session, campaign, dealer_ids))


def _when(at: dt.datetime) -> str:
    return at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _cell(text: str) -> str:
    return text.replace("|", "｜").replace("\n", " ")


def overview_markdown(ov: Overview, base_url: str) -> str:
    """The Prefect artifact: phases, dealers × phases, the current gate's ✔/✘, who decided what."""
    c = ov.campaign
    lines = [f"## {c.name} — 总进度 {ov.progress()}%（当前：{phase_label(c.phase)}）", "",
             f"[在管理台打开活动关口]({base_url}/admin/gates/?campaign={c.id})", "",
             "| 阶段 | 状态 | 活动整体关口决定 |", "|---|---|---|"]
    mark = {"done": "✔ 已通过", "current": "▶ 进行中", "todo": "—"}
    for s in ov.steps:
        d = s.decision
        decided = f"{DECISION_LABELS[d.decision]} · {_cell(d.decided_by.full_name or d.decided_by.username)} · " \
                  f"{_when(d.decided_at)}" + (f" · {_cell(d.note)}" if d.note else "") if d else ""
        lines.append(f"| {s.label} | {mark[s.state]} | {decided} |")
    if ov.dealers:
        lines += ["", "| 特约店 | " + " | ".join(phase_label(p) for p in GATE_PHASES) + " |",
                  "|---" * (len(GATE_PHASES) + 1) + "|"]
        for d in ov.dealers:
            at = PHASE_ORDER.index(d.phase)
            cells = ["✔" if PHASE_ORDER.index(p) < at else
                     (f"▶ {d.done}/{d.total}" if d.total else "▶") if p == d.phase else "—" for p in GATE_PHASES]
            lines.append(f"| {_cell(d.name)} | " + " | ".join(cells) + " |")
    if ov.gate is not None:
        lines += ["", markdown_table(ov.gate, base_url)]
    lines += ["", "### 审批记录（北京时间）", "", "| 时间 | 人员 | 范围 | 操作 | 详情 |", "|---|---|---|---|---|"]
    lines += [f"| {_when(h.at)} | {_cell(h.who)} | {_cell(h.scope)} | {h.action} | {_cell(h.detail)} |"
              for h in ov.history] or ["| — | | | 尚无记录 | |"]
    return "\n".join(lines)
