"""The customers' phone pages: QR self sign-in, the walk-in poster and feedback. No login: the
link's token is the whole authority, and it opens one invitation, one visit or one dealer's
campaign day, nothing else."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from models import Campaign, Dealer, Feedback, SignIn, db
from models.base import local_today
from models.execution import FEEDBACK_ITEMS
from models.selfservice import (UNKNOWN, LinkRefused, Unsaved, check_poster_day, feedback_of,
                               invitation_by_token, mask_name, mask_plate, phase_closed, sign_in_by_qr,
                               signed_in, submit_feedback, visit_by_feedback_token, walk_in_sign_in)

from . import csrf, limiter

bp = Blueprint("phone", __name__)


def _limits(per_link: str = "PHONE_LIMIT_PER_LINK"):
    """Per client address and per link (the token in the URL), as configured; each page its own."""
    def decorate(view):
        ip = limiter.limit(lambda: current_app.config["PHONE_LIMIT_PER_IP"], key_func=get_remote_address)
        link = limiter.limit(lambda: current_app.config[per_link],
                             key_func=lambda: f"link:{request.view_args.get('token', '')}")
        return ip(link(view))
    return decorate


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


@bp.route("/signin/<token>", methods=["GET", "POST"])
@_limits()
def sign_in(token: str):
    invitation = invitation_by_token(token)
    just_now = False
    if request.method == "POST":
        csrf.protect()  # after the token: an unknown link is a 404 whatever was posted to it
        done, just_now = sign_in_by_qr(invitation)
    else:
        done = signed_in(invitation)
    campaign = invitation.campaign
    return render_template(
        "web/customer/signin.html", title="扫码签到", campaign_name=campaign.name,
        dealer_name=invitation.dealer.name, masked_name=mask_name(invitation.name),
        masked_plate=mask_plate(invitation.plate), sign_in=done, just_now=just_now,
        not_yet=campaign.starts_on if local_today() < campaign.starts_on else None,
        closed=phase_closed(SignIn, campaign, invitation.dealer_id))


class FeedbackForm(FlaskForm):
    """顾客信息回馈表 on a phone: the six items 1–5, would-recommend 0–10, comments, 我要投诉."""

    class Meta:
        csrf = False  # the view checks it first (csrf.protect()), answered by the Chinese page

    nps = RadioField("您有多大可能向亲友推荐我们？（0 = 完全不会，10 = 一定会）",
                     choices=[(str(n), str(n)) for n in range(11)], validate_choice=False,
                     validators=[InputRequired("请选择推荐意愿 0–10 分"),
                                 AnyOf([str(n) for n in range(11)], "请选择推荐意愿 0–10 分")])
    comments = TextAreaField("意见与建议", validators=[Optional(), Length(max=1000, message="请不超过 1000 字")])
    wants_complaint = BooleanField("我要投诉（请在上面写明投诉内容，我们将在 24 小时内联系您）")


SCORES = [(str(n), str(n)) for n in range(1, 6)]
for _n, _item in enumerate(FEEDBACK_ITEMS):
    _message = f"请为“{_item}”打分（1–5 分）"
    setattr(FeedbackForm, f"r{_n}", RadioField(_item, choices=SCORES, validate_choice=False, validators=[
        InputRequired(_message), AnyOf([value for value, _ in SCORES], _message)]))


@bp.route("/feedback/<token>", methods=["GET", "POST"])
@_limits()
def feedback(token: str):
    visit = visit_by_feedback_token(token)
    done = feedback_of(visit)
    form, problems, status = FeedbackForm(), [], 200
    if done is None and request.method == "POST":
        csrf.protect()  # after the token: an unknown link is a 404 whatever was posted to it
        if form.validate():
            scores = {item: int(form[f"r{n}"].data) for n, item in enumerate(FEEDBACK_ITEMS)}
            try:
                done = submit_feedback(visit, scores, int(form.nps.data), form.comments.data,
                                       form.wants_complaint.data)
            except Unsaved as error:
                problems, status = error.args[0], 400
            else:
                if done is None:  # another phone was quicker
                    visit, done = visit_by_feedback_token(token), True
        else:
            status = 400
    return render_template("web/customer/feedback.html", title="顾客信息回馈表", form=form,
                           items=[form[f"r{n}"] for n in range(len(FEEDBACK_ITEMS))], problems=problems,
                           done=done, campaign_name=visit.campaign.name, dealer_name=visit.dealer.name,
                           masked_name=mask_name(visit.name),
                           closed=phase_closed(Feedback, visit.campaign, visit.dealer_id)), status


# --- walk-in poster ----------------------------------------------------------------------------------
def _poster_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="walk-in-poster")


def poster_token(dealer_id: int, campaign_id: int, day: dt.date) -> str:
    """The poster's link names its dealer, campaign and day, signed (HMAC) so it cannot be altered."""
    return _poster_serializer().dumps([dealer_id, campaign_id, day.isoformat()])


def _poster(token: str) -> tuple[Campaign, Dealer, dt.date]:
    try:
        dealer_id, campaign_id, day = _poster_serializer().loads(token)
        day = dt.date.fromisoformat(day)
    except (BadSignature, ValueError, TypeError):
        raise UNKNOWN from None
    campaign, dealer = db.session.get(Campaign, campaign_id), db.session.get(Dealer, dealer_id)
    if campaign is None or dealer is None:
        raise UNKNOWN
    check_poster_day(campaign, day)
    return campaign, dealer, day


class WalkInForm(FlaskForm):
    class Meta:
        csrf = False  # the view checks it first (csrf.protect()), answered by the Chinese page

    name = StringField("您的姓名", validators=[InputRequired("请填写姓名"), Length(max=60, message="姓名请不超过 60 字")])
    mobile = StringField("手机号", validators=[InputRequired("请填写手机号"), Length(max=20, message="手机号格式不正确")])
    plate = StringField("车牌号", validators=[Optional(), Length(max=12, message="车牌号格式不正确")])


@bp.route("/walkin/<token>", methods=["GET", "POST"])
@_limits("PHONE_LIMIT_PER_POSTER")  # one poster, every walk-in customer of the day
def walk_in(token: str):
    campaign, dealer, day = _poster(token)
    form, problems, status, done, just_now = WalkInForm(), [], 200, None, False
    if request.method == "POST":
        csrf.protect()  # after the token: an unknown link is a 404 whatever was posted to it
        if form.validate():
            try:
                done, just_now = walk_in_sign_in(campaign.id, dealer.id, form.name.data, form.mobile.data,
                                                 form.plate.data)
            except Unsaved as error:
                problems, status = error.args[0], 400
        else:
            status = 400
    return render_template("web/customer/walk_in.html", title="到店签到", form=form, problems=problems,
                           campaign_name=campaign.name, dealer_name=dealer.name, sign_in=done,
                           just_now=just_now, closed=phase_closed(SignIn, campaign, dealer.id)), status
