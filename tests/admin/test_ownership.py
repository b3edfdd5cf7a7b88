"""Links never cross dealers on the screens and in the import: the ownership rule (models/ownership.py)
walked over every link of every dealer-owned model, as HQ — who may pick any dealer's records."""
from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from admin.views import SCREENS
from forms.definitions import DEFINITIONS
from models import AuditLog, CoachingVisit, Complaint, Customer, CustomerInvitation, SignIn, User, Vehicle, db
from models.ownership import links
from tests.conftest import reload
from tests.factories import make_row, open_window
from tests.models.test_ownership import LINKS


class _Form(HTMLParser):
    """The values a browser would post from the page's model form (inline rows included)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "admin-form" in (a.get("class") or ""):
            self._in_form = True
        if tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""
        if not self._in_form or "disabled" in a or not a.get("name"):
            return
        name = a["name"]
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values[name] = a.get("value") or ("y" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def form_values(html: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(html)
    parser.values.pop("csrf_token", None)
    return parser.values


def _text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def _said(response) -> str:
    """The flashes and field errors of a page, for a failing assertion's message."""
    found = re.findall(r'class="(?:alert|invalid-feedback|help-block)[^"]*"[^>]*>(.*?)</(?:div|span|small)>',
                       _text(response), re.S)
    return f"{response.status_code}: " + " | ".join(re.sub(r"<[^>]+>|\s+", " ", f).strip() for f in found)


def _endpoint(model: type) -> str | None:
    """The screen that creates and edits `model` (admin.init_admin names it after the table)."""
    return next((m.__tablename__ for view, m, _, _ in SCREENS if m is model and view.write_roles), None)


def _pair(personas, model: type, key: str):
    """(dealer A's record, dealer B's record) of the kind `model.key` links to."""
    target = getattr(model, key).property.mapper.class_
    if target is User:
        return personas.sa_a, personas.sa_b
    return tuple(make_row(target, dealer=d, campaign=personas.campaign, user=personas.hq)
                 for d in (personas.dealer_a, personas.dealer_b))


# what make_row leaves to a default the form then refuses (a mobile or plate, a visit in the window)
SAVABLE = {CustomerInvitation: {"mobile": "13812345678"}, Vehicle: {"plate": "京A12345"},
           SignIn: {"arrived_at": dt.datetime(2014, 1, 20, 2, tzinfo=dt.UTC)}}
# a coach is an HQ person (no dealer): there is no other dealer's coach to pick
NO_OTHER_DEALER = {(CoachingVisit, "coach")}


@pytest.mark.parametrize("model,key", LINKS, ids=[f"{m.__name__}.{k}" for m, k in LINKS])
def test_it_refuses_another_dealers_record_on_every_screen_link(client_for, personas, model, key):
    endpoint = _endpoint(model)
    if endpoint is None or (model, key) in NO_OTHER_DEALER:
        pytest.skip(f"{model.__name__}.{key}: no screen, or no other dealer's record to link")
    open_window(personas.campaign, model)
    mine, theirs = _pair(personas, model, key)
    row = make_row(model, dealer=personas.dealer_a, campaign=personas.campaign, user=personas.hq,
                   **SAVABLE.get(model, {}))
    setattr(row, key, mine)
    db.session.commit()
    hq, url = client_for(personas.hq), f"/admin/{endpoint}/edit/?id={row.id}"
    values = form_values(hq.get(url).get_data(as_text=True))
    if key not in values:
        pytest.skip(f"{model.__name__}.{key} is not on the {endpoint} form")
    fk = next(iter(getattr(model, key).property.local_columns)).key
    # the form as stored saves: a refusal below is the link's, not another rule's
    saved = hq.post(url, values, csrf_from=url)
    assert saved.status_code == 302, _said(saved)
    values = form_values(hq.get(url).get_data(as_text=True))  # the saved version
    count = db.session.scalar(select(func.count()).select_from(model))

    edited = hq.post(url, {**values, key: str(theirs.id)}, csrf_from=url)
    assert "属于其他特约店" in _text(edited), _said(edited)
    moved = hq.post(url, {**values, "dealer": str(personas.dealer_b.id)}, csrf_from=url)
    assert moved.status_code == 200 and "特约店" in _said(moved), _said(moved)
    new = f"/admin/{endpoint}/new/"
    created = hq.post(new, {**values, key: str(theirs.id)}, csrf_from=new)
    assert "属于其他特约店" in _text(created), _said(created)

    row = reload(row)
    assert (getattr(row, fk), row.dealer_id) == (mine.id, personas.dealer_a.id)
    assert db.session.scalar(select(func.count()).select_from(model)) == count


def test_it_lets_only_hq_move_a_record_to_another_dealer_and_audits_it(client_for, personas):
    complaint = make_row(Complaint, dealer=personas.dealer_a, campaign=personas.campaign, customer_name="王芳",
                         description="等候时间过长")
    db.session.commit()
    url = f"/admin/complaint/edit/?id={complaint.id}"
    for who in (personas.call_center, personas.rm, personas.hq):
        client = client_for(who)
        values = form_values(client.get(url).get_data(as_text=True))
        response = client.post(url, {**values, "dealer": str(personas.dealer_b.id)}, csrf_from=url)
        if who is not personas.hq:
            assert "只有总部可以把记录改到其他特约店" in _text(response), _said(response)
            assert reload(complaint).dealer_id == personas.dealer_a.id
    assert response.status_code == 302, _said(response)
    assert reload(complaint).dealer_id == personas.dealer_b.id
    note = db.session.scalar(select(AuditLog.detail).where(AuditLog.entity == "Complaint",
                                                           AuditLog.action == "update"))
    assert note == f"总部改到其他特约店：{personas.dealer_a.id} → {personas.dealer_b.id}"


def test_it_covers_the_links_the_issue_named():
    on_screens = {f"{m.__name__}.{k}" for m, k in LINKS if _endpoint(m)}
    assert {"Vehicle.customer", "CustomerInvitation.customer", "WorkOrder.customer", "WorkOrder.vehicle",
            "WorkOrder.sign_in", "Callback.work_order", "SignIn.customer", "Feedback.sign_in"} <= on_screens


def test_it_never_takes_a_link_from_an_import_file():
    """An import row names no linked record: the import links only within its own dealer (below)."""
    for definition in DEFINITIONS.values():
        for part in definition.parts.values():
            foreign = {c.key for rel in links(part.model) for c in rel.local_columns}
            named = {f.name for f in definition.fields if f.part in definition.parts}
            assert not foreign & named, definition.key


def test_it_links_an_imported_sign_in_to_its_own_dealers_customer_only(client_for, personas):
    from tests.forms.conftest import confirm, token_of, upload, xlsx_file

    theirs = make_row(Customer, dealer=personas.dealer_a, name="张伟", mobile="13812345678")
    db.session.commit()
    client = client_for(personas.coord_b)
    preview = upload(client, "sign_in", xlsx_file(["到店时间", "顾客姓名", "手机", "车牌号"], [
        ["2014-01-20 09:30", "张伟", "13812345678", "京A12345"]]), "s.xlsx", campaign_id=personas.campaign.id)
    assert "已导入" in _text(confirm(client, "sign_in", token_of(preview)))
    sign_in = db.session.scalar(select(SignIn))
    assert sign_in.dealer_id == personas.dealer_b.id and sign_in.customer_id != theirs.id
    assert sign_in.customer.dealer_id == personas.dealer_b.id
    assert [v.dealer_id for v in sign_in.customer.vehicles] == [personas.dealer_b.id]
