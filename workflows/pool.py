"""Scale-out mode (`make run-scaled`, README "More than one machine"): every deployment goes to a
work pool, where any number of `prefect worker start --pool campaign-desk` processes, on any
number of machines, take the runs — instead of the single serve() runner of workflows/serve.py.

    python -m workflows.pool          # create the pool and (re)apply the deployments, then exit
    python -m workflows.pool --wait   # only wait for the Prefect API (before a worker starts)

The reconciler becomes a scheduled deployment (every minute, at most one run at a time): the
Prefect server makes one run per minute for the whole pool, so it runs once, not once per worker.
Flows are found by module path: a worker's flow-run processes import them from the checkout on
its PYTHONPATH, wherever the worker runs.

A machine that dies (or a worker killed with its flow-run processes) leaves the run it was
executing in Running (or Pending): nothing will ever report its end. Flow runs send a heartbeat
every PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds; the automation made here marks a run that has
gone silent for CAMPAIGN_DESK_ZOMBIE_AFTER_S (default three heartbeats) Crashed and runs the
reconciler at once, which restarts a crashed campaign run on any live worker (approvals are in
the database).
"""
from __future__ import annotations

import os
from datetime import timedelta

from .serve import deployments, wait_for_api

RECONCILER = "reconcile-campaign-runs"

POOL = os.environ.get("CAMPAIGN_DESK_WORK_POOL", "campaign-desk")
ZOMBIE_AUTOMATION = "campaign-desk: crash silent flow runs"
# every state in which a run stops its heartbeats without having died: ended, waiting at a gate
# (Suspended), handed back by a worker stopped with TERM (Scheduled), waiting for a slot
QUIET_STATES = ("Completed", "Failed", "Cancelled", "Crashed", "Cancelling", "Paused", "Suspended",
                "Scheduled", "Late", "AwaitingRetry", "AwaitingConcurrencySlot", "Resuming")


def ensure_pool(pool: str = POOL) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        except ObjectAlreadyExists:
            pass


def zombie_after() -> timedelta:
    from prefect.settings import get_current_settings

    beat = max(get_current_settings().flows.heartbeat_frequency or 180, 30)  # Prefect's floor is 30 s
    return timedelta(seconds=float(os.environ.get("CAMPAIGN_DESK_ZOMBIE_AFTER_S") or 3 * beat))


def ensure_zombie_automation(reconciler_id) -> None:
    """(Re)create the automation: no heartbeat nor quiet state for zombie_after() → Crashed, then
    one reconciler run (which restarts the campaign's run; prefect docs: detect-zombie-flows)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState, RunDeployment
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    automation = AutomationCore(
        name=ZOMBIE_AUTOMATION,
        description="A flow run whose process died (machine or worker gone) is marked Crashed; "
                    "the reconciler then restarts its campaign on a live worker.",
        trigger=EventTrigger(
            # the clock starts when a worker takes the run (Pending, a worker dying before its process
            # starts) and restarts with Running and each heartbeat — Running is the server's own event,
            # so a process killed before its first heartbeat left is caught too
            after={"prefect.flow-run.Pending", "prefect.flow-run.Running", "prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.Running", "prefect.flow-run.heartbeat",
                    *(f"prefect.flow-run.{s}" for s in QUIET_STATES)},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"}, posture=Posture.Proactive, threshold=1,
            within=zombie_after()),
        actions=[ChangeFlowRunState(state=StateType.CRASHED,
                                    message=f"没有心跳超过 {zombie_after().total_seconds():.0f} 秒：执行它的进程已不在"),
                 RunDeployment(source="selected", deployment_id=reconciler_id, parameters={})])
    with get_client(sync_client=True) as client:
        for old in client.read_automations_by_name(ZOMBIE_AUTOMATION):
            client.delete_automation(old.id)
        client.create_automation(automation)


def main() -> None:
    import sys

    wait_for_api()
    if "--wait" in sys.argv[1:]:
        return
    ensure_pool()
    ids = {}
    for deployment in deployments(pool=POOL):
        ids[deployment.name] = deployment.apply()
        print(f"{deployment.flow_name}/{deployment.name} → work pool {POOL}", flush=True)
    ensure_zombie_automation(ids[RECONCILER])
    print(f"automation: a flow run silent for {zombie_after().total_seconds():.0f} s → Crashed, then reconcile",
          flush=True)


if __name__ == "__main__":
    main()
