"""The dealer's customers and their vehicles."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, relationship

from .base import Base, DealerOwned, Record, field
from .forms_rules import (Validated, check, each_row, non_negative, required, valid_mobile,
                          valid_plate, valid_vin)


class Customer(Validated, DealerOwned, Record, Base):
    __tablename__ = "customer"
    name: Mapped[str] = field("顾客姓名", String(60), index=True)
    mobile: Mapped[str | None] = field("手机", String(20), index=True)
    vehicles: Mapped[list[Vehicle]] = relationship(
        info={"label": "车辆"}, back_populates="customer",
        cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name


class Vehicle(Validated, DealerOwned, Record, Base):
    __tablename__ = "vehicle"
    __table_args__ = (UniqueConstraint("dealer_id", "vin", name="uq_vehicle_dealer_vin"),)
    customer_id: Mapped[int] = field("车主", ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    customer: Mapped[Customer] = relationship(back_populates="vehicles")
    plate: Mapped[str | None] = field("车牌号", String(10), index=True)
    vin: Mapped[str | None] = field("VIN 车架号", String(17), index=True)
    model: Mapped[str | None] = field("车型", String(60))
    mileage_km: Mapped[int | None] = field("里程 (km)", Integer)
    last_visit: Mapped[dt.date | None] = field("上次进厂")

    def _identified(self) -> str | None:
        return None if self.plate or self.vin else "车牌号与 VIN 车架号至少填写一项"

    form_rules = (required("customer"), check(_identified), valid_plate("plate"), valid_vin("vin"),
                  non_negative("mileage_km"))

    def __str__(self) -> str:
        return self.plate or self.vin or f"#{self.id}"


Customer.form_rules = (required("name"), valid_mobile("mobile"),
                       each_row("vehicles", *Vehicle.form_rules[1:], row_name="车辆{n}"))
