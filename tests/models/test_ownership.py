"""Links never cross dealers: the one rule, walked over every relation of every model."""
from __future__ import annotations

import pytest

from models import Customer, Vehicle, db
from models.base import Base
from models.forms_rules import Validated
from models.ownership import link_problems, links
from tests.factories import make_row

# sorted: every xdist worker must collect the same tests in the same order
LINKS = sorted(((m.class_, rel.key) for m in Base.registry.mappers if issubclass(m.class_, Validated)
                and "dealer_id" in m.columns for rel in links(m.class_)),
               key=lambda link: (link[0].__name__, link[1]))


def test_it_finds_the_links_the_issue_named():
    names = {f"{model.__name__}.{key}" for model, key in LINKS}
    assert {"Vehicle.customer", "CustomerInvitation.customer", "WorkOrder.customer", "WorkOrder.vehicle",
            "WorkOrder.sign_in", "Callback.work_order", "SignIn.customer", "Feedback.sign_in"} <= names


def _target(model: type, key: str, dealer, campaign, user):
    target_model = getattr(model, key).property.mapper.class_
    return make_row(target_model, dealer=dealer, campaign=campaign, user=user)


@pytest.mark.parametrize("model,key", LINKS, ids=[f"{m.__name__}.{k}" for m, k in LINKS])
def test_it_refuses_a_link_to_another_dealers_record_on_create(personas, model, key):
    theirs = _target(model, key, personas.dealer_b, personas.campaign, personas.hq)
    row = make_row(model, dealer=personas.dealer_a, campaign=personas.campaign, user=personas.hq)
    setattr(row, key, theirs)
    assert [p for p in link_problems(row) if p.field == key], f"{model.__name__}.{key} crosses dealers"
    db.session.rollback()


@pytest.mark.parametrize("model,key", LINKS, ids=[f"{m.__name__}.{k}" for m, k in LINKS])
def test_it_refuses_moving_a_record_away_from_its_links_on_edit(personas, model, key):
    mine = _target(model, key, personas.dealer_a, personas.campaign, personas.hq)
    row = make_row(model, dealer=personas.dealer_a, campaign=personas.campaign, user=personas.hq)
    setattr(row, key, mine)
    db.session.flush()
    assert not list(link_problems(row))
    row.dealer = personas.dealer_b  # as the form sets it: dealer_id still holds the stored value
    assert [p for p in link_problems(row) if p.field == key]
    db.session.rollback()


def test_it_refuses_another_dealers_vehicle_among_a_customers_rows(personas):
    customer = make_row(Customer, dealer=personas.dealer_a, name="张伟")
    other = make_row(Vehicle, dealer=personas.dealer_b, customer_id=customer.id, plate="京A12345")
    db.session.refresh(customer)
    assert any("属于其他特约店" in p for p in link_problems(customer))
    assert other.dealer_id == personas.dealer_b.id
