"""Minimal valid rows of any model, for tests that sweep every admin screen."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, Integer, Numeric, String, Text, Time
from sqlalchemy import inspect as sa_inspect

from models import db
from models.base import Base, UTCDateTime


def _model_for(table: str) -> type:
    return next(m.class_ for m in Base.registry.mappers if m.local_table.name == table)


def make_row(model: type, *, dealer=None, campaign=None, user=None, **values: Any):
    """A row of `model` with every required column filled with plausible data."""
    row = model()
    mapper = sa_inspect(model)
    for column in mapper.columns:
        key = mapper.get_property_by_column(column).key
        if key in values or column.primary_key or column.key in {"version_id", "created_at",
                                                                  "updated_at"}:
            continue
        if column.key == "dealer_id" and dealer is not None:
            setattr(row, key, dealer.id)
        elif column.key == "campaign_id" and campaign is not None:
            setattr(row, key, campaign.id)
        elif column.foreign_keys:
            target = next(iter(column.foreign_keys)).column.table.name
            if target == "user" and not column.nullable:
                setattr(row, key, user.id)
            elif not column.nullable:
                parent = make_row(_model_for(target), dealer=dealer, campaign=campaign, user=user)
                setattr(row, key, parent.id)
        elif column.nullable or column.default is not None:
            continue
        elif "choices" in column.info:
            setattr(row, key, next(iter(column.info["choices"])))
        elif isinstance(column.type, String | Text):
            setattr(row, key, f"测试{model.__name__}")
        elif isinstance(column.type, Boolean):
            setattr(row, key, False)
        elif isinstance(column.type, Integer):
            setattr(row, key, 1)
        elif isinstance(column.type, Numeric):
            setattr(row, key, Decimal("1"))
        elif isinstance(column.type, UTCDateTime):
            setattr(row, key, dt.datetime(2014, 1, 20, 2, 0, tzinfo=dt.UTC))
        elif isinstance(column.type, Date):
            setattr(row, key, dt.date(2014, 1, 20))
        elif isinstance(column.type, Time):
            setattr(row, key, dt.time(9, 0))
    for key, value in values.items():
        setattr(row, key, value)
    db.session.add(row)
    db.session.flush()
    return row


def prepare_dealer(campaign, dealer, held_on=dt.date(2014, 1, 10)) -> None:
    """What a dealer's preparation gate asks for: a training, an invitation, items all ready."""
    from models import CustomerInvitation, PreparationItem, TrainingSession

    kw = dict(campaign_id=campaign.id, dealer_id=dealer.id)
    db.session.add_all([TrainingSession(kind="dealer", held_on=held_on, trainer="李", **kw),
                        CustomerInvitation(name="王先生", **kw),
                        PreparationItem(item="标示贴", ready=True, **kw)])
    db.session.flush()


def participation_of(campaign, dealer):
    return next(p for p in campaign.participations if p.dealer_id == dealer.id)


def move_to_phase(campaign, phase: str) -> None:
    """Put the campaign and every enrolled dealer in `phase` (flushed, not committed)."""
    campaign.phase = phase
    for part in campaign.participations:
        part.phase = phase
    db.session.flush()


def submit(campaign, dealer, phase: str | None = None, now=None) -> None:
    """The dealer's coordinator passes the dealer gate to review (needed before an approval)."""
    from sqlalchemy import select

    from models import User
    from models.phases import submit_for_review

    coordinator = db.session.scalar(select(User).where(User.role == "dealer_coordinator",
                                                       User.dealer_id == dealer.id))
    submit_for_review(db.session, user=coordinator, campaign=campaign, dealer_id=dealer.id,
                      phase=phase or participation_of(campaign, dealer).phase, now=now)


def open_window(campaign, model: type) -> None:
    """Put the campaign in the first phase whose window lets `model` be written (models/windows)."""
    from models.windows import WINDOWS

    allowed = WINDOWS.get(model)
    if allowed and campaign.phase not in allowed:
        move_to_phase(campaign, allowed[0])
