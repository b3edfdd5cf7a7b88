"""Time from an approval click in the admin to the campaign's Prefect run running again.

Run against a live `make run` (web :5000, Prefect :4200, runner):

    .venv/bin/python bench/approval_latency.py --campaigns 4      # 4 campaigns × 5 gates = 20 samples

It creates throwaway campaigns (名称 "bench-…") in the same database (and deletes them with their
records at the end, even after a failure, so they do not take over the gates page), starts each through the
admin (POST /admin/gates/start as hq), and at every gate posts an HQ override through the
admin, timing until Prefect reports the run RUNNING again (or COMPLETED after the last gate).
The baseline, measured in the same run, is a bare GET of the admin home page: the ratio says
how much of the wait is Prefect's (runner poll + flow restart), not the web request.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import time
import uuid
from pathlib import Path
import sys

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

BASE = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")


def csrf(client: httpx.Client, path: str) -> str:
    html = client.get(BASE + path).text
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def run_state(run_id: str) -> tuple[str, str | None]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as prefect:
        run = prefect.read_flow_run(uuid.UUID(run_id))
    return run.state.type.value, run.state.state_details.pause_key


def wait_for(run_id: str, wanted: set[str], timeout: float = 120.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if run_state(run_id)[0] in wanted:
            return time.perf_counter() - start
        time.sleep(0.1)
    raise TimeoutError(f"run {run_id} not in {wanted} after {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--campaigns", type=int, default=4)
    parser.add_argument("--user", default="hq")
    parser.add_argument("--password", default="campaign-demo")
    args = parser.parse_args()

    from app import create_app

    app = create_app()
    client = httpx.Client(follow_redirects=False, timeout=30)
    token = csrf(client, "/login")
    response = client.post(BASE + "/login", data={"username": args.user, "password": args.password,
                                                  "csrf_token": token})
    assert response.status_code == 302, "login failed"

    baseline = []
    for _ in range(20):
        t0 = time.perf_counter()
        client.get(BASE + "/admin/")
        baseline.append(time.perf_counter() - t0)

    samples: list[float] = []
    made: list[int] = []
    try:
        measure(app, client, args.campaigns, samples, made)
    finally:
        cleanup(app, made)

    base = statistics.median(baseline)
    median = statistics.median(samples)
    print(f"\napproval → run resumed: median {median:.2f} s over {len(samples)} "
          f"(min {min(samples):.2f}, max {max(samples):.2f})")
    print(f"baseline admin page GET: median {base * 1000:.1f} ms; ratio {median / base:.0f}×")


def cleanup(app, campaign_ids: list[int]) -> None:
    """Delete the bench campaigns and every row that belongs to them (the audit log stays)."""
    from models import Campaign, db
    from models.base import Base

    if not campaign_ids:
        return
    with app.app_context():
        for table in reversed(Base.metadata.sorted_tables):
            if "campaign_id" in table.c:
                db.session.execute(table.delete().where(table.c.campaign_id.in_(campaign_ids)))
        db.session.execute(Campaign.__table__.delete().where(Campaign.id.in_(campaign_ids)))
        db.session.commit()
    print(f"removed {len(campaign_ids)} bench campaigns")


def measure(app, client, campaigns: int, samples: list[float], made: list[int]) -> None:
    from models import Campaign, Dealer, Participation, db

    for n in range(campaigns):
        with app.app_context():
            campaign = Campaign(name=f"bench-{uuid.uuid4().hex[:8]}", type="free_inspection",
                                starts_on=dt.date(2014, 1, 15), ends_on=dt.date(2014, 2, 17))
            db.session.add(campaign)
            db.session.flush()
            for dealer in db.session.query(Dealer).all():
                db.session.add(Participation(campaign_id=campaign.id, dealer_id=dealer.id))
            db.session.commit()
            campaign_id = campaign.id
            made.append(campaign_id)
        client.post(BASE + "/admin/gates/start", data={"campaign_id": campaign_id,
                                                       "csrf_token": csrf(client, "/admin/gates/")})
        for _gate in range(5):
            with app.app_context():
                campaign = db.session.get(Campaign, campaign_id)
                run_id, phase, version = campaign.flow_run_id, campaign.phase, campaign.version_id
            wait_for(run_id, {"PAUSED"})
            token = csrf(client, f"/admin/gates/?campaign={campaign_id}")
            t0 = time.perf_counter()
            response = client.post(BASE + "/admin/gates/decide", data={
                "campaign_id": campaign_id, "phase": phase, "decision": "overridden",
                "note": "bench: 总部测试强制通过", "version": version, "csrf_token": token})
            assert response.status_code == 302, response.text[:500]
            wait_for(run_id, {"RUNNING", "COMPLETED"})
            samples.append(time.perf_counter() - t0)
            print(f"campaign {n + 1} gate {phase}: {samples[-1]:.2f} s", flush=True)


if __name__ == "__main__":
    main()
