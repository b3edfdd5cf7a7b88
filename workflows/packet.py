"""The campaign's 现场辅导资料包 for HQ as a flow run: every dealer's packet in one PDF, its progress
in the Prefect UI (a progress artifact) and on the admin page (reports.packet_job's state file).

The admin starts it (workflows.client.start_packet); the work is reports.packet_job.build, the same
function the web process runs itself when no runner is there.
"""
from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, update_progress_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from .lifecycle import database, public_base_url

FLOW_NAME = "campaign-packet"
DEPLOYMENT = f"{FLOW_NAME}/{FLOW_NAME}"


def progress_key(campaign_id: int) -> str:
    return f"campaign-{campaign_id}-packet"


@task(cache_policy=NO_CACHE)  # a changed record makes a new packet: always look again
def build_campaign_packet(campaign_id: int, user_id: int) -> dict:
    """Build (or find) the packet as `user_id` may see it; a failed section fails the task."""
    from reports.packet_job import build, packet_dir

    artifact = create_progress_artifact(0.0, key=progress_key(campaign_id), description="全活动资料包生成进度")

    def progress(done: int, total: int) -> None:
        update_progress_artifact(artifact, round(100 * done / total, 1) if total else 0.0)

    with database():
        outcome = build(packet_dir(), campaign_id, user_id, flow_run_id=flow_run.get_id(), progress=progress)
    if outcome["state"] != "done":
        raise RuntimeError(outcome["message"])
    update_progress_artifact(artifact, 100.0)
    return outcome


@task
def link_to_packet(campaign_id: int, outcome: dict) -> None:
    """Where HQ downloads it: the admin page (the file is served there, scoped to HQ)."""
    url = f"{public_base_url()}/admin/packet/campaign/?campaign={campaign_id}"
    create_markdown_artifact(f"全活动资料包已生成（{outcome['dealers']} 家特约店）：[在管理台下载]({url})",
                             key=f"campaign-{campaign_id}-packet-link", description="全活动资料包下载")


@flow(name=FLOW_NAME)  # the run is named by start_packet: "<campaign> 资料包"
def campaign_packet(campaign_id: int, user_id: int) -> str:
    outcome = build_campaign_packet(campaign_id, user_id)
    link_to_packet(campaign_id, outcome)
    return outcome["file"]
