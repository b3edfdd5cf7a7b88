"""Regions, dealers and the people who use Campaign Desk (DESIGN §6)."""
from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, String, Table
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
LOCALES = {"zh_Hans_CN": "简体中文", "en": "English"}

_hasher = PasswordHasher()

coach_dealer = Table(
    "coach_dealer", Base.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("dealer_id", ForeignKey("dealer.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Region(Record, Base):
    __tablename__ = "region"
    code: Mapped[str] = field("区域代码", String(20), unique=True)
    name: Mapped[str] = field("区域名称", String(60))
    dealers: Mapped[list[Dealer]] = relationship(back_populates="region")

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
    coached_dealers: Mapped[list[Dealer]] = relationship(secondary=coach_dealer)
    locale: Mapped[str] = field("界面语言", String(10), choices=LOCALES, default="zh_Hans_CN")
    active: Mapped[bool] = field("启用", Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    last_login_at: Mapped[dt.datetime | None] = field("最近登录")

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def is_hq(self) -> bool:
        return self.role in HQ_ROLES

    def set_password(self, password: str) -> None:
        if len(password) < 8:
            raise ValueError("密码至少 8 位")
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

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
