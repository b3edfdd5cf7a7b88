"""Chinese first: no English word on any screen a Chinese-speaking user opens."""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from html.parser import HTMLParser

import pytest

from sqlalchemy import select

from admin.views import SCREENS
from models import db
from tests.factories import make_row, move_to_phase

# Words that stay in Latin letters in Chinese business use (and the product names people type).
ALLOWED = {"VIN", "NPS", "KPI", "PDF", "Excel", "CSV", "XLSX", "Prefect", "DMS", "km", "kPa", "mm", "KB", "MB"}
EMOJI = re.compile("[\U0001F000-\U0010FFFF]")  # outside the fonts the pages and the PDFs use
VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
ATTRIBUTES = {"placeholder", "title", "aria-label", "data-placeholder", "alt"}


class _VisibleText(HTMLParser):
    """Text a person sees: element text outside script/style, placeholders, titles, button values,
    the add-a-row template of inline lists and the labels of the list filters."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._stack: list[str] = []  # what the open elements' text is: "text", "hidden", "html", "filters"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag in VOID:
            pass
        elif tag in {"script", "style"} or attrs.get("id") == "active-filters-data" \
                or (attrs.get("lang") or "zh")[:2] != "zh":  # e.g. the language switch
            self._stack.append("hidden")
        elif "inline-field-template" in classes:
            self._stack.append("html")
        elif attrs.get("id") == "filter-groups-data":
            self._stack.append("filters")
        elif attrs.get("id") == "actions-confirmation-data":
            self._stack.append("confirmations")
        else:
            self._stack.append(self._stack[-1] if self._stack else "text")
        if self._stack and self._stack[-1] == "hidden" and tag not in VOID:
            return
        for name in ATTRIBUTES & attrs.keys():
            self.parts.append(attrs[name] or "")
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
            self.parts.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag not in VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        kind = self._stack[-1] if self._stack else "text"
        if kind == "text":
            self.parts.append(data)
        elif kind == "html":
            inner = _VisibleText()
            inner.feed(data)
            self.parts.extend(inner.parts)
        elif kind == "confirmations" and data.strip():
            self.parts.extend(json.loads(data).values())
        elif kind == "filters" and data.strip():
            for name, filters in json.loads(data).items():
                self.parts.append(name)
                for flt in filters:
                    self.parts.append(flt.get("operation") or "")
                    self.parts.extend(label for _, label in flt.get("options") or [])


USERNAMES = {"hq", "rm", "coach", "cc", "coord", "sa", "a", "b", "c"}  # logins are typed data: coord_a


def english_in_text(text: str, own: set[str] = frozenset()) -> set[str]:
    """The English words of a text a person reads (a page's visible text, a PDF's pdftotext)."""
    text = re.sub(r"https?://\S+", " ", text)  # a link shown to copy is not a word
    # a plate or number typed as an example (粤BD12345) and single capital letters (不含 I、O、Q) are
    # codes, not words
    return {w for w in re.findall(r"(?<![A-Za-z0-9])[A-Za-z]+(?![A-Za-z0-9])", text)
            if w not in ALLOWED and w not in own and not re.fullmatch(r"[A-Z]", w)}


def english_words(html: str, own: set[str] = frozenset()) -> set[str]:
    parser = _VisibleText()
    parser.feed(html)
    return english_in_text(" ".join(parser.parts), own)


def test_it_finds_english_words_in_visible_text_only():
    html = ('<p>关口 Goals</p><script>var Goals=1</script><input placeholder="Search"/>'
            '<input type="submit" value="Save"><p>VIN 车架号 http://127.0.0.1/signin/x</p>')
    assert english_words(html) == {"Goals", "Search", "Save"}


def _chinese_test_data() -> None:
    """make_row names rows after their model ("测试Customer"): people type Chinese, so do we."""
    from sqlalchemy import String, update
    from models.base import Base

    for mapper in Base.registry.mappers:
        table = mapper.local_table
        for column in table.columns:
            if isinstance(column.type, String) and not column.info.get("choices") \
                    and column.key not in {"username", "password_hash", "locale"}:
                db.session.execute(update(table).where(column.like("测试%"))
                                   .values({column.key: "测试数据"}))


def _coded_rows_as_the_app_writes_them(personas) -> None:
    from models import AuditLog, Notification

    db.session.add_all([
        AuditLog(user_id=personas.hq.id, action="gate_approved", entity="WorkOrder", entity_id=1),
        Notification(user_id=personas.hq.id, kind="weekly_late", title="周报迟交"),
        Notification(user_id=personas.coord_a.id, kind="callback_due", title="待回访")])


def _pages(model, row_id):
    base = f"/admin/{model.__tablename__}"
    return [f"{base}/", f"{base}/new/", f"{base}/details/?id={row_id}", f"{base}/edit/?id={row_id}"]


@pytest.mark.parametrize("role", ["hq", "coord_a"])
def test_it_shows_no_english_word_on_any_screen(client_for, personas, role):
    user = getattr(personas, role)
    client = client_for(user)
    # data typed by people (names, plates, numbers) is not UI: collect it to leave it alone
    found: dict[str, set[str]] = {}
    pages = ["/admin/", "/admin/gates/"]
    for view, model, _, _ in SCREENS:
        if user.role not in view.read_roles:
            continue
        kwargs = {}
        if hasattr(model, "dealer_id"):
            kwargs["dealer"] = personas.dealer_a
        row = db.session.scalar(select(model).limit(1)) or \
            make_row(model, campaign=personas.campaign, user=personas.coach, **kwargs)
        pages += _pages(model, row.id)
    _chinese_test_data()
    _coded_rows_as_the_app_writes_them(personas)
    db.session.commit()
    for url in dict.fromkeys(pages):
        response = client.get(url)
        if response.status_code in (302, 403, 404):
            continue
        assert response.status_code == 200, url
        words = english_words(response.get_data(as_text=True), USERNAMES)
        if words:
            found[url] = words
    assert not found, "\n".join(f"{u}: {sorted(w)}" for u, w in found.items())


def test_it_answers_a_form_with_bad_dates_in_chinese(client_for, personas):
    url = "/admin/plan_meeting/new/"
    response = client_for(personas.coord_a).post(url, {
        "campaign": str(personas.campaign.id), "held_on": "2014-13-45", "place": "会议室"},
        csrf_from=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "日期“2014-13-45”无法识别" in html and "未保存" in html
    assert not english_words(html, USERNAMES)


@pytest.mark.as_created  # the plan meeting is written in 提出, then the test moves on to 执行
@pytest.mark.parametrize("typed", ["2014-01-27", "2014/1/27", "20140127"])
def test_it_saves_a_date_typed_any_usual_way(client_for, personas, typed):
    from models import PlanMeeting, SignIn

    client = client_for(personas.coord_a)
    url = "/admin/plan_meeting/new/"
    response = client.post(url, {"campaign": str(personas.campaign.id), "held_on": typed,
                                 "place": "会议室"}, csrf_from=url)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert db.session.scalar(select(PlanMeeting.held_on)) == dt.date(2014, 1, 27)
    move_to_phase(personas.campaign, "execution")  # arrivals are signed in during execution
    db.session.commit()
    url = "/admin/sign_in/new/"
    response = client.post(url, {"campaign": str(personas.campaign.id), "name": "张伟",
                                 "arrived_at": f"{typed} 9:30", "channel": "desk"}, csrf_from=url)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    arrived = db.session.scalar(select(SignIn.arrived_at))
    assert arrived == dt.datetime(2014, 1, 27, 1, 30, tzinfo=dt.UTC)  # 09:30 Beijing time


def test_it_ships_the_catalogue_compiled_from_its_po_file():
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    from admin import TRANSLATIONS

    folder = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES"
    with open(folder / "admin.po", "rb") as po, open(folder / "admin.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)

    def messages(catalog):
        def plain(value):
            return tuple(value) if isinstance(value, list | tuple) else value

        return {plain(m.id): plain(m.string) for m in catalog if m.id}

    assert messages(source) == messages(compiled)  # recompile: pybabel compile -d translations -D admin


def test_it_labels_every_inline_list_in_chinese():
    from models.base import Base
    from reports.printing import child_relationships

    unlabelled = [f"{m.class_.__name__}.{rel.key}" for m in Base.registry.mappers
                  for rel in child_relationships(m.class_) if not re.search(r"[\u4e00-\u9fff]",
                                                                             rel.info.get("label", ""))]
    assert unlabelled == []


def _demo_pages(client, campaign, dealer) -> list[str]:
    """The pages that are not model screens, and the model screens' lists, as a user reaches them."""
    from admin.views import SCREENS

    q = f"campaign={campaign.id}&dealer={dealer.id}"
    pages = ["/admin/", "/admin/gates/", f"/admin/gates/?campaign={campaign.id}", "/admin/awards/",
             "/admin/results/", f"/admin/results/dealer/?{q}", f"/admin/results/report/?{q}",
             f"/admin/packet/?{q}", f"/admin/packet/campaign/?campaign={campaign.id}", "/admin/verification/",
             "/admin/customer_invitation/qr-labels/", "/admin/sign_in/walk-in-poster/",
             "/admin/labor_compensation/explain/"]
    pages += [f"/admin/{model.__tablename__}/{page}" for _, model, _, _ in SCREENS for page in ("", "blank/")]
    return pages


@pytest.mark.parametrize("username", ["region", "coach", "callcenter", "bj001-sa1", "bj001-coord", "hq"])
def test_it_shows_no_english_word_to_any_role_on_the_demo_data(app, client_for, username):
    """Every role, on the finished 2013 campaign of the demo data: the pages beyond the model screens
    (to-do, gates, results, awards, packets, the call center's queue, posters) and, for each list, the
    first record it links to."""
    from models import Campaign, Dealer, Region, User
    from models.demo import load_demo_data

    load_demo_data(db.session, customers_per_dealer=8)
    db.session.commit()
    user = db.session.scalar(select(User).where(User.username == username))
    finished = db.session.scalar(select(Campaign).where(Campaign.name == "2013夏日检测"))
    dealer = user.dealer or db.session.scalar(select(Dealer).where(Dealer.code == "BJ001"))
    client = client_for(user)
    typed = [*db.session.scalars(select(User.username)), *db.session.scalars(select(Region.code)),
             *db.session.scalars(select(Dealer.claim_account))]  # data people typed: logins and codes
    own = {w for value in typed for w in re.findall(r"[A-Za-z]+", value or "")}
    found: dict[str, set[str]] = {}
    pages = _demo_pages(client, finished, dealer)
    seen = set()
    while pages:
        url = pages.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow_redirects=True)
        if response.status_code in (403, 404) or "html" not in response.content_type:
            continue
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        if words := english_words(html, USERNAMES | own):
            found[url] = words
        if glyphless := set(EMOJI.findall(html)):  # an empty box where the font lacks it (was: 🔔)
            found[url] = found.get(url, set()) | glyphless
        if url.count("/") == 3 and url.endswith("/"):  # a list: open its first record too
            pages += [link.replace("&amp;", "&") for link in
                      re.findall(r'href="(/admin/[a-z_]+/(?:details|edit|print)/\?id=\d+)[^"]*"', html)[:3]]
    assert not found, "\n".join(f"{u}: {sorted(w)}" for u, w in found.items())


def test_it_words_the_list_controls_its_own_way(client_for, personas):
    """Where Flask-Admin's zh catalogue has a word of its own ("50 项目", "选中的"), ours wins."""
    html = client_for(personas.hq).get("/admin/campaign/").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "50 条/页" in text and "每页 20 条" in text and "批量操作" in text
    assert "50 项目" not in text and "选中的" not in text


def _filter_arg(html: str, label: str, operation: str) -> str:
    groups = json.loads(re.search(r'id="filter-groups-data"[^>]*>(.*?)</', html, re.S).group(1))
    return next(f["arg"] for f in groups[label] if f["operation"] == operation)


@pytest.mark.parametrize("typed", ["2014/1/27", "20140127", "2014年1月27日"])
def test_it_filters_a_list_by_a_date_typed_any_usual_way(client_for, personas, typed):
    """With the page's script off (or typed into the address), the server reads the date itself."""
    from models import Callback

    for day, name in ((dt.date(2014, 1, 27), "张伟"), (dt.date(2014, 1, 28), "李娜")):
        db.session.add(Callback(campaign=personas.campaign, dealer=personas.dealer_a, customer_name=name,
                                due_on=day))
    db.session.commit()
    client = client_for(personas.coord_a)
    listing = client.get("/admin/callback/").get_data(as_text=True)
    arg = _filter_arg(listing, "应回访日期", "等于")
    html = client.get(f"/admin/callback/?flt0_{arg}={typed}").get_data(as_text=True)
    assert "张伟" in html and "李娜" not in html
    between = _filter_arg(listing, "应回访日期", "之间")
    html = client.get(f"/admin/callback/?flt0_{between}={typed} to 2014/1/28").get_data(as_text=True)
    assert "张伟" in html and "李娜" in html


def test_it_says_in_chinese_which_typed_filter_date_it_cannot_read(client_for, personas):
    client = client_for(personas.coord_a)
    arg = _filter_arg(client.get("/admin/callback/").get_data(as_text=True), "应回访日期", "等于")
    html = client.get(f"/admin/callback/?flt0_{arg}=2014-13-45").get_data(as_text=True)
    assert "日期“2014-13-45”无法识别" in html


def _nonsense_for_every_field(page: str) -> dict[str, str]:
    """A form's every input, and one row of each inline list, filled with "abc": each select and
    number gets a value it cannot take."""
    form = page[page.find('class="admin-form'):]
    skip = {"csrf_token", "_add_another", "_continue_editing", "next", "locale"}
    top = re.sub(r'<div class="inline-field-template.*?</div>\s*</div>', "", form, flags=re.S)
    data = {name: "abc" for name in re.findall(r'name="([^"]+)"', top) if name not in skip}
    rows = re.findall(r'<div class="inline-field" id="([^"]+)">.*?'
                      r'<div class="inline-field-template d-none">(.*?)</div>\s*</div>', form, re.S)
    for list_id, template in rows:
        data |= {f"{list_id}-0-{name}": "abc" for name in re.findall(r'name="([^"]+)"', html.unescape(template))
                 if name not in skip}
    return data


@pytest.mark.parametrize("role", ["hq", "coord_a"])
def test_it_answers_nonsense_in_every_form_in_chinese(client_for, personas, role):
    """Flask-Admin's own field messages ("Not a valid choice") and WTForms' (its zh catalogue leaves
    "… is not a valid choice for this field." untranslated) come back in Chinese."""
    client = client_for(getattr(personas, role))
    found = {}
    for _, model, _, _ in SCREENS:
        url = f"/admin/{model.__tablename__}/new/"
        page = client.get(url)
        if page.status_code != 200:
            continue
        response = client.post(url, _nonsense_for_every_field(page.get_data(as_text=True)), csrf_from=url,
                               follow_redirects=True)
        if words := english_words(response.get_data(as_text=True), USERNAMES | {"abc"}):
            found[url] = words
    assert not found, "\n".join(f"{u}: {sorted(w)}" for u, w in found.items())


def test_it_flashes_create_edit_and_delete_in_chinese(client_for, personas):
    """Flask-Admin's flashes after each kind of save and delete, one by one and in bulk."""
    from models import Region

    client = client_for(personas.hq)
    pages = [client.post("/admin/region/new/", {"code": "R9", "name": "华北"}, follow_redirects=True)]
    region = db.session.scalar(select(Region).where(Region.code == "R9"))
    edit = f"/admin/region/edit/?id={region.id}"
    pages.append(client.post(edit, {"code": "R9", "name": "华北区"}, follow_redirects=True))
    pages.append(client.post(edit, {"code": "R9", "name": "华北区", "_continue_editing": "1"},
                             follow_redirects=True))
    pages.append(client.post("/admin/region/delete/", {"id": str(region.id)}, csrf_from="/admin/region/",
                             follow_redirects=True))
    db.session.expunge_all()  # SQLite may give the deleted row's id to the next one
    db.session.add_all([Region(code="Q1", name="华东"), Region(code="Q2", name="华南")])
    db.session.commit()
    ids = [str(pk) for pk in db.session.scalars(select(Region.id).where(Region.code.like("Q%")))]
    pages.append(client.post("/admin/region/action/", {"action": "delete", "rowid": ids},
                             csrf_from="/admin/region/", follow_redirects=True))
    flashes = [re.sub(r"\s+", "", re.sub(r"<[^>]+>|&times;", "", flash)) for page in pages for flash in
               re.findall(r'class="alert alert-(?:success|danger|info)[^"]*"[^>]*>(.*?)</div>',
                          page.get_data(as_text=True), re.S)]
    assert "创建记录成功。" in flashes and "保存记录成功" in flashes and "2条记录被成功删除。" in flashes
    assert not english_words(" ".join(flashes))
