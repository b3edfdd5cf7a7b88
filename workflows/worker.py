"""A Prefect process worker with a per-machine limit (scale-out mode, workflows/pool.py):

    python -m workflows.worker --pool campaign-desk --name host-1 --limit 4

is `prefect worker start --pool … --type process --limit 4` with one fix. With a limit, Prefect
3.8's worker takes one slot per flow run id and frees it when the run's process has exited; a
campaign run that suspends at a gate and is resumed before its process has exited comes back
under the same id, and the worker dies ("this borrower is already holding one of this
CapacityLimiter's tokens"). This worker leaves such a run for its next poll instead. It also
refuses to start without a PACKET_DIR to share with the web machines (packet_folder_problem).
"""
from __future__ import annotations

import argparse
import asyncio
import os


def packet_folder_problem(environ) -> str | None:
    """Why this worker must not start, or None. The campaign packet is built by a flow run here
    (workflows/packet.py) and downloaded from a web process elsewhere: both read PACKET_DIR, which
    must therefore be named — one volume shared by the web and worker machines — and writable."""
    folder = environ.get("PACKET_DIR")
    if not folder:
        return ("PACKET_DIR is not set: in the scale-out mode it must name the folder shared by the web "
                "and worker machines (README, 'More than one machine')")
    try:
        os.makedirs(folder, exist_ok=True)
        probe = os.path.join(folder, f".probe-{os.getpid()}")
        with open(probe, "w") as out:
            out.write("ok")
        os.remove(probe)
    except OSError as exc:
        return f"PACKET_DIR {folder} is not writable here: {exc}"
    return None


def worker_class() -> type:
    """Made on demand: defining it registers it as Prefect's "process" worker type in this process
    (with a warning we silence), which only the worker process itself wants."""
    import warnings

    from prefect.workers.process import ProcessWorker

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)

        class Worker(ProcessWorker):
            async def _submit_scheduled_flow_runs(self, flow_run_response):
                if self._limiter is not None:
                    holding = set(self._limiter.statistics().borrowers)
                    flow_run_response = [r for r in flow_run_response if r.flow_run.id not in holding]
                return await super()._submit_scheduled_flow_runs(flow_run_response)

    return Worker


def main() -> None:
    from prefect.settings import PREFECT_WORKER_HEARTBEAT_SECONDS
    from prefect.utilities.processutils import setup_signal_handlers_worker

    from .pool import POOL

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", default=POOL)
    parser.add_argument("--name", default=None)
    parser.add_argument("--limit", type=int, default=int(os.environ.get("CAMPAIGN_DESK_WORKER_LIMIT") or 0),
                        help="flow runs at once on this worker; 0: no limit (CAMPAIGN_DESK_WORKER_LIMIT)")
    args = parser.parse_args()
    if problem := packet_folder_problem(os.environ):
        raise SystemExit(problem)
    setup_signal_handlers_worker(os.getpid(), "the campaign-desk worker", print)
    worker = worker_class()(work_pool_name=args.pool, name=args.name, limit=args.limit or None,
                    heartbeat_interval_seconds=int(PREFECT_WORKER_HEARTBEAT_SECONDS.value()))
    try:
        asyncio.run(worker.start())
    except (asyncio.CancelledError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
