"""Regions, dealers and the people who use Campaign Desk (DESIGN §6)."""
from __future__ import annotations

import datetime as dt
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, String, Table, event, inspect, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Record, field

ROLES = {
    "hq_admin": "总部活动管理员",
    "regional_manager": "区域经理",
    "coach": "现场辅导员",
    "dealer_coordinator": "特约店活动协调员",
    "service_advisor": "服务顾问",
    "call_center": "呼叫中心",
}
HQ_ROLES = {"hq_admin", "regional_manager", "coach", "call_center"}
DEALER_ROLES = {"dealer_coordinator", "service_advisor"}
LOCALES = {"zh_Hans_CN": "简体中文", "en": "英文"}

_hasher = PasswordHasher()
_dummy_hash: list[str] = []
# A change to any of these ends the user's open sessions (stolen cookie, new role, left the dealer).
SESSION_ENDING_CHANGES = ("password_hash", "role", "dealer_id", "region_id", "active")


def new_session_token() -> str:
    return secrets.token_hex(16)


def verify_nobody(password: str) -> None:
    """Spend what checking a real password costs, so an unknown user name answers as slowly as a
    known one (a fast "no" tells an attacker which names exist)."""
    if not _dummy_hash:
        _dummy_hash.append(_hasher.hash(secrets.token_hex(16)))
    try:
        _hasher.verify(_dummy_hash[0], password)
    except (VerificationError, InvalidHashError):
        pass

coach_dealer = Table(
    "coach_dealer", Base.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("dealer_id", ForeignKey("dealer.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Region(Record, Base):
    __tablename__ = "region"
    code: Mapped[str] = field("区域代码", String(20), unique=True)
    name: Mapped[str] = field("区域名称", String(60))
    dealers: Mapped[list[Dealer]] = relationship(
        info={"label": "特约店"}, back_populates="region")

    def __str__(self) -> str:
        return self.name


class Dealer(Record, Base):
    __tablename__ = "dealer"
    code: Mapped[str] = field("特约店代码", String(20), unique=True)
    name: Mapped[str] = field("特约店名称", String(100), index=True)
    city: Mapped[str | None] = field("城市", String(40))
    region_id: Mapped[int] = field("区域", ForeignKey("region.id"), index=True)
    region: Mapped[Region] = relationship(back_populates="dealers")
    phone: Mapped[str | None] = field("联系电话", String(30))
    claim_account: Mapped[str | None] = field("索赔账户", String(40))
    active: Mapped[bool] = field("启用", Boolean, default=True)

    def __str__(self) -> str:
        return self.name


class User(UserMixin, Record, Base):
    __tablename__ = "user"
    username: Mapped[str] = field("用户名", String(60), unique=True)
    full_name: Mapped[str] = field("姓名", String(60))
    email: Mapped[str | None] = field("电子邮件", String(120))
    mobile: Mapped[str | None] = field("手机", String(20))
    role: Mapped[str] = field("角色", String(30), choices=ROLES, index=True)
    dealer_id: Mapped[int | None] = field("所属特约店", ForeignKey("dealer.id"), index=True,
                                          help="特约店角色必填；总部角色留空")
    dealer: Mapped[Dealer | None] = relationship(foreign_keys=[dealer_id])
    region_id: Mapped[int | None] = field("负责区域", ForeignKey("region.id"), index=True,
                                          help="区域经理必填")
    region: Mapped[Region | None] = relationship()
    coached_dealers: Mapped[list[Dealer]] = relationship(
        info={"label": "辅导的特约店"}, secondary=coach_dealer)
    locale: Mapped[str] = field("界面语言", String(10), choices=LOCALES, default="zh_Hans_CN")
    active: Mapped[bool] = field("启用", Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    # Part of the login session (get_id); a new token ends every session signed with the old one.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token, info={"secret": True})
    last_login_at: Mapped[dt.datetime | None] = field("最近登录")

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def is_hq(self) -> bool:
        return self.role in HQ_ROLES

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def holds_session(self, token: str) -> bool:
        return hmac.compare_digest(self.session_token or "", token)

    def set_password(self, password: str) -> None:
        if len(password) < 8:
            raise ValueError("密码至少 8 位")
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @staticmethod
    def end_sessions(session, user_id: int) -> None:
        """Log this user out everywhere. A plain UPDATE: logging out must not collide, through the
        optimistic lock, with an edit of the same user row."""
        session.execute(update(User.__table__).where(User.__table__.c.id == user_id)
                        .values(session_token=new_session_token()))

    @staticmethod
    def stamp_login(session, user_id: int, at: dt.datetime) -> None:
        # no version bump: six tabs signing in at once must not fail on the optimistic lock
        session.execute(update(User.__table__).where(User.__table__.c.id == user_id)
                        .values(last_login_at=at))

    def role_problem(self) -> str | None:
        """Why this role/dealer/region combination cannot work, or None."""
        if self.role not in ROLES:
            return f"未知角色 {self.role}"
        if self.role in DEALER_ROLES and self.dealer_id is None and self.dealer is None:
            return "特约店角色必须选择所属特约店"
        if self.role in HQ_ROLES and (self.dealer_id is not None or self.dealer is not None):
            return "总部角色不能属于某个特约店"
        if self.role == "regional_manager" and self.region_id is None and self.region is None:
            return "区域经理必须选择负责区域"
        return None


@event.listens_for(User, "before_update")
def _end_sessions_on_change(mapper, connection, user: User) -> None:
    state = inspect(user)
    if any(state.attrs[name].history.has_changes() for name in SESSION_ENDING_CHANGES):
        user.session_token = new_session_token()
