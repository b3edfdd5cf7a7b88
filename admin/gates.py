"""活动关口 page: each campaign's and dealer's phase, the gate checklist, approve/override/refuse,
"start campaign", and the link to the campaign's Prefect run.

The view only translates HTTP into calls of models.phases / workflows.client; a decision
is committed to the database before Prefect is told, so a Prefect outage loses nothing.
"""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import Campaign, Participation, db
from models.audit import record
from models.campaign import DECISION_LABELS, PHASES
from models.overview import campaign_overview
from models.gates import DEALER_GATE_PHASES, GATE_PHASES, campaign_items, dealer_items
from models.phases import (START_REQUESTED, GateError, decide, existing_decision, may_decide, submission,
                           submit_for_review)
from models.results import headline
from models.schedules import local_date, smtp_mailer
from models.snapshots import latest
from models.scoping import may_see_dealer, parse_id
from models.base import utcnow

from .base import SecuredPage
from .packet import CAMPAIGN_PACKET_ROLES, PACKET_ROLES


CAMPAIGN_GATE_ROLES = frozenset({"hq_admin", "regional_manager"})
REMEMBERED = "gates_campaign"
RACED = "该关口刚刚已由他人处理，您的操作未保存。请查看下方的最新状态。"


def _int(name: str) -> int | None:
    raw = (request.form.get(name) or request.args.get(name) or "").strip()
    if not raw:
        return None
    value = parse_id(raw)
    if value is None:
        raise GateError(f"参数 {name} 必须是正整数。")
    return value


def _flows_down(done: str) -> bool:
    """Say honestly that nothing carries the decision forward right now (and that it will)."""
    from workflows.client import flow_engine_status

    problem = flow_engine_status(current_app.config["PREFECT_API_URL"]).problem()
    if problem:
        flash(f"{done}；{problem}，恢复后一分钟内流程将自动继续。", "warning")
    return bool(problem)


class GateView(SecuredPage):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("name", "活动关口")
        kwargs.setdefault("endpoint", "gates")
        kwargs.setdefault("category", "系统")
        super().__init__(**kwargs)

    # --- page ----------------------------------------------------------------------------------
    def _rows(self, campaign: Campaign) -> dict[str, Any]:
        today = local_date(utcnow())
        phase = campaign.phase
        gate = None
        if current_user.role in CAMPAIGN_GATE_ROLES and phase in GATE_PHASES:
            items = campaign_items(db.session, campaign, phase, today)
            gate = {"items": items,
                    # 批准 only when it can succeed; override (HQ, with a reason) stays for the rest
                    "may": {d: may_decide(current_user, campaign, None, d)
                            and (d != "approved" or all(i.ok for i in items))
                            for d in ("approved", "overridden", "refused")},
                    "decision": existing_decision(db.session, campaign.id, phase, None)}
        dealers = []
        parts = db.session.scalars(select(Participation).where(Participation.campaign_id == campaign.id)
                                   .order_by(Participation.dealer_id)).all()
        for part in parts:
            if not may_see_dealer(current_user, part.dealer_id):
                continue  # dealer isolation: another dealer's progress is not shown at all
            has_gate = part.phase == phase and phase in DEALER_GATE_PHASES
            items = dealer_items(db.session, part, part.phase, today) if has_gate else []
            submitted = submission(db.session, part, part.phase) if has_gate else None
            dealers.append({
                "part": part,
                "items": items,
                "has_gate": has_gate,
                "decision": existing_decision(db.session, campaign.id, part.phase, part.dealer_id),
                "submitted": submitted,
                # offered when it can succeed; the POST re-checks everything (models.phases)
                "may_submit": has_gate and submitted is None and all(i.ok for i in items)
                and current_user.role == "dealer_coordinator" and current_user.dealer_id == part.dealer_id,
                "may": {d: has_gate and may_decide(current_user, campaign, part, d)
                        and (d != "approved" or (all(i.ok for i in items) and submitted is not None))
                        for d in ("approved", "overridden", "refused")}})
        # campaign-wide numbers span every region's dealers: HQ only; the others use /admin/results/
        snapshot = latest(db.session, campaign.id) if current_user.role == "hq_admin" else None
        kpis = (snapshot.computed_at, headline(snapshot.values)) if snapshot is not None else None
        visible = None if current_user.role == "hq_admin" else [d["part"].dealer_id for d in dealers]
        return {"gate": gate, "dealers": dealers, "kpis": kpis,
                "overview": campaign_overview(db.session, campaign, today, visible)}

    def _page(self, campaign_id: int | None, error: str | None = None, status: int = 200):
        # open campaigns first, newest first
        campaigns = db.session.scalars(select(Campaign).order_by(Campaign.phase == "closed",
                                                                 Campaign.starts_on.desc(), Campaign.id.desc())).all()
        campaign = None
        if campaign_id is not None:
            campaign = db.session.get(Campaign, campaign_id)
            if campaign is None:
                abort(404)
            session[REMEMBERED] = campaign.id  # the picker reopens on the user's last choice
        elif campaigns:
            campaign = next((c for c in campaigns if c.id == session.get(REMEMBERED)), campaigns[0])
        ui = current_app.config["PREFECT_UI_URL"].rstrip("/")
        html = self.render("admin/gates.html", campaigns=campaigns, campaign=campaign, phases=PHASES,
                           decision_labels=DECISION_LABELS, item_url=self._item_url,
                           rows=self._rows(campaign) if campaign else None, error=error,
                           may_packet=current_user.role in PACKET_ROLES,
                           may_campaign_packet=current_user.role in CAMPAIGN_PACKET_ROLES,
                           run_url=f"{ui}/runs/flow-run/{campaign.flow_run_id}"
                           if campaign and campaign.flow_run_id else None)
        return html, status

    def _item_url(self, item) -> str:
        """Where a gate item is fixed: the list filtered to the rows to fix (Flask-Admin numbers
        its filter arguments per view, so they are looked up on the view), else item.link."""
        if not item.fix:
            return item.link
        view = next((v for v in self.admin._views if getattr(v, "endpoint", None) == item.table), None)
        if view is None:
            return item.link
        args = {}
        for n, (column, value) in enumerate(item.fix):
            match = next((i for i, f in enumerate(view._filters) if getattr(f.column, "key", None) == column
                          and type(f).__name__ in ("FilterEqual", "BooleanEqualFilter")), None)
            if match is None:
                return item.link
            args[f"flt{n}_{view.get_filter_arg(match, view._filters[match])}"] = value
        return url_for(f"{item.table}.index_view", **args)

    @expose("/")
    def index(self):
        try:
            return self._page(_int("campaign"))
        except GateError as exc:
            return self._page(None, exc.message, exc.status)

    # --- actions ---------------------------------------------------------------------------------
    @expose("/decide", methods=["POST"])
    def decide_view(self):
        from workflows.client import publish_overview, resume

        try:
            campaign_id, dealer_id = _int("campaign_id"), _int("dealer_id")
        except GateError as exc:
            return self._page(None, exc.message, exc.status)
        campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
        if campaign is None or (dealer_id is not None and not may_see_dealer(current_user, dealer_id)):
            abort(404)
        try:
            approval = decide(db.session, user=current_user, campaign=campaign,
                              phase=request.form.get("phase", ""), decision=request.form.get("decision", ""),
                              note=request.form.get("note"), dealer_id=dealer_id,
                              version=request.form.get("version"),
                              mailer=smtp_mailer(current_app.config))
            db.session.commit()
        except GateError as exc:
            db.session.rollback()
            return self._page(campaign_id, exc.message, exc.status)
        except (StaleDataError, IntegrityError):  # another decision on this gate committed first
            db.session.rollback()
            return self._page(campaign_id, RACED, 409)
        done = {"approved": "已批准", "overridden": "已强制通过", "refused": "已驳回"}[approval.decision] \
            + f"：{PHASES[approval.phase]}关口"
        publish_overview(db.session, campaign, current_app.config["PUBLIC_BASE_URL"])
        if dealer_id is None and approval.decision != "refused":
            # committed above: if Prefect is unreachable the reconciler resumes the run later
            if resume(campaign.flow_run_id, approval):
                approval.resumed = True
                db.session.commit()
            if _flows_down(done + "，决定已保存"):
                return redirect(url_for(".index", campaign=campaign_id))
        flash(done, "success")
        return redirect(url_for(".index", campaign=campaign_id))

    @expose("/submit", methods=["POST"])
    def submit_view(self):
        """A dealer coordinator passes the own dealer's gate to review (DESIGN §6)."""
        from workflows.client import publish_overview

        try:
            campaign_id, dealer_id = _int("campaign_id"), _int("dealer_id")
        except GateError as exc:
            return self._page(None, exc.message, exc.status)
        campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
        if campaign is None or dealer_id is None or not may_see_dealer(current_user, dealer_id):
            abort(404)
        try:
            submit_for_review(db.session, user=current_user, campaign=campaign, dealer_id=dealer_id,
                              phase=request.form.get("phase", ""), mailer=smtp_mailer(current_app.config))
            db.session.commit()
        except (StaleDataError, IntegrityError):
            db.session.rollback()
            return self._page(campaign_id, RACED, 409)
        except GateError as exc:
            db.session.rollback()
            if exc.status == 404:
                abort(404)
            return self._page(campaign_id, exc.message, exc.status)
        publish_overview(db.session, campaign, current_app.config["PUBLIC_BASE_URL"])
        flash("已提交审核，区域经理将收到通知。", "success")
        return redirect(url_for(".index", campaign=campaign_id))

    @expose("/start", methods=["POST"])
    def start_view(self):
        from workflows.client import start_campaign

        if current_user.role != "hq_admin":
            return self._page(None, "只有总部活动管理员可以启动活动流程。", 403)
        try:
            campaign_id = _int("campaign_id")
        except GateError as exc:
            return self._page(None, exc.message, exc.status)
        campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
        if campaign is None:
            abort(404)
        if campaign.flow_run_id:
            return self._page(campaign_id, "该活动流程已启动，无需重复启动。", 409)
        # the request is recorded first, so the reconciler can start it if Prefect is down now
        record(db.session, user=current_user, action=START_REQUESTED, entity=campaign)
        db.session.commit()
        run_id = start_campaign(campaign)
        if run_id is None:
            _flows_down("启动请求已记录")
            return redirect(url_for(".index", campaign=campaign_id))
        campaign.flow_run_id = run_id
        record(db.session, user=current_user, action="campaign_started", entity=campaign, detail=run_id)
        db.session.commit()
        if not _flows_down("活动流程已创建"):
            flash("活动流程已启动。", "success")
        return redirect(url_for(".index", campaign=campaign_id))

