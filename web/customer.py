"""The customers' phone pages: QR self sign-in (and feedback). No login: the link's token is the
whole authority, and it opens one invitation of one dealer's campaign, nothing else."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_wtf.csrf import CSRFError

from models.base import local_today
from models.selfservice import (LinkRefused, invitation_by_token, mask_name, mask_plate, sign_in_by_qr,
                               signed_in)

bp = Blueprint("phone", __name__)


@bp.errorhandler(LinkRefused)
def refused(error: LinkRefused):
    return render_template("web/customer/refused.html", title=error.title, message=error.message,
                           dealer_name=None), error.status


@bp.errorhandler(CSRFError)
def stale_page(error: CSRFError):
    return refused(LinkRefused(400, "页面已过期", "页面已过期，未保存任何内容。请重新扫码后再试。"))


def _protect() -> None:
    """CSRF after the token: an unknown link is a 404 whatever was posted to it."""
    from . import csrf

    csrf.protect()


@bp.route("/signin/<token>", methods=["GET", "POST"])
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
