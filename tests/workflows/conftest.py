"""The real Prefect server (one session-scoped harness) and a runner thread, shared by every test
that takes `prefect_runner` (they all run on one xdist worker: tests/conftest.py)."""
from __future__ import annotations

import asyncio
import contextvars
import os
import threading
import time

import pytest


@pytest.fixture(scope="session")
def prefect_runner(app):
    from prefect.testing.utilities import prefect_test_harness

    previous = os.environ.get("CAMPAIGN_DESK_ENV")
    os.environ["CAMPAIGN_DESK_ENV"] = "test"  # the runner's flow processes build the app from the env
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no telemetry from a sandbox
    with prefect_test_harness(server_startup_timeout=180):  # 60 s is not enough on a loaded 2-core machine
        runner = RunnerThread()
        yield runner
        runner.stop()
    if previous is None:
        os.environ.pop("CAMPAIGN_DESK_ENV", None)
    else:
        os.environ["CAMPAIGN_DESK_ENV"] = previous


class RunnerThread:
    """`serve` of the lifecycle, import and packet deployments in a background thread, stoppable mid-campaign."""

    def __init__(self) -> None:
        self.runner = self.thread = self.loop = None

    def start(self) -> None:
        from prefect.runner import Runner

        from workflows.imports import FLOW_NAME as IMPORT_FLOW
        from workflows.imports import import_file
        from workflows.lifecycle import FLOW_NAME, campaign_lifecycle
        from workflows.packet import FLOW_NAME as PACKET_FLOW
        from workflows.packet import campaign_packet

        if self.thread is not None:
            return
        self.runner = Runner(query_seconds=1)
        self.runner.add_flow(campaign_lifecycle, name=FLOW_NAME)
        self.runner.add_flow(import_file, name=IMPORT_FLOW)
        self.runner.add_flow(campaign_packet, name=PACKET_FLOW)
        self.loop = asyncio.new_event_loop()
        ctx = contextvars.copy_context()  # carries the harness's temporary Prefect settings
        self.thread = threading.Thread(target=ctx.run, daemon=True,
                                       args=(self.loop.run_until_complete, self.runner.start()))
        self.thread.start()

    def stop(self) -> None:
        if self.thread is None:
            return
        # A graceful stop cancels runs whose process is still alive — even one that has just
        # suspended and is exiting — so wait for the processes to end (a kill -9 would not cancel).
        deadline = time.monotonic() + 30
        while self.runner._process_manager.flow_run_ids() and time.monotonic() < deadline:
            time.sleep(0.2)
        asyncio.run_coroutine_threadsafe(self.runner.astop(), self.loop).result(30)
        self.thread.join(30)
        self.loop.close()
        self.thread = None
