"""现场辅导资料包: every paper a coach takes to a dealer, as one PDF; and all dealers' for HQ.

A packet is a list of sections (plan, daily flow, training, invitations, sign-in sheets, blank
forms, the duties checklist, the visit record). Each section is cut into parts of a few documents;
the parts render in parallel, one wkhtmltopdf process per part and as many at once as the machine
has cores, then pypdf merges them behind a cover and a table of contents whose page numbers are
known only once every part has been counted. Bookmarks name each dealer and section; every page
is stamped "第 N 页 / 共 M 页 · dealer · campaign".

The assembly (`assemble`) knows neither Flask nor the database: sections arrive as finished HTML.
Building them (`dealer_sections`, Jinja templates of reports/) reads the database only through the
dealer-scoping helper, as the user who asked.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from flask import render_template
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import or_, select

from models import (Campaign, CoachingVisit, CustomerInvitation, DailyFlow, Dealer, Feedback, Participation,
                    PlanMeeting, SignIn, TrainingSession, User, db)
from models.campaign import PACKET_SECTIONS
from models.execution import FEEDBACK_ITEMS
from models.reporting import DEALER_DUTIES
from models.results import baseline_window
from models.scoping import scoped
from models.selfservice import mask_plate
from models.snapshots import dealer_values
from web import LOCAL_TZ

from . import charts
from .pdf import PdfError, page_label, render_pdf, stamp_writer
from .printing import (SIGN_IN_SHEET_ROWS, SIGN_IN_SHEET_SKIP, PrintDocument, PrintTable, make_field,
                       print_document, printable_columns, work_order_document)
from .qr import public_url, qr_svg
from .results import sections as kpi_sections

DOCS_PER_PART = 16    # documents per wkhtmltopdf call: each call costs ~0.1 s CPU before its first page,
ROWS_PER_PART = 400   # so parts are large, but many enough to keep every core busy (bench/packet.py)
FRONT_PAGES = 2       # cover + one contents page, checked after rendering
LABELS_PER_PART = 24 * 20  # QR labels: 3 × 8 a page
# A sign-in sheet row's QR (about 5.5 mm, 0.16 mm a module): the largest that keeps 20 rows on a
# landscape page. Read by zxing-cpp from a 300 dpi raster of the page (not from 200 dpi); the label
# section prints the same codes at about 28 mm for phones that cannot focus that close.
SHEET_QR_SCALE = 0.8
LABEL_QR_SCALE = 4  # about 28 mm: wkhtmltopdf sizes an inline SVG by its own width, then shrinks the page
log = logging.getLogger(__name__)


class PacketError(RuntimeError):
    """A section could not be rendered; the message names it. No file is produced."""


# --- assembly (no Flask, no database) -------------------------------------------------------------
@dataclass
class Part:
    html: str
    landscape: bool = False
    copies: int = 1  # a blank form: rendered once, its pages repeated
    # A part costly to build (the KPI charts): `html` is then only what it is built from, for the
    # fingerprint, and make() builds the page when the packet is rendered, not on every download.
    make: Callable[[], str] | None = None

    def page(self) -> str:
        return self.make() if self.make else self.html


@dataclass
class Section:
    key: str
    title: str
    parts: list[Part]


@dataclass
class DealerPacket:
    dealer: str
    campaign: str
    sections: list[Section]
    # HTML of the cover and contents, given [(section title, first page number)] and the time
    # printed on the cover ("" for the fingerprint)
    front: Callable[..., str]


def fingerprint(packets: Iterable[DealerPacket]) -> str:
    """Same inputs, same packet: the hash of every section's HTML and the names it is stamped with."""
    digest = hashlib.sha256(b"packet-v1")
    for packet in packets:
        digest.update(f"\0{packet.dealer}\0{packet.campaign}".encode())
        digest.update(packet.front([], made_at="").encode())  # the cover's data and template
        for section in packet.sections:
            digest.update(f"\0{section.key}\0{section.title}".encode())
            for part in section.parts:
                digest.update(f"\0{'L' if part.landscape else 'P'}{part.copies}".encode())
                digest.update(part.html.encode())
    return digest.hexdigest()


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def assemble(packets: list[DealerPacket], *, wkhtmltopdf: str = "/usr/bin/wkhtmltopdf",
             workers: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> bytes:
    """One PDF of `packets`, in order; PacketError naming the section when a part fails."""
    jobs = [(p, s, k) for p, packet in enumerate(packets)
            for s, section in enumerate(packet.sections) for k in range(len(section.parts))]
    total = len(jobs) + len(packets)
    done = 0
    rendered: dict[tuple[int, int, int], bytes] = {}
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        # threads suffice: each one waits on its own wkhtmltopdf process, where the work happens.
        # The parts whose page is ready go first; while wkhtmltopdf renders them, this thread
        # (Flask's context) draws the QR codes and charts of the others, each sent when done.
        futures = {}
        for p, s, k in sorted(jobs, key=lambda job: packets[job[0]].sections[job[1]].parts[job[2]].make is not None):
            part = packets[p].sections[s].parts[k]
            futures[pool.submit(render_pdf, part.page(), wkhtmltopdf=wkhtmltopdf, landscape=part.landscape,
                                stamp=False)] = (p, s, k)
        for future in as_completed(futures):
            p, s, k = futures[future]
            try:
                rendered[(p, s, k)] = future.result()
            except PdfError as exc:
                for other in futures:
                    other.cancel()
                log.error("packet part %s failed: %s %s", (p, s, k), exc, exc.detail)
                raise PacketError(f"资料包中的“{packets[p].sections[s].title}”生成失败：{exc}") from exc
            done += 1
            if progress:
                progress(done, total)
        fronts = _render_fronts(pool, packets, rendered, wkhtmltopdf)
    if progress:
        progress(total, total)
    return _merge(packets, fronts, rendered)


def _render_fronts(pool: ThreadPoolExecutor, packets: list[DealerPacket],
                   rendered: dict[tuple[int, int, int], bytes], wkhtmltopdf: str) -> list[bytes]:
    """Covers and contents; re-rendered when a contents page count differs from the guess."""
    counts = {key: _pages(pdf) for key, pdf in rendered.items()}
    front_pages = [FRONT_PAGES] * len(packets)
    for _ in range(3):
        html, start = [], 1
        for p, packet in enumerate(packets):
            page = start + front_pages[p]
            toc = []
            for s, section in enumerate(packet.sections):
                toc.append((section.title, page))
                page += sum(counts[(p, s, k)] * part.copies for k, part in enumerate(section.parts))
            html.append(packet.front(toc, made_at=dt.datetime.now(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")))
            start = page
        try:
            fronts = list(pool.map(lambda h: render_pdf(h, wkhtmltopdf=wkhtmltopdf, stamp=False), html))
        except PdfError as exc:
            log.error("packet front failed: %s %s", exc, exc.detail)
            raise PacketError(f"资料包的封面与目录生成失败：{exc}") from exc
        actual = [_pages(pdf) for pdf in fronts]
        if actual == front_pages:
            return fronts
        front_pages = actual
    raise PacketError("资料包的目录页数无法确定")


def _merge(packets: list[DealerPacket], fronts: list[bytes],
           rendered: dict[tuple[int, int, int], bytes]) -> bytes:
    writer = PdfWriter()
    labels: list[str] = []

    def add(pdf: bytes, copies: int = 1) -> int:
        first = len(writer.pages)
        reader = PdfReader(io.BytesIO(pdf))
        for _ in range(copies):  # a blank form's copies: new pages sharing one content stream (pypdf)
            writer.append(reader, import_outline=False)
        return first

    for p, packet in enumerate(packets):
        first = add(fronts[p])
        dealer_mark = writer.add_outline_item(title=packet.dealer, page_number=first, is_open=False)
        for s, section in enumerate(packet.sections):
            starts = [add(rendered[(p, s, k)], part.copies) for k, part in enumerate(section.parts)]
            writer.add_outline_item(title=section.title, page_number=starts[0], parent=dealer_mark)
        labels += [packet.dealer] * (len(writer.pages) - len(labels))
    total = len(writer.pages)
    campaign = {p.dealer: p.campaign for p in packets}
    stamp_writer(writer, [f"{page_label(n, total)} · {dealer} · {campaign[dealer]}"
                          for n, dealer in enumerate(labels, start=1)])
    writer.page_mode = "/UseOutlines"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- the sections of one dealer, read as `user` -----------------------------------------------------
def _records(model: type, campaign: Campaign, dealer: Dealer, user: User, order: Any,
             hq_level: bool = False) -> list[Any]:
    own = model.dealer_id == dealer.id
    stmt = select(model).where(model.campaign_id == campaign.id,
                               or_(own, model.dealer_id.is_(None)) if hq_level else own)
    return list(db.session.scalars(scoped(stmt, model, user).order_by(order, model.id)))


def _parts(docs: list[Any], render: Callable[[list[Any]], str], landscape: bool = False) -> list[Part]:
    return [Part(render(docs[i:i + DOCS_PER_PART]), landscape)
            for i in range(0, len(docs), DOCS_PER_PART)]


def _page(template: str, **context: Any) -> str:
    return render_template(template, for_pdf=True, landscape=context.pop("landscape", False), **context)


def _records_html(docs: list[PrintDocument], landscape: bool = False) -> str:
    return _page("reports/packet_part.html", docs=docs, kind="record", landscape=landscape)


def _documents(model: type, rows: list[Any], title: str, defaults: dict[str, Any]) -> list[PrintDocument]:
    docs = [print_document(model, row, title=title) for row in rows] \
        or [print_document(model, None, title=title, defaults=defaults)]
    for doc in docs:
        doc.printed_at = ""  # the cover says when the packet was made; the parts stay cacheable
    return docs


def _row_parts(rows: list[Any]) -> list[list[Any]]:
    return [rows[i:i + ROWS_PER_PART] for i in range(0, len(rows), ROWS_PER_PART)] or [[]]


def _invitation_table(everyone: list[CustomerInvitation], rows: list[CustomerInvitation],
                      part: int) -> PrintDocument:
    cols = [(k, c, r) for k, c, r in printable_columns(CustomerInvitation)
            if k not in {"campaign", "dealer", "customer", "source"}]
    table = PrintTable(key="invitations", label=PACKET_SECTIONS["invitations"],
                       columns=[make_field(k, c, blank=True) for k, c, _ in cols],
                       rows=[[make_field(k, c, getattr(row, k)) for k, c, _ in cols] for row in rows])
    title = f"顾客名单（共 {len(everyone)} 人）" if part == 0 else "顾客名单（续）"
    return PrintDocument(title=title, blank=False, fields=[], tables=[table], header={})


def dealer_sections(campaign: Campaign, dealer: Dealer, user: User, *,
                    copies: dict[str, int] | None = None) -> list[Section]:
    """The sections HQ chose for this campaign (Campaign.packet_plan), built for `dealer`."""
    chosen, planned = campaign.packet_plan()
    copies = {**planned, **(copies or {})}
    defaults = {"dealer": dealer, "campaign": campaign}
    sections: list[Section] = []

    def add(key: str, parts: list[Part]) -> None:
        if parts and key in chosen:
            sections.append(Section(key, PACKET_SECTIONS[key], parts))

    plans = _records(PlanMeeting, campaign, dealer, user, PlanMeeting.held_on, hq_level=True)
    add("plan", _parts(_documents(PlanMeeting, plans, "活动计划会议表", defaults), _records_html))
    flows = _records(DailyFlow, campaign, dealer, user, DailyFlow.day)
    add("daily_flow", _parts(_documents(DailyFlow, flows, "活动每日流程工作", defaults), _records_html))
    trainings = _records(TrainingSession, campaign, dealer, user, TrainingSession.held_on)
    add("training", _parts(_documents(TrainingSession, trainings, "活动培训项目", defaults), _records_html))

    invitations = _records(CustomerInvitation, campaign, dealer, user, CustomerInvitation.name)
    add("invitations", [Part(_page("reports/packet_part.html", docs=[_invitation_table(invitations, rows, n)],
                                   kind="table", landscape=True), landscape=True)
                        for n, rows in enumerate(_row_parts(invitations))])
    sheet = print_document(SignIn, None, title="顾客签到表", defaults=defaults)
    sheet.fields = [f for f in sheet.fields if f.key not in SIGN_IN_SHEET_SKIP]
    links = [public_url("phone.sign_in", token=i.token) for i in invitations]
    lines = [{"name": i.name, "mobile": i.mobile or "", "plate": i.plate or "",
              "qr": _qr_slot(link, SHEET_QR_SCALE, border=1)} for i, link in zip(invitations, links, strict=True)]
    lines += [{}] * (-len(lines) % SIGN_IN_SHEET_ROWS or (0 if lines else SIGN_IN_SHEET_ROWS))
    per_part = max(SIGN_IN_SHEET_ROWS, ROWS_PER_PART // SIGN_IN_SHEET_ROWS * SIGN_IN_SHEET_ROWS)
    add("sign_in", [_qr_part(_page("reports/packet_part.html", docs=[sheet], rows=lines[i:i + per_part], start=i,
                                   kind="sign_in", qr=bool(invitations), landscape=True), landscape=True)
                    for i in range(0, len(lines), per_part)])

    if "qr_labels" in chosen:
        labels = [(i.name, mask_plate(i.plate), _qr_slot(link, LABEL_QR_SCALE))
                  for i, link in zip(invitations, links, strict=True)]
        add("qr_labels", [_qr_part(_page("reports/packet_part.html", kind="qr_labels",
                                         labels=labels[i:i + LABELS_PER_PART]))
                          for i in range(0, len(labels), LABELS_PER_PART)])

    feedback = _documents(Feedback, [], "顾客信息回馈表", defaults)[0]
    ratings = feedback.table("ratings")
    for row, item in zip(ratings.rows, FEEDBACK_ITEMS, strict=False):
        row[0].text = item
    if copies["feedback"]:  # identical blank copies: one wkhtmltopdf run, its pages repeated
        add("feedback", [Part(_records_html([feedback]), copies=copies["feedback"])])
    order = work_order_document(None, campaign=campaign, defaults=defaults)
    if copies["work_order"]:
        add("work_order", [Part(_page("reports/packet_part.html", docs=[order], kind="work_order"),
                                copies=copies["work_order"])])

    checklist = _documents(CoachingVisit, [], "特约店十项工作检查表", defaults)[0]
    duties = checklist.table("duties")
    duties.rows = [[make_field(c.key, _column(CoachingVisit, "duties", c.key),
                               duty if c.key == "duty" else None) for c in duties.columns]
                   for duty in DEALER_DUTIES]
    add("duties", [Part(_records_html([checklist]))])
    visits = _records(CoachingVisit, campaign, dealer, user, CoachingVisit.visit_on)
    if visits:
        add("visit", _parts(_documents(CoachingVisit, visits, "现场辅导记录", defaults), _records_html))
    if "kpis" in chosen:
        add("kpis", [_kpi_part(campaign, dealer, user)])
    return sections


# --- QR codes, drawn only when a packet is rendered ------------------------------------------------
# A part with codes holds a slot per code, naming the link; the fingerprint reads the slots (the
# links), and the codes, most of the time spent building a packet, are drawn only when it renders.
# No record text can forge a slot: Jinja escapes every "<" of it.
QR_SLOT = re.compile(r"<!--qr (\S+) (\d+) (\S+)-->")


def _qr_slot(link: str, scale: float, border: int = 2) -> Markup:
    return Markup(f"<!--qr {scale:g} {border} {link}-->")


def _qr_part(html: str, landscape: bool = False) -> Part:
    def make() -> str:
        return QR_SLOT.sub(lambda m: qr_svg(m[3], scale=float(m[1]), mask=0, border=int(m[2])), html)
    return Part(html, landscape, make=make)


def _kpi_part(campaign: Campaign, dealer: Dealer, user: User) -> Part:
    """The dealer's results page on paper: the KPI tables of the results pages with their charts,
    drawn only when the packet is rendered (matplotlib takes seconds; a kept packet needs none)."""
    values, computed_at = dealer_values(db.session, campaign, dealer, user)
    context = dict(kind="kpis", dealer=dealer, campaign=campaign, computed_at=computed_at,
                   baseline=baseline_window(campaign))

    def make() -> str:
        kpis = kpi_sections(values)
        pictures = {s.chart: charts.data_uri(charts.render(s.chart, charts.chart_data(s.chart, values)))
                    for s in kpis if s.chart}
        return _page("reports/packet_part.html", sections=kpis, pictures=pictures, chart_titles=charts.TITLES,
                     **context)

    inputs = json.dumps([values, str(computed_at), dealer.name, campaign.name, str(campaign.starts_on),
                         str(campaign.ends_on), [str(d) for d in context["baseline"]]],
                        sort_keys=True, default=str, ensure_ascii=False)
    return Part(f"kpis-v1 {inputs}", make=make)


def _column(model: type, relationship: str, key: str) -> Any:
    child = sa_inspect(model).relationships[relationship].mapper
    return child.columns[key]


def front_page(campaign: Campaign, dealer: Dealer, user: User) -> Callable[[list[tuple[str, int]]], str]:
    """The cover (campaign, theme, window, dealer, coach, visit date) and contents of a packet."""
    visit = db.session.scalar(scoped(select(CoachingVisit).where(
        CoachingVisit.campaign_id == campaign.id, CoachingVisit.dealer_id == dealer.id), CoachingVisit, user)
        .order_by(CoachingVisit.visit_on.desc()).limit(1))
    if visit is not None:
        coach = str(visit.coach)
    else:
        coaches = db.session.scalars(select(User).where(User.coached_dealers.any(Dealer.id == dealer.id))
                                     .order_by(User.id)).all()
        coach = "、".join(str(c) for c in coaches)
    cover = {"campaign": campaign.name, "theme": campaign.theme or "",
             "window": f"{campaign.starts_on:%Y-%m-%d} 至 {campaign.ends_on:%Y-%m-%d}",
             "dealer": dealer.name, "coach": coach,
             "visit_on": f"{visit.visit_on:%Y-%m-%d}" if visit is not None else ""}
    return lambda toc, made_at: _page("reports/packet_front.html", cover=cover, toc=toc, made_at=made_at)


def dealer_packet(campaign: Campaign, dealer: Dealer, user: User, **options: Any) -> DealerPacket:
    return DealerPacket(dealer=dealer.name, campaign=campaign.name,
                        sections=dealer_sections(campaign, dealer, user, **options),
                        front=front_page(campaign, dealer, user))


def campaign_packets(campaign: Campaign, user: User, **options: Any) -> list[DealerPacket]:
    """Every enrolled dealer's packet that `user` may see, by dealer code."""
    dealers = db.session.scalars(scoped(select(Dealer).join(Participation, Participation.dealer_id == Dealer.id)
                                        .where(Participation.campaign_id == campaign.id), Dealer, user)
                                 .order_by(Dealer.code)).all()
    return [dealer_packet(campaign, dealer, user, **options) for dealer in dealers]
