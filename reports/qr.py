"""QR codes (segno) of the customers' phone links, as inline SVG for screens, print pages and PDFs."""
from __future__ import annotations

import segno
from flask import current_app, url_for
from markupsafe import Markup


def public_url(endpoint: str, **values: object) -> str:
    """The address a customer's phone opens: PUBLIC_BASE_URL, not the desk's own host name."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def qr_svg(url: str, scale: int = 4) -> Markup:
    """An <svg> element (no script, no external file) that any phone camera reads as `url`."""
    return Markup(segno.make(url, error="m").svg_inline(scale=scale, border=2))
