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
import os

from importing import Clock, bench_app, dealer_and_coordinator, drop_all, file_bytes, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=5_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temporary folder")
    args = parser.parse_args()
    app = bench_app(args.database_url)

    from sqlalchemy import delete, func, select

    from forms.definitions import DEFINITIONS, validate_row
    from forms.import_jobs import check_job, write_job
    from forms.importer import Context, Stash
    from models import Customer, ImportJob, Vehicle, db

    with app.app_context():
        dealer, user, _ = dealer_and_coordinator()
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
        drop_all()


if __name__ == "__main__":
    main()
