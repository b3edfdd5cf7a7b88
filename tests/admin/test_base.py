"""The secured base: optimistic locking, audit trail, local time, forced dealer."""
import re

from sqlalchemy import select

from models import AuditLog, Customer, PreparationItem, db
from tests.conftest import reload


def _version(html: str) -> str:
    return re.search(r'id="version_id" name="version_id" type="hidden" value="(\d+)"', html).group(1)


def test_it_refuses_a_stale_edit_and_keeps_the_input(client_for, personas):
    customer = Customer(dealer=personas.dealer_a, name="张伟", mobile="13812345678")
    db.session.add(customer)
    db.session.commit()
    url = f"/admin/customer/edit/?id={customer.id}"
    first, second = client_for(personas.coord_a), client_for(personas.sa_a)
    page_first, page_second = first.get(url).get_data(as_text=True), second.get(url).get_data(as_text=True)
    assert _version(page_first) == _version(page_second) == "1"
    saved = first.post(url, {"name": "张伟（已改）", "mobile": "13812345678", "dealer": str(personas.dealer_a.id),
                             "version_id": _version(page_first)}, csrf_from=url)
    assert saved.status_code == 302
    stale = second.post(url, {"name": "张伟（第二人）", "mobile": "13900000000",
                              "dealer": str(personas.dealer_a.id), "version_id": _version(page_second)},
                        csrf_from=url)
    html = stale.get_data(as_text=True)
    assert stale.status_code == 200
    assert "此记录已被他人修改" in html
    assert "张伟（第二人）" in html  # the second person's typing is still on the page
    fresh = reload(customer)
    assert fresh.name == "张伟（已改）" and fresh.version_id == 2


def test_it_audits_create_update_delete(client_for, personas):
    client = client_for(personas.coord_a)
    created = client.post("/admin/preparation_item/new/", {
        "campaign": str(personas.campaign.id), "dealer": str(personas.dealer_a.id),
        "item": "车主回娘家标示贴", "quantity": "200", "ready": "y"}, csrf_from="/admin/preparation_item/new/")
    assert created.status_code == 302
    item = db.session.scalar(select(PreparationItem))
    client.post("/admin/preparation_item/delete/", {"id": str(item.id), "url": "/admin/preparation_item/"},
                csrf_from="/admin/preparation_item/")
    db.session.expire_all()
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.entity == "PreparationItem")
                                 .order_by(AuditLog.id)).all()
    assert actions == ["create", "delete"]
    assert db.session.scalar(select(PreparationItem)) is None


def test_it_forces_the_users_dealer_when_none_is_chosen(client_for, personas):
    client = client_for(personas.coord_b)
    response = client.post("/admin/preparation_item/new/", {
        "campaign": str(personas.campaign.id), "item": "礼品", "quantity": "5"},
        csrf_from="/admin/preparation_item/new/")
    assert response.status_code == 302
    assert db.session.scalar(select(PreparationItem)).dealer_id == personas.dealer_b.id


def test_it_shows_times_in_shanghai(client_for, personas):
    import datetime as dt
    from models import Complaint

    db.session.add(Complaint(campaign=personas.campaign, dealer=personas.dealer_a, customer_name="李娜",
                             description="等候时间过长",
                             registered_at=dt.datetime(2014, 1, 20, 17, 30, tzinfo=dt.UTC)))
    db.session.commit()
    html = client_for(personas.coord_a).get("/admin/complaint/").get_data(as_text=True)
    assert "2014-01-21 01:30" in html  # 17:30 UTC is 01:30 next day in Asia/Shanghai


def test_it_stores_typed_times_as_utc(client_for, personas):
    from models import Complaint

    client = client_for(personas.coord_a)
    response = client.post("/admin/complaint/new/", {
        "campaign": str(personas.campaign.id), "dealer": str(personas.dealer_a.id),
        "registered_at": "2014-01-21 01:30:00", "source": "on_site", "customer_name": "李娜",
        "description": "等候时间过长", "severity": "low", "status": "registered"},
        csrf_from="/admin/complaint/new/")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    complaint = db.session.scalar(select(Complaint))
    assert complaint.registered_at.isoformat() == "2014-01-20T17:30:00+00:00"


def test_it_requires_csrf_on_admin_forms(client_for, personas):
    response = client_for(personas.coord_a).http.post("/admin/preparation_item/new/", data={
        "campaign": str(personas.campaign.id), "item": "礼品", "quantity": "5"})
    assert response.status_code == 400
    assert db.session.scalar(select(PreparationItem)) is None


def test_it_lets_dealer_users_read_but_not_write_campaigns(client_for, personas):
    client = client_for(personas.coord_a)
    assert client.get("/admin/campaign/").status_code == 200
    assert client.get("/admin/campaign/new/").status_code == 302
    response = client.post("/admin/campaign/delete/", {"id": str(personas.campaign.id), "url": "/admin/campaign/"},
                           csrf_from="/admin/campaign/")
    assert response.status_code in (302, 403)
    assert reload(personas.campaign) is not None
