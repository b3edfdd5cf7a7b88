"""Flow runner process (`python -m workflows.serve`, Procfile): serves every deployment.

Schedules are in Asia/Shanghai because the seed's deadlines are local wall-clock times
(周一17:00前); `serve(cron=...)` alone would mean UTC.
"""
from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron, Interval

from .jobs import callback_due_list, complaint_escalation, kpi_refresh, reconcile, weekly_summary_check
from .lifecycle import FLOW_NAME, campaign_lifecycle

TZ = "Asia/Shanghai"


def deployments() -> list:
    return [
        campaign_lifecycle.to_deployment(name=FLOW_NAME),
        weekly_summary_check.to_deployment(name="weekly-summary-check",
                                           schedules=[Cron("0 17 * * 1", timezone=TZ)]),
        callback_due_list.to_deployment(name="callback-due-list", schedules=[Cron("0 8 * * *", timezone=TZ)]),
        complaint_escalation.to_deployment(name="complaint-escalation",
                                           schedules=[Cron("15 * * * *", timezone=TZ)]),
        kpi_refresh.to_deployment(name="kpi-refresh", schedules=[Cron("30 2 * * *", timezone=TZ)]),
        reconcile.to_deployment(name="reconcile-campaign-runs", schedules=[Interval(180)]),
    ]


def wait_for_api(timeout_s: float = 120.0) -> None:
    """The Procfile starts the server and the runner together; serve() dies if the API is not up yet."""
    import os
    import time

    import httpx

    url = os.environ.get("PREFECT_API_URL", "http://127.0.0.1:4200/api").rstrip("/") + "/health"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"Prefect API at {url} did not answer within {timeout_s:.0f} s")
        time.sleep(1.0)


def main() -> None:
    wait_for_api()
    serve(*deployments())


if __name__ == "__main__":
    main()
