"""What the web process asks of Prefect: start a campaign's run, resume it after a gate decision.

The database is written first and committed by the caller; these calls may then fail
(server down, run not suspended yet) without losing anything — the reconciler and
the flow's own re-reading of the database catch up. So every function here returns
a result instead of raising on Prefect trouble.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from uuid import UUID

import httpx
from prefect.exceptions import NotPausedError, ObjectNotFound, PrefectHTTPStatusError

from .lifecycle import DEPLOYMENT

IMPORT_DEPLOYMENT = "import-file/import-file"

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


def start_import(job_id: int, step: str) -> str | None:
    """Hand an import job's step ("check" or "write") to the import-file flow; None if Prefect is down."""
    from prefect.deployments import run_deployment

    try:
        run = run_deployment(IMPORT_DEPLOYMENT, parameters={"job_id": job_id, "step": step},
                             flow_run_name=f"import-{job_id}-{step}", idempotency_key=f"import-{job_id}-{step}",
                             timeout=0, as_subflow=False, _sync=True)
    except PREFECT_TROUBLE as exc:
        log.warning("cannot start import job %s (%s): %s", job_id, step, exc)
        return None
    return str(run.id)


def start_packet(campaign, user_id: int) -> str | None:
    """Hand the campaign packet to the runner; its run id, or None when Prefect is away."""
    from prefect.deployments import run_deployment

    from .packet import DEPLOYMENT as PACKET

    try:
        run = run_deployment(PACKET, parameters={"campaign_id": campaign.id, "user_id": user_id},
                             flow_run_name=f"{campaign.name} 资料包", tags=[f"campaign-{campaign.id}"],
                             timeout=0, as_subflow=False, _sync=True)
    except PREFECT_TROUBLE as exc:
        log.warning("cannot start the packet of campaign %s: %s", campaign.id, exc)
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


# --- is anything there to carry a decision forward? (/healthz, the admin banner, decisions) --------
RUNNER_STALE_AFTER_S = 60  # Prefect itself marks a deployment NOT_READY after 60 s without a poll


@dataclass(frozen=True)
class FlowEngineStatus:
    prefect: tuple[bool, str]
    runner: tuple[bool, str]

    @property
    def ok(self) -> bool:
        return self.prefect[0] and self.runner[0]

    def problem(self) -> str:
        """The Chinese sentence for people, empty when both are up."""
        if not self.prefect[0]:
            return "流程引擎暂不可用"
        if not self.runner[0]:
            return "流程执行进程未运行"
        return ""


def flow_engine_status(api_url: str, now: dt.datetime | None = None) -> FlowEngineStatus:
    """Prefect's API health, and the runner's heartbeat: the last time it polled the lifecycle
    deployment for work (`last_polled`, written by the Prefect server on each runner poll).

    Plain HTTP with a short timeout, not the Prefect client: this runs inside web requests.
    """
    api = api_url.rstrip("/")
    now = now or dt.datetime.now(dt.UTC)
    try:
        response = httpx.get(f"{api}/health", timeout=2.0)
    except httpx.HTTPError as exc:
        return FlowEngineStatus((False, type(exc).__name__), (False, "Prefect unreachable"))
    if response.status_code != 200:
        return FlowEngineStatus((False, f"HTTP {response.status_code}"), (False, "Prefect unhealthy"))
    try:
        deployment = httpx.get(f"{api}/deployments/name/{DEPLOYMENT}", timeout=2.0)
    except httpx.HTTPError as exc:
        return FlowEngineStatus((True, "HTTP 200"), (False, type(exc).__name__))
    if deployment.status_code == 404:
        return FlowEngineStatus((True, "HTTP 200"), (False, "never started (no deployment)"))
    polled = deployment.json().get("last_polled") if deployment.status_code == 200 else None
    if not polled:
        return FlowEngineStatus((True, "HTTP 200"), (False, f"no heartbeat (HTTP {deployment.status_code})"))
    age = (now - dt.datetime.fromisoformat(polled.replace("Z", "+00:00"))).total_seconds()
    if age > RUNNER_STALE_AFTER_S:
        return FlowEngineStatus((True, "HTTP 200"), (False, f"stale heartbeat: last poll {age:.0f} s ago"))
    return FlowEngineStatus((True, "HTTP 200"), (True, f"last poll {max(age, 0):.0f} s ago"))


def overview_key(campaign_id: int) -> str:
    return f"campaign-{campaign_id}-overview"


_PUBLISHED: dict[int, str] = {}  # campaign id → markdown last published from this process


def publish_overview(session, campaign, base_url: str, today: dt.date | None = None,
                     only_if_changed: bool = False) -> str | None:
    """Put the campaign at a glance on its (parent) run: one progress and one markdown artifact,
    new versions of the same keys, so the run's Artifacts tab and the Artifacts page always show
    the latest. Returns the markdown published, None when there is no run or Prefect is away."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate

    from models.base import local_date
    from models.overview import campaign_overview, overview_markdown

    if not campaign.flow_run_id:
        return None
    overview = campaign_overview(session, campaign, today or local_date(dt.datetime.now(dt.UTC)))
    markdown = overview_markdown(overview, base_url.rstrip("/"))
    if only_if_changed and _PUBLISHED.get(campaign.id) == markdown:
        return None  # the reconciler runs every minute: no new artifact version for nothing
    run = UUID(campaign.flow_run_id)
    try:
        with get_client(sync_client=True) as client:
            client.create_artifact(ArtifactCreate(
                key=f"campaign-{campaign.id}-progress", type="progress", data=overview.progress(),
                description=f"{campaign.name} 总进度", flow_run_id=run))
            client.create_artifact(ArtifactCreate(
                key=overview_key(campaign.id), type="markdown", data=markdown,
                description=f"{campaign.name}：阶段、特约店、关口检查与审批记录", flow_run_id=run))
    except PREFECT_TROUBLE as exc:
        log.warning("cannot publish the overview of campaign %s: %s", campaign.id, exc)
        return None
    _PUBLISHED[campaign.id] = markdown
    return markdown
