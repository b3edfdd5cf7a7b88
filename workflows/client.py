"""What the web process asks of Prefect: start a campaign's run, resume it after a gate decision.

The database is written first and committed by the caller; these calls may then fail
(server down, run not suspended yet) without losing anything — the reconciler and
the flow's own re-reading of the database catch up. So every function here returns
a result instead of raising on Prefect trouble.
"""
from __future__ import annotations

import logging
from uuid import UUID

import httpx
from prefect.exceptions import NotPausedError, ObjectNotFound, PrefectHTTPStatusError

from .lifecycle import DEPLOYMENT

# Calls below pass _sync=True: Prefect picks its async variant whenever an event loop runs in
# the calling thread (an async server worker, a browser driver), and the web code is synchronous.

log = logging.getLogger(__name__)
PREFECT_TROUBLE = (httpx.HTTPError, OSError, ObjectNotFound, PrefectHTTPStatusError, RuntimeError)


def start_campaign(campaign, replacing: str | None = None) -> str | None:
    """Create (once — idempotency key) the campaign's run; returns its id or None if Prefect is down.

    `replacing` names a dead run the reconciler replaces; the key makes that restart happen once.
    as_subflow=False: called from the reconcile flow, the run would otherwise become its subflow,
    and a subflow cannot suspend at a gate ("Cannot suspend subflows").
    """
    from prefect.deployments import run_deployment

    # created_at in the key: ids restart after a database reset while Prefect keeps its runs
    key = f"campaign-{campaign.id}-{campaign.created_at:%Y%m%d%H%M%S%f}" + \
        (f"-after-{replacing}" if replacing else "")
    try:
        run = run_deployment(DEPLOYMENT, parameters={"campaign_id": campaign.id},
                             flow_run_name=campaign.name, tags=[f"campaign-{campaign.id}"],
                             idempotency_key=key, timeout=0, as_subflow=False, _sync=True)
    except PREFECT_TROUBLE as exc:
        log.warning("cannot start the run of campaign %s: %s", campaign.id, exc)
        return None
    return str(run.id)


def approval_input(approval) -> dict:
    return {"phase": approval.phase, "decision": approval.decision,
            "decided_by": getattr(approval.decided_by, "username", str(approval.decided_by_id)),
            "decided_at": approval.decided_at.isoformat(), "note": approval.note or ""}


def resume(flow_run_id: str | None, approval) -> bool:
    """True when Prefect accepted the resume; False leaves the work to the reconciler."""
    from prefect.flow_runs import resume_flow_run

    if not flow_run_id:
        return False
    try:
        resume_flow_run(UUID(flow_run_id), run_input=approval_input(approval), _sync=True)
    except NotPausedError:
        # Not waiting (still working, or already resumed): the run re-reads the database at the gate.
        return False
    except PREFECT_TROUBLE as exc:
        log.warning("cannot resume run %s: %s", flow_run_id, exc)
        return False
    return True


def run_state(flow_run_id: str | None) -> tuple[str, str | None] | None:
    """(state type, pause key) of a run, or None when Prefect cannot say."""
    from prefect.client.orchestration import get_client

    if not flow_run_id:
        return None
    try:
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(UUID(flow_run_id))
    except PREFECT_TROUBLE:
        return None
    if run.state is None:
        return None
    return run.state.type.value, run.state.state_details.pause_key
