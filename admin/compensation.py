"""工时补偿 screen: a read-only list (amounts are never typed) plus the steps of a claim.

Each step is a POST that calls models.compensation_steps; the record is always loaded through the
view's dealer-scoped get_one (404 for another dealer's), and the step itself checks the role.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from models import Campaign, db
from models.base import local_date, utcnow
from models.compensation import COMP_STATUS
from models.compensation_steps import (CompensationError, approve, calculate, claim, explain, history,
                                       order_counts, pay, refuse)
from models.scoping import may_see_dealer, parse_id

from .base import ALL_ROLES, ReadOnlyModelView

STEPS = {"calculate": "核算", "approve": "批准", "refuse": "驳回", "pay": "支付"}


def _explain_link(view: Any, context: Any, comp: Any, name: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url_for(".explain_view", id=comp.id), comp.amount)


class LaborCompensationView(ReadOnlyModelView):
    read_roles = ALL_ROLES - {"call_center", "service_advisor"}
    list_template = "admin/compensation_list.html"
    column_list = ["campaign", "dealer", "status", "eligible_inspections", "truthfulness_rate",
                   "payout_percent", "amount", "paid_on", "payment_reference"]
    column_filters = ["campaign", "dealer", "status", "paid_on"]
    column_default_sort = ("campaign_id", True)
    column_formatters = {"amount": _explain_link}
    column_formatters_export = {}

    def get_list_row_actions(self) -> list[Any]:
        return [*super().get_list_row_actions(),
                EndpointLinkRowAction("fa fa-calculator", ".explain_view", title="核算明细")]

    def render(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault("claim_campaigns", db.session.scalars(
            select(Campaign).where(Campaign.phase.in_(("execution", "evaluation")))
            .order_by(Campaign.starts_on.desc())).all() if current_user.role == "dealer_coordinator" else [])
        return super().render(template, **kwargs)

    def _explain(self, comp: Any, error: str | None = None, status: int = 200):
        campaign = db.session.get(Campaign, comp.campaign_id)
        return self.render("admin/compensation_explain.html", comp=comp, campaign=campaign,
                           counts=order_counts(db.session, campaign, comp.dealer_id),
                           history=history(db.session, comp), explanation=explain(comp)
                           if comp.payout_percent is not None else None, statuses=COMP_STATUS,
                           steps=STEPS, error=error, today=local_date(utcnow())), status

    @expose("/explain/")
    def explain_view(self):
        return self._explain(self.get_one(request.args.get("id")))

    @expose("/claim/", methods=["POST"])
    def claim_view(self):
        campaign_id = parse_id(request.form.get("campaign_id"))
        campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
        dealer_id = current_user.dealer_id if current_user.dealer_id is not None \
            else parse_id(request.form.get("dealer_id"))
        if campaign is None or dealer_id is None or not may_see_dealer(current_user, dealer_id):
            abort(404)
        try:
            comp = claim(db.session, campaign, dealer_id, current_user)
            db.session.commit()
        except CompensationError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for(".index_view"))
        flash("已申请工时补偿，总部核算后可在此查看明细。", "success")
        return redirect(url_for(".explain_view", id=comp.id))

    @expose("/step/<step>/", methods=["POST"])
    def step_view(self, step: str):
        comp = self.get_one(request.form.get("id"))
        if step not in STEPS:
            abort(404)
        try:
            if step == "calculate":
                calculate(db.session, comp, current_user)
            elif step == "approve":
                approve(db.session, comp, current_user)
            elif step == "refuse":
                refuse(db.session, comp, current_user, request.form.get("reason"))
            else:
                pay(db.session, comp, current_user, request.form.get("reference"), _date(request.form.get("paid_on")))
            db.session.commit()
        except CompensationError as exc:
            db.session.rollback()
            return self._explain(self.get_one(comp.id), str(exc), exc.status)
        flash(f"已{STEPS[step]}：{comp.dealer} {COMP_STATUS[comp.status]}", "success")
        return redirect(url_for(".explain_view", id=comp.id))


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None
