"""HTML → PDF with wkhtmltopdf, then "第 N 页 / 共 M 页" stamped on every page.

Debian's wkhtmltopdf 0.12.6 is built against unpatched Qt: no --header-*/--footer-* options,
so page numbers are drawn afterwards. One reportlab document holds every page's stamp, set in a
small TrueType subset of the same derived font (reports/fonts.py); each stamp becomes a form
XObject drawn after the page's own content, so the stamp is real text that `pdftotext` reads
back, and stamping 500 pages takes a fraction of a second (no content stream is parsed).

wkhtmltopdf runs sealed: JavaScript off, no local files, every network request sent to a proxy
that does not exist (so an address that slipped into a page is never fetched, not even on
127.0.0.1), and a time limit. pdfkit builds the command line, but its habit of taking extra
options from `<meta name="pdfkit-…">` tags in the page is switched off, and the process is run
here rather than by pdfkit, whose `to_pdf` has no time limit.
The subprocess gets FONTCONFIG_FILE=instance/fonts.conf, whatever the parent's environment says,
so that the text layer reads 车 and not the radical ⻋.
"""
from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Callable, Sequence
from typing import Any

import pdfkit
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont
from reportlab.pdfgen import canvas

from .fonts import ensure_fonts, stamp_font

TIMEOUT_SECONDS = 120
# Nothing listens on the discard port; Qt sends every http(s) request, 127.0.0.1 included, and
# (with proxy-hostname-lookup) every name lookup to it, so nothing leaves the process.
DEAD_PROXY = "http://127.0.0.1:9"
DEFAULT_OPTIONS: dict[str, Any] = {
    "page-size": "A4",
    "encoding": "UTF-8",
    "margin-top": "12mm",
    "margin-bottom": "16mm",  # room for the page-number stamp
    "margin-left": "12mm",
    "margin-right": "12mm",
    "disable-javascript": None,
    "disable-local-file-access": None,  # the pages are self-contained; nothing reads file://
    "proxy": DEAD_PROXY,
    "proxy-hostname-lookup": None,
    # a refused request (the proxy) leaves that element empty instead of failing the document
    "load-error-handling": "ignore",
    "load-media-error-handling": "ignore",
    "print-media-type": None,
    "disable-smart-shrinking": None,   # keep CSS millimetres true to paper
    "quiet": None,
}


class PdfError(RuntimeError):
    """wkhtmltopdf failed or ran out of time: a Chinese message for people, the program's own
    words (English) in `detail` for the log."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


def wkhtmltopdf_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if isinstance(v, str)
           and k.lower() not in {"http_proxy", "https_proxy", "all_proxy", "proxy", "no_proxy"}}
    env["FONTCONFIG_FILE"] = str(ensure_fonts())
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


class _SealedPDFKit(pdfkit.PDFKit):
    def _find_options_in_meta(self, content):
        return {}  # a printed record must not choose wkhtmltopdf's options


def wkhtmltopdf_command(wkhtmltopdf: str, options: dict[str, Any]) -> list[str]:
    """wkhtmltopdf's arguments for HTML on stdin and the PDF on stdout."""
    opts = {name: value for name, value in options.items() if value is not False}
    kit = _SealedPDFKit("", "string", options=opts, verbose=True,
                        configuration=pdfkit.configuration(wkhtmltopdf=wkhtmltopdf))
    return kit.command()


def render_pdf(html: str, *, wkhtmltopdf: str = "/usr/bin/wkhtmltopdf", landscape: bool = False,
               title: str | None = None, stamp: bool = True, timeout: float = TIMEOUT_SECONDS,
               options: dict[str, Any] | None = None) -> bytes:
    """PDF bytes of `html` (a complete, self-contained document), page numbers stamped."""
    opts = dict(DEFAULT_OPTIONS)
    opts["orientation"] = "Landscape" if landscape else "Portrait"
    if title:
        opts["title"] = title
    opts.update(options or {})
    try:
        command = wkhtmltopdf_command(wkhtmltopdf, opts)
        done = subprocess.run(command, input=html.encode("utf-8"),
                              capture_output=True, env=wkhtmltopdf_env(), timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise PdfError(f"生成 PDF 超时（超过 {timeout:g} 秒）") from exc
    except OSError as exc:
        raise PdfError("无法启动 PDF 生成程序", detail=f"{wkhtmltopdf}: {exc}") from exc
    if not _complete(done):
        raise PdfError(f"PDF 生成程序出错（退出码 {done.returncode}）",
                       detail=done.stderr.decode("utf-8", "replace")[-2000:])
    return stamp_page_numbers(done.stdout) if stamp else done.stdout


def _complete(done: subprocess.CompletedProcess) -> bool:
    """A finished PDF: exit 0, or exit 1 only because a request went to the dead proxy."""
    pdf = done.stdout.startswith(b"%PDF") and done.stdout.rstrip().endswith(b"%%EOF")
    blocked = done.returncode == 1 and b"due to network error" in done.stderr
    return pdf and (done.returncode == 0 or blocked)


def page_label(number: int, total: int) -> str:
    return f"第 {number} 页 / 共 {total} 页"


def _register_stamp_font(text: str) -> str:
    path = stamp_font(text)
    name = f"CampaignDeskStamp-{path.stem.rsplit('-', 1)[-1]}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(ReportlabTTFont(name, str(path)))
    return name


def _overlays(sizes: Sequence[tuple[float, float]], labels: Sequence[str]) -> PdfReader:
    """One page per label, each the size of the page it will be drawn on."""
    font = _register_stamp_font("".join(labels))
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pageCompression=1, initialFontName=font, initialFontSize=8)
    for (width, height), text in zip(sizes, labels, strict=True):
        sheet.setPageSize((width, height))
        sheet.setFont(font, 8)
        sheet.drawCentredString(width / 2, 20, text)  # 20 pt ≈ 7 mm above the bottom edge
        sheet.showPage()
    sheet.save()
    return PdfReader(io.BytesIO(buffer.getvalue()))


def stamp_writer(writer: PdfWriter, labels: Sequence[str]) -> None:
    """Draw labels[i] at the foot of page i of `writer`, in place."""
    pages = list(writer.pages)
    overlay = _overlays([(float(p.mediabox.width), float(p.mediabox.height)) for p in pages], labels)
    save = writer._add_object(_stream(b"q\n"))
    for page, stamp in zip(pages, overlay.pages, strict=True):
        form = _stream(stamp.get_contents().get_data(), {
            "/Type": NameObject("/XObject"), "/Subtype": NameObject("/Form"),
            "/BBox": stamp.mediabox, "/Resources": stamp["/Resources"].clone(writer)})
        # resources may be shared between pages: each page gets its own dict naming its stamp
        resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
        xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
        xobjects[NameObject("/CampaignDeskStamp")] = writer._add_object(form)
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        contents = page.get("/Contents")
        original = contents.get_object() if contents is not None else ArrayObject()
        original = list(original) if isinstance(original, ArrayObject) else [contents]
        # the page's own content may leave a transformation in place: draw the stamp after Q
        page[NameObject("/Contents")] = ArrayObject(
            [save, *original, writer._add_object(_stream(b"Q\nq /CampaignDeskStamp Do Q\n"))])


def _stream(data: bytes, entries: dict[str, Any] | None = None) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    for key, value in (entries or {}).items():
        stream[NameObject(key)] = value
    return stream


def stamp_page_numbers(pdf: bytes, label: Callable[[int, int], str] = page_label) -> bytes:
    """Return `pdf` with `label(n, total)` centred at the foot of every page."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    total = len(writer.pages)
    stamp_writer(writer, [label(n, total) for n in range(1, total + 1)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
