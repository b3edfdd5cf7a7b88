"""The call center's queue at /admin/verification/, over HTTP as each role."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditLog, User, VerificationTask, db
from models.verification import create_tasks
from tests.conftest import reload
from tests.models.test_verification import reported

URL = "/admin/verification/"


def _queue(personas, n=3):
    reported(personas, n=n)
    reported(personas, personas.dealer_b, n=1)
    create_tasks(db.session, personas.campaign.id)
    db.session.commit()


def test_it_lets_an_agent_reserve_call_and_record(client_for, personas):
    _queue(personas)
    agent = client_for(personas.call_center)
    assert "当前没有领取的任务" in agent.get(URL).get_data(as_text=True)
    response = agent.post(f"{URL}reserve", {"campaign": str(personas.campaign.id)}, csrf_from=URL)
    assert response.status_code == 302
    page = agent.get(URL).get_data(as_text=True)
    assert "我的批次（剩余 4 条）" in page and "顾客A010" in page and 'href="tel:13812345678"' in page
    assert "属实 <kbd>1</kbd>" in page and "检测发现" in page
    task = db.session.scalars(select(VerificationTask).where(VerificationTask.customer_name == "顾客A010")).one()
    response = agent.post(f"{URL}record", {"task_id": str(task.id), "outcome": "confirmed"}, csrf_from=URL)
    assert response.status_code == 302
    assert reload(task).status == "confirmed"
    assert db.session.scalar(select(AuditLog.user_id).where(AuditLog.action == "verification_confirmed")) \
        == personas.call_center.id
    page = agent.get(URL).get_data(as_text=True)
    assert "我的批次（剩余 3 条）" in page and "= 1 ÷ (3 − 0)" in page


def test_it_refuses_a_call_on_a_task_another_agent_holds(client_for, personas):
    _queue(personas, n=1)
    other = User(username="cc2", full_name="坐席二", role="call_center")
    db.session.add(other)
    db.session.commit()
    client_for(other).post(f"{URL}reserve", {"campaign": str(personas.campaign.id)}, csrf_from=URL)
    task = db.session.scalars(select(VerificationTask)).first()
    response = client_for(personas.call_center).post(
        f"{URL}record", {"task_id": str(task.id), "outcome": "not_real"}, csrf_from=URL)
    assert response.status_code == 409
    assert "不在您领取的批次中" in response.get_data(as_text=True)
    assert reload(task).status == "open" and reload(task).attempts == []


def test_it_answers_bad_task_ids_and_outcomes_with_4xx(client_for, personas):
    _queue(personas, n=1)
    agent = client_for(personas.call_center)
    agent.post(f"{URL}reserve", {"campaign": str(personas.campaign.id)}, csrf_from=URL)
    task = db.session.scalars(select(VerificationTask)).first()
    assert agent.post(f"{URL}record", {"task_id": "x", "outcome": "confirmed"}, csrf_from=URL).status_code == 404
    assert agent.post(f"{URL}record", {"task_id": "99999", "outcome": "confirmed"}, csrf_from=URL).status_code == 404
    bad = agent.post(f"{URL}record", {"task_id": str(task.id), "outcome": "yes"}, csrf_from=URL)
    assert bad.status_code == 409 and "请选择核实结果" in bad.get_data(as_text=True)
    assert agent.get(f"{URL}?campaign=abc").status_code == 404


def test_it_keeps_everyone_but_the_call_center_from_recording(client_for, personas):
    _queue(personas, n=1)
    task = db.session.scalars(select(VerificationTask)).first()
    for user in (personas.hq, personas.coord_a, personas.sa_a, personas.rm):
        client = client_for(user)
        page = "/admin/" if user.role != "hq_admin" else URL
        response = client.post(f"{URL}record", {"task_id": str(task.id), "outcome": "confirmed"},
                               csrf_from=page)
        assert response.status_code == 403, user.role
        assert client.post(f"{URL}reserve", {"campaign": str(personas.campaign.id)},
                           csrf_from=page).status_code == 403
    for user in (personas.coord_a, personas.sa_a, personas.rm, personas.coach):
        assert client_for(user).get(URL).status_code == 403
    assert reload(task).status == "open"


def test_it_lets_hq_create_tasks_and_see_rates_but_not_the_agent_batch(client_for, personas):
    reported(personas, n=2)
    db.session.commit()
    hq = client_for(personas.hq)
    assert hq.post(f"{URL}create", {"campaign": str(personas.campaign.id)}, csrf_from=URL).status_code == 302
    assert db.session.query(VerificationTask).count() == 2
    page = hq.get(URL).get_data(as_text=True)
    assert "北京甲特约店" in page and "待核实 2" in page and "我的批次" not in page
    assert client_for(personas.call_center).post(
        f"{URL}create", {"campaign": str(personas.campaign.id)}, csrf_from=URL).status_code == 403


def test_it_shows_the_dealer_its_own_results_only(client_for, personas):
    _queue(personas, n=1)
    html = client_for(personas.coord_a).get("/admin/verification_task/").get_data(as_text=True)
    assert "顾客A010" in html and "顾客B010" not in html
