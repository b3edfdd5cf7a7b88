"""Printable QR sheets of the customers' phone pages: the A4 label sheet of a dealer's invitations
(one sign-in code each) and the A4 walk-in poster of a dealer's campaign day.

Dealer and campaign come through models.scoping.get_or_404 and the rows through scoped(): a
coordinator asking for another dealer's sheet gets a 404, as on every screen.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, render_template, request
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select

from models import Campaign, CustomerInvitation, Dealer, db
from models.base import local_today
from models.scoping import get_or_404, scoped
from models.selfservice import mask_plate
from reports.qr import public_url


def dealer_and_campaign() -> tuple[Dealer, Campaign]:
    """?dealer= (staff of a dealer: their own) and ?campaign= (default: the latest one not closed)."""
    dealer_id = getattr(current_user, "dealer_id", None) or request.args.get("dealer")
    campaign_id = request.args.get("campaign") or db.session.scalar(
        select(Campaign.id).where(Campaign.phase != "closed").order_by(Campaign.starts_on.desc()))
    return get_or_404(Dealer, dealer_id, current_user), get_or_404(Campaign, campaign_id, current_user)


class InvitationLabelsMixin:
    """顾客名单 → 二维码标签: 3 × 8 labels per A4 sheet, one per invitation of the dealer's campaign."""

    @expose("/qr-labels/")
    def qr_labels_view(self) -> Any:
        dealer, campaign = dealer_and_campaign()
        invitations = db.session.scalars(scoped(
            select(CustomerInvitation).where(CustomerInvitation.dealer_id == dealer.id,
                                             CustomerInvitation.campaign_id == campaign.id)
            .order_by(CustomerInvitation.name, CustomerInvitation.id), CustomerInvitation, current_user)).all()
        labels = [(i, mask_plate(i.plate), public_url("phone.sign_in", token=i.token)) for i in invitations]
        rows = [labels[n:n + 3] for n in range(0, len(labels), 3)]
        return render_template("reports/qr_labels.html", dealer=dealer, campaign=campaign, rows=rows,
                               count=len(labels))


class WalkInPosterMixin:
    """顾客签到表 → 到店海报: the dealer's QR for one campaign day (?day=YYYY-MM-DD, default today)."""

    @expose("/walk-in-poster/")
    def walk_in_poster_view(self) -> Any:
        from web.customer import poster_token

        dealer, campaign = dealer_and_campaign()
        try:
            day = dt.date.fromisoformat(request.args.get("day") or local_today().isoformat())
        except ValueError:
            abort(404)
        link = public_url("phone.walk_in", token=poster_token(dealer.id, campaign.id, day))
        return render_template("reports/walk_in_poster.html", dealer=dealer, campaign=campaign, day=day,
                               link=link)
