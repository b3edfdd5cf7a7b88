"""呼叫中心核实: the queue, the outcomes and 真实率 as plain functions (no Flask request, no Prefect)."""
from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from models import Customer, User, WorkOrder, db
from models.verification import (RESERVATION_TIMEOUT, RETRY_GAP, Truthfulness, VerificationError,
                                 VerificationTask, create_tasks, held, outcome_status, record_call,
                                 release, reserve, spaced_count, truthfulness_by_dealer)

T0 = dt.datetime(2014, 2, 20, 1, 0, tzinfo=dt.UTC)


def reported(personas, dealer=None, n=1, sent=dt.date(2014, 2, 18)):
    """n work orders of `dealer` whose first copy was sent to HQ (what the call center verifies)."""
    dealer = dealer or personas.dealer_a
    orders = []
    for i in range(n):
        customer = Customer(dealer_id=dealer.id, name=f"顾客{dealer.code}{i}", mobile="13812345678")
        db.session.add(customer)
        db.session.flush()
        order = WorkOrder(campaign_id=personas.campaign.id, dealer_id=dealer.id, number=f"{dealer.code}-{i}",
                          visited_on=dt.date(2014, 1, 20), first_copy_sent_on=sent, customer_id=customer.id)
        db.session.add(order)
        orders.append(order)
    db.session.flush()
    return orders


# --- pure rules -----------------------------------------------------------------------------------
def test_it_counts_only_calls_at_different_times():
    at = [T0, T0 + dt.timedelta(minutes=5), T0 + RETRY_GAP, T0 + 2 * RETRY_GAP - dt.timedelta(minutes=1)]
    assert spaced_count(at) == 2
    assert spaced_count([T0, T0 + RETRY_GAP, T0 + 2 * RETRY_GAP]) == 3
    assert spaced_count([]) == 0


def test_it_makes_a_customer_unreachable_only_after_three_unanswered_calls():
    assert outcome_status("unreachable", 1) == "open"
    assert outcome_status("unreachable", 2) == "open"
    assert outcome_status("unreachable", 3) == "unreachable"
    assert outcome_status("refused", 0) == "refused"
    with pytest.raises(VerificationError):
        outcome_status("maybe", 0)


def test_it_computes_truthfulness_with_unreachable_left_out():
    t = Truthfulness(reported=25, confirmed=19, not_real=1, refused=0, unreachable=5)
    assert t.verifiable == 20 and t.percent == Decimal("95.00") and t.pending == 0 and t.complete
    assert "属实 19 ÷ (上报 25 − 无法接通 5)" in t.explain()


def test_it_never_rounds_a_rate_up_to_a_boundary():
    t = Truthfulness(reported=3001, confirmed=2850, not_real=151)  # 94.968…%
    assert t.percent == Decimal("94.96") and t.fraction < Decimal("0.95")


def test_it_has_no_rate_without_reachable_customers():
    assert Truthfulness().percent is None and Truthfulness().complete
    all_unreachable = Truthfulness(reported=4, unreachable=4)
    assert all_unreachable.percent is None and all_unreachable.verifiable == 0


# --- the queue ------------------------------------------------------------------------------------
def test_it_makes_one_task_per_reported_work_order(personas):
    reported(personas, n=2)
    reported(personas, personas.dealer_b, n=1, sent=None)[0].number = "未寄出"
    assert create_tasks(db.session, personas.campaign.id) == 2
    assert create_tasks(db.session, personas.campaign.id) == 0
    task = db.session.scalars(select(VerificationTask)).first()
    assert task.customer_name.startswith("顾客A01") and task.mobile == "13812345678"


def test_it_reserves_a_batch_no_other_agent_holds(personas):
    reported(personas, n=25)
    create_tasks(db.session, personas.campaign.id)
    other = User(username="cc2", full_name="坐席二", role="call_center")
    db.session.add(other)
    db.session.flush()
    mine = reserve(db.session, personas.campaign.id, personas.call_center, T0)
    theirs = reserve(db.session, personas.campaign.id, other, T0)
    assert len(mine) == 20 and len(theirs) == 5
    assert not {t.id for t in mine} & {t.id for t in theirs}
    assert reserve(db.session, personas.campaign.id, personas.call_center, T0) == mine  # tops up, no more
    assert release(db.session, personas.campaign.id, other) == 0  # reserved at T0: already timed out now
    later = T0 + RESERVATION_TIMEOUT + dt.timedelta(seconds=1)
    assert len(reserve(db.session, personas.campaign.id, other, later)) == 20  # timed-out batch returns


def test_it_releases_the_unfinished_tasks(personas):
    reported(personas, n=3)
    create_tasks(db.session, personas.campaign.id)
    reserve(db.session, personas.campaign.id, personas.call_center)
    assert release(db.session, personas.campaign.id, personas.call_center) == 3
    assert held(db.session, personas.campaign.id, personas.call_center) == []


def test_it_hands_an_unanswered_customer_back_until_the_third_call_at_another_time(personas):
    reported(personas, n=1)
    create_tasks(db.session, personas.campaign.id)
    agent, c = personas.call_center, personas.campaign.id
    for n, at in enumerate([T0, T0 + RETRY_GAP, T0 + 2 * RETRY_GAP], start=1):
        assert reserve(db.session, c, agent, at - dt.timedelta(minutes=1)) == [] or n == 1
        [task] = reserve(db.session, c, agent, at)
        record_call(db.session, task, agent, "unreachable", now=at)
        assert task.status == ("unreachable" if n == 3 else "open")
    assert len(task.attempts) == 3 and task.finished_at == T0 + 2 * RETRY_GAP


def test_it_refuses_a_call_on_a_task_the_agent_does_not_hold(personas):
    reported(personas, n=1)
    create_tasks(db.session, personas.campaign.id)
    task = db.session.scalars(select(VerificationTask)).one()
    with pytest.raises(VerificationError, match="不在您领取的批次中"):
        record_call(db.session, task, personas.call_center, "confirmed")
    reserve(db.session, personas.campaign.id, personas.call_center)
    with pytest.raises(VerificationError, match="请选择核实结果"):
        record_call(db.session, task, personas.call_center, "")
    record_call(db.session, task, personas.call_center, "confirmed")
    with pytest.raises(VerificationError, match="已核实"):
        record_call(db.session, task, personas.call_center, "not_real")


def test_it_computes_truthfulness_per_dealer(personas):
    reported(personas, n=4)
    reported(personas, personas.dealer_b, n=1)
    create_tasks(db.session, personas.campaign.id)
    agent = personas.call_center
    batch = reserve(db.session, personas.campaign.id, agent, T0)
    a_tasks = [t for t in batch if t.dealer_id == personas.dealer_a.id]
    for task, outcome in zip(a_tasks, ["confirmed", "confirmed", "not_real", "refused"]):
        record_call(db.session, task, agent, outcome, now=T0)
    rates = truthfulness_by_dealer(db.session, personas.campaign.id)
    assert rates[personas.dealer_a.id] == Truthfulness(reported=4, confirmed=2, not_real=1, refused=1)
    assert rates[personas.dealer_a.id].percent == Decimal("50.00")
    assert rates[personas.dealer_b.id].pending == 1 and not rates[personas.dealer_b.id].complete


def test_it_hands_every_task_out_exactly_once_to_concurrent_agents(personas):
    """1,000 tasks, 10 agents reserving at the same moment in threads, each with its own connection."""
    campaign_id, dealer_id = personas.campaign.id, personas.dealer_a.id
    db.session.execute(insert(WorkOrder), [
        dict(campaign_id=campaign_id, dealer_id=dealer_id, number=f"W{i}", visited_on=dt.date(2014, 1, 20),
             first_copy_sent_on=dt.date(2014, 2, 18), labor_hours=Decimal(0), customer_signed=False,
             created_at=T0, updated_at=T0, version_id=1) for i in range(1000)])
    create_tasks(db.session, campaign_id)
    agents = [User(username=f"agent{i}", full_name=f"坐席{i}", role="call_center") for i in range(10)]
    db.session.add_all(agents)
    db.session.commit()
    agent_ids, engine = [a.id for a in agents], db.engine
    start, got, errors, sizes = threading.Barrier(10), {}, [], []

    def work(agent_id: int) -> None:
        agent, taken = SimpleNamespace(id=agent_id), []
        try:
            start.wait()
            for _ in range(10):  # ten rounds of 领取 20 条, each finished before the next
                with Session(engine) as session:
                    batch = reserve(session, campaign_id, agent, T0)
                    sizes.append(len(batch))
                    taken += [t.id for t in batch]
                    for task in batch:
                        task.status, task.reserved_by_id = "confirmed", None
                    session.commit()
        except Exception as exc:  # noqa: BLE001 - reported by the main thread below
            errors.append(exc)
        got[agent_id] = taken

    threads = [threading.Thread(target=work, args=(i,)) for i in agent_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    handed = Counter(task_id for ids in got.values() for task_id in ids)
    assert len(handed) == 1000 and set(handed.values()) == {1}
    assert sum(len(ids) > 0 for ids in got.values()) > 1  # the agents really did compete
    assert max(sizes) == 20 and sum(sizes) == 1000
