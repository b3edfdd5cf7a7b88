"""呼叫中心核实 queue at /admin/verification/: reserve a batch, call, record, release.

The view only turns HTTP into calls of models.verification; every task it touches is loaded
through the dealer-scoping helper (get_or_404), and only the call center records an outcome.
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select

from models import Campaign, Dealer, db
from models.scoping import get_or_404, scoped
from models.verification import (OUTCOMES, SCRIPT, TASK_STATUS, VerificationError, VerificationTask,
                                 create_tasks, held, progress, record_call, release, reserve,
                                 truthfulness_by_dealer)

from .base import SecuredPage, campaign_from_request

AGENTS = frozenset({"call_center"})
READERS = frozenset({"call_center", "hq_admin"})
SHORTCUTS = {"confirmed": "1", "not_real": "2", "unreachable": "3", "refused": "4"}


class VerificationView(SecuredPage):
    read_roles = READERS

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("endpoint", "verification")
        super().__init__(**kwargs)


    @expose("/")
    def index(self):
        return self._page(campaign_from_request())

    def _page(self, campaign: Campaign | None, error: str | None = None, status: int = 200):
        campaigns = db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc())).all()
        batch, rates, counts = [], [], {}
        if campaign is not None:
            if current_user.role in AGENTS:
                batch = held(db.session, campaign.id, current_user)
            counts = progress(db.session, campaign.id)
            by_dealer = truthfulness_by_dealer(db.session, campaign.id)
            dealers = db.session.scalars(scoped(select(Dealer).where(Dealer.id.in_(list(by_dealer))),
                                                Dealer, current_user).order_by(Dealer.code)).all()
            rates = [(dealer, by_dealer[dealer.id]) for dealer in dealers]
        return self.render("admin/verification.html", campaign=campaign, campaigns=campaigns,
                           batch=batch, counts=counts, rates=rates, outcomes=OUTCOMES,
                           statuses=TASK_STATUS, shortcuts=SHORTCUTS, script=SCRIPT,
                           is_agent=current_user.role in AGENTS, error=error), status

    def _back(self, campaign: Campaign | None):
        return redirect(url_for(".index", campaign=campaign.id if campaign else None))

    @expose("/reserve", methods=["POST"])
    def reserve_view(self):
        campaign = campaign_from_request()
        if current_user.role not in AGENTS or campaign is None:
            abort(403)
        before = len(held(db.session, campaign.id, current_user))
        batch = reserve(db.session, campaign.id, current_user)
        db.session.commit()
        gained = len(batch) - before
        flash(f"已领取 {gained} 条，当前批次共 {len(batch)} 条。" if gained
              else "暂无可领取的核实任务（其余任务已被领取或尚未到再次拨打时间）。",
              "success" if gained else "info")
        return self._back(campaign)

    @expose("/release", methods=["POST"])
    def release_view(self):
        campaign = campaign_from_request()
        if current_user.role not in AGENTS or campaign is None:
            abort(403)
        count = release(db.session, campaign.id, current_user)
        db.session.commit()
        flash(f"已释放 {count} 条未完成的任务。", "info")
        return self._back(campaign)

    @expose("/record", methods=["POST"])
    def record_view(self):
        if current_user.role not in AGENTS:
            abort(403)
        task = get_or_404(VerificationTask, request.form.get("task_id"), current_user)
        try:
            record_call(db.session, task, current_user, request.form.get("outcome", ""),
                        request.form.get("note"))
            db.session.commit()
        except VerificationError as exc:
            db.session.rollback()
            return self._page(db.session.get(Campaign, task.campaign_id), str(exc), 409)
        flash(f"{task.customer_name}：{TASK_STATUS[task.status]}"
              + ("（未接通，稍后换个时间再拨）" if task.status == "open" else ""), "success")
        return redirect(url_for(".index", campaign=task.campaign_id))

    @expose("/create", methods=["POST"])
    def create_view(self):
        """HQ turns the reported work orders into tasks (the evaluation flow does it too)."""
        campaign = campaign_from_request()
        if current_user.role != "hq_admin" or campaign is None:
            abort(403)
        made = create_tasks(db.session, campaign.id)
        db.session.commit()
        flash(f"新建核实任务 {made} 条。", "success")
        return self._back(campaign)
