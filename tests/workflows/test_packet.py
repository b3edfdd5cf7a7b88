"""The campaign packet as a flow run: started from the admin, built by the runner, its progress in
the Prefect UI and on the admin page (real Prefect server and runner, real wkhtmltopdf)."""
from __future__ import annotations

import io
import time

import httpx
from pypdf import PdfReader

from admin import _STATUS
from models import db


def test_it_builds_the_campaign_packet_in_a_flow_run_started_from_the_admin(
        personas, client_for, prefect_runner, tmp_path, monkeypatch, app):
    from prefect.settings import PREFECT_API_URL

    from workflows.client import flow_engine_status
    from workflows.packet import progress_key

    folder = tmp_path / "packets"
    monkeypatch.setenv("PACKET_DIR", str(folder))  # the runner's flow process builds its own app
    monkeypatch.setitem(app.config, "PACKET_DIR", str(folder))
    monkeypatch.setitem(app.config, "PREFECT_API_URL", PREFECT_API_URL.value())
    campaign = personas.campaign
    campaign.packet_sections, campaign.packet_work_order_copies = "duties,work_order", 1  # a short packet
    db.session.commit()
    prefect_runner.start()
    deadline = time.monotonic() + 120
    while not flow_engine_status(PREFECT_API_URL.value()).ok:  # the runner's first poll
        assert time.monotonic() < deadline, "the runner never polled"
        time.sleep(0.5)
    _STATUS.clear()
    hq, page = client_for(personas.hq), f"/admin/packet/campaign/?campaign={campaign.id}"
    hq.post("/admin/packet/campaign/", {"campaign": str(campaign.id)}, csrf_from=page)
    html = hq.get(page).get_data(as_text=True)
    assert "正在生成" in html and "/runs/flow-run/" in html  # a link to the run in the Prefect UI
    deadline = time.monotonic() + 240
    while "下载全活动资料包" not in html:
        assert time.monotonic() < deadline and "alert-danger" not in html, html
        time.sleep(1)
        html = hq.get(page).get_data(as_text=True)
    api = PREFECT_API_URL.value()
    progress = httpx.get(f"{api}/artifacts/{progress_key(campaign.id)}/latest").json()
    assert (progress["type"], progress["data"]) == ("progress", 100.0)
    run = httpx.get(f"{api}/flow_runs/{progress['flow_run_id']}").json()
    while run["state_type"] == "RUNNING" and time.monotonic() < deadline:  # its link task comes after the file
        time.sleep(1)
        run = httpx.get(f"{api}/flow_runs/{run['id']}").json()
    assert run["state_type"] == "COMPLETED" and run["name"] == f"{campaign.name} 资料包"
    assert f"/runs/flow-run/{run['id']}" in html
    pdf = hq.get(f"/admin/packet/campaign.pdf?campaign={campaign.id}").get_data()
    assert [m.title for m in PdfReader(io.BytesIO(pdf)).outline if not isinstance(m, list)] == \
        ["北京甲特约店", "北京乙特约店", "广州丙特约店"]
