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
    """An <svg> element (no script, no external file) that any phone camera reads as `url`.
    `mask` fixed (e.g. 0) skips scoring segno's eight masks, ~3.5× faster: for sheets of thousands
    of codes (every mask gives a valid code; the scoring only avoids look-alike patterns)."""
    return Markup(_code(url, mask).svg_inline(scale=scale, border=border))


@lru_cache(maxsize=4096)
def _code(url: str, mask: int | None) -> segno.QRCode:
    """One encoding per link: a packet prints each invitation's code twice (sheet row and label)."""
    return segno.make(url, error="m", mask=mask)
