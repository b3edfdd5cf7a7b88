"""The customers' phone pages: QR self sign-in (and feedback). No login: the link's token is the
whole authority, and it opens one invitation of one dealer's campaign, nothing else."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError

from models.base import local_today
from models.selfservice import (LinkRefused, invitation_by_token, mask_name, mask_plate, sign_in_by_qr,
                               signed_in)

from . import csrf, limiter

bp = Blueprint("phone", __name__)


def _limits(view):
    """Per client address and per link (the token in the URL), as configured; each page its own."""
    per_ip = limiter.limit(lambda: current_app.config["PHONE_LIMIT_PER_IP"], key_func=get_remote_address)
    per_link = limiter.limit(lambda: current_app.config["PHONE_LIMIT_PER_LINK"],
                             key_func=lambda: f"link:{request.view_args.get('token', '')}")
    return per_ip(per_link(view))


@bp.errorhandler(LinkRefused)
def refused(error: LinkRefused):
    return render_template("web/customer/refused.html", title=error.title, message=error.message,
                           dealer_name=None), error.status


@bp.errorhandler(CSRFError)
def stale_page(error: CSRFError):
    return refused(LinkRefused(400, "页面已过期", "页面已过期，未保存任何内容。请重新扫码后再试。"))


@bp.errorhandler(RateLimitExceeded)
def too_many(error: RateLimitExceeded):
    return refused(LinkRefused(429, "操作过于频繁", "您的操作过于频繁，请稍等一分钟后再试。"))


def _protect() -> None:
    """CSRF after the token: an unknown link is a 404 whatever was posted to it."""
    csrf.protect()


@bp.route("/signin/<token>", methods=["GET", "POST"])
@_limits
def sign_in(token: str):
    invitation = invitation_by_token(token)
    just_now = False
    if request.method == "POST":
        _protect()
        done, just_now = sign_in_by_qr(invitation)
    else:
        done = signed_in(invitation)
    campaign = invitation.campaign
    return render_template(
        "web/customer/signin.html", title="扫码签到", campaign_name=campaign.name,
        dealer_name=invitation.dealer.name, masked_name=mask_name(invitation.name),
        masked_plate=mask_plate(invitation.plate), sign_in=done, just_now=just_now,
        not_yet=campaign.starts_on if local_today() < campaign.starts_on else None)
