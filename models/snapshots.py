"""KpiSnapshot: the results of models/results.py as stored by the nightly kpi-refresh flow
(or by HQ's "重新计算"), so result pages read one row instead of recomputing on every visit."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from .base import LOCAL_TZ, Base, field, local_date, utcnow
from .campaign import Campaign
from .results import campaign_results, daily_arrivals, dealer_kpis, total_kpis, weekly_revenue

SCOPES = {"campaign": "活动", "dealer": "特约店"}


class KpiSnapshot(Base):
    __tablename__ = "kpi_snapshot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = field("活动", ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = field("范围", String(20), choices=SCOPES, index=True)
    scope_id: Mapped[int | None] = field("范围编号", Integer, index=True)
    # set for dealer snapshots, so the one scoping helper (models/scoping.py) hides other dealers'
    dealer_id: Mapped[int | None] = field("特约店", ForeignKey("dealer.id", ondelete="CASCADE"), index=True)
    computed_at: Mapped[dt.datetime] = field("计算时间", default=utcnow, index=True)
    values: Mapped[dict[str, Any]] = field("指标", JSON)


def refresh_snapshots(session, campaign: Campaign, now: dt.datetime | None = None) -> KpiSnapshot:
    """Compute and store the campaign's KPIs and every enrolled dealer's; returns the campaign row.

    One set per campaign and Shanghai day: a second refresh that day replaces the first."""
    now = now or utcnow()
    day_start = dt.datetime.combine(local_date(now), dt.time(), LOCAL_TZ).astimezone(dt.UTC)
    session.execute(delete(KpiSnapshot).where(KpiSnapshot.campaign_id == campaign.id,
                                              KpiSnapshot.computed_at >= day_start,
                                              KpiSnapshot.computed_at < day_start + dt.timedelta(days=1)))
    per_dealer, values = campaign_results(session, campaign, now)
    daily = daily_arrivals(session, campaign, per_dealer=True)
    weekly = weekly_revenue(session, campaign, per_dealer=True)
    for dealer_id, dealer_values in per_dealer.items():
        dealer_values["daily"], dealer_values["weekly"] = daily(dealer_id), weekly(dealer_id)
        session.add(KpiSnapshot(campaign_id=campaign.id, scope="dealer", scope_id=dealer_id, dealer_id=dealer_id,
                                computed_at=now, values=dealer_values))
    values["daily"] = daily_arrivals(session, campaign)
    values["weekly"] = weekly_revenue(session, campaign)
    row = KpiSnapshot(campaign_id=campaign.id, scope="campaign", computed_at=now, values=values)
    session.add(row)
    session.flush()
    return row


def latest(session, campaign_id: int, scope: str = "campaign", scope_id: int | None = None) -> KpiSnapshot | None:
    """The newest snapshot of one scope, or None before the first refresh."""
    where = [KpiSnapshot.campaign_id == campaign_id, KpiSnapshot.scope == scope]
    where.append(KpiSnapshot.scope_id == scope_id if scope_id is not None else KpiSnapshot.scope_id.is_(None))
    return session.scalar(select(KpiSnapshot).where(*where)
                          .order_by(KpiSnapshot.computed_at.desc(), KpiSnapshot.id.desc()).limit(1))


def dealer_values(session, campaign: Campaign, dealer: Any, user: Any) -> tuple[dict[str, Any], Any]:
    """(KPIs, computed_at or None when live) of one dealer: the newest stored set `user` may see,
    else computed now (the dealer is loaded through the scoping helper by the caller)."""
    from .scoping import scoped

    stored = session.scalar(scoped(select(KpiSnapshot).where(
        KpiSnapshot.campaign_id == campaign.id, KpiSnapshot.scope == "dealer", KpiSnapshot.scope_id == dealer.id),
        KpiSnapshot, user).order_by(KpiSnapshot.computed_at.desc(), KpiSnapshot.id.desc()).limit(1))
    if stored is not None:
        return stored.values, stored.computed_at
    if any(p.dealer_id == dealer.id for p in campaign.participations):
        values = dealer_kpis(session, campaign, [dealer.id])[dealer.id]
    else:
        values = total_kpis(session, campaign, [dealer.id])
    values.setdefault("daily", daily_arrivals(session, campaign, [dealer.id]))
    values.setdefault("weekly", weekly_revenue(session, campaign, [dealer.id]))
    return values, None
