"""HTML → PDF with wkhtmltopdf (pdfkit), then "第 N 页 / 共 M 页" stamped on every page.

Debian's wkhtmltopdf 0.12.6 is built against unpatched Qt: no --header-*/--footer-* options,
so page numbers are drawn afterwards. Each page gets a one-page overlay drawn by reportlab in a
tiny TrueType subset of the same derived font (reports/fonts.py) and merged with pypdf; the stamp
is real text, so `pdftotext` reads it back.

The wkhtmltopdf subprocess gets FONTCONFIG_FILE=instance/fonts.conf, whatever the parent's
environment says, so that the text layer reads 车 and not the radical ⻋.
"""
from __future__ import annotations

import io
import os
from typing import Any

import pdfkit
from pypdf import PdfReader, PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont
from reportlab.pdfgen import canvas

from .fonts import STAMP_FONT, ensure_fonts

STAMP_FONT_NAME = "CampaignDeskPageStamp"
DEFAULT_OPTIONS: dict[str, Any] = {
    "page-size": "A4",
    "encoding": "UTF-8",
    "margin-top": "12mm",
    "margin-bottom": "16mm",  # room for the page-number stamp
    "margin-left": "12mm",
    "margin-right": "12mm",
    "disable-javascript": None,
    "disable-local-file-access": None,  # the pages are self-contained; nothing reads file://
    "print-media-type": None,
    "disable-smart-shrinking": None,   # keep CSS millimetres true to paper
}


class PdfError(RuntimeError):
    """wkhtmltopdf failed; the message carries its stderr."""


def wkhtmltopdf_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if isinstance(v, str)}
    env["FONTCONFIG_FILE"] = str(ensure_fonts())
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def render_pdf(html: str, *, wkhtmltopdf: str = "/usr/bin/wkhtmltopdf", landscape: bool = False,
               title: str | None = None, stamp: bool = True,
               options: dict[str, Any] | None = None) -> bytes:
    """PDF bytes of `html` (a complete, self-contained document), page numbers stamped."""
    opts = dict(DEFAULT_OPTIONS)
    opts["orientation"] = "Landscape" if landscape else "Portrait"
    if title:
        opts["title"] = title
    opts.update(options or {})
    try:
        config = pdfkit.configuration(wkhtmltopdf=wkhtmltopdf, environ=wkhtmltopdf_env())
        raw = pdfkit.from_string(html, False, options=opts, configuration=config)
    except OSError as exc:
        raise PdfError(str(exc)) from exc
    return stamp_page_numbers(raw) if stamp else raw


def page_label(number: int, total: int) -> str:
    return f"第 {number} 页 / 共 {total} 页"


def _register_stamp_font() -> str:
    if STAMP_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        ensure_fonts()
        pdfmetrics.registerFont(ReportlabTTFont(STAMP_FONT_NAME, str(STAMP_FONT)))
    return STAMP_FONT_NAME


def _overlay(width: float, height: float, text: str) -> Any:
    font = _register_stamp_font()
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1,
                          initialFontName=font, initialFontSize=8)
    sheet.setFont(font, 8)
    sheet.drawCentredString(width / 2, 20, text)  # 20 pt ≈ 7 mm above the bottom edge
    sheet.save()
    return PdfReader(io.BytesIO(buffer.getvalue())).pages[0]


def stamp_page_numbers(pdf: bytes, label: Any = page_label) -> bytes:
    """Return `pdf` with `label(n, total)` centred at the foot of every page."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    total = len(writer.pages)
    for number, page in enumerate(writer.pages, start=1):
        box = page.mediabox
        page.merge_page(_overlay(float(box.width), float(box.height), label(number, total)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
