"""评选/奖励 (seed 000 slide 24): Top 10 特约店 by a published weighted formula, TOP THREE 服务能手.

HQ edits the weights while the ranking is a draft; 发布 stores every component and score in
`Award` rows and freezes them: later data never moves a published ranking. The component
scores (each 0–100) and the ranking are plain functions, tested without Flask or Prefect.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, relationship

from .audit import record
from .base import Base, CampaignOwned, Record, field, utcnow
from .execution import Feedback, FeedbackRating, SignIn
from .followup import Callback
from .org import Dealer, User
from .preparation import Trainee, TrainingSession
from .reporting import CoachingVisit, RevenueReport
from .verification import truthfulness_by_dealer
from .workorder import WorkOrder

# the dealer criteria of DESIGN §4 (**default** weights, HQ edits them before publishing)
COMPONENTS = {"training": "集体培训成绩", "organization": "活动组织情况", "truthfulness": "真实率",
              "callbacks": "100%回访完成率", "satisfaction": "顾客满意度", "revenue": "营收增长"}
DEFAULT_WEIGHTS = {"training": 20, "organization": 20, "truthfulness": 20, "callbacks": 15,
                   "satisfaction": 15, "revenue": 10}
TOP_DEALERS, TOP_ADVISORS = 10, 3
AWARD_KINDS = {"dealer": "十佳特约店", "advisor": "服务能手前三名"}  # the seed's Top 10 / TOP THREE, in Chinese
POINT = Decimal("0.01")


class AwardError(ValueError):
    """A refused awards step; the message is shown as is."""


class AwardRanking(CampaignOwned, Record, Base):
    """One campaign's ranking: the weights while a draft, frozen Award rows once published."""

    __tablename__ = "award_ranking"
    __table_args__ = (UniqueConstraint("campaign_id", name="uq_award_ranking_campaign"),)
    w_training: Mapped[int] = field("权重：集体培训成绩", Integer, default=DEFAULT_WEIGHTS["training"])
    w_organization: Mapped[int] = field("权重：活动组织情况", Integer, default=DEFAULT_WEIGHTS["organization"])
    w_truthfulness: Mapped[int] = field("权重：真实率", Integer, default=DEFAULT_WEIGHTS["truthfulness"])
    w_callbacks: Mapped[int] = field("权重：100%回访完成率", Integer, default=DEFAULT_WEIGHTS["callbacks"])
    w_satisfaction: Mapped[int] = field("权重：顾客满意度", Integer, default=DEFAULT_WEIGHTS["satisfaction"])
    w_revenue: Mapped[int] = field("权重：营收增长", Integer, default=DEFAULT_WEIGHTS["revenue"])
    published_at: Mapped[dt.datetime | None] = field("发布时间")
    published_by_id: Mapped[int | None] = field("发布人", ForeignKey("user.id"), index=True)
    published_by: Mapped[object] = relationship("User")
    awards: Mapped[list[Award]] = relationship(info={"label": "获奖名单"}, back_populates="ranking",
                                               cascade="all, delete-orphan", order_by="Award.id")

    @property
    def weights(self) -> dict[str, int]:
        return {key: getattr(self, f"w_{key}") or 0 for key in COMPONENTS}


class Award(Base):
    """A published place: who, which rank, and the components and score that put them there."""

    __tablename__ = "award"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    ranking_id: Mapped[int] = field("评选", ForeignKey("award_ranking.id", ondelete="CASCADE"), index=True)
    ranking: Mapped[AwardRanking] = relationship(back_populates="awards")
    kind: Mapped[str] = field("奖项", String(20), choices=AWARD_KINDS)
    rank: Mapped[int] = field("名次", Integer)
    dealer_id: Mapped[int] = field("特约店", ForeignKey("dealer.id"), index=True)
    dealer: Mapped[Dealer] = relationship()
    advisor_id: Mapped[int | None] = field("服务顾问", ForeignKey("user.id"), index=True)
    advisor: Mapped[User | None] = relationship()
    name: Mapped[str] = field("名称", String(100))
    score: Mapped[Decimal] = field("加权得分")
    components: Mapped[str] = field("各项得分", String(400))


# --- pure rules ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    rank: int
    key: object
    score: Decimal
    tiebreak: Decimal


def ranked(entries: Sequence[tuple[object, Decimal, Decimal]], top: int) -> list[Place]:
    """Competition ranking (1, 2, 2, 4) by score then tie-break, keeping every place ≤ `top`."""
    ordered = sorted(entries, key=lambda e: (-e[1], -e[2]))
    places: list[Place] = []
    for i, (key, score, tiebreak) in enumerate(ordered):
        tied = places and (places[-1].score, places[-1].tiebreak) == (score, tiebreak)
        rank = places[-1].rank if tied else i + 1
        if rank > top:
            break
        places.append(Place(rank, key, score, tiebreak))
    return places


def weighted(components: dict[str, Decimal], weights: dict[str, int]) -> Decimal:
    total = sum(weights.values())
    if total <= 0:
        raise AwardError("权重之和必须大于 0。")
    score = sum(Decimal(weights[k]) * components.get(k, Decimal(0)) for k in weights) / total
    return score.quantize(POINT, rounding=ROUND_HALF_UP)


def _pct(value) -> Decimal:
    return Decimal("0.00") if value is None else Decimal(value).quantize(POINT, rounding=ROUND_HALF_UP)


# --- components from the campaign's records --------------------------------------------------------
def dealer_components(session, campaign_id: int) -> dict[int, dict[str, Decimal]]:
    """Each participating dealer's six scores on a 0–100 scale (0 where nothing was recorded)."""
    from .campaign import Participation

    dealers = session.scalars(select(Participation.dealer_id).where(Participation.campaign_id == campaign_id)).all()

    def per_dealer(stmt) -> dict[int, object]:
        return dict(session.execute(stmt).all())

    of = (lambda model: (model.campaign_id == campaign_id,))
    training = per_dealer(select(TrainingSession.dealer_id, func.avg(Trainee.score))
                          .join(Trainee, Trainee.session_id == TrainingSession.id)
                          .where(*of(TrainingSession)).group_by(TrainingSession.dealer_id))
    organization = per_dealer(select(CoachingVisit.dealer_id, func.avg(CoachingVisit.organization_score))
                              .where(*of(CoachingVisit), CoachingVisit.status == "done")
                              .group_by(CoachingVisit.dealer_id))
    visits = per_dealer(select(WorkOrder.dealer_id, func.count()).where(*of(WorkOrder)).group_by(WorkOrder.dealer_id))
    called = per_dealer(select(WorkOrder.dealer_id, func.count()).where(*of(WorkOrder), WorkOrder.id.in_(
        select(Callback.work_order_id).where(Callback.kind == "dealer", Callback.outcome != "pending")))
        .group_by(WorkOrder.dealer_id))
    ratings = per_dealer(select(Feedback.dealer_id, func.avg(FeedbackRating.score))
                         .join(FeedbackRating, FeedbackRating.feedback_id == Feedback.id)
                         .where(*of(Feedback)).group_by(Feedback.dealer_id))
    revenue = {d: (r, b) for d, r, b in session.execute(
        select(RevenueReport.dealer_id, func.sum(RevenueReport.labor_revenue + RevenueReport.parts_revenue),
               func.sum(RevenueReport.baseline_revenue)).where(*of(RevenueReport)).group_by(RevenueReport.dealer_id))}
    truth = truthfulness_by_dealer(session, campaign_id)
    out = {}
    for d in dealers:
        now, base = revenue.get(d, (None, None))
        growth = (Decimal(now) - Decimal(base)) * 100 / Decimal(base) if now is not None and base else None
        out[d] = {
            "training": _pct(training.get(d)),
            "organization": _pct(organization.get(d)),
            "truthfulness": _pct(truth[d].percent if d in truth else None),
            "callbacks": _pct(Decimal(called.get(d, 0)) * 100 / visits[d] if visits.get(d) else None),
            "satisfaction": _pct(Decimal(ratings[d]) * 20 if ratings.get(d) is not None else None),
            # growth vs the baseline period, as points capped to 0–100 (**default**: +100 % or more = 100)
            "revenue": _pct(min(max(growth, Decimal(0)), Decimal(100)) if growth is not None else None),
        }
    return out


def advisor_scores(session, campaign_id: int) -> dict[int, tuple[Decimal, Decimal, int]]:
    """advisor id → (individual training score, satisfaction 0–100 from their customers' feedback, dealer)."""
    training = session.execute(
        select(Trainee.advisor_id, func.avg(Trainee.score), TrainingSession.dealer_id)
        .join(TrainingSession, Trainee.session_id == TrainingSession.id)
        .where(TrainingSession.campaign_id == campaign_id, Trainee.advisor_id.is_not(None),
               Trainee.score.is_not(None))
        .group_by(Trainee.advisor_id, TrainingSession.dealer_id)).all()
    satisfaction = dict(session.execute(
        select(SignIn.advisor_id, func.avg(FeedbackRating.score))
        .join(Feedback, Feedback.sign_in_id == SignIn.id)
        .join(FeedbackRating, FeedbackRating.feedback_id == Feedback.id)
        .where(Feedback.campaign_id == campaign_id, SignIn.advisor_id.is_not(None))
        .group_by(SignIn.advisor_id)).all())
    return {advisor: (_pct(score), _pct(Decimal(satisfaction[advisor]) * 20 if advisor in satisfaction else None),
                      dealer)
            for advisor, score, dealer in training}


# --- the ranking -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    kind: str
    rank: int
    dealer_id: int
    advisor_id: int | None
    name: str
    score: Decimal
    components: dict[str, Decimal]


def preview(session, ranking: AwardRanking) -> list[Row]:
    """The ranking as it would be published now (a published ranking shows its frozen rows instead)."""
    if ranking.published_at is not None:
        return [Row(a.kind, a.rank, a.dealer_id, a.advisor_id, a.name, a.score, _parse(a.components))
                for a in ranking.awards]
    comps = dealer_components(session, ranking.campaign_id)
    names = dict(session.execute(select(Dealer.id, Dealer.name).where(Dealer.id.in_(list(comps)))).all())
    weights = ranking.weights
    dealers = ranked([(d, weighted(c, weights), Decimal(0)) for d, c in comps.items()], TOP_DEALERS)
    rows = [Row("dealer", p.rank, p.key, None, names[p.key], p.score, comps[p.key]) for p in dealers]
    advisors = advisor_scores(session, ranking.campaign_id)
    people = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(list(advisors)))).all())
    for p in ranked([(a, s[0], s[1]) for a, s in advisors.items()], TOP_ADVISORS):
        rows.append(Row("advisor", p.rank, advisors[p.key][2], p.key, people.get(p.key) or str(p.key), p.score,
                        {"training": p.score, "satisfaction": p.tiebreak}))
    return rows


def _parse(text: str) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in (pair.split("=") for pair in text.split(";") if pair)}


def ranking_for(session, campaign_id: int) -> AwardRanking:
    ranking = session.scalar(select(AwardRanking).where(AwardRanking.campaign_id == campaign_id))
    if ranking is None:
        ranking = AwardRanking(campaign_id=campaign_id, **{f"w_{k}": v for k, v in DEFAULT_WEIGHTS.items()})
        session.add(ranking)
        session.flush()
    return ranking


def set_weights(session, ranking: AwardRanking, user, weights: dict[str, int]) -> None:
    if user.role != "hq_admin":
        raise AwardError("只有总部活动管理员可以修改评选权重。")
    if ranking.published_at is not None:
        raise AwardError("评选结果已发布，权重与名次不能再修改。")
    if any(w < 0 or w > 100 for w in weights.values()) or sum(weights.values()) <= 0:
        raise AwardError("每项权重须为 0–100 的整数，且权重之和大于 0。")
    for key, value in weights.items():
        setattr(ranking, f"w_{key}", value)
    session.flush()
    record(session, user=user, action="award_weights", entity=ranking,
           detail="；".join(f"{COMPONENTS[k]} {v}" for k, v in weights.items()))


def publish(session, ranking: AwardRanking, user) -> AwardRanking:
    """发布: freeze the current ranking into Award rows; the evaluation gate reads this."""
    if user.role != "hq_admin":
        raise AwardError("只有总部活动管理员可以发布评选结果。")
    if ranking.published_at is not None:
        raise AwardError("评选结果已发布，不能重复发布。")
    for row in preview(session, ranking):
        ranking.awards.append(Award(kind=row.kind, rank=row.rank, dealer_id=row.dealer_id, advisor_id=row.advisor_id,
                                    name=row.name, score=row.score,
                                    components=";".join(f"{k}={v}" for k, v in row.components.items())))
    ranking.published_at, ranking.published_by_id = utcnow(), user.id
    session.flush()
    record(session, user=user, action="awards_published", entity=ranking,
           detail=f"前 {TOP_DEALERS} 名特约店 {sum(a.kind == 'dealer' for a in ranking.awards)} 家，"
                  f"服务能手 {sum(a.kind == 'advisor' for a in ranking.awards)} 人")
    return ranking
