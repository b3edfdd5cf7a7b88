"""QR codes (segno) of the customers' phone links, as inline SVG for screens, print pages and PDFs."""
from __future__ import annotations

from functools import lru_cache

import segno
from flask import current_app, has_request_context, url_for
from markupsafe import Markup


def public_url(endpoint: str, **values: object) -> str:
    """The address a customer's phone opens: PUBLIC_BASE_URL, not the desk's own host name.
    Also outside a request (a packet built by the Prefect runner): only the path comes from Flask."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def qr_svg(url: str, scale: float = 4, mask: int | None = None, border: int = 2) -> Markup:
    """An <svg> element (no script, no external file) that any phone camera reads as `url`, `scale`
    units a module with a quiet zone of `border` modules. `mask` fixed (e.g. 0) skips scoring
    segno's eight masks, ~3.5× faster: for sheets of thousands of codes (every mask gives a valid
    code; the scoring only avoids look-alike patterns)."""
    modules, drawing = _drawing(url, mask)
    side = modules + 2 * border
    return Markup(f'<svg width="{side * scale:g}" height="{side * scale:g}" '
                  f'viewBox="{-border} {-border} {side} {side}" class="segno">{drawing}</svg>')


@lru_cache(maxsize=4096)
def _drawing(url: str, mask: int | None) -> tuple[int, str]:
    """The code's modules as SVG, drawn once per link at any size: a packet prints each
    invitation's code twice (its sign-in sheet row and its label), and building the codes is most
    of the time spent building a packet (bench/packet.py)."""
    code = segno.make_qr(url, error="m", mask=mask)  # never a Micro QR: phones do not read those
    svg = code.svg_inline(scale=1, border=0, omitsize=True)
    return code.symbol_size(border=0)[0], svg[svg.index(">") + 1:svg.rindex("</svg>")]
