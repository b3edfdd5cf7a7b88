"""/admin/packet/: the 现场辅导资料包 of one dealer, one click from the gates page and a coaching visit.

Campaign and dealer are loaded through the one dealer-scoping helper (another dealer's user gets
404); the sections are read as the user who asked. A finished packet is kept under the hash of
everything printed in it (reports.packet.fingerprint), so a second download is instant and a
changed record makes a new one.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select

from models import Campaign, Dealer, Participation, db
from models.scoping import get_or_404
from reports import packet_job
from reports.packet import PacketError, assemble, dealer_packet, fingerprint
from reports.packet_job import keep, packet_dir

from .base import SecuredPage

PACKET_ROLES = frozenset({"hq_admin", "regional_manager", "coach", "dealer_coordinator"})
CAMPAIGN_PACKET_ROLES = frozenset({"hq_admin"})


def pdf_download(path: Path, title: str) -> Any:
    response = send_file(path, mimetype="application/pdf", max_age=0)
    response.headers["Content-Disposition"] = \
        f"inline; filename=\"packet.pdf\"; filename*=UTF-8''{quote(title)}.pdf"
    response.headers["Cache-Control"] = "private, no-store"
    return response


class PacketView(SecuredPage):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("name", "现场辅导资料包")
        kwargs.setdefault("endpoint", "packet")
        super().__init__(**kwargs)

    def is_visible(self) -> bool:
        return False  # reached from a dealer's row on the gates page and from coaching visits

    def _allowed(self) -> None:
        if current_user.role not in PACKET_ROLES:
            abort(403)

    @expose("/")
    def index(self):
        self._allowed()
        campaign = get_or_404(Campaign, request.args.get("campaign"), current_user)
        dealer = get_or_404(Dealer, request.args.get("dealer"), current_user)
        if db.session.scalar(select(Participation.id).where(Participation.campaign_id == campaign.id,
                                                            Participation.dealer_id == dealer.id)) is None:
            abort(404)
        packet = dealer_packet(campaign, dealer, current_user)
        path = packet_dir() / f"{fingerprint([packet])}.pdf"
        if not path.is_file():
            try:
                pdf = assemble([packet], wkhtmltopdf=current_app.config["WKHTMLTOPDF"])
            except PacketError as exc:
                return self.render("admin/pdf_error.html", heading="现场辅导资料包", message=str(exc)), 503
            keep(pdf, path)
        return pdf_download(path, f"现场辅导资料包-{dealer.name}-{campaign.name}")

    # --- the whole campaign, for HQ: a background job ------------------------------------------
    def _campaign(self) -> Campaign:
        if current_user.role not in CAMPAIGN_PACKET_ROLES:
            abort(403)
        return get_or_404(Campaign, request.values.get("campaign"), current_user)

    @expose("/campaign/", methods=("GET", "POST"))
    def campaign_view(self):
        campaign = self._campaign()
        if request.method == "POST":
            self._start(campaign)
            return redirect(url_for(".campaign_view", campaign=campaign.id))
        state = packet_job.read_state(packet_dir(), campaign.id)
        ready = state is not None and state.get("state") == "done" and (packet_dir() / state["file"]).is_file()
        run_id = (state or {}).get("flow_run_id")
        return self.render("admin/packet_campaign.html", campaign=campaign, state=state, ready=ready,
                           running=packet_job.running(state),
                           run_url=f"{current_app.config['PREFECT_UI_URL']}/runs/flow-run/{run_id}" if run_id else None)

    def _start(self, campaign: Campaign) -> None:
        """To the Prefect runner when one is there (progress in the Prefect UI too), else a thread."""
        from workflows.client import start_packet

        from . import flow_engine_problem

        folder = packet_dir()
        if not packet_job.claim(folder, campaign.id):
            flash("全活动资料包正在生成，请稍候。", "info")
            return
        run_id = None if flow_engine_problem() else start_packet(campaign, current_user.id)
        if run_id:
            packet_job.note_run(folder, campaign.id, run_id)
        else:
            packet_job.start_thread(current_app._get_current_object(), folder, campaign.id, current_user.id)

    @expose("/campaign.pdf")
    def campaign_pdf_view(self):
        campaign = self._campaign()
        state = packet_job.read_state(packet_dir(), campaign.id)
        if state is None or state.get("state") != "done" or not (packet_dir() / state["file"]).is_file():
            abort(404)
        return pdf_download(packet_dir() / state["file"], f"现场辅导资料包-{campaign.name}-全部特约店")
