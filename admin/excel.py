"""Excel on every admin screen: template download, import with preview, safe export.

ExcelImportMixin sits in SecureModelView's bases, so every screen gets
  /<screen>/template.xlsx         the form's template (forms/excel.py)
  /<screen>/import/               upload → preview listing every bad row (row number + reason)
  /<screen>/import/confirm        write all rows, or only the valid ones, in one transaction
  /<screen>/import/rejected.csv   the refused rows with their reasons, to fix and import again
  /<screen>/import/job            a large file (IMPORT_BACKGROUND_BYTES) checked and written by the
                                  import-file flow: progress (the page reloads itself), then as above
and its CSV/XLSX export made safe against formula injection. The dealer and campaign of imported
rows come from the user (dealer staff) or the form (HQ), never from the file.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, abort, current_app, redirect, request, stream_with_context
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from forms.definitions import FormDefinition, definition_for
from forms.excel import XLSX_MIME, attachment, csv_chunks, template_bytes, xlsx_bytes
from forms.importer import (Context, ImportRefused, Preview, Stash, check_file, confirm_rows,
                            preview_from_stash, rejected_csv)
from models import Campaign, Dealer, ImportJob, Participation, db, services, windows
from models.base import LOCAL_TZ, utcnow
from models.imports import RUNNING, STATES
from models.scoping import may_see_dealer, parse_id, scoped
from web.errors import error_page
from workflows.client import flow_engine_status, start_import

SHOWN_ERRORS = 1000  # rows listed on the preview page; rejected.csv always has them all
IMPORT_STALE = dt.timedelta(minutes=10)  # a background import silent this long has lost its worker


def _stash() -> Stash:
    return Stash(db.session)


def _refuse_outside_window(definition: FormDefinition, campaign: Any, dealer_id: int) -> None:
    if windows.may_override(current_user):
        return
    for part in definition.parts.values():
        if problem := windows.phase_problem(part.model, campaign, dealer_id):
            raise ImportRefused(problem, 409)


def max_rows() -> int:
    return int(current_app.config["IMPORT_MAX_ROWS"])


class ExcelImportMixin:
    """Template, import and safe export for the screen's form definition (forms/definitions.py)."""

    list_template = "admin/import_list.html"

    # --- the definition and who may use it -------------------------------------------------------
    @property
    def excel_definition(self) -> FormDefinition | None:
        return definition_for(self.model)

    @property
    def can_import(self) -> bool:
        definition = self.excel_definition
        return definition is not None and definition.importable and bool(self.can_create)

    def _importable(self) -> FormDefinition:
        definition = self.excel_definition
        if definition is None or not definition.importable:
            abort(404)
        if not self.can_create:
            abort(403)
        return definition

    def create_blueprint(self, admin: Any) -> Any:
        blueprint = super().create_blueprint(admin)
        blueprint.register_error_handler(RequestEntityTooLarge, self._too_large)
        return blueprint

    def _too_large(self, error: Exception):
        if (request.content_length or 0) <= (current_app.config.get("MAX_CONTENT_LENGTH") or 0):
            # under the upload limit: a huge text field, over Werkzeug's MAX_FORM_MEMORY_SIZE
            return error_page(413, message=f"提交的内容过大（每个文本框最多 "
                                           f"{current_app.config['MAX_FORM_MEMORY_SIZE'] // 1024} KB），"
                                           "未保存任何数据。请缩短后重新提交。")
        limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        message = (f"上传的文件超过 {limit} MB 的上限，未导入任何数据。"
                   "请删除无关的工作表和图片，或把数据拆分成几个文件分批导入。")
        return self.render("admin/import_error.html", message=message, definition=self.excel_definition,
                           title="文件过大"), 413

    # --- context: dealer and campaign --------------------------------------------------------------
    def _campaigns(self) -> list[Campaign]:
        stmt = select(Campaign).order_by(Campaign.starts_on.desc())
        if getattr(current_user, "dealer_id", None) is not None:
            stmt = stmt.join(Participation, Participation.campaign_id == Campaign.id) \
                .where(Participation.dealer_id == current_user.dealer_id)
        return list(db.session.scalars(stmt))

    def _dealers(self) -> list[Dealer]:
        if getattr(current_user, "dealer_id", None) is not None:
            return []
        return list(db.session.scalars(scoped(select(Dealer).where(Dealer.active.is_(True))
                                              .order_by(Dealer.code), Dealer, current_user)))

    def _context(self, definition: FormDefinition, form: Any) -> Context:
        """Dealer staff import for their own dealer; HQ chooses one it may see. Else 404."""
        own = getattr(current_user, "dealer_id", None)
        asked = form.get("dealer_id", type=parse_id)
        if own is not None:
            if asked not in (None, own):
                abort(404)
            dealer_id = own
        else:
            if asked is None:
                raise ImportRefused("请选择要导入到哪个特约店", 400)
            dealer_id = asked
        if not may_see_dealer(current_user, dealer_id) or db.session.get(Dealer, dealer_id) is None:
            abort(404)
        campaign = None
        if definition.needs_campaign:
            campaign_id = form.get("campaign_id", type=parse_id)
            campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
            if campaign is None:
                raise ImportRefused("请选择活动", 400)
            enrolled = db.session.scalar(select(Participation.id).where(
                Participation.campaign_id == campaign.id, Participation.dealer_id == dealer_id))
            if enrolled is None:
                raise ImportRefused(f"该特约店未参加活动“{campaign.name}”，不能导入", 422)
        _refuse_outside_window(definition, campaign, dealer_id)
        return Context(user=current_user, dealer_id=dealer_id, campaign=campaign)

    def _upload_page(self, definition: FormDefinition, error: str | None = None, status: int = 200):
        return self.render("admin/import.html", definition=definition, error=error,
                           campaigns=self._campaigns() if definition.needs_campaign else [],
                           dealers=self._dealers(), max_rows=max_rows(),
                           max_mb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024),
                           chosen_campaign=request.values.get("campaign_id", type=parse_id),
                           chosen_dealer=request.values.get("dealer_id", type=parse_id)), status

    def _preview_page(self, preview: Preview, token: str, context: Context, message: str | None = None,
                      status: int | None = None):
        definition = preview.definition
        shown = [definition.field(n) for n in preview.columns] or list(definition.fields)
        return self.render("admin/import_preview.html", preview=preview, token=token, context=context,
                           definition=definition, shown_fields=shown, message=message,
                           errors=preview.rejected[:SHOWN_ERRORS], sample=preview.valid[:20],
                           dealer=db.session.get(Dealer, context.dealer_id)), \
            status or (422 if preview.rejected else 200)

    # --- routes ------------------------------------------------------------------------------------------
    @expose("/template.xlsx")
    def excel_template(self):
        definition = self.excel_definition
        if definition is None:
            abort(404)
        campaign_id = request.args.get("campaign_id", type=parse_id)
        # example dates inside the campaign's window, so an untouched example row is a valid row
        campaign = db.session.get(Campaign, campaign_id) if campaign_id else services.current_campaign()
        return Response(template_bytes(definition, campaign), mimetype=XLSX_MIME,
                        headers={"Content-Disposition": attachment(f"{definition.title}_导入模板.xlsx")})

    @expose("/import/", methods=("GET", "POST"))
    def import_view(self):
        definition = self._importable()
        if request.method == "GET":
            return self._upload_page(definition)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._upload_page(definition, "请选择要导入的 .xlsx 或 .csv 文件", 400)
        data = upload.read()
        try:
            context = self._context(definition, request.form)
            if len(data) >= current_app.config["IMPORT_BACKGROUND_BYTES"]:
                job = self._background_check(definition, upload.filename, data, context)
                if job is not None:
                    return redirect(self.get_url(".import_job", token=job.token))
            preview = check_file(definition, upload.filename, data, context, max_rows=max_rows())
        except ImportRefused as refused:
            db.session.rollback()
            return self._upload_page(definition, refused.message, refused.status)
        token = _stash().put(preview, context)
        return self._preview_page(preview, token, context)

    def _background_check(self, definition: FormDefinition, filename: str, data: bytes,
                          context: Context) -> ImportJob | None:
        """A large file is checked by the import-file flow while the page shows its progress;
        None (check it here, as for a small one) when no flow runner is there to take it."""
        if not flow_engine_status(current_app.config["PREFECT_API_URL"]).ok:
            return None
        job = ImportJob(token=Stash.new_token(), form=definition.key, user_id=current_user.id,
                        dealer_id=context.dealer_id, campaign_id=context.campaign_id,
                        filename=filename, upload=data, state="queued", background=True)
        db.session.add(job)
        db.session.commit()
        if start_import(job.id, "check") is None:
            db.session.delete(job)
            db.session.commit()
            return None
        return job

    @expose("/import/job")
    def import_job(self):
        """A background import: its progress (the page reloads itself), then its preview or result."""
        definition = self._importable()
        job = _stash().job(request.args.get("token", ""), current_user.id)
        if job is None or job.form != definition.key:
            abort(404)
        if job.state in RUNNING:
            stale = utcnow() - job.updated_at > IMPORT_STALE
            return self.render("admin/import_progress.html", definition=definition, job=job, stale=stale,
                               states=STATES), 200
        if job.state == "failed":
            return self._upload_page(definition, job.message, 422)
        context = Context(user=current_user, dealer_id=job.dealer_id,
                          campaign=db.session.get(Campaign, job.campaign_id) if job.campaign_id else None)
        payload = Stash.payload(job)
        if job.state == "done":
            return self.render("admin/import_done.html", definition=definition, count=job.done,
                               rejected=len(payload["rejected"]), token=job.token, notices=[])
        preview = preview_from_stash(definition, payload)
        return self._preview_page(preview, job.token, context, message=job.message,
                                  status=422 if job.message or preview.rejected else 200)

    @expose("/import/confirm", methods=("POST",))
    def import_confirm(self):
        definition = self._importable()
        stash, token = _stash(), request.form.get("token", "")
        payload = stash.claim(token, current_user.id)
        if payload is None or payload["form"] != definition.key:
            return self.render("admin/import_error.html", definition=definition, title="预览已失效",
                               message="该导入预览已失效（已导入、已过期或不属于您），未写入任何数据。"
                                       "请重新上传文件。"), 410
        only_valid = request.form.get("mode") == "valid_only"
        if not may_see_dealer(current_user, payload["dealer_id"]):
            stash.finish(token, payload, written=False)
            abort(404)
        job = stash.job(token, current_user.id)
        if job.background:
            job.only_valid = only_valid
            db.session.commit()
            if start_import(job.id, "write") is not None:
                return redirect(self.get_url(".import_job", token=token))
        written = False
        try:
            campaign = db.session.get(Campaign, payload["campaign_id"]) if payload["campaign_id"] else None
            _refuse_outside_window(definition, campaign, payload["dealer_id"])  # the phase may have moved on
            context = Context(user=current_user, dealer_id=payload["dealer_id"], campaign=campaign)
            outcome = confirm_rows(db.session, definition, payload, context, only_valid=only_valid)
            if not outcome.written:
                return self._preview_page(outcome.preview, token, context, message=outcome.message,
                                          status=outcome.status)
            Stash.keep_rejected(job, payload)  # in the writing transaction: written means done
            db.session.commit()
            written = True
        except ImportRefused as refused:
            db.session.rollback()
            return self.render("admin/import_error.html", definition=definition, title="未导入",
                               message=f"{refused.message}。未写入任何数据。"), refused.status
        except Exception:
            db.session.rollback()
            raise
        finally:
            if not written:
                stash.finish(token, payload, written=False)
        return self.render("admin/import_done.html", definition=definition, count=outcome.written,
                           rejected=len(outcome.preview.rejected), token=token,
                           notices=outcome.preview.notices)

    @expose("/import/rejected.csv")
    def import_rejected(self):
        definition = self._importable()
        stash, token = _stash(), request.args.get("token", "")
        payload = stash.get(token, current_user.id)
        if payload is None or payload["form"] != definition.key:
            abort(404)
        return Response(rejected_csv(payload["headings"], payload["rejected"]),
                        content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": attachment(f"{definition.title}_未导入的行.csv")})

    # --- export, made safe -------------------------------------------------------------------------------
    def _export_rows(self) -> tuple[list[str], Any]:
        _, data = self._export_data()
        columns = self._export_columns
        return [str(label) for _, label in columns], \
            ([self.get_export_value(row, name) for name, _ in columns] for row in data)

    def _export_filename(self, extension: str) -> str:
        return f"{self.name}_{dt.datetime.now(LOCAL_TZ):%Y%m%d_%H%M}.{extension}"

    def _export_csv(self, return_url: Any):
        headers, rows = self._export_rows()
        return Response(stream_with_context(csv_chunks(headers, rows)), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": attachment(self._export_filename("csv"))})

    def _export_tablib(self, export_type: str, return_url: str):
        if export_type != "xlsx":
            return super()._export_tablib(export_type, return_url)
        headers, rows = self._export_rows()
        return Response(xlsx_bytes(str(self.name), headers, rows), mimetype=XLSX_MIME,
                        headers={"Content-Disposition": attachment(self._export_filename("xlsx"))})
