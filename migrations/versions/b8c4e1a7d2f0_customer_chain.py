"""customer chain: link existing sign-ins and their work orders to the dealer's customers

Before issue 8 a sign-in of an invitee named no Customer, so its work order, 客户联 and
callbacks had no customer or vehicle. This data migration does once, in plain SQL (migrations
must not import models that later change), what models.services.customer_for_visit now does on
every save: find the dealer's customer by the invitation, the plate or VIN, or the mobile, else
create it with its vehicle; then give the work orders opened from those sign-ins their customer
and vehicle. No schema change.

Revision ID: b8c4e1a7d2f0
Revises: 0a2f6e5d3ba5
Create Date: 2026-12-06 00:00:00
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "b8c4e1a7d2f0"
down_revision = "0a2f6e5d3ba5"
branch_labels = None
depends_on = None

STAMPS = ("created_at", "updated_at", "version_id")
sign_in = sa.table("sign_in", *map(sa.column, ("id", "dealer_id", "campaign_id", "customer_id", "name",
                                               "mobile", "plate")))
invitation = sa.table("customer_invitation", *map(sa.column, (
    "id", "dealer_id", "campaign_id", "customer_id", "mobile", "plate", "vin", "model", "mileage_km",
    "last_visit")))
customer = sa.table("customer", *map(sa.column, ("id", "dealer_id", "name", "mobile", *STAMPS)))
vehicle = sa.table("vehicle", *map(sa.column, ("id", "dealer_id", "customer_id", "plate", "vin", "model",
                                               "mileage_km", "last_visit", *STAMPS)))
work_order = sa.table("work_order", *map(sa.column, ("id", "sign_in_id", "customer_id", "vehicle_id")))


def _first(conn, stmt):
    return conn.execute(stmt.limit(1)).mappings().first()


def _link(conn, row, now) -> None:
    same = [c == v for c, v in ((invitation.c.plate, row["plate"]), (invitation.c.mobile, row["mobile"])) if v]
    inv = _first(conn, sa.select(invitation).where(
        invitation.c.dealer_id == row["dealer_id"], invitation.c.campaign_id == row["campaign_id"],
        sa.or_(*same)).order_by(invitation.c.id)) if same else None
    inv = inv or {}
    mobile, plate, vin = row["mobile"] or inv.get("mobile"), row["plate"] or inv.get("plate"), inv.get("vin")
    known = [c == v for c, v in ((vehicle.c.plate, plate), (vehicle.c.vin, vin)) if v]
    car = _first(conn, sa.select(vehicle).where(vehicle.c.dealer_id == row["dealer_id"], sa.or_(*known))
                 .order_by(vehicle.c.id)) if known else None
    customer_id = inv.get("customer_id") or (car["customer_id"] if car else None)
    if customer_id is None and mobile:
        found = _first(conn, sa.select(customer.c.id).where(customer.c.dealer_id == row["dealer_id"],
                                                            customer.c.mobile == mobile).order_by(customer.c.id))
        customer_id = found["id"] if found else None
    stamps = {"created_at": now, "updated_at": now, "version_id": 1}
    if customer_id is None:
        customer_id = conn.execute(sa.insert(customer).values(
            dealer_id=row["dealer_id"], name=row["name"], mobile=mobile, **stamps).returning(customer.c.id)).scalar()
    if car is None and (plate or vin):
        conn.execute(sa.insert(vehicle).values(
            dealer_id=row["dealer_id"], customer_id=customer_id, plate=plate, vin=vin, model=inv.get("model"),
            mileage_km=inv.get("mileage_km"), last_visit=inv.get("last_visit"), **stamps))
    conn.execute(sa.update(sign_in).where(sign_in.c.id == row["id"]).values(customer_id=customer_id))
    if inv and inv.get("customer_id") is None:
        conn.execute(sa.update(invitation).where(invitation.c.id == inv["id"]).values(customer_id=customer_id))


def upgrade():
    conn = op.get_bind()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # stored as naive UTC (models.base.UTCDateTime)
    for row in conn.execute(sa.select(sign_in).where(sign_in.c.customer_id.is_(None))
                            .order_by(sign_in.c.id)).mappings().all():
        _link(conn, row, now)
    orders = conn.execute(sa.select(work_order.c.id, sign_in.c.customer_id, sign_in.c.plate)
                          .join(sign_in, sign_in.c.id == work_order.c.sign_in_id)
                          .where(work_order.c.customer_id.is_(None))).mappings().all()
    for order in orders:
        car = _first(conn, sa.select(vehicle.c.id).where(vehicle.c.customer_id == order["customer_id"],
                                                         vehicle.c.plate == order["plate"])) \
            if order["plate"] else None
        conn.execute(sa.update(work_order).where(work_order.c.id == order["id"]).values(
            customer_id=order["customer_id"], vehicle_id=car["id"] if car else None))


def downgrade():
    pass  # the links are correct data under the old schema too: nothing to undo
