"""A large import as a background job (forms/import_jobs.py): the steps the import-file flow runs,
called here without Prefect, and the page the browser polls."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from forms.import_jobs import check_job, write_job
from forms.importer import Stash
from models import AuditLog, Customer, CustomerInvitation, ImportJob, Vehicle, db

from .conftest import INVITATION_HEADINGS, confirm, csv_file, invitation_rows, mobile, plate, vin

SCREEN = "customer_invitation"


def _job(personas, data: bytes, form: str = SCREEN, state: str = "queued") -> ImportJob:
    job = ImportJob(token=Stash.new_token(), form=form, user_id=personas.coord_a.id,
                    dealer_id=personas.dealer_a.id, campaign_id=personas.campaign.id, filename="名单.csv",
                    upload=data, state=state, background=True)
    db.session.add(job)
    db.session.commit()
    return job


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_it_checks_a_job_reporting_progress_then_writes_it_in_one_go(personas, monkeypatch):
    import forms.import_jobs
    import forms.importer

    monkeypatch.setattr(forms.importer, "PROGRESS_EVERY", 2)
    rows = invitation_rows(5) + [["坏行", "12345", plate(9), vin(9), "朗逸", 1]]
    job = _job(personas, csv_file(INVITATION_HEADINGS, rows))
    seen = []
    real = forms.import_jobs._reporter

    def spy(session, job_id):
        report = real(session, job_id)
        return lambda done, total: (seen.append((done, total)), report(done, total))
    monkeypatch.setattr(forms.import_jobs, "_reporter", spy)

    assert check_job(db.session, job.id, max_rows=100) == "ready"
    assert (2, 0) in seen and (4, 6) in seen  # reading, then checking
    db.session.refresh(job)
    assert (job.done, job.total, job.upload) == (6, 6, None)
    payload = Stash(db.session).claim(job.token, personas.coord_a.id)
    assert len(payload["valid"]) == 5 and payload["rejected"][0][0] == 7
    db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values(only_valid=True))
    db.session.commit()
    assert write_job(db.session, job.id) == "done"
    assert _count(CustomerInvitation) == 5 and _count(AuditLog) == 1
    db.session.refresh(job)
    assert job.done == 5 and "valid" not in Stash.payload(job)  # only the refused rows stay
    assert write_job(db.session, job.id) == "done" and _count(CustomerInvitation) == 5  # delivered twice


def test_it_fails_a_job_whose_file_is_refused_with_the_reason(personas):
    job = _job(personas, b"")
    assert check_job(db.session, job.id, max_rows=100) == "failed"
    db.session.refresh(job)
    assert "上传的文件是空的" in job.message and job.upload is None


def test_it_writes_nothing_when_the_data_changed_since_the_preview(personas):
    job = _job(personas, csv_file(INVITATION_HEADINGS, invitation_rows(3)))
    check_job(db.session, job.id, max_rows=100)
    db.session.add(CustomerInvitation(dealer_id=personas.dealer_a.id, campaign_id=personas.campaign.id,
                                      name="先到", mobile=mobile(2), plate=plate(2), token="t" * 24))
    db.session.commit()
    assert Stash(db.session).claim(job.token, personas.coord_a.id) is not None
    assert write_job(db.session, job.id) == "ready"
    db.session.refresh(job)
    assert "未写入任何数据" in job.message
    assert _count(CustomerInvitation) == 1
    assert [n for n, _, _ in Stash.payload(job)["rejected"]] == [3]  # the preview as re-checked


def test_it_writes_a_customer_list_with_vehicles_through_a_job(personas):
    rows = [[f"顾客{n}", mobile(n), plate(n), vin(n), "朗逸"] for n in range(1, 4)]
    job = _job(personas, csv_file(["顾客姓名", "手机", "车牌号", "VIN 车架号", "车型"], rows), form="customer")
    assert check_job(db.session, job.id, max_rows=100) == "ready"
    Stash(db.session).claim(job.token, personas.coord_a.id)
    assert write_job(db.session, job.id) == "done"
    assert _count(Customer) == 3 and _count(Vehicle) == 3
    ids = db.session.execute(select(Vehicle.plate, Customer.name).join(Customer)).all()
    assert sorted(ids) == sorted((plate(n), f"顾客{n}") for n in range(1, 4))


def test_it_writes_what_an_insert_would_and_leaves_the_ids_to_the_sequence(personas):
    """On PostgreSQL the rows go in by COPY with ids from the sequence: the columns' defaults and
    types must come out as an ORM insert gives them, and a later insert must not collide."""
    before = dt.datetime.now(dt.UTC)
    rows = [[f"顾客{n}", mobile(n), plate(n), vin(n), "朗逸"] for n in range(1, 3)]
    job = _job(personas, csv_file(["顾客姓名", "手机", "车牌号", "VIN 车架号", "车型"], rows), form="customer")
    assert check_job(db.session, job.id, max_rows=100) == "ready"
    Stash(db.session).claim(job.token, personas.coord_a.id)
    assert write_job(db.session, job.id) == "done"
    db.session.expire_all()
    after = dt.datetime.now(dt.UTC)
    for record in [*db.session.scalars(select(Customer)), *db.session.scalars(select(Vehicle))]:
        assert record.dealer_id == personas.dealer_a.id and record.version_id == 1
        assert before <= record.created_at <= after and before <= record.updated_at <= after
    assert {v.customer.name for v in db.session.scalars(select(Vehicle))} == {"顾客1", "顾客2"}
    later = Customer(dealer_id=personas.dealer_a.id, name="顾客3", mobile=mobile(3))
    db.session.add(later)
    db.session.commit()  # the id is the sequence's next one, not one the import took
    assert later.id > max(db.session.scalars(select(Vehicle.customer_id)))

    invitations = _job(personas, csv_file(INVITATION_HEADINGS, invitation_rows(3)))
    assert check_job(db.session, invitations.id, max_rows=100) == "ready"
    Stash(db.session).claim(invitations.token, personas.coord_a.id)
    assert write_job(db.session, invitations.id) == "done"
    stored = db.session.scalars(select(CustomerInvitation)).all()
    assert {(i.source, i.contact_status) for i in stored} == {("dms", "not_contacted")}
    assert len({i.token for i in stored}) == 3


def test_it_shows_progress_then_the_preview_then_the_result_to_the_uploader_only(personas, client_for):
    job = _job(personas, csv_file(INVITATION_HEADINGS, invitation_rows(3)))
    url = f"/admin/{SCREEN}/import/job?token={job.token}"
    client = client_for(personas.coord_a)
    page = client.get(url)
    assert page.status_code == 200 and '<meta http-equiv="refresh" content="1">' in page.get_data(as_text=True)
    assert "排队中" in page.get_data(as_text=True)
    for other in (personas.coord_b, personas.hq):
        assert client_for(other).get(url).status_code == 404
    check_job(db.session, job.id, max_rows=100)
    preview = client.get(url).get_data(as_text=True)
    assert "有效 <strong>3</strong> 行" in preview
    done = confirm(client, SCREEN, job.token)  # Prefect is away in tests: written in the request
    assert "已导入 <strong>3</strong> 行" in done.get_data(as_text=True)
    assert "已导入 <strong>3</strong> 行" in client.get(url).get_data(as_text=True)


def test_it_says_when_a_background_job_lost_its_worker(personas, client_for):
    job = _job(personas, b"x", state="checking")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values(updated_at=old))
    db.session.commit()
    html = client_for(personas.coord_a).get(f"/admin/{SCREEN}/import/job?token={job.token}").get_data(as_text=True)
    assert "后台导入已中断" in html and "未写入任何数据" in html and 'http-equiv="refresh"' not in html
