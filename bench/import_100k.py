"""Time a 100,000-row customer list (customers + vehicles) through the background import job
against a row-by-row baseline measured in the same run.

    .venv/bin/python bench/import_100k.py [--rows N] [--format xlsx|csv] [--database-url URL]

Import: the two steps the import-file flow runs on a worker (forms/import_jobs.py) — check_job
(read the upload, check every row, duplicates within the file and against the database, other
dealers' vehicles; the preview stored in import_job) and write_job (one transaction: customers,
vehicles, audit, job done). Baseline: the same rows the row-by-row way — each row checked with
validate_row and saved as ORM objects, one flush per row as a form save does — on --baseline-rows
rows and scaled linearly to --rows (printed as such). Prints wall and CPU seconds and the ratio.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HEADINGS = ["顾客姓名", "手机", "车牌号", "VIN 车架号", "车型", "里程 (km)", "上次进厂"]
MOBILE_PREFIXES = ["130", "135", "136", "138", "139", "150", "151", "158", "186", "188", "199"]


def rows(count: int) -> list[list]:
    from models.validators import with_check_digit

    rng = random.Random(16)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    out = []
    for n in range(count):
        out.append([f"顾客{n}", f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}",
                    f"京{letters[n // 100_000 % 24]}{n % 100_000:05d}",
                    with_check_digit(f"LSVAU2180E{n:07d}"), rng.choice(["朗逸", "帕萨特", "途观"]),
                    rng.randrange(1000, 200_000), dt.date(2013, 1, 1) + dt.timedelta(days=n % 365)])
    return out


def file_bytes(fmt: str, data: list[list]) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADINGS)
        writer.writerows([*r[:-1], r[-1].isoformat()] for r in data)
        return out.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("顾客")
    sheet.append(HEADINGS)
    for r in data:
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def server_seconds(engine) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend of this database on this machine (/proc), so
    that the server's share of a step is measured and not guessed from wall time under load."""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as conn:
        pids = conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).all()
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # another machine, or gone
        seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


class Clock:
    def __init__(self, engine=None):
        self.engine = engine

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.server = server_seconds(self.engine) if self.engine is not None else {}
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        after = server_seconds(self.engine) if self.engine is not None else {}
        self.server = sum(s - self.server.get(pid, 0.0) for pid, s in after.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=5_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temporary folder")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-import-")
    os.environ["TEST_DATABASE_URL"] = args.database_url or f"sqlite:///{folder}/bench.db"
    os.environ.setdefault("PREFECT_API_URL", "http://127.0.0.1:9/api")

    from sqlalchemy import delete, func, select

    from app import create_app
    from config import TestConfig
    from forms.definitions import DEFINITIONS, validate_row
    from forms.import_jobs import check_job, write_job
    from forms.importer import Context, Stash
    from models import Customer, Dealer, ImportJob, Region, User, Vehicle, db
    from models.base import Base

    app = create_app(TestConfig())
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        region = Region(code="N", name="华北区")
        dealer = Dealer(code="A01", name="北京甲特约店", region=region)
        db.session.add_all([region, dealer])
        db.session.flush()
        user = User(username="coord", full_name="协调员", role="dealer_coordinator", dealer_id=dealer.id)
        db.session.add(user)
        db.session.commit()
        data = rows(args.rows)
        upload = file_bytes(args.format, data)

        job = ImportJob(token=Stash.new_token(), form="customer", user_id=user.id, dealer_id=dealer.id,
                        filename=f"bench.{args.format}", upload=upload, state="queued", background=True)
        db.session.add(job)
        db.session.commit()
        with Clock(db.engine) as check:
            state = check_job(db.session, job.id, max_rows=args.rows)
        assert state == "ready", (state, job.message)
        assert Stash(db.session).claim(job.token, user.id) is not None
        with Clock(db.engine) as write:
            assert write_job(db.session, job.id) == "done"
        count = db.session.scalar(select(func.count()).select_from(Vehicle))
        assert count == args.rows, count

        db.session.execute(delete(Vehicle))
        db.session.execute(delete(Customer))
        db.session.commit()
        definition = DEFINITIONS["customer"]
        context = Context(user=user, dealer_id=dealer.id, campaign=None)
        names = [f.name for f in definition.fields]
        sample = data[:args.baseline_rows]
        with Clock() as base:
            for cells in sample:
                clean, errors = validate_row(definition, dict(zip(names, cells)), context)
                assert not errors, errors
                customer = Customer(dealer_id=dealer.id, name=clean["name"], mobile=clean["mobile"])
                customer.vehicles.append(Vehicle(dealer_id=dealer.id, plate=clean["plate"], vin=clean["vin"],
                                                 model=clean["model"], mileage_km=clean["mileage_km"],
                                                 last_visit=clean["last_visit"]))
                db.session.add(customer)
                db.session.flush()
            db.session.commit()
        scale = args.rows / len(sample)

        total_wall, total_cpu = check.wall + write.wall, check.cpu + write.cpu
        backend = db.engine.url.get_backend_name()
        print(f"{args.rows:,} customers with vehicles on {backend}, {args.format} file {len(upload) / 1e6:.1f} MB")
        server = " + {:.2f} s CPU of the PostgreSQL server".format
        print(f"  read + check : {check.wall:6.2f} s wall  {check.cpu:6.2f} s CPU (this process)"
              f"{server(check.server) if backend == 'postgresql' else ''}")
        print(f"  write        : {write.wall:6.2f} s wall  {write.cpu:6.2f} s CPU"
              f"{server(write.server) if backend == 'postgresql' else ''}")
        print(f"  import total : {total_wall:6.2f} s wall  {total_cpu:6.2f} s CPU   (target < 30 s)")
        print(f"  baseline     : {base.wall * scale:6.2f} s wall  {base.cpu * scale:6.2f} s CPU   "
              f"(row by row: validate_row + ORM add + flush per row; {len(sample):,} rows × {scale:g})")
        print(f"  ratio        : {base.wall * scale / total_wall:6.1f}x faster than the baseline (wall)")
        print(f"  load average : {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times include waiting)")
        Base.metadata.drop_all(db.engine)
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
