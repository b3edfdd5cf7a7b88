"""The customers' own pages (QR sign-in, feedback): what a link token opens and what pressing its
button writes. The records' rules stay where the desk's screens find them (form_rules,
services.before_save/after_save); this module only adds what a link without a login needs.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from . import db
from .audit import record
from .base import LOCAL_TZ, local_today, utcnow
from .campaign import PHASE_ORDER, Campaign
from .execution import FEEDBACK_ITEMS, Feedback, FeedbackRating, SignIn
from .preparation import CustomerInvitation
from .services import after_save, before_save, customer_for_visit, invitation_for
from .windows import phase_of, phase_problem

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,32}")
OPENS_BEFORE = dt.timedelta(days=1)  # a customer may check the link the day before the window


class LinkRefused(Exception):
    """A link that opens nothing: unknown, tampered, not yet or no longer valid."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


class Unsaved(Exception):
    """What the customer must correct: the form's own rules, in Chinese (args[0]: the messages)."""


UNKNOWN = LinkRefused(404, "链接无效", "此二维码或链接无效，请向服务顾问或前台咨询。")


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***: only the family name's first character is shown."""
    name = (name or "").strip()
    return name[:1] + "*" * max(1, len(name) - 1) if len(name) > 1 else "*"


def mask_plate(plate: str | None) -> str:
    """京A12345 → 京A***45."""
    plate = (plate or "").strip()
    return plate[:2] + "*" * (len(plate) - 4) + plate[-2:] if len(plate) > 4 else "*" * len(plate)


def check_window(campaign: object, today: dt.date | None = None) -> None:
    """A link works from the day before the campaign's window to its last day (Asia/Shanghai)."""
    today = today or local_today()
    starts, ends = campaign.starts_on, campaign.ends_on  # type: ignore[attr-defined]
    if today < starts - OPENS_BEFORE:
        raise LinkRefused(404, "签到尚未开放",
                          f"本次活动自 {starts:%Y年%m月%d日} 开始，请于活动前一天起再扫码。")
    if today > ends:
        raise LinkRefused(410, "活动已结束", f"本次活动已于 {ends:%Y年%m月%d日} 结束，此链接已失效。")


def phase_closed(model: type, campaign: Any, dealer_id: int | None) -> str | None:
    """Why the phone may not write `model` (SignIn, Feedback) now, in a customer's words: the desk's
    own phase rule (models/windows.py: both only in 执行). None when it may."""
    if phase_problem(model, campaign, dealer_id) is None:
        return None
    if PHASE_ORDER.index(phase_of(campaign, dealer_id)) < PHASE_ORDER.index("execution"):
        return "本次活动尚未开始现场接待，暂不能在手机上办理，请到店后向服务顾问咨询。"
    return "本次活动的现场接待已结束，此链接不再受理。"


def check_phase(model: type, campaign: Any, dealer_id: int | None) -> None:
    if closed := phase_closed(model, campaign, dealer_id):
        raise LinkRefused(409, "暂不受理", closed)


def _by_token(column: object, token: str, today: dt.date | None) -> object:
    """The row whose link `column` holds `token`, if the link is genuine and valid today."""
    if not TOKEN.fullmatch(token or ""):
        raise UNKNOWN
    row = db.session.scalar(select(column.class_).where(column == token))  # type: ignore[attr-defined]
    if row is None:
        raise UNKNOWN
    check_window(row.campaign, today)
    return row


def invitation_by_token(token: str, today: dt.date | None = None) -> CustomerInvitation:
    return _by_token(CustomerInvitation.token, token, today)  # type: ignore[return-value]


def signed_in(invitation: CustomerInvitation) -> SignIn | None:
    return db.session.scalar(select(SignIn).where(SignIn.invitation_id == invitation.id))


def sign_in_by_qr(invitation: CustomerInvitation) -> tuple[SignIn, bool]:
    """Record the invitee's arrival once: (the sign-in, whether this call wrote it).

    The desk's rules apply as on the screen (window, mobile, plate, walk-in); the unique
    invitation_id settles a race between several presses: the loser writes nothing.
    """
    existing = signed_in(invitation)
    if existing is not None:
        return existing, False
    check_phase(SignIn, invitation.campaign, invitation.dealer_id)
    sign_in = SignIn(campaign_id=invitation.campaign_id, dealer_id=invitation.dealer_id,
                     customer_id=invitation.customer_id, name=invitation.name,
                     mobile=invitation.mobile, plate=invitation.plate, channel="qr",
                     invitation_id=invitation.id, arrived_at=utcnow())
    before_save(sign_in, None)
    if sign_in.validation_problem():  # its text may quote the mobile: not for a public page
        raise LinkRefused(409, "暂时无法自助签到", "请到前台登记，工作人员将为您办理签到。")
    _link_customer(sign_in)
    stored = _store_once(sign_in, "顾客扫码自助签到", lambda: signed_in(invitation))
    return stored, stored is sign_in


def _store_once(row: Any, detail: str, winner: Callable[[], Any]) -> Any:
    """Write `row` with its audit line and what follows from it, in one transaction. When a unique
    key says another press was quicker, write nothing and return the row that won."""
    db.session.add(row)
    try:
        db.session.flush()
        record(db.session, user=None, action="create", entity=row, detail=detail)
        after_save(row, None)
        db.session.commit()
    except (IntegrityError, StaleDataError):  # another press won: its sign-in, or its link of the invitation
        db.session.rollback()
        won = winner()
        if won is None:
            raise
        return won
    return row


def _link_customer(sign_in: SignIn) -> None:
    """The customer chain (services.customer_for_visit) looked up before the first write: SQLite
    holds its one write lock from the first INSERT to the commit, and fifty phones wait on it."""
    sign_in.customer = customer_for_visit(sign_in, sign_in.dealer_id)


# --- walk-in poster: one QR per dealer and campaign day ------------------------------------------
def check_poster_day(campaign: object, day: dt.date, today: dt.date | None = None) -> None:
    today = today or local_today()
    check_window(campaign, today)
    if day != today:
        raise LinkRefused(410, "海报已过期", f"此海报仅限 {day:%Y年%m月%d日} 当日签到使用，请扫描今天的海报。")


def walk_in_sign_in(campaign_id: int, dealer_id: int, name: str, mobile: str | None,
                    plate: str | None) -> tuple[SignIn, bool]:
    """A customer who typed name, mobile and plate at the poster: the invitation's own sign-in when
    the mobile or plate is on the list, else a walk-in; once a day per mobile or plate.
    Raises Unsaved with the screen's messages (about what this customer typed)."""
    check_phase(SignIn, db.session.get(Campaign, campaign_id), dealer_id)
    sign_in = SignIn(campaign_id=campaign_id, dealer_id=dealer_id, name=(name or "").strip(),
                     mobile=mobile or None, plate=plate or None, channel="qr", arrived_at=utcnow())
    before_save(sign_in, None)  # normalizes 京a 12345 → 京A12345 and marks walk-ins
    problems = sign_in.validation_problems()
    if not sign_in.mobile:
        problems.insert(0, "请填写手机号")
    if problems:
        raise Unsaved(problems)
    invitation = invitation_for(sign_in, dealer_id)
    if invitation is not None:
        return sign_in_by_qr(invitation)
    same = [SignIn.mobile == sign_in.mobile] + ([SignIn.plate == sign_in.plate] if sign_in.plate else [])
    today_start = dt.datetime.combine(local_today(), dt.time(), LOCAL_TZ)
    existing = db.session.scalar(select(SignIn).where(
        SignIn.campaign_id == campaign_id, SignIn.dealer_id == dealer_id, or_(*same),
        SignIn.arrived_at >= today_start).limit(1))
    if existing is not None:
        return existing, False
    _link_customer(sign_in)
    return _store_once(sign_in, "顾客扫描到店海报签到", lambda: None), True


# --- 顾客信息回馈表 from the customer's phone -------------------------------------------------------
def visit_by_feedback_token(token: str, today: dt.date | None = None) -> SignIn:
    return _by_token(SignIn.feedback_token, token, today)  # type: ignore[return-value]


def feedback_of(sign_in: SignIn) -> Feedback | None:
    return db.session.scalar(select(Feedback).where(Feedback.sign_in_id == sign_in.id).limit(1))


def submit_feedback(sign_in: SignIn, scores: dict[str, int], nps: int | None, comments: str | None,
                    wants_complaint: bool) -> Feedback | None:
    """One feedback per visit, saved as the desk's screen saves it (a complaint follows when asked
    for); None when the visit already has one, and then nothing is written. The unique
    feedback.sign_in_id settles a race between two phones: the loser writes nothing."""
    if feedback_of(sign_in) is not None:
        return None
    check_phase(Feedback, sign_in.campaign, sign_in.dealer_id)
    feedback = Feedback(campaign_id=sign_in.campaign_id, dealer_id=sign_in.dealer_id, sign_in_id=sign_in.id,
                        customer_name=sign_in.name, filled_on=local_today(), nps=nps,
                        comments=(comments or "").strip() or None, wants_complaint=wants_complaint,
                        ratings=[FeedbackRating(item=item, score=scores.get(item)) for item in FEEDBACK_ITEMS])
    before_save(feedback, None)
    problems = feedback.validation_problems()
    if problems:
        db.session.rollback()
        if feedback_of(sign_in) is not None:  # sent meanwhile; the rule's message names the visit
            return None
        raise Unsaved(problems)
    stored = _store_once(feedback, "顾客扫码填写回馈表", lambda: feedback_of(sign_in))
    return stored if stored is feedback else None
