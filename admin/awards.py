"""评选/奖励 page at /admin/awards/: HQ sets the weights of a draft and publishes; everyone reads
the published ranking (a published award list is public to the network by design, seed 000).

Before publishing only HQ sees names and scores; the view only turns HTTP into models.awards calls.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select

from models import Campaign, db
from models.awards import (AWARD_KINDS, COMPONENTS, DEFAULT_WEIGHTS, AwardError, AwardRanking, preview, publish,
                           ranking_for, set_weights)

from .base import SecuredPage, campaign_from_request


class AwardView(SecuredPage):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("endpoint", "awards")
        super().__init__(**kwargs)

    def _page(self, campaign: Campaign | None, error: str | None = None, status: int = 200):
        ranking, rows = None, []
        if campaign is not None:
            ranking = db.session.scalar(select(AwardRanking).where(AwardRanking.campaign_id == campaign.id))
            if ranking is None and current_user.role == "hq_admin":  # a draft not stored until HQ saves
                ranking = AwardRanking(campaign_id=campaign.id, **{f"w_{k}": v for k, v in DEFAULT_WEIGHTS.items()})
            published = ranking is not None and ranking.published_at is not None
            if ranking is not None and (published or current_user.role == "hq_admin"):
                rows = preview(db.session, ranking)
        campaigns = db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc())).all()
        return self.render("admin/awards.html", campaign=campaign, campaigns=campaigns, ranking=ranking,
                           rows=rows, components=COMPONENTS, kinds=AWARD_KINDS, error=error), status

    @expose("/")
    def index(self):
        return self._page(campaign_from_request())

    def _hq_campaign(self) -> Campaign:
        campaign = campaign_from_request()
        if current_user.role != "hq_admin" or campaign is None:
            abort(403)
        return campaign

    def _change(self, campaign: Campaign, act: Callable[[AwardRanking], None], done: str):
        """HQ changes the ranking in one transaction: a 409 page with the rule's reason, or a flash."""
        try:
            act(ranking_for(db.session, campaign.id))
            db.session.commit()
        except AwardError as exc:
            db.session.rollback()
            return self._page(campaign, str(exc), 409)
        flash(done, "success")
        return redirect(url_for(".index", campaign=campaign.id))

    @expose("/weights", methods=["POST"])
    def weights_view(self):
        campaign = self._hq_campaign()
        try:
            weights = {k: int((request.form.get(k) or "").strip()) for k in COMPONENTS}
        except ValueError:
            return self._page(campaign, "每项权重须为 0–100 的整数。", 400)
        return self._change(campaign, lambda ranking: set_weights(db.session, ranking, current_user, weights),
                            "权重已保存，排名已按新权重重新计算。")

    @expose("/publish", methods=["POST"])
    def publish_view(self):
        return self._change(self._hq_campaign(), lambda ranking: publish(db.session, ranking, current_user),
                            "评选结果已发布，名次从此固定。")
