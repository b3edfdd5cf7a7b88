"""Scale-out mode (`make run-scaled`, README "More than one machine"): every deployment goes to a
work pool, where any number of `prefect worker start --pool campaign-desk` processes, on any
number of machines, take the runs — instead of the single serve() runner of workflows/serve.py.

    python -m workflows.pool          # create the pool and (re)apply the deployments, then exit
    python -m workflows.pool --wait   # only wait for the Prefect API (before a worker starts)

The reconciler becomes a scheduled deployment (every minute, at most one run at a time): the
Prefect server makes one run per minute for the whole pool, so it runs once, not once per worker.
Flows are found by module path: a worker's flow-run processes import them from the checkout on
its PYTHONPATH, wherever the worker runs.
"""
from __future__ import annotations

import os

from .serve import deployments, wait_for_api

POOL = os.environ.get("CAMPAIGN_DESK_WORK_POOL", "campaign-desk")


def ensure_pool(pool: str = POOL) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        except ObjectAlreadyExists:
            pass


def main() -> None:
    import sys

    wait_for_api()
    if "--wait" in sys.argv[1:]:
        return
    ensure_pool()
    for deployment in deployments(pool=POOL):
        deployment.apply()
        print(f"{deployment.flow_name}/{deployment.name} → work pool {POOL}", flush=True)


if __name__ == "__main__":
    main()
