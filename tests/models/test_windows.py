"""The phase windows table (DESIGN §3) as plain rules."""
from __future__ import annotations

from models import (Callback, ClosingMeeting, CustomerInvitation, Participation, PlanMeeting, SignIn,
                    TrainingSession, WeeklySummary, WorkOrder, db)
from models.windows import WINDOWS, phase_problem
from tests.factories import move_to_phase, participation_of


def test_it_opens_each_form_in_its_phases():
    assert WINDOWS[PlanMeeting] == ("planning",)
    assert WINDOWS[SignIn] == WINDOWS[WorkOrder] == WINDOWS[WeeklySummary] == ("execution",)
    assert WINDOWS[Callback] == ("execution", "evaluation")
    assert "preparation" in WINDOWS[TrainingSession] and "preparation" in WINDOWS[CustomerInvitation]
    assert WINDOWS[ClosingMeeting] == ("evaluation",)


def test_it_gives_every_campaign_form_a_window():
    """A new campaign form states its phases in WINDOWS, unless it is HQ's own setting-up data."""
    from sqlalchemy import inspect

    from admin.views import SCREENS

    hq_data = {Participation}  # which dealers take part: HQ's, in any phase
    written = {model for view, model, _, _ in SCREENS if view.write_roles and "campaign_id" in inspect(model).columns}
    assert written - hq_data <= set(WINDOWS), sorted(m.__name__ for m in written - hq_data - set(WINDOWS))


def test_it_names_the_phase_and_the_window(personas):
    assert phase_problem(SignIn, personas.campaign, personas.dealer_a.id) == \
        "活动当前处于“提出”阶段，此表只能在“执行”阶段填写或修改"
    move_to_phase(personas.campaign, "execution")
    assert phase_problem(SignIn, personas.campaign, personas.dealer_a.id) is None
    move_to_phase(personas.campaign, "preparation")
    assert phase_problem(Callback, personas.campaign, None) == \
        "活动当前处于“准备”阶段，此表只能在“执行”、“测评”阶段填写或修改"


def test_it_follows_the_dealers_own_phase(personas):
    move_to_phase(personas.campaign, "execution")
    participation_of(personas.campaign, personas.dealer_b).phase = "preparation"
    db.session.flush()
    assert phase_problem(WorkOrder, personas.campaign, personas.dealer_a.id) is None
    assert "“准备”阶段" in phase_problem(WorkOrder, personas.campaign, personas.dealer_b.id)
    assert phase_problem(WorkOrder, personas.campaign, None) is None  # HQ-level: the campaign's phase
