"""Gate decisions: roles (DESIGN §6), refusals with clear messages, audit, phase advance."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from models import AuditLog, GateApproval, db
from models.phases import GateError, approve, decide, override, pending_resumes, refuse
from tests.factories import move_to_phase, participation_of, prepare_dealer, submit

TODAY = dt.date(2014, 1, 10)


def test_it_lets_hq_override_an_unmet_campaign_gate_only_with_a_reason(personas):
    c = personas.campaign
    with pytest.raises(GateError, match="关口条件未满足：活动计划会议表已批准且至少一个目标") as e:
        approve(db.session, user=personas.hq, campaign=c, phase="planning", version=c.version_id)
    assert e.value.status == 400
    with pytest.raises(GateError, match="书面理由"):
        override(db.session, user=personas.hq, campaign=c, phase="planning", note=" ok ",
                 version=c.version_id)
    row = override(db.session, user=personas.hq, campaign=c, phase="planning", note="总部会议口头批准",
                   version=c.version_id)
    assert row.decision == "overridden" and c.phase == "preparation"
    assert {p.phase for p in c.participations} == {"preparation"}
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "gate_overridden")).one()
    assert "理由：总部会议口头批准" in log.detail and "未达条件" in log.detail
    assert pending_resumes(db.session) == [row]


def test_it_refuses_approving_twice_and_gates_not_reached(personas):
    c = personas.campaign
    override(db.session, user=personas.hq, campaign=c, phase="planning", note="计划已口头确认",
             version=c.version_id)
    with pytest.raises(GateError, match="不能重复审批") as e:
        override(db.session, user=personas.hq, campaign=c, phase="planning", note="再来一次",
                 version=c.version_id)
    assert e.value.status == 409
    with pytest.raises(GateError, match="尚未到达「执行」关口（当前处于「准备」阶段）"):
        override(db.session, user=personas.hq, campaign=c, phase="execution", note="跳过准备阶段",
                 version=c.version_id)


def test_it_lets_the_regional_manager_approve_only_own_region(personas):
    move_to_phase(personas.campaign, "preparation")
    c, a, cc = personas.campaign, personas.dealer_a, personas.dealer_c
    prepare_dealer(personas.campaign, a, TODAY)
    prepare_dealer(personas.campaign, cc, TODAY)
    with pytest.raises(GateError, match="区域经理只能审批本区域") as e:
        approve(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=cc.id,
                version=participation_of(personas.campaign, cc).version_id)
    assert e.value.status == 403
    for user in (personas.coord_a, personas.coach, personas.call_center, personas.sa_a):
        with pytest.raises(GateError, match="无权审批"):
            approve(db.session, user=user, campaign=c, phase="preparation", dealer_id=a.id,
                    version=participation_of(personas.campaign, a).version_id)
    with pytest.raises(GateError, match="特约店关口由区域经理审批"):
        approve(db.session, user=personas.hq, campaign=c, phase="preparation", dealer_id=a.id,
                version=participation_of(personas.campaign, a).version_id)
    with pytest.raises(GateError, match="活动整体关口只能由总部"):
        approve(db.session, user=personas.rm, campaign=c, phase="preparation", version=c.version_id)
    with pytest.raises(GateError, match="尚未提交「准备」关口审核") as e:
        approve(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=a.id,
                version=participation_of(personas.campaign, a).version_id)
    assert e.value.status == 409
    submit(c, a)
    approve(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=a.id,
            version=participation_of(personas.campaign, a).version_id)
    assert participation_of(personas.campaign, a).phase == "application" and c.phase == "preparation"


def test_it_refuses_a_stale_page(personas):
    move_to_phase(personas.campaign, "preparation")
    a = personas.dealer_a
    prepare_dealer(personas.campaign, a, TODAY)
    old = participation_of(personas.campaign, a).version_id
    participation_of(personas.campaign, a).coaching_selected = True  # someone else saved the participation
    db.session.flush()
    with pytest.raises(GateError, match="页面已过期") as e:
        approve(db.session, user=personas.rm, campaign=personas.campaign, phase="preparation",
                dealer_id=a.id, version=old)
    assert e.value.status == 409


def test_it_records_a_refusal_and_allows_a_later_approval(personas):
    move_to_phase(personas.campaign, "preparation")
    c, a = personas.campaign, personas.dealer_a
    with pytest.raises(GateError, match="驳回必须说明原因"):
        refuse(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=a.id,
               version=participation_of(personas.campaign, a).version_id)
    row = refuse(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=a.id,
                 note="礼品未到", version=participation_of(personas.campaign, a).version_id)
    assert row.decision == "refused" and participation_of(personas.campaign, a).phase == "preparation"
    prepare_dealer(personas.campaign, a, TODAY)
    submit(c, a)
    again = approve(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=a.id,
                    version=participation_of(personas.campaign, a).version_id)
    assert again.id == row.id and again.decision == "approved"
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["gate_refused", "gate_submitted", "gate_approved"]


def test_it_rejects_unknown_phases_and_dealer_gates_of_hq_phases(personas):
    c = personas.campaign
    with pytest.raises(GateError, match="未知阶段"):
        decide(db.session, user=personas.hq, campaign=c, phase="closed", decision="approved")
    with pytest.raises(GateError, match="只有活动整体关口"):
        approve(db.session, user=personas.rm, campaign=c, phase="planning",
                dealer_id=personas.dealer_a.id, version=1)
    assert db.session.scalar(select(GateApproval)) is None
