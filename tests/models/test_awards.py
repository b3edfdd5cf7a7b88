"""评选/奖励: ranking, ties, weights and a frozen published ranking, as plain functions."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from models import CoachingVisit, Trainee, TrainingSession, db
from models.awards import (AwardError, Row, dealer_components, preview, publish, ranked, ranking_for,
                           set_weights, weighted)
from models.gates import gate_report

D = Decimal


def test_it_ranks_ties_on_the_same_place_and_skips_the_next():
    places = ranked([("a", D(90), D(0)), ("b", D(95), D(0)), ("c", D(90), D(0)), ("d", D(80), D(0))], top=10)
    assert [(p.key, p.rank) for p in places] == [("b", 1), ("a", 2), ("c", 2), ("d", 4)]


def test_it_breaks_ties_by_the_second_key_and_keeps_ties_at_the_cut():
    advisors = [("x", D(95), D(80)), ("y", D(95), D(90)), ("z", D(90), D(70)), ("w", D(90), D(70)), ("v", D(85), D(99))]
    assert [(p.key, p.rank) for p in ranked(advisors, top=3)] == [("y", 1), ("x", 2), ("z", 3), ("w", 3)]
    assert ranked([], top=3) == []


def test_it_weights_the_components():
    comps = {"training": D(80), "organization": D(90), "truthfulness": D(100), "callbacks": D(50),
             "satisfaction": D(0), "revenue": D(10)}
    weights = {"training": 20, "organization": 20, "truthfulness": 20, "callbacks": 15, "satisfaction": 15,
               "revenue": 10}
    assert weighted(comps, weights) == D("62.50")  # (1600+1800+2000+750+0+100)/100
    assert weighted(comps, {**{k: 0 for k in weights}, "training": 1}) == D("80.00")
    with pytest.raises(AwardError):
        weighted(comps, {k: 0 for k in weights})


def _trained(personas, dealer, scores, advisor=None):
    session = TrainingSession(campaign_id=personas.campaign.id, dealer_id=dealer.id, kind="dealer",
                              held_on=dt.date(2014, 1, 10), trainer="李",
                              trainees=[Trainee(name=f"学员{i}", score=s, advisor_id=advisor.id if advisor else None)
                                        for i, s in enumerate(scores)])
    db.session.add(session)
    db.session.flush()


def test_it_reads_the_components_from_the_campaign(personas):
    _trained(personas, personas.dealer_a, [80, 90])
    db.session.add(CoachingVisit(campaign_id=personas.campaign.id, dealer_id=personas.dealer_a.id,
                                 visit_on=dt.date(2014, 1, 20), coach_id=personas.coach.id, status="done",
                                 organization_score=70))
    db.session.flush()
    comps = dealer_components(db.session, personas.campaign.id)
    assert comps[personas.dealer_a.id]["training"] == D(85) and comps[personas.dealer_a.id]["organization"] == D(70)
    assert comps[personas.dealer_b.id] == {k: D(0) for k in comps[personas.dealer_b.id]}


def test_it_freezes_a_published_ranking(personas):
    _trained(personas, personas.dealer_a, [60], advisor=personas.sa_a)
    _trained(personas, personas.dealer_b, [90], advisor=personas.sa_b)
    ranking = ranking_for(db.session, personas.campaign.id)
    set_weights(db.session, ranking, personas.hq, {"training": 100, "organization": 0, "truthfulness": 0,
                                                    "callbacks": 0, "satisfaction": 0, "revenue": 0})
    publish(db.session, ranking, personas.hq)
    before = preview(db.session, ranking)
    assert [(r.kind, r.rank, r.name) for r in before][:2] == [("dealer", 1, "北京乙特约店"), ("dealer", 2, "北京甲特约店")]
    assert any(r.kind == "advisor" and r.advisor_id == personas.sa_b.id and r.rank == 1 for r in before)
    _trained(personas, personas.dealer_a, [100, 100, 100])  # later data
    db.session.expire_all()
    assert preview(db.session, ranking) == before
    with pytest.raises(AwardError, match="不能重复发布"):
        publish(db.session, ranking, personas.hq)
    with pytest.raises(AwardError, match="不能再修改"):
        set_weights(db.session, ranking, personas.hq, ranking.weights)
    assert next(i for i in gate_report(db.session, personas.campaign, "evaluation", dt.date(2014, 3, 1))
                .campaign_items if i.key == "awards").ok


def test_it_lets_only_hq_weigh_and_publish(personas):
    ranking = ranking_for(db.session, personas.campaign.id)
    with pytest.raises(AwardError, match="只有总部"):
        set_weights(db.session, ranking, personas.rm, ranking.weights)
    with pytest.raises(AwardError, match="只有总部"):
        publish(db.session, ranking, personas.coord_a)
    with pytest.raises(AwardError, match="0–100"):
        set_weights(db.session, ranking, personas.hq, {**ranking.weights, "training": 101})
    assert not next(i for i in gate_report(db.session, personas.campaign, "evaluation", dt.date(2014, 3, 1))
                    .campaign_items if i.key == "awards").ok
    assert isinstance(preview(db.session, ranking)[0], Row)
