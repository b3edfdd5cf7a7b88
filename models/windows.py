"""Phase windows (DESIGN §3): in which phases each campaign form may be created or edited.

A form is written in the phase whose checklist it belongs to, and in the later phases that still
fill it in (a training's scores, a coaching visit's assessment, the callbacks due a week after the
last visit). Outside its window only HQ may write, as an audited correction (DESIGN §3: HQ
overrides with a record of it). The dealer's own phase (its Participation) counts when it has one.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .campaign import PHASES, Participation
from .execution import Feedback, SignIn
from .followup import Callback, Complaint
from .forms_rules import campaign_of
from .planning import PlanMeeting
from .preparation import CustomerInvitation, DailyFlow, PreparationItem, TrainingSession
from .reporting import ClosingMeeting, CoachingVisit, RevenueReport, WeeklySummary
from .workorder import WorkOrder

PREPARING = ("preparation", "application", "execution")
WINDOWS: dict[type, tuple[str, ...]] = {
    PlanMeeting: ("planning",),
    TrainingSession: PREPARING,
    CustomerInvitation: PREPARING,
    PreparationItem: PREPARING,
    DailyFlow: PREPARING,
    CoachingVisit: ("application", "execution", "evaluation"),
    SignIn: ("execution",),
    WorkOrder: ("execution",),
    Feedback: ("execution",),
    WeeklySummary: ("execution",),
    Callback: ("execution", "evaluation"),
    Complaint: ("execution", "evaluation"),
    RevenueReport: ("execution", "evaluation"),
    ClosingMeeting: ("evaluation",),
}
OVERRIDE_ROLES = frozenset({"hq_admin"})


def phase_of(campaign: Any, dealer_id: int | None) -> str | None:
    """The phase that governs a dealer's forms: its own progress in the campaign, else the campaign's."""
    from . import db

    if campaign is None:
        return None
    if dealer_id is not None:
        with db.session.no_autoflush:
            part = db.session.scalar(select(Participation.phase).where(
                Participation.campaign_id == campaign.id, Participation.dealer_id == dealer_id))
        if part is not None:
            return part
    return campaign.phase


def window_problem(obj: Any) -> str | None:
    """A Chinese sentence naming the phase when obj may not be written now, else None."""
    from .ownership import current_id

    if type(obj) not in WINDOWS:
        return None
    dealer_id = current_id(obj, "dealer") if hasattr(obj, "dealer_id") else None
    return phase_problem(type(obj), campaign_of(obj), dealer_id)


def phase_problem(model: type, campaign: Any, dealer_id: int | None) -> str | None:
    """Why `model` may not be written for this campaign and dealer now (the import asks this once)."""
    allowed = WINDOWS.get(model)
    phase = phase_of(campaign, dealer_id) if allowed else None
    if phase is None or phase in allowed:
        return None
    names = "、".join(f"“{PHASES[p]}”" for p in allowed)
    return f"活动当前处于“{PHASES.get(phase, phase)}”阶段，此表只能在{names}阶段填写或修改"


def may_override(user: Any) -> bool:
    return getattr(user, "role", None) in OVERRIDE_ROLES
