"""Flow runner process (`python -m workflows.serve`, deploy/): serves every deployment and
reconciles Prefect with the database at start and then every minute.

Schedules are in Asia/Shanghai because the seed's deadlines are local wall-clock times
(周一17:00前); `serve(cron=...)` alone would mean UTC.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from prefect.schedules import Cron

from .imports import FLOW_NAME as IMPORT_FLOW
from .imports import import_file
from .jobs import callback_due_list, complaint_escalation, kpi_refresh, reconcile, weekly_summary_check
from .lifecycle import FLOW_NAME, campaign_lifecycle
from .packet import FLOW_NAME as PACKET_FLOW
from .packet import campaign_packet

TZ = "Asia/Shanghai"


def deployments(pool: str | None = None) -> list:
    """Every deployment, for serve() below; bound to a work pool when `pool` is given (scale-out,
    workflows/pool.py): found by module path there, and the reconciler scheduled by Prefect."""
    bind: dict = {}
    reconciler: dict = {}
    if pool is not None:
        from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
        from prefect.types.entrypoint import EntrypointType

        bind = {"work_pool_name": pool, "entrypoint_type": EntrypointType.MODULE_PATH}
        # one run a minute for the whole pool, never two at once: it runs once, not once per worker
        reconciler = {"schedules": [Cron(RECONCILE_CRON, timezone="UTC")],
                      "concurrency_limit": ConcurrencyLimitConfig(
                          limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)}
    return [
        campaign_lifecycle.to_deployment(name=FLOW_NAME, **bind),
        import_file.to_deployment(name=IMPORT_FLOW, **bind),
        campaign_packet.to_deployment(name=PACKET_FLOW, **bind),  # started from the admin, no schedule
        weekly_summary_check.to_deployment(name="weekly-summary-check",
                                           schedules=[Cron("0 17 * * 1", timezone=TZ)], **bind),
        callback_due_list.to_deployment(name="callback-due-list", schedules=[Cron("0 8 * * *", timezone=TZ)],
                                        **bind),
        complaint_escalation.to_deployment(name="complaint-escalation",
                                           schedules=[Cron("15 * * * *", timezone=TZ)], **bind),
        kpi_refresh.to_deployment(name="kpi-refresh", schedules=[Cron("30 2 * * *", timezone=TZ)], **bind),
        # serve(): no schedule, the Ticker below runs it (a Prefect Interval is re-anchored by serve()
        # on every start, so frequent restarts would never reconcile); kept for a manual run in the UI
        reconcile.to_deployment(name="reconcile-campaign-runs", **bind, **reconciler),
    ]


RECONCILE_CRON = "* * * * *"
RECONCILE_EVERY_S = 60
log = logging.getLogger(__name__)


class Ticker:
    """Calls `job` at once, then at every multiple of `seconds` on the wall clock (anchored: a
    restart or a slow job does not shift the schedule; a tick missed while the job ran is skipped).
    `now` and `wait` are injectable so the schedule is testable without waiting."""

    def __init__(self, seconds: float, job: Callable[[], object], now: Callable[[], float] = time.time,
                 wait: Callable[[float], bool] | None = None) -> None:
        self.seconds, self.job, self.now = seconds, job, now
        self.stopped = threading.Event()
        self.wait = wait or self.stopped.wait

    def next_tick(self, t: float) -> float:
        return (t // self.seconds + 1) * self.seconds

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.job()
            except Exception:  # Prefect or the database away: the next tick tries again
                log.exception("reconcile failed; retrying at the next tick")
            if self.wait(max(0.0, self.next_tick(self.now()) - self.now())):
                return

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="reconcile-ticker", daemon=True)
        thread.start()
        return thread


def wait_for_api(timeout_s: float = 120.0) -> None:
    """The server and the runner start together; serve() dies if the API is not up yet."""
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
    """Serve every deployment until SIGTERM (supervisord, systemd) or Ctrl-C.

    Not prefect.serve(): its SIGTERM handler (Prefect 3.8) calls the async stop() from inside the
    running loop and hangs until the supervisor's KILL, and pause_on_shutdown would stop the weekly
    and daily schedules whenever the runner restarts. Flow runs still in progress get the TERM too
    (same process group) and go back to Scheduled, so the next runner picks them up.
    """
    import asyncio
    import os

    from prefect.runner import Runner

    class _Runner(Runner):
        def handle_sigterm(self, *args) -> None:
            self._logger.info("SIGTERM received, stopping the runner")
            self.stopping = True
            group = getattr(self, "_loops_task_group", None)
            if group is None:  # TERM before start() made its task group: nothing is running yet
                raise SystemExit(0)
            loop.call_soon_threadsafe(group.cancel_scope.cancel)

    os.environ.setdefault("PREFECT_FLOW_RUN_EXECUTE_SIGTERM_BEHAVIOR", "reschedule")
    wait_for_api()
    runner = _Runner(pause_on_shutdown=False)
    for deployment in deployments():
        runner.add_deployment(deployment)
    Ticker(RECONCILE_EVERY_S, reconcile).start()
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(runner.start())
    except KeyboardInterrupt:
        pass
    finally:
        loop.close()


if __name__ == "__main__":
    main()
