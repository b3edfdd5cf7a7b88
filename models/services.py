"""What the screens do besides storing a row: defaults that save typing, values derived on save
(walk-in, declined suggestions, callback due date, lateness) and records that follow from
another (a complaint from a feedback). Views call these; no rule lives in a view.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, func, inspect, or_, select

from . import db
from .campaign import Campaign
from .certify import callback_kind_for
from .customer import Customer, Vehicle
from .execution import FEEDBACK_ITEMS, Feedback, SignIn
from .followup import Callback, complaint_from_feedback
from .forms_rules import LOCAL_TZ, local_date, local_today
from .ownership import current_id
from .preparation import CustomerInvitation
from .reporting import DEALER_DUTIES, CoachingVisit, WeeklySummary
from .schedules import callback_due_on
from .scoping import parse_id, scoped
from .validators import normalize_mobile, normalize_plate
from .workorder import SUGGESTIONS, WorkOrder, WorkOrderItem

# The date field a blank form opens with set to today (Asia/Shanghai).
TODAY_FIELDS = {"PlanMeeting": "held_on", "TrainingSession": "held_on", "ClosingMeeting": "held_on",
                "DailyFlow": "day", "Feedback": "filled_on", "WorkOrder": "visited_on",
                "CoachingVisit": "visit_on"}


def local_now() -> dt.datetime:
    """Wall-clock Asia/Shanghai time as a form shows it (naive, to the minute)."""
    return dt.datetime.now(LOCAL_TZ).replace(tzinfo=None, second=0, microsecond=0)


def dealer_id_of(obj: Any, user: Any) -> int | None:
    return current_id(obj, "dealer") or getattr(user, "dealer_id", None)


# --- defaults on a blank form ---------------------------------------------------------------
def current_campaign() -> Campaign | None:
    """The campaign a blank form or template is most likely for: the latest one not closed."""
    return db.session.scalar(select(Campaign).where(Campaign.phase != "closed")
                             .order_by(Campaign.starts_on.desc()))


def day_in_window(campaign: Any, today: dt.date) -> dt.date:
    """Today, or the nearest day of the campaign's window when today is outside it (a 2014
    campaign entered later still gets 2014 dates, which its rules accept)."""
    starts, ends = getattr(campaign, "starts_on", None), getattr(campaign, "ends_on", None)
    if starts and today < starts:
        return starts
    if ends and today > ends:
        return ends if starts is None else starts
    return today


def form_defaults(model: type, user: Any, campaign: Any, args: Mapping[str, str]) -> dict[str, Any]:
    """Field values a new record's form opens with; lists are inline rows."""
    values: dict[str, Any] = {}
    today = day_in_window(campaign, local_today())
    if model.__name__ in TODAY_FIELDS:
        values[TODAY_FIELDS[model.__name__]] = today
    advisor = user if getattr(user, "role", None) == "service_advisor" else None
    if model is SignIn:
        now = local_now()
        values.update(arrived_at=now if now.date() == today else dt.datetime.combine(today, dt.time(9)),
                      advisor=advisor)
    elif model is WorkOrder:
        values["advisor"] = advisor
        values.update(_from_sign_in(args.get("sign_in"), user))
        dealer = getattr(values.get("sign_in"), "dealer", None) or getattr(user, "dealer", None)
        values["number"] = next_work_order_number(dealer, values.get("visited_on") or today)
        campaign = values.get("campaign", campaign)
        values["items"] = checklist_rows(campaign)
    elif model is Feedback:
        values["ratings"] = [{"item": item} for item in FEEDBACK_ITEMS]
        sign_in = _visible(SignIn, args.get("sign_in"), user)
        if sign_in is not None:
            values.update(sign_in=sign_in, customer_name=sign_in.name, campaign=sign_in.campaign)
    elif model is Callback:
        values.update(agent=user, kind="verification" if user.role == "call_center" else "dealer")
        values.update(_from_work_order(args.get("work_order"), user))
    elif model is WeeklySummary:
        try:  # the to-do page links to last week's summary
            week = dt.date.fromisoformat(args.get("week_start") or "")
            values["week_start"] = week - dt.timedelta(days=week.weekday())
        except ValueError:
            pass
    elif model is CoachingVisit:
        values.update(coach=user if user.role == "coach" else None,
                      duties=[{"duty": duty} for duty in DEALER_DUTIES])
    return {key: value for key, value in values.items() if value is not None}


def checklist_rows(campaign: Any) -> list[dict[str, Any]]:
    """The campaign's inspection items (全车21项安全检查 + 冷却检测) as blank work-order rows."""
    template = getattr(campaign, "checklist_template", None)
    if template is None:
        return []
    return [{"position": item.position, "name": item.name, "safety_critical": item.safety_critical,
             "finding": "ok", "suggestion": "none", "accepted": True} for item in template.items]


def _visible(model: type, pk: str | None, user: Any) -> Any:
    pk = parse_id(pk)
    if pk is None:
        return None
    return db.session.scalar(scoped(select(model).where(model.id == pk), model, user))


def _from_sign_in(pk: str | None, user: Any) -> dict[str, Any]:
    """开工单 from a sign-in row: the visit's campaign, customer, vehicle and advisor."""
    sign_in = _visible(SignIn, pk, user)
    if sign_in is None:
        return {}
    vehicle = vehicle_of(sign_in.customer, sign_in.plate)
    return {"sign_in": sign_in, "campaign": sign_in.campaign, "customer": sign_in.customer,
            "vehicle": vehicle, "mileage_km": getattr(vehicle, "mileage_km", None),
            "advisor": sign_in.advisor,
            "visited_on": local_date(sign_in.arrived_at) if sign_in.arrived_at else None}


def _from_work_order(pk: str | None, user: Any) -> dict[str, Any]:
    """回访 from a work order: its campaign, customer, mobile and due date (visit + 7 days)."""
    order = _visible(WorkOrder, pk, user)
    if order is None:
        return {}
    customer = order.customer
    return {"work_order": order, "campaign": order.campaign,
            "customer_name": getattr(customer, "name", None) or getattr(order.sign_in, "name", None),
            "mobile": getattr(customer, "mobile", None) or getattr(order.sign_in, "mobile", None),
            "due_on": callback_due_on(order.visited_on) if order.visited_on else None}


def pending_callback(work_order_pk: str | None, user: Any) -> Callback | None:
    """The dealer's not yet made callback for a visit the user may see, if there is one
    (the call center's verification calls are callbacks of their own)."""
    order = _visible(WorkOrder, work_order_pk, user)
    if order is None or callback_kind_for(user) != "dealer":
        return None
    return db.session.scalar(scoped(select(Callback).where(
        Callback.work_order_id == order.id, Callback.kind == "dealer", Callback.outcome == "pending")
        .order_by(Callback.id).limit(1), Callback, user))


def vehicle_of(customer: Any, plate: str | None) -> Any:
    """The customer's vehicle with this plate (the one a sign-in came in), else the only one."""
    vehicles = list(getattr(customer, "vehicles", None) or [])
    if plate:
        return next((v for v in vehicles if v.plate and normalize_plate(v.plate) == normalize_plate(plate)),
                    None)
    return vehicles[0] if len(vehicles) == 1 else None


def next_work_order_number(dealer: Any, visited_on: dt.date) -> str | None:
    """Dealer code + visit date + running number of that day, e.g. A01-20140120-003."""
    if dealer is None:
        return None
    done = db.session.scalar(select(func.count()).select_from(WorkOrder).where(
        WorkOrder.dealer_id == dealer.id, WorkOrder.visited_on == visited_on)) or 0
    return f"{dealer.code}-{visited_on:%Y%m%d}-{done + 1:03d}"


def customer_for_visit(sign_in: SignIn, dealer_id: int) -> Customer:
    """The dealer's Customer an arrival is about, with the Vehicle it came in: found by the
    invitation list's customer, the plate or VIN, or the mobile, else created from the sign-in
    and its invitation, so the work order, 客户联, callbacks and follow-up lists carry the customer."""
    invitation = invitation_for(sign_in, dealer_id)
    mobile = sign_in.mobile or getattr(invitation, "mobile", None)
    plate = sign_in.plate or getattr(invitation, "plate", None)
    vin = getattr(invitation, "vin", None)
    known = [getattr(Vehicle, k) == v for k, v in (("plate", plate), ("vin", vin)) if v]
    vehicle = db.session.scalar(select(Vehicle).where(Vehicle.dealer_id == dealer_id, or_(*known))
                                .order_by(Vehicle.id).limit(1)) if known else None
    customer = getattr(invitation, "customer", None) or getattr(vehicle, "customer", None)
    if customer is None and mobile:
        customer = db.session.scalar(select(Customer).where(Customer.dealer_id == dealer_id,
                                                            Customer.mobile == mobile).order_by(Customer.id))
    if customer is None:
        customer = Customer(dealer_id=dealer_id, name=sign_in.name, mobile=mobile)
        db.session.add(customer)
    if vehicle is None and (plate or vin):
        vehicle = Vehicle(dealer_id=dealer_id, customer=customer, plate=plate, vin=vin,
                          model=getattr(invitation, "model", None),
                          mileage_km=getattr(invitation, "mileage_km", None),
                          last_visit=getattr(invitation, "last_visit", None))
        db.session.add(vehicle)
    if invitation is not None and invitation.customer_id is None:
        invitation.customer = customer
    return customer


# --- derived on save -------------------------------------------------------------------------
def normalize_contacts(obj: Any) -> None:
    """京a 12345 → 京A12345, +86 138-1234-5678 → 13812345678, on the record and its inline rows."""
    mapper = inspect(type(obj))
    children = [row for rel in mapper.relationships if rel.uselist and "delete-orphan" in rel.cascade
                for row in getattr(obj, rel.key) or []]
    for row in [obj, *children]:
        for key, normalize in (("mobile", normalize_mobile), ("plate", normalize_plate),
                               ("vin", lambda v: v.strip().upper())):
            value = getattr(row, key, None)
            if isinstance(value, str) and value.strip():
                setattr(row, key, normalize(value))


def fill_blank_defaults(obj: Any) -> None:
    """A required number left blank means its default (0 yuan, 0 hours, 1 piece)."""
    for column in inspect(type(obj)).columns:
        default = column.default
        if not column.nullable and default is not None and default.is_scalar \
                and getattr(obj, column.key, None) is None and column.key != "version_id":
            setattr(obj, column.key, default.arg)


def invitation_for(sign_in: SignIn, dealer_id: int | None) -> CustomerInvitation | None:
    """The invitation-list entry this arrival answers: same customer, plate or mobile."""
    same = []
    if current_id(sign_in, "customer") is not None:
        same.append(CustomerInvitation.customer_id == current_id(sign_in, "customer"))
    if sign_in.plate:
        same.append(CustomerInvitation.plate == sign_in.plate)
    if sign_in.mobile:
        same.append(CustomerInvitation.mobile == sign_in.mobile)
    if not same or dealer_id is None:
        return None
    return db.session.scalar(select(CustomerInvitation).where(
        CustomerInvitation.campaign_id == current_id(sign_in, "campaign"),
        CustomerInvitation.dealer_id == dealer_id, or_(*same)).limit(1))


def declined_text(work_order: WorkOrder) -> str | None:
    return "；".join(f"{item.name}：{SUGGESTIONS[item.suggestion]}"
                     for item in work_order.declined_items) or None


def before_save(obj: Any, user: Any) -> None:
    """Values the record derives from what was typed; runs before its rules are checked."""
    normalize_contacts(obj)
    fill_blank_defaults(obj)
    with db.session.no_autoflush:
        if isinstance(obj, SignIn):
            # A customer not on the invitation list is welcome, and counted as a walk-in.
            obj.walk_in = invitation_for(obj, dealer_id_of(obj, user)) is None
        elif isinstance(obj, WorkOrder):
            obj.follow_template()
            if obj.sign_in is not None and obj.customer is None:
                obj.customer = obj.sign_in.customer
            if obj.sign_in is not None and obj.vehicle is None and obj.customer is not None:
                obj.vehicle = vehicle_of(obj.customer, obj.sign_in.plate)
            obj.declined_suggestions = declined_text(obj)
        elif isinstance(obj, Feedback):
            if not obj.customer_name and obj.sign_in is not None:
                obj.customer_name = obj.sign_in.name
        elif isinstance(obj, Callback):
            if inspect(obj).transient or inspect(obj).pending:
                obj.kind = callback_kind_for(user)  # who calls decides the kind: never a choice
            if obj.work_order is not None:
                known = _from_work_order(str(obj.work_order.id), user)
                obj.customer_name = obj.customer_name or known.get("customer_name")
                obj.mobile = obj.mobile or known.get("mobile")
            if obj.due_on is None and obj.work_order is not None and obj.work_order.visited_on:
                obj.due_on = callback_due_on(obj.work_order.visited_on)
            if obj.outcome not in (None, "pending") and obj.called_at is None:
                obj.called_at = dt.datetime.now(dt.UTC)
        for child in getattr(obj, "vehicles", None) or []:  # a customer's new inline vehicles
            if child.dealer_id is None:  # a stored one keeps its dealer: ownership.link_problems checks it
                child.dealer_id = dealer_id_of(obj, user)


def after_save(obj: Any, user: Any) -> None:
    """Records that follow from a saved one, in the same transaction."""
    if isinstance(obj, Feedback):
        complaint_from_feedback(obj, user)
    elif isinstance(obj, SignIn) and obj.customer_id is None and obj.dealer_id is not None:
        # after the rules passed: a refused sign-in creates no customer
        obj.customer = customer_for_visit(obj, obj.dealer_id)


# --- checklist templates ----------------------------------------------------------------------
def new_template_version(template: Any) -> Any:
    """The next, not yet fixed, version of a checklist template with a copy of its items (a fixed
    version is never changed: campaigns and their work orders were filled from it)."""
    from .campaign import ChecklistItem, ChecklistTemplate

    latest = db.session.scalar(select(func.max(ChecklistTemplate.version))
                               .where(ChecklistTemplate.name == template.name)) or 0
    copy = ChecklistTemplate(name=template.name, version=latest + 1, fixed=False, items=[
        ChecklistItem(position=item.position, name=item.name, unit=item.unit,
                      safety_critical=item.safety_critical, reference=item.reference)
        for item in template.items])
    db.session.add(copy)
    return copy


# --- follow-up list --------------------------------------------------------------------------
DECLINED = and_(WorkOrderItem.suggestion != "none", WorkOrderItem.accepted.is_(False))


def with_declined_suggestions() -> Any:
    """WHERE clause: work orders with a suggestion the customer declined (the follow-up list)."""
    return WorkOrder.items.any(DECLINED)


def declined_suggestions(user: Any, customer_id: int | None = None) -> list[WorkOrderItem]:
    """Declined suggestions this user may see, newest visit first; of one customer if given."""
    stmt = select(WorkOrderItem).join(WorkOrder, WorkOrderItem.work_order_id == WorkOrder.id) \
        .where(DECLINED).order_by(WorkOrder.visited_on.desc(), WorkOrderItem.position)
    if customer_id is not None:
        stmt = stmt.where(WorkOrder.customer_id == customer_id)
    return list(db.session.scalars(scoped(stmt, WorkOrder, user)))
