"""The campaign at a glance (models/overview.py): stepper, dealer progress, decision history."""
from __future__ import annotations

import datetime as dt

import pytest

from models import db
from models.overview import campaign_overview, overview_markdown
from models.phases import approve, override, refuse
from tests.factories import move_to_phase, participation_of, prepare_dealer, submit

TODAY = dt.date(2014, 1, 10)


def test_it_keeps_every_decision_of_a_gate_in_the_history_not_only_the_last(personas):
    move_to_phase(personas.campaign, "preparation")
    c, a = personas.campaign, personas.dealer_a
    refuse(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=a.id, note="礼品未到",
           version=participation_of(c, a).version_id)
    prepare_dealer(c, a, TODAY)
    submit(c, a)
    approve(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=a.id,
            version=participation_of(c, a).version_id)
    override(db.session, user=personas.hq, campaign=c, phase="preparation", note="总部会议决定推进",
             version=c.version_id)
    db.session.commit()

    overview = campaign_overview(db.session, c, TODAY)
    assert [(h.scope, h.action) for h in overview.history] == [
        ("北京甲特约店", "驳回"), ("北京甲特约店", "提交审核"), ("北京甲特约店", "批准"), ("活动整体", "强制通过")]
    assert "准备关口：驳回；理由：礼品未到" in overview.history[0].detail  # Chinese, no raw codes
    assert [s.state for s in overview.steps] == ["done", "done", "current", "todo", "todo"]
    assert overview.steps[1].decision.decision == "overridden"
    assert overview.progress() == pytest.approx(40.0 + overview.gate.progress() / 5, abs=0.1)

    markdown = overview_markdown(overview, "https://desk.example.com")
    assert "| 准备 | ✔ 已通过 | 强制通过 · " in markdown and "礼品未到" in markdown
    assert f"(https://desk.example.com/admin/gates/?campaign={c.id})" in markdown


def test_it_shows_a_dealer_only_its_own_history_rows(personas):
    move_to_phase(personas.campaign, "preparation")
    c = personas.campaign
    for dealer in (personas.dealer_a, personas.dealer_b):
        refuse(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=dealer.id,
               note=f"{dealer.name}名单为空", version=participation_of(c, dealer).version_id)
    db.session.commit()
    overview = campaign_overview(db.session, c, TODAY, dealer_ids=[personas.dealer_a.id])
    assert [h.scope for h in overview.history] == ["北京甲特约店"]
    assert [d.name for d in overview.dealers] == ["北京甲特约店"]
