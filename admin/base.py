"""The one secured, dealer-scoped base that every admin screen inherits.

Views stay configuration: they name columns, filters and roles; this base
supplies authentication, role checks, dealer scoping of every query path
(list, count, detail, edit, delete, export, relation dropdowns, ajax
lookups), Chinese labels from the models' Column.info, local time display,
optimistic locking and the audit trail.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, ClassVar

from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin import translations as flask_admin_translations
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model import filters as admin_filters
from flask_admin.form.widgets import Select2Widget
from flask_admin.model.form import converts
from flask_admin.model import typefmt
from flask_babel import Domain
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_words
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, SelectMultipleField
from wtforms.fields.core import UnboundField
from wtforms.fields import DateTimeField
from wtforms.validators import InputRequired, Optional, ValidationError

from forms.dates import LocalDateField, LocalDateTimeField
from models import Campaign, Notification, certify, db, services, windows
from models.audit import record, snapshot
from models.ownership import current_id, dealer_move
from models.base import UTCDateTime
from models.campaign import CAMPAIGN_TYPES, PHASES
from models.org import ROLES
from models.scoping import get_or_404, may_see_dealer, parse_id, scoped
from models.todo import todo
from web import LOCAL_TZ, bilingual, english_name

from .excel import ExcelImportMixin
from .lists import ListAtScaleMixin
from .printing import PrintMixin

ALL_ROLES = frozenset(ROLES)
FILTER_COLUMN = {"Dealer": "name", "Campaign": "name", "Region": "name", "User": "full_name",
                 "Customer": "name", "Vehicle": "plate", "SignIn": "name", "WorkOrder": "number",
                 "CompensationRule": "name", "Feedback": "customer_name"}
AJAX_MAX_LIMIT = 50
STALE = "此记录已被他人修改，请刷新页面后重新编辑（您的输入仍保留在下方）。"
REFERENCED = "该记录已被其他记录引用（如工单、回访、签到），不能删除。"
# Roles that work on records but never remove them (delete is its own permission, not part of write).
NEVER_DELETE = frozenset({"service_advisor", "call_center"})


def _local_datetime(view: Any, value: dt.datetime, name: str) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value.tzinfo else str(value)


def _yes_no(view: Any, value: bool, name: str) -> str:
    return "✔" if value else "✘"


TYPE_FORMATTERS = dict(typefmt.BASE_FORMATTERS)
TYPE_FORMATTERS.update({dt.datetime: _local_datetime, bool: _yes_no,
                        dt.date: lambda v, value, n: value.isoformat()})


def campaign_from_request() -> Campaign | None:
    """The campaign a page is about: ?campaign=N (404 when there is none), else the latest."""
    raw = request.values.get("campaign")
    if raw:
        pk = parse_id(raw)
        campaign = db.session.get(Campaign, pk) if pk else None
        if campaign is None:
            abort(404)
        return campaign
    return db.session.scalar(select(Campaign).order_by(Campaign.starts_on.desc()))


def current_dealer_id() -> int | None:
    return getattr(current_user, "dealer_id", None)


class MultiChoiceField(SelectMultipleField):
    """Several choice codes kept in one column as "a,b" (e.g. 活动缘由 is multi-choice in the seed)."""

    widget = Select2Widget(multiple=True)

    def process_data(self, value: Any) -> None:
        self.data = [code for code in value.split(",") if code] if isinstance(value, str) else value

    def populate_obj(self, obj: Any, name: str) -> None:
        setattr(obj, name, ",".join(self.data or []) or None)


class ModelConverter(AdminModelConverter):
    """Dates and times typed the ways people type them (forms.dates), on every screen."""

    @converts("Date")
    def convert_date(self, field_args: dict, **extra: Any):
        return LocalDateField(**field_args)

    @converts("DateTime", "UTCDateTime")
    def convert_datetime(self, field_args: dict, **extra: Any):
        return LocalDateTimeField(**field_args)


def _typed_as_local(filter_class: type) -> type:
    """A datetime filter whose typed values are Asia/Shanghai wall-clock times, queried as UTC."""

    def to_utc(value: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=LOCAL_TZ).astimezone(dt.UTC)
        return value

    def clean(self: Any, value: Any) -> Any:
        cleaned = filter_class.clean(self, value)
        return [to_utc(v) for v in cleaned] if isinstance(cleaned, list | tuple) else to_utc(cleaned)

    return type(f"Local{filter_class.__name__}", (filter_class,), {"clean": clean})


def _typed_filter(filter_class: type, field: type) -> type:
    """A date or date-time filter that reads what people type (forms.dates), like the forms do:
    Flask-Admin's own takes 2014-01-27 only, and the page's script tidies nothing with script off."""
    between = issubclass(filter_class, admin_filters.BaseDateBetweenFilter | admin_filters.BaseDateTimeBetweenFilter)
    if not between and not issubclass(filter_class, admin_filters.BaseDateFilter | admin_filters.BaseDateTimeFilter):
        return filter_class  # 为空 / 不为空

    def parsed(value: str) -> list[Any]:
        return [field.parse(v) for v in value.split(" to ")] if between else [field.parse(value)]

    def validate(self: Any, value: str) -> bool:
        values = parsed(value)
        return None not in values and (not between or (len(values) == 2 and values[0] <= values[1]))

    def clean(self: Any, value: str) -> Any:
        return parsed(value) if between else parsed(value)[0]

    return type(f"Typed{filter_class.__name__}", (filter_class,),
                {"validate": validate, "clean": clean, "field": field})


class UTCFilterConverter(FilterConverter):
    @admin_filters.convert("date")
    def conv_date(self, column: Any, name: str, **kwargs: Any):
        return [_typed_filter(f, LocalDateField)(column, name, **kwargs) for f in self.date_filters]

    @admin_filters.convert("datetime", "timestamp")
    def conv_datetime(self, column: Any, name: str, **kwargs: Any):
        return [_typed_filter(f, LocalDateTimeField)(column, name, **kwargs) for f in self.datetime_filters]

    @admin_filters.convert("utcdatetime")
    def conv_utc_datetime(self, column: Any, name: str, **kwargs: Any):
        return [_typed_as_local(_typed_filter(f, LocalDateTimeField))(column, name, **kwargs)
                for f in self.datetime_filters]


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Ajax relation lookups restricted to what the current user may see."""

    def get_query(self):
        return scoped(super().get_query(), self.model, current_user)

    def get_list(self, term: str, offset: int = 0, limit: int = 10) -> Any:
        # offset and limit come from the query string: bounded, so a hand-made request can
        # neither overflow the database's integers nor list a whole table at once
        offset = min(max(offset or 0, 0), 2**31)
        limit = min(max(limit or 1, 1), AJAX_MAX_LIMIT)
        return super().get_list(term or "", offset, limit)

    def get_one(self, pk: Any) -> Any:
        pk = parse_id(pk)
        if pk is None:
            return None
        with db.session.no_autoflush:  # called while the form populates the record
            return db.session.scalar(scoped(select(self.model).where(self.model.id == pk),
                                            self.model, current_user))


def ajax(model: type, *fields: str, **options: Any) -> ScopedAjaxLoader:
    options.setdefault("fields", fields)
    options.setdefault("page_size", 20)
    options.setdefault("placeholder", "输入关键字搜索…")
    return ScopedAjaxLoader(model.__tablename__, db, model, **options)


class FormProblems(ValidationError):
    """The record was not saved: `unplaced` messages go to the flash, `placed` ones were put
    under their fields."""

    def __init__(self, unplaced: list[str], placed: int) -> None:
        self.unplaced, self.placed = unplaced, placed
        parts = list(unplaced)
        if placed:
            parts.append(f"未保存：请按字段下方的红色提示修改（共 {placed} 处）")
        super().__init__("；".join(parts))


def _form_field(form: Any, key: str | None) -> Any:
    """The plain input field a rule's field key names: "plate", or "items-0-name" in an inline row;
    None when the form does not show it (then the message goes to the flash)."""
    if not key or form is None:
        return None
    parts = key.split("-")
    try:
        field = form[parts[0]]
        for index, name in zip(parts[1::2], parts[2::2]):
            field = field.entries[int(index)].form[name]
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        return None
    if len(parts) % 2 == 0 or hasattr(field, "entries") or hasattr(field, "form") \
            or getattr(field.widget, "input_type", None) == "hidden":
        return None  # a whole inline list or row, or a hidden field: no place to show a message
    return field


TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"  # words Flask-Admin's catalogue lacks
# Flask-Admin looks a word up in our catalogue (translations/) and then in its own, the last one
# found winning: its "50 项目" and "选中的" would beat ours. Its templates take _gettext/_ngettext
# from the view's template arguments, so the admin pages get a domain with ours last instead.
ADMIN_WORDS = Domain([flask_admin_translations.__path__[0], str(TRANSLATIONS)], domain="admin")


class FormWords:
    """Validation messages: WTForms' catalogue, then Flask-Admin's and ours (ADMIN_WORDS). Flask-Admin's
    fields ask their form for words only its catalogue has ("Not a valid choice"), and WTForms' zh
    catalogue leaves some fuzzy, i.e. English ("'x' is not a valid choice for this field.")."""

    def gettext(self, string: str) -> str:
        said = wtforms_words.gettext(string)
        return said if said != string else ADMIN_WORDS.get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        said = wtforms_words.ngettext(singular, plural, n)
        return said if said not in (singular, plural) else \
            ADMIN_WORDS.get_translations().ungettext(singular, plural, n)


FORM_WORDS = FormWords()


class AdminForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> FormWords:
            return FORM_WORDS


class RoleGate:
    """Who may open a screen or page: signed in with one of `read_roles`. Everyone else is sent to
    sign in, or gets 403 when signed in. The one access rule of every admin view."""

    read_roles: ClassVar[frozenset[str]] = ALL_ROLES

    def render(self, template: str, **kwargs: Any) -> str:
        self._template_args.update(_gettext=ADMIN_WORDS.gettext, _ngettext=ADMIN_WORDS.ngettext)
        return super().render(template, **kwargs)

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.role in self.read_roles

    def inaccessible_callback(self, name: str, **kwargs: Any):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)


class SecuredPage(RoleGate, BaseView):
    """A page that is not a model screen (gates, results, awards, packets, the call-center queue)."""


class SecureModelView(RoleGate, ListAtScaleMixin, ExcelImportMixin, PrintMixin, ModelView):
    """Base of every screen: roles, dealer scope, labels, locking, audit, lists at scale."""

    read_roles: ClassVar[frozenset[str]] = ALL_ROLES
    write_roles: ClassVar[frozenset[str]] = frozenset({"hq_admin"})
    delete_roles: ClassVar[frozenset[str] | None] = None  # None: the write roles but NEVER_DELETE
    form_base_class = AdminForm
    model_form_converter = ModelConverter
    filter_converter = UTCFilterConverter()
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = {**typefmt.DETAIL_FORMATTERS, **TYPE_FORMATTERS}
    column_type_formatters_export = {**typefmt.EXPORT_FORMATTERS, dt.datetime: _local_datetime}
    can_view_details = True
    can_export = True
    export_types = ["csv", "xlsx"]
    page_size = 50
    can_set_page_size = True
    column_display_pk = False
    form_excluded_columns = ["created_at", "updated_at", "version_id"]
    column_exclude_list = ["version_id", "updated_at"]
    column_details_exclude_list = ["version_id"]
    column_export_exclude_list = ["version_id"]
    # Required in the table but computed on save when left blank (e.g. 应回访日期 = visit + 7 days):
    # not required on the form.
    form_filled_on_save: ClassVar[tuple[str, ...]] = ()

    def __init__(self, model: type, session: Any = None, **kwargs: Any) -> None:
        self._derive_labels(model)
        super().__init__(model, session or db, **kwargs)

    # --- configuration drawn from the models' Column.info -------------------------------
    def _derive_labels(self, model: type) -> None:
        labels: dict[str, str] = {}
        descriptions: dict[str, str] = {}
        choices: dict[str, list[tuple[str, str]]] = {}
        multi: dict[str, dict[str, str]] = {}
        mapper = inspect(model)
        for prop in mapper.column_attrs:
            info = prop.columns[0].info
            if "label" in info:
                labels[prop.key] = bilingual(info["label"], english_name(prop.key))
            if "help" in info:
                descriptions[prop.key] = info["help"]
            if "choices" in info and info.get("multiple"):
                multi[prop.key] = info["choices"]
            elif "choices" in info:
                choices[prop.key] = list(info["choices"].items())
        if multi:
            self.form_overrides = {**{k: MultiChoiceField for k in multi}, **(self.form_overrides or {})}
            self.form_args = {**{k: {"choices": list(c.items())} for k, c in multi.items()},
                              **(self.form_args or {})}
            formatters = {k: (lambda v, c, m, n, labels=c: "、".join(
                labels.get(code, code) for code in (getattr(m, n) or "").split(",") if code))
                for k, c in multi.items()}
            self.column_formatters = {**formatters, **(self.column_formatters or {})}
        for rel in mapper.relationships:
            local = next(iter(rel.local_columns), None)
            label = rel.info.get("label") or (local is not None and local.info.get("label"))
            if label:
                labels[rel.key] = bilingual(label, english_name(rel.key))
        relations = {r.key: r.mapper.class_.__name__ for r in mapper.relationships}
        if self.column_filters:
            # A relation filter would add text filters on every column of the related table
            # (User.password_hash, mobile…): an oracle for data the user may not see.
            filters = []
            for name in self.column_filters:
                if isinstance(name, str) and name in relations:
                    path = f"{name}.{FILTER_COLUMN[relations[name]]}"
                    labels[path] = labels.get(name, name)
                    name = path
                filters.append(name)
            self.column_filters = filters
        self.column_labels = {**labels, **(self.column_labels or {})}
        self.column_descriptions = {**descriptions, **(self.column_descriptions or {})}
        self.form_choices = {**choices, **(self.form_choices or {})}
        self.column_choices = {**choices, **(self.column_choices or {})}

    def get_invalid_value_msg(self, value: str, filter: Any) -> str:
        if field := getattr(filter, "field", None):  # a date the list filter could not read
            return f"{field.what}“{value}”无法识别，请按 {field.hint} 的样式填写"
        return super().get_invalid_value_msg(value, filter)

    @expose("/")
    def index_view(self):
        if "export_type" in request.args:  # Flask-Admin's list template would pass it to url_for twice
            abort(400)
        return super().index_view()

    def scaffold_form(self) -> type:
        form_class = super().scaffold_form()
        for name in self.form_filled_on_save:
            unbound = getattr(form_class, name)
            unbound.kwargs["validators"] = [Optional()] + [
                v for v in unbound.kwargs.get("validators") or [] if not isinstance(v, InputRequired)]
        return form_class

    def scaffold_inline_form_models(self, form_class: type) -> type:
        """Inline lists (参会人员, 检测项目…) titled from their relationship's label, not "Goals"."""
        form_class = super().scaffold_inline_form_models(form_class)
        for key, label in self.column_labels.items():
            unbound = form_class.__dict__.get(key)
            if isinstance(unbound, UnboundField) and "label" not in unbound.kwargs:
                unbound.kwargs["label"] = label
        return form_class

    # --- who may come in -------------------------------------------------------------------
    @property
    def _may_write(self) -> bool:
        return current_user.is_authenticated and current_user.role in self.write_roles

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self._may_write

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return self._may_write

    @classmethod
    def deleting_roles(cls) -> frozenset[str]:
        return cls.delete_roles if cls.delete_roles is not None else cls.write_roles - NEVER_DELETE

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return current_user.is_authenticated and current_user.role in self.deleting_roles()

    def is_action_allowed(self, name: str) -> bool:
        # Flask-Admin only hides "delete" when can_delete is off; every other action needs it too.
        return self._may_write and super().is_action_allowed(name)

    @action("delete", lazy_gettext("Delete"), lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids: Any) -> None:
        # Flask-Admin filters `id IN (...)` by the ids as posted, i.e. text, and PostgreSQL refuses
        # integer = varchar: 批量操作 → 删除 was a 500 there. Only well-formed ids go on.
        super().action_delete([pk for pk in map(parse_id, ids) if pk is not None])

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        if not self._may_write:  # list-editable columns post here whatever can_edit says
            abort(403)
        return super().ajax_update()

    # --- dealer scope on every query path ----------------------------------------------
    def get_query(self):
        return scoped(super().get_query(), self.model, current_user)

    count_estimate = True  # get_count_query below only applies the dealer scope

    def get_count_query(self):
        return scoped(super().get_count_query(), self.model, current_user)

    def get_one(self, id: Any) -> Any:
        return get_or_404(self.model, id, current_user)

    def _scope_relation_fields(self, form: Any) -> Any:
        if current_dealer_id() is not None and hasattr(form, "dealer"):
            del form.dealer  # dealer staff work for exactly one dealer: never a choice to make
        for name in certify.hidden_fields(self.model, current_user):
            if hasattr(form, name):
                delattr(form, name)  # set by an action of the role that owns it, never typed
        for field in form:
            factory = getattr(field, "query_factory", None)
            if factory is None or getattr(field, "_scoped", False):
                continue
            target = factory().column_descriptions[0]["entity"]
            field.query_factory = (lambda f=factory, m=target: scoped(f(), m, current_user))
            field._scoped = True
        return form

    def create_form(self, obj: Any = None) -> Any:
        form = self._scope_relation_fields(super().create_form(obj))
        if request.method == "GET":
            self._fill_defaults(form)
        return form

    def edit_form(self, obj: Any = None) -> Any:
        form = self._edit_form_with_version()(**self._form_kwargs(obj))
        form._obj = obj  # Flask-Admin's Unique validator skips the record itself only when it knows it
        self._scope_relation_fields(form)
        for field in form:
            if isinstance(field, DateTimeField) and isinstance(field.data, dt.datetime) \
                    and field.data.tzinfo is not None:
                field.data = field.data.astimezone(LOCAL_TZ).replace(tzinfo=None)
        return form

    def _form_kwargs(self, obj: Any) -> dict[str, Any]:
        from flask_admin.helpers import get_form_data

        return {"formdata": get_form_data(), "obj": obj}

    def _edit_form_with_version(self) -> type:
        if getattr(self, "_versioned_edit_form", None) is None:
            self._versioned_edit_form = type("Versioned" + self._edit_form_class.__name__,
                                             (self._edit_form_class,),
                                             {"version_id": HiddenField()})
        return self._versioned_edit_form

    def _fill_defaults(self, form: Any) -> None:
        """Defaults that save typing: the running campaign."""
        if hasattr(form, "campaign") and form.campaign.data is None:
            form.campaign.data = services.current_campaign()

    # --- writes ------------------------------------------------------------------------------
    def update_model(self, form: Any, model: Any) -> bool:
        submitted = form.version_id.data if hasattr(form, "version_id") else None
        if submitted not in (None, "") and str(submitted) != str(model.version_id):
            flash(STALE, "error")
            return False
        version_field = form._fields.pop("version_id", None)  # the mapper owns the counter
        try:
            # no query of the checks may flush the edit before they ran: they compare the values
            # being saved with the stored ones (ownership.dealer_move, link_problems)
            with db.session.no_autoflush:
                return super().update_model(form, model)
        finally:
            if version_field is not None:  # a re-rendered form must still carry the loaded version
                form._fields["version_id"] = version_field

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        for column in inspect(type(model)).columns:
            if isinstance(column.type, UTCDateTime):
                value = getattr(model, column.key, None)
                if isinstance(value, dt.datetime) and value.tzinfo is None:
                    # what people type is Asia/Shanghai wall-clock time
                    setattr(model, column.key, value.replace(tzinfo=LOCAL_TZ).astimezone(dt.UTC))
        if hasattr(model, "dealer_id") and "dealer_id" in inspect(type(model)).columns:
            dealer_id = current_id(model, "dealer")  # the dealer being saved, not the stored one
            if current_dealer_id() is not None and is_created:
                model.dealer_id = dealer_id = current_dealer_id()
            if not may_see_dealer(current_user, dealer_id):
                raise ValidationError("不能为其他特约店创建或修改记录")
        if not is_created and (problem := certify.edit_problem(model, current_user)):
            raise ValidationError(problem)
        outside = windows.window_problem(model)
        if outside and not windows.may_override(current_user):
            raise ValidationError(outside)
        self._check_rules(form, model)
        moved = None if is_created else dealer_move(model)
        db.session.flush()
        notes = ([f"总部阶段外更正：{outside}"] if outside else []) + \
            ([f"总部改到其他特约店：{moved[0]} → {moved[1]}"] if moved else [])
        record(db.session, user=current_user, action="create" if is_created else "update",
               entity=model, detail="；".join(notes) or None)

    def _check_rules(self, form: Any, model: Any) -> None:
        """Run the model's form_rules; a message that names a field is shown under that field
        (WTForms field.errors on the re-rendered form), the rest in the flash at the top."""
        if hasattr(model, "validation_problems_by_field"):
            problems = model.validation_problems_by_field()
        else:
            problem = getattr(model, "validation_problem", lambda: None)()
            problems = {None: [problem]} if problem else {}
        if not problems:
            return
        placed, unplaced = 0, []
        for key, messages in problems.items():
            field = _form_field(form, key)
            if field is None:
                unplaced.extend(messages)
                continue
            field.errors = [*field.errors, *messages]
            placed += len(messages)
        raise FormProblems(unplaced, placed)

    def on_model_delete(self, model: Any) -> None:
        problem = certify.delete_problem(model) or certify.edit_problem(model, current_user)
        if problem:
            raise ValidationError(problem)
        record(db.session, user=current_user, action="delete", entity=model, detail=snapshot(model))

    def act_on(self, ids: list[str], do: Any, done: str) -> None:
        """A list action: `do(record)` on each selected record this user may see; a refusal
        (CertifyError or ValueError with a Chinese message) is flashed and leaves that record as it was."""
        rows = db.session.scalars(scoped(
            select(self.model).where(self.model.id.in_([i for i in map(parse_id, ids) if i])),
            self.model, current_user)).all()
        refused = []
        for row in rows:
            try:
                do(row)  # checks come before any change, so a refusal leaves nothing half-written
            except ValueError as problem:
                refused.append(str(problem))
        db.session.commit()
        if len(rows) > len(refused):
            flash(done.format(n=len(rows) - len(refused)), "success")
        for message in refused:
            flash(message, "error")

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, StaleDataError):
            flash(STALE, "error")
            return True
        if isinstance(exc, ValidationError):
            flash(str(exc), "error")
            return True
        if isinstance(exc, IntegrityError) and (request.endpoint or "").endswith(("delete_view",
                                                                                  "action_view")):
            flash(REFERENCED, "error")
            return True
        return super().handle_view_exception(exc)


class ReadOnlyModelView(SecureModelView):
    write_roles = frozenset()


class HomeView(RoleGate, AdminIndexView):
    """Landing page: the user's to-do list (models.todo), campaigns and unread notifications."""

    @expose("/")
    def index(self):
        campaigns = db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc())).all()
        unread = db.session.scalar(select(func.count()).select_from(Notification)
                                   .where(Notification.user_id == current_user.id,
                                          Notification.read.is_(False)))
        return self.render("admin/home.html", campaigns=campaigns, unread=unread, roles=ROLES,
                           types=CAMPAIGN_TYPES, phases=PHASES,
                           sections=todo(db.session, current_user, dt.datetime.now(dt.UTC)))
