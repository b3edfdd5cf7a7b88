"""Dealer isolation on every admin screen: list, count, detail, edit, delete, export, lookups."""
from __future__ import annotations

import re

import pytest

from admin.views import SCREENS
from sqlalchemy import select

from models import Customer, Participation, User, db
from tests.factories import make_row

DEALER_OWNED = [(view, model) for view, model, _, _ in SCREENS if hasattr(model, "dealer_id")
                and model is not User and view.__name__ not in {"AuditLogView", "NotificationView"}]


def _ids(screens):
    return [model.__tablename__ for _, model in screens]


def _marker(model) -> str:
    return f"隔离{model.__tablename__}"


@pytest.fixture
def rows(personas):
    """One row of every dealer-owned model for dealer A and one for dealer B."""
    made = {}
    for view, model in DEALER_OWNED:
        for dealer in (personas.dealer_a, personas.dealer_b):
            if model is Participation:  # the personas already enrolled every dealer
                made[(model, dealer.code)] = db.session.scalar(
                    select(Participation).where(Participation.dealer_id == dealer.id))
                continue
            extra = {}
            text_cols = [c.key for c in model.__table__.columns
                         if c.key in {"name", "customer_name", "number", "item", "leader", "trainer"}]
            if text_cols:
                extra[text_cols[0]] = f"{_marker(model)}-{dealer.code}"
            made[(model, dealer.code)] = make_row(model, dealer=dealer, campaign=personas.campaign,
                                                  user=personas.coach, **extra)
    db.session.commit()
    return made


@pytest.mark.parametrize("view,model", DEALER_OWNED, ids=_ids(DEALER_OWNED))
def test_it_lists_only_own_dealer_rows(client_for, personas, rows, view, model):
    if personas.coord_a.role not in view.read_roles:
        pytest.skip("dealer coordinators do not read this screen")
    own, other = rows[(model, "A01")], rows[(model, "B01")]
    client = client_for(personas.coord_a)
    url = f"/admin/{model.__tablename__}/"
    listing = client.get(url)
    assert listing.status_code == 200
    listed = {int(i) for i in re.findall(r'details/\?id=(\d+)',
                                         listing.get_data(as_text=True))}
    assert own.id in listed and other.id not in listed
    dealers = set(db.session.scalars(select(model.dealer_id).where(model.id.in_(listed))))
    assert dealers == {personas.dealer_a.id}


@pytest.mark.parametrize("view,model", DEALER_OWNED, ids=_ids(DEALER_OWNED))
def test_it_returns_404_for_other_dealer_record(client_for, personas, rows, view, model):
    other = rows[(model, "B01")]
    for user in (personas.coord_a, personas.sa_a, personas.coord_c):
        if user.role not in view.read_roles:
            continue
        client = client_for(user)
        base = f"/admin/{model.__tablename__}"
        assert client.get(f"{base}/details/?id={other.id}").status_code == 404
        assert client.get(f"{base}/edit/?id={other.id}").status_code in (404, 302)
        if user.role in view.write_roles:
            assert client.get(f"{base}/edit/?id={other.id}").status_code == 404
        if user.role in view.deleting_roles():
            response = client.post(f"{base}/delete/", {"id": str(other.id), "url": f"{base}/"},
                                   csrf_from=f"{base}/")
            assert response.status_code == 404, response.get_data(as_text=True)[:3000]
            assert db.session.get(model, other.id) is not None


@pytest.mark.parametrize("view,model", DEALER_OWNED, ids=_ids(DEALER_OWNED))
def test_it_exports_only_own_dealer_rows(client_for, personas, rows, view, model):
    user = personas.coord_a
    if user.role not in view.read_roles:
        pytest.skip("not readable by dealer coordinators")
    response = client_for(user).get(f"/admin/{model.__tablename__}/export/csv/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert personas.dealer_b.name not in body
    assert personas.dealer_a.name in body


def test_it_hides_other_dealer_customers_from_ajax_lookup(client_for, personas):
    db.session.add_all([Customer(dealer=personas.dealer_a, name="甲店顾客张伟"),
                        Customer(dealer=personas.dealer_b, name="乙店顾客张伟")])
    db.session.commit()
    response = client_for(personas.sa_a).get(
        "/admin/sign_in/ajax/lookup/?name=customer&query=张伟")
    assert response.status_code == 200
    names = [name for _, name in response.get_json()]
    assert names == ["甲店顾客张伟"]


def test_it_ignores_a_posted_dealer_from_dealer_staff(client_for, personas):
    from models import PreparationItem

    response = client_for(personas.coord_a).post("/admin/preparation_item/new/", {
        "campaign": str(personas.campaign.id), "dealer": str(personas.dealer_b.id),
        "item": "礼品", "quantity": "10"}, csrf_from="/admin/preparation_item/new/")
    assert response.status_code == 302
    assert [i.dealer_id for i in db.session.query(PreparationItem)] == [personas.dealer_a.id]


def test_it_refuses_another_dealers_customer_in_a_relation(client_for, personas):
    from models import Vehicle

    theirs = Customer(dealer=personas.dealer_b, name="乙店顾客")
    db.session.add(theirs)
    db.session.commit()
    response = client_for(personas.sa_a).post("/admin/vehicle/new/", {
        "customer": str(theirs.id), "plate": "京A12345"}, csrf_from="/admin/vehicle/new/")
    assert response.status_code == 200
    assert db.session.query(Vehicle).count() == 0


def test_it_scopes_regional_manager_and_coach(client_for, personas, rows):
    from models import PreparationItem

    c_row = make_row(PreparationItem, dealer=personas.dealer_c, campaign=personas.campaign,
                     item="丙店物品")
    db.session.commit()
    rm_html = client_for(personas.rm).get("/admin/preparation_item/").get_data(as_text=True)
    assert "北京甲特约店" in rm_html and "北京乙特约店" in rm_html and "丙店物品" not in rm_html
    assert client_for(personas.rm).get(f"/admin/preparation_item/details/?id={c_row.id}").status_code == 404
    coach_html = client_for(personas.coach).get("/admin/preparation_item/").get_data(as_text=True)
    assert "北京甲特约店" in coach_html and "北京乙特约店" not in coach_html
    hq_html = client_for(personas.hq).get("/admin/preparation_item/").get_data(as_text=True)
    assert "丙店物品" in hq_html


def test_it_keeps_dealer_staff_out_of_other_dealers_users(client_for, personas):
    html = client_for(personas.coord_a).get("/admin/user/").get_data(as_text=True)
    assert "测试sa_a" in html and "测试sa_b" not in html
    assert client_for(personas.coord_a).get(
        f"/admin/user/details/?id={personas.sa_b.id}").status_code == 404


# The customers' QR sheets (admin/qr.py): another dealer's or region's sheet is a 404.
QR_SHEETS = ["/admin/customer_invitation/qr-labels/", "/admin/sign_in/walk-in-poster/"]


@pytest.mark.parametrize("url", QR_SHEETS)
def test_it_returns_404_for_other_dealers_qr_sheets(client_for, personas, url):
    dealer_c = f"{url}?dealer={personas.dealer_c.id}&campaign={personas.campaign.id}"
    assert client_for(personas.rm).get(dealer_c).status_code == 404  # 华南 is not his region
    assert client_for(personas.coach).get(dealer_c).status_code == 404
    assert client_for(personas.hq).get(dealer_c).status_code == 200
    assert client_for(personas.coord_a).get(f"{url}?campaign=999999").status_code == 404
    assert client_for(None).get(url).status_code in (302, 403, 404)


# Pages outside the model screens that show one dealer's data: (name, url for a campaign and dealer).
DEALER_PAGES = [
    ("packet", lambda campaign, dealer: f"/admin/packet/?campaign={campaign.id}&dealer={dealer.id}"),
]


@pytest.mark.parametrize("name,page", DEALER_PAGES, ids=[n for n, _ in DEALER_PAGES])
def test_it_returns_404_for_another_dealers_page(client_for, personas, name, page):
    outsiders = [(personas.coord_a, personas.dealer_b), (personas.coach, personas.dealer_b),
                 (personas.rm, personas.dealer_c), (personas.coord_c, personas.dealer_a)]
    for user, dealer in outsiders:
        assert client_for(user).get(page(personas.campaign, dealer)).status_code == 404, user.username


def test_it_keeps_the_home_page_to_the_users_own_dealers(client_for, personas):
    from tests.factories import move_to_phase

    move_to_phase(personas.campaign, "preparation")
    db.session.commit()
    for user, own, others in [(personas.coord_a, "北京甲特约店", ("北京乙特约店", "广州丙特约店")),
                              (personas.rm, "北京甲特约店", ("广州丙特约店",)),
                              (personas.coach, "北京甲特约店", ("北京乙特约店", "广州丙特约店"))]:
        html = client_for(user).get("/admin/").get_data(as_text=True)
        assert "待办事项" in html
        assert not [name for name in others if name in html], user.username
    html = client_for(personas.coord_a).get("/admin/").get_data(as_text=True)
    assert 'href="/admin/training_session/new/"' in html and "✘" in html
