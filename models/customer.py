"""The dealer's customers and their vehicles."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, relationship

from .base import Base, DealerOwned, Record, field


class Customer(DealerOwned, Record, Base):
    __tablename__ = "customer"
    name: Mapped[str] = field("顾客姓名", String(60), index=True)
    mobile: Mapped[str | None] = field("手机", String(20), index=True)
    vehicles: Mapped[list[Vehicle]] = relationship(back_populates="customer",
                                                   cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name


class Vehicle(DealerOwned, Record, Base):
    __tablename__ = "vehicle"
    __table_args__ = (UniqueConstraint("dealer_id", "vin", name="uq_vehicle_dealer_vin"),)
    customer_id: Mapped[int] = field("车主", ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    customer: Mapped[Customer] = relationship(back_populates="vehicles")
    plate: Mapped[str | None] = field("车牌号", String(10), index=True)
    vin: Mapped[str | None] = field("VIN 车架号", String(17), index=True)
    model: Mapped[str | None] = field("车型", String(60))
    mileage_km: Mapped[int | None] = field("里程 (km)", Integer)
    last_visit: Mapped[dt.date | None] = field("上次进厂")

    def __str__(self) -> str:
        return self.plate or self.vin or f"#{self.id}"
