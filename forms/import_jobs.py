"""A large import as a background job (the import-file flow, workflows/imports.py): check the
uploaded file, then — after the user confirms the preview — write it. Plain functions over a
session, so they run the same in a flow worker, in the request (Prefect away) and in tests.

Progress goes to the ImportJob row on a connection of its own, so the page that polls it sees it
while the job's own transaction is still open; the rows and the job's "done" commit together, so
a worker that dies mid-write leaves nothing half-written.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import update

from models import Campaign, ImportJob, User
from models.base import utcnow

from .definitions import DEFINITIONS
from .importer import Context, ImportRefused, Stash, check_file, confirm_rows


def _context(session: Any, job: ImportJob) -> Context:
    campaign = session.get(Campaign, job.campaign_id) if job.campaign_id else None
    return Context(user=session.get(User, job.user_id), dealer_id=job.dealer_id, campaign=campaign)


def _reporter(session: Any, job_id: int):
    engine = session.get_bind()

    def report(done: int, total: int) -> None:
        with engine.begin() as conn:
            conn.execute(update(ImportJob).where(ImportJob.id == job_id)
                         .values(done=done, total=total, updated_at=utcnow()))
    return report


def _fail(session: Any, job: ImportJob, message: str) -> str:
    session.rollback()
    job.state, job.message, job.upload = "failed", message, None
    session.commit()
    return "failed"


def check_job(session: Any, job_id: int, *, max_rows: int) -> str:
    """Check the uploaded file into a preview (state "ready"), or "failed" with the reason."""
    job = session.get(ImportJob, job_id)
    if job is None or job.state not in ("queued", "checking"):
        return job.state if job else "gone"  # a second delivery of the same run: nothing to do
    job.state, job.done, job.total = "checking", 0, 0
    session.commit()
    try:
        preview = check_file(DEFINITIONS[job.form], job.filename, job.upload, _context(session, job),
                             max_rows=max_rows, progress=_reporter(session, job_id))
    except ImportRefused as refused:
        return _fail(session, job, refused.message)
    Stash.save(job, preview)
    job.message = None
    session.commit()
    return job.state


def write_job(session: Any, job_id: int) -> str:
    """Write a claimed job's rows and mark it done in one transaction; when the data changed since
    the preview (or a row is refused), nothing is written and the job is "ready" again."""
    job = session.get(ImportJob, job_id)
    if job is None or job.state not in ("claimed", "writing"):
        return job.state if job else "gone"
    stash = Stash(session)
    payload = stash.payload(job)
    job.state = "writing"
    session.commit()
    definition = DEFINITIONS[job.form]
    try:
        outcome = confirm_rows(session, definition, payload, _context(session, job),
                               only_valid=job.only_valid)
    except ImportRefused as refused:
        session.rollback()
        job.state, job.message = "ready", f"{refused.message}。未写入任何数据。"
        session.commit()
        return job.state
    if not outcome.written:
        Stash.save(job, outcome.preview)  # the rows as re-checked now
        job.message = outcome.message
    else:
        stash.keep_rejected(job, payload)
        job.done, job.message = outcome.written, None
    session.commit()
    return job.state
