"""Print pages for every admin screen: /print/?id=N, /print.pdf?id=N, /blank/, /blank.pdf.

`PrintMixin` sits in SecureModelView's bases, so every screen gets the routes and a 打印 row
action. A record is always loaded through the view's `get_one(id)` — the dealer-scoped loader
that 404s for another dealer's record — never through session.get.
"""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from flask import Response, abort, current_app, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from sqlalchemy import select

from models import Campaign, db, services
from models.scoping import parse_id, scoped
from reports.pdf import PdfError, render_pdf
from reports.printing import (SIGN_IN_SHEET_ROWS, SIGN_IN_SHEET_SKIP, PrintDocument, print_document,
                             work_order_document)

RECORD_TEMPLATES = {"work_order": "reports/work_order.html"}
BLANK_TEMPLATES = {"work_order": "reports/work_order.html", "sign_in": "reports/sign_in_sheet.html"}
LANDSCAPE_BLANKS = {"sign_in"}
log = logging.getLogger(__name__)


def pdf_response(view: Any, html: str, ascii_name: str, title: str, *,
                 landscape: bool = False) -> Response | tuple[str, int]:
    """The PDF of `html` for an admin view's download, or the view's Chinese 503 page when
    wkhtmltopdf fails (a passing fault of the machine, not of the record)."""
    try:
        pdf = render_pdf(html, wkhtmltopdf=current_app.config["WKHTMLTOPDF"], landscape=landscape, title=title)
    except PdfError as exc:
        log.error("PDF %s failed: %s %s", ascii_name, exc, exc.detail)
        return view.render("admin/pdf_error.html", heading=title, message=f"“{title}”的 PDF 生成失败：{exc}"), 503
    disposition = f"inline; filename=\"{ascii_name}.pdf\"; filename*=UTF-8''{quote(title)}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"})


class PrintMixin:
    """Flask-Admin routes rendering the current model's print page, blank form and their PDFs."""

    def get_list_row_actions(self) -> list[Any]:
        actions = super().get_list_row_actions()  # type: ignore[misc]
        return [*actions, EndpointLinkRowAction("fa fa-print", ".print_view", title="打印")]

    # --- routes --------------------------------------------------------------------------------
    @expose("/print/")
    def print_view(self):
        return self._print_html(self._printed_record(), for_pdf=False)

    @expose("/print.pdf")
    def print_pdf_view(self):
        obj = self._printed_record()
        return pdf_response(self, self._print_html(obj, for_pdf=True), f"{self._table}-{obj.id}",
                                  f"{self.name}-{obj}")

    @expose("/blank/")
    def blank_view(self):
        return self._blank_html(for_pdf=False)

    @expose("/blank.pdf")
    def blank_pdf_view(self):
        return pdf_response(self, self._blank_html(for_pdf=True), f"{self._table}-blank",
                                  f"{self.name}-空白表", landscape=self._table in LANDSCAPE_BLANKS)

    # --- building the documents -----------------------------------------------------------------
    @property
    def _table(self) -> str:
        return self.model.__tablename__  # type: ignore[attr-defined]

    def _printed_record(self) -> Any:
        # the raw text: get_one's parse_id takes ASCII digits only (type=int would take "２")
        return self.get_one(request.args.get("id"))  # type: ignore[attr-defined]  # dealer-scoped, 404s

    def _blank_campaign(self) -> Any:
        raw = request.args.get("campaign")
        if not raw:
            return None
        campaign_id = parse_id(raw)
        if campaign_id is None:
            abort(404)
        campaign = db.session.scalar(scoped(select(Campaign).where(Campaign.id == campaign_id),
                                            Campaign, current_user))
        if campaign is None:
            abort(404)
        return campaign

    def print_document(self, obj: Any = None, campaign: Any = None) -> PrintDocument:
        defaults = {}
        if obj is None:
            # the inline rows the screen's form opens with (rating items, dealer duties) print too
            rows = {key: value for key, value in services.form_defaults(
                self.model, current_user, campaign, {}).items() if isinstance(value, list)}
            defaults = {**rows, "dealer": getattr(current_user, "dealer", None), "campaign": campaign}
        if self._table == "work_order":
            return work_order_document(obj, campaign=campaign, defaults=defaults)
        return print_document(self.model, obj, title=self.name, defaults=defaults)  # type: ignore[attr-defined]

    def _print_html(self, obj: Any, *, for_pdf: bool) -> str:
        doc = self.print_document(obj)
        template = RECORD_TEMPLATES.get(self._table, "reports/print_record.html")
        return self._render_print(template, doc, for_pdf=for_pdf,
                                  pdf_url=url_for(".print_pdf_view", id=obj.id))

    def _blank_html(self, *, for_pdf: bool) -> str:
        campaign = self._blank_campaign()
        doc = self.print_document(None, campaign)
        extra: dict[str, Any] = {}
        if self._table == "sign_in":
            doc.fields = [f for f in doc.fields if f.key not in SIGN_IN_SHEET_SKIP]
            extra["rows"] = SIGN_IN_SHEET_ROWS
        template = BLANK_TEMPLATES.get(self._table, "reports/print_blank.html")
        args = {"campaign": campaign.id} if campaign is not None else {}
        return self._render_print(template, doc, for_pdf=for_pdf,
                                  landscape=self._table in LANDSCAPE_BLANKS,
                                  pdf_url=url_for(".blank_pdf_view", **args), **extra)

    def _render_print(self, template: str, doc: PrintDocument, **context: Any) -> str:
        context.setdefault("landscape", False)
        return self.render(template, doc=doc, back_url=url_for(".index_view"),  # type: ignore[attr-defined]
                           **context)

