"""测评 results pages under /admin/results/: the campaign dashboard, a dealer's page, their charts,
the closing report (page and PDF) and the Excel export.

What a user sees is decided by the one scoping helper (models/scoping.py): a dealer is loaded with
get_or_404 (another dealer's user gets 404), stored dealer snapshots are read through scoped(),
and the totals of a regional manager or a coach are computed over the dealers they may see.
Numbers come from the newest KpiSnapshot; before the first refresh they are computed live.
"""
from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import case, func, select

from forms.excel import XLSX_MIME, attachment, xlsx_book
from models import Campaign, ClosingMeeting, Dealer, KpiSnapshot, User, db
from models.audit import record
from models.base import utcnow
from models.results import (advisor_kpis, baseline_window, daily_arrivals, dealer_kpis, total_kpis, weekly_revenue,
                            weekly_revenue_by_dealer)
from models.scoping import get_or_404, scoped, visible_dealer_ids
from models.snapshots import dealer_values, latest, refresh_snapshots
from reports import charts
from reports.charts import chart_data
from reports.results import (COLUMNS, RANKINGS, advisor_table, dealer_table, excel_sheets, ranking, sections,
                             weekly_by_dealer)

from .base import SecuredPage, campaign_from_request
from .printing import pdf_response

HQ_SIDE = frozenset({"hq_admin", "regional_manager", "coach"})
DEALER_SIDE = frozenset({"dealer_coordinator", "service_advisor"})


def _campaign() -> Campaign:
    """?campaign=N (404 when there is none), else the campaign being (or last) evaluated."""
    if request.values.get("campaign"):
        return campaign_from_request()
    evaluated = case((Campaign.phase.in_(("evaluation", "closed")), 0), else_=1)
    campaign = db.session.scalar(select(Campaign).order_by(evaluated, Campaign.ends_on.desc(), Campaign.id.desc()))
    if campaign is None:
        abort(404)
    return campaign


def _dealer() -> Dealer:
    return get_or_404(Dealer, request.args.get("dealer"), current_user)


def _live(campaign: Campaign, dealer_ids: Any) -> dict[str, Any]:
    values = total_kpis(db.session, campaign, dealer_ids)
    values["daily"] = daily_arrivals(db.session, campaign, dealer_ids)
    values["weekly"] = weekly_revenue(db.session, campaign, dealer_ids)
    return values


def campaign_values(campaign: Campaign) -> tuple[dict[str, Any], Any]:
    """Totals over the dealers this user may see: the stored campaign row for HQ-wide users."""
    ids = visible_dealer_ids(current_user)
    if ids is None:
        stored = latest(db.session, campaign.id)
        if stored is not None:
            return stored.values, stored.computed_at
    return _live(campaign, ids), None


def dealer_rows(campaign: Campaign) -> list[tuple[Dealer, dict[str, Any]]]:
    """Every enrolled dealer the user may see with its KPIs (newest stored set, else live)."""
    newest = db.session.scalar(select(func.max(KpiSnapshot.computed_at)).where(
        KpiSnapshot.campaign_id == campaign.id, KpiSnapshot.scope == "dealer"))
    stored = db.session.execute(scoped(select(Dealer, KpiSnapshot.values).join(
        KpiSnapshot, KpiSnapshot.dealer_id == Dealer.id).where(
        KpiSnapshot.campaign_id == campaign.id, KpiSnapshot.scope == "dealer",
        KpiSnapshot.computed_at == newest), Dealer, current_user).order_by(Dealer.code)).all()
    if stored:
        return [(d, v) for d, v in stored]
    live = dealer_kpis(db.session, campaign, visible_dealer_ids(current_user))
    dealers = db.session.scalars(select(Dealer).where(Dealer.id.in_(list(live))).order_by(Dealer.code))
    return [(d, live[d.id]) for d in dealers]


class ResultsView(SecuredPage):
    read_roles = HQ_SIDE | DEALER_SIDE  # the call center sees no revenue (DESIGN §6)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("endpoint", "results")
        super().__init__(**kwargs)

    def render(self, template: str, **kwargs: Any) -> str:
        return super().render(template, chart_titles=charts.TITLES, **kwargs)

    # --- pages -------------------------------------------------------------------------------------
    @expose("/")
    def index(self):
        if request.args.get("campaign") is None and db.session.scalar(select(Campaign.id).limit(1)) is None:
            flash("暂无活动，尚无测评结果。", "info")
            return redirect(url_for("admin.index"))
        campaign = _campaign()
        if current_user.role in DEALER_SIDE:
            return redirect(url_for(".dealer", campaign=campaign.id, dealer=current_user.dealer_id))
        values, computed_at = campaign_values(campaign)
        rows = dealer_rows(campaign)
        sort, order = request.args.get("sort", "revenue"), request.args.get("order", "desc")
        metric = request.args.get("rank", "revenue")
        table = dealer_table([(d.name, v) for d, v in rows], sort, order != "asc")
        return self.render("admin/results/campaign.html", campaign=campaign, values=values,
                           computed_at=computed_at, sections=sections(values), table=table,
                           sort_columns=list(zip(COLUMNS, table.headers[1:])),
                           dealers=[d for d, _ in rows], sort=sort, order=order, metric=metric,
                           rankings=RANKINGS, ranked=ranking([(d.name, v) for d, v in rows], metric),
                           campaigns=self._campaigns(), baseline=baseline_window(campaign))

    @expose("/dealer/")
    def dealer(self):
        campaign, dealer = _campaign(), _dealer()
        values, computed_at = dealer_values(db.session, campaign, dealer, current_user)
        return self.render("admin/results/dealer.html", campaign=campaign, dealer=dealer, values=values,
                           computed_at=computed_at, sections=sections(values), campaigns=self._campaigns(),
                           baseline=baseline_window(campaign), advisors=self._advisors(campaign, dealer))

    @expose("/chart/<chart>.png")
    def chart(self, chart: str):
        name = chart
        if name not in charts.TITLES:
            abort(404)
        campaign = _campaign()
        if name == "ranking":
            if current_user.role in DEALER_SIDE:
                abort(404)  # a ranking names other dealers
            metric = request.args.get("rank", "revenue")
            data = ranking([(d.name, v) for d, v in dealer_rows(campaign)], metric)
            png = charts.render(name, data, f"{charts.TITLES[name]}：{RANKINGS.get(metric, RANKINGS['revenue'])}")
        else:
            png = charts.render(name, chart_data(name, self._values(campaign)))
        return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})

    @expose("/report/")
    def report(self):
        return self._report_html(_campaign(), for_pdf=False)

    @expose("/report.pdf")
    def report_pdf(self):
        campaign = _campaign()
        dealer = _dealer() if request.args.get("dealer") else None
        title = f"{campaign.name}-{dealer.name if dealer else '活动'}总结报告"
        return pdf_response(self, self._report_html(campaign, for_pdf=True), "closing-report", title)

    @expose("/export.xlsx")
    def export(self):
        campaign = _campaign()
        dealer = _dealer() if request.args.get("dealer") else None
        if dealer is None and current_user.role in DEALER_SIDE:
            abort(404)
        values = self._values(campaign)
        if dealer is None:
            extra = [dealer_table([(d.name, v) for d, v in dealer_rows(campaign)]),
                     weekly_by_dealer(weekly_revenue_by_dealer(db.session, campaign, visible_dealer_ids(current_user)))]
        else:
            extra = [self._advisors(campaign, dealer)]
        name = f"{campaign.name}-{dealer.name if dealer else '活动'}-KPI.xlsx"
        return Response(xlsx_book(excel_sheets(values, *extra)), mimetype=XLSX_MIME,
                        headers={"Content-Disposition": attachment(name), "Cache-Control": "private, no-store"})

    @expose("/recompute", methods=["POST"])
    def recompute(self):
        if current_user.role != "hq_admin":
            abort(403)
        campaign = _campaign()
        refresh_snapshots(db.session, campaign, utcnow())
        record(db.session, user=current_user, action="kpi_recomputed", entity=campaign)
        db.session.commit()
        flash("已重新计算本活动全部指标。", "success")
        return redirect(url_for(".index", campaign=campaign.id))

    # --- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _advisors(campaign: Campaign, dealer: Dealer):
        """Live: a dealer's advisors are few, and they are not in the stored snapshot."""
        per = advisor_kpis(db.session, campaign, dealer.id)
        names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_([k for k in per if k]))).all())
        return advisor_table([(names.get(k, "未指定服务顾问"), v) for k, v in sorted(per.items(), key=lambda kv: kv[0] or 0)])

    def _campaigns(self) -> list[Campaign]:
        return list(db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc())))

    def _values(self, campaign: Campaign) -> dict[str, Any]:
        """The dealer's KPIs when ?dealer= is given (404 if not visible), else the user's totals."""
        if request.args.get("dealer"):
            return dealer_values(db.session, campaign, _dealer(), current_user)[0]
        if current_user.role in DEALER_SIDE:
            abort(404)
        return campaign_values(campaign)[0]

    def _report_html(self, campaign: Campaign, *, for_pdf: bool) -> str:
        dealer = _dealer() if request.args.get("dealer") else None
        if dealer is None and current_user.role in DEALER_SIDE:
            abort(404)
        values = self._values(campaign)
        closings = list(db.session.scalars(scoped(select(ClosingMeeting).where(
            ClosingMeeting.campaign_id == campaign.id, *([ClosingMeeting.dealer_id == dealer.id] if dealer else [])),
            ClosingMeeting, current_user).order_by(ClosingMeeting.dealer_id, ClosingMeeting.held_on)))
        args = {"campaign": campaign.id, **({"dealer": dealer.id} if dealer else {})}
        pictures = {s.chart: charts.data_uri(charts.render(s.chart, chart_data(s.chart, values))) if for_pdf
                    else url_for(".chart", chart=s.chart, **args) for s in sections(values) if s.chart}
        return self.render("reports/closing_report.html", campaign=campaign, dealer=dealer, values=values,
                           sections=sections(values), closings=closings, pictures=pictures, for_pdf=for_pdf,
                           baseline=baseline_window(campaign), printed_at=utcnow(), chart_args=args,
                           pdf_url=url_for(".report_pdf", **args),
                           back_url=url_for(".dealer" if dealer else ".index", **args))
