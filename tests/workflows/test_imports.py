"""A large import through the real Prefect server and runner: the upload hands the file to the
import-file flow, the page the browser polls shows progress, then the preview; the confirmation
is written by the flow too."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from models import CustomerInvitation, ImportJob, db
from tests.factories import move_to_phase
from tests.forms.conftest import INVITATION_HEADINGS, csv_file, invitation_rows, upload


def _until_page_says(client, url: str, text: str, timeout: float = 240.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        html = client.get(url).get_data(as_text=True)
        if text in html:
            return html
        assert "后台导入已中断" not in html and "未写入任何数据" not in html, html[:2000]
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not on {url} after {timeout} s: {html[:2000]}")


def test_it_checks_and_writes_a_large_file_in_the_background(app, personas, client_for, prefect_runner):
    from prefect.settings import PREFECT_API_URL

    from workflows.client import flow_engine_status

    move_to_phase(personas.campaign, "preparation")  # the invitation list's window (models/windows.py)
    db.session.commit()
    prefect_runner.start()
    deadline = time.monotonic() + 300  # a loaded machine: the upload must find the runner up, or it
    while not flow_engine_status(PREFECT_API_URL.value()).ok and time.monotonic() < deadline:  # runs inline
        time.sleep(0.5)
    assert flow_engine_status(PREFECT_API_URL.value()).ok
    previous = app.config["PREFECT_API_URL"], app.config["IMPORT_BACKGROUND_BYTES"]
    app.config.update(PREFECT_API_URL=PREFECT_API_URL.value(), IMPORT_BACKGROUND_BYTES=1)
    try:
        client = client_for(personas.coord_a)
        sent = upload(client, "customer_invitation", csv_file(INVITATION_HEADINGS, invitation_rows(300)),
                      "名单.csv", campaign_id=personas.campaign.id)
        assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
        page = sent.headers["Location"]
        assert "/admin/customer_invitation/import/job?token=" in page
        first = client.get(page).get_data(as_text=True)
        assert 'http-equiv="refresh"' in first or "有效 <strong>300</strong> 行" in first
        _until_page_says(client, page, "有效 <strong>300</strong> 行")
        job = db.session.scalar(select(ImportJob))
        assert job.background and job.upload is None
        done = client.post("/admin/customer_invitation/import/confirm", {"token": job.token, "mode": "all"},
                           csrf_from=page)
        assert done.status_code == 302 and done.headers["Location"] == page
        _until_page_says(client, page, "已导入 <strong>300</strong> 行")
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(CustomerInvitation)) == 300
    finally:
        app.config.update(PREFECT_API_URL=previous[0], IMPORT_BACKGROUND_BYTES=previous[1])
