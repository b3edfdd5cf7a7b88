"""The import-file flow: a large Excel/CSV import checked, then written, in the background while
the admin page polls its progress (forms/import_jobs.py holds the steps, models.ImportJob the state).
"""
from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from .lifecycle import config, database

FLOW_NAME = "import-file"


@task(cache_policy=NO_CACHE)  # the job row says what is left to do, not a cached result
def check_import(job_id: int) -> str:
    from forms.import_jobs import check_job

    with database() as session:
        return check_job(session, job_id, max_rows=int(config("IMPORT_MAX_ROWS", "100000")))


@task(cache_policy=NO_CACHE)
def write_import(job_id: int) -> str:
    from forms.import_jobs import write_job

    with database() as session:
        return write_job(session, job_id)


@flow(name=FLOW_NAME)
def import_file(job_id: int, step: str = "check") -> str:
    """step "check": the uploaded file into a preview; "write": the confirmed rows into the tables."""
    return write_import(job_id) if step == "write" else check_import(job_id)
