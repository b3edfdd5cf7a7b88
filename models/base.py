"""Declarative base, column types and mixins shared by every aggregate."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, ForeignKey, Integer, MetaData, Numeric, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # the seed's deadlines (周一17:00前) are Beijing wall-clock times


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


def local_date(value: dt.date | dt.datetime) -> dt.date:
    """The Asia/Shanghai calendar day of a stored (aware UTC) or typed (naive local) time."""
    if isinstance(value, dt.datetime):
        return value.astimezone(LOCAL_TZ).date() if value.tzinfo else value.date()
    return value


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores naive UTC (SQLite has no time zones) and always hands back aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


Money = Numeric(14, 2)


class Base(DeclarativeBase):
    registry = registry(metadata=MetaData(naming_convention=NAMING),
                        type_annotation_map={dt.datetime: UTCDateTime(), Decimal: Money})


def field(label: str, *args: Any, choices: dict[str, str] | None = None,
          help: str | None = None, multiple: bool = False, scale: tuple[int, int] | None = None,
          **kwargs: Any) -> Any:
    """mapped_column carrying the seed's Chinese label, choices and help text.

    The label/choices travel in Column.info so the admin screen, the Excel
    template, import validation and the print page all read the same words.
    """
    info = {"label": label}
    if choices:
        info["choices"] = choices
    if multiple:
        info["multiple"] = True  # codes stored comma-separated
    if help:
        info["help"] = help
    if scale:
        info["scale"] = scale  # a rating: the paper form prints one box per point (□1 □2 … □5)
    return mapped_column(*args, info=info, **kwargs)


class Record:
    """Every editable record: surrogate key, UTC audit stamps, optimistic lock."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, info={"label": "创建时间"})
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow,
                                                    info={"label": "更新时间"})
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version_id}


class DealerOwned:
    """A record that belongs to one dealer; dealer scoping keys on dealer_id."""

    @declared_attr
    def dealer_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("dealer.id", ondelete="RESTRICT"), index=True,
                             info={"label": "特约店"})

    @declared_attr
    def dealer(cls) -> Mapped[Any]:
        return relationship("Dealer")


class CampaignOwned:
    @declared_attr
    def campaign_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("campaign.id", ondelete="RESTRICT"), index=True,
                             info={"label": "活动"})

    @declared_attr
    def campaign(cls) -> Mapped[Any]:
        return relationship("Campaign")


def short(n: int = 100) -> String:
    return String(n)
