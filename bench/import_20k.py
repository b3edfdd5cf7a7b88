"""Time importing a 20,000-row invitation list against a baseline run in the same process.

    .venv/bin/python bench/import_20k.py [--rows N] [--database-url URL]

Phases: read + check (forms.importer.check_file: the .xlsx read, validate_row with the form
rules, duplicates within the file and against the database, other dealers' vehicles) and write
(write_rows: one executemany INSERT). Baseline: the same 20,000 already-typed rows inserted with a
raw `session.execute(insert(CustomerInvitation), rows)` — the floor any import must pay. Prints
each time and the ratio import / baseline.
"""
from __future__ import annotations

import argparse
import time

from importing import bench_app, dealer_and_coordinator, drop_all, file_bytes, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url", default=None,
                        help="default: a fresh SQLite file in a temporary folder")
    args = parser.parse_args()
    app = bench_app(args.database_url)

    from sqlalchemy import delete, insert

    from forms.definitions import DEFINITIONS
    from forms.importer import Context, check_file, write_rows
    from models import CustomerInvitation, db

    with app.app_context():
        dealer, user, campaign = dealer_and_coordinator(campaign=True)
        data = file_bytes("xlsx", rows(args.rows))
        definition = DEFINITIONS["customer_invitation"]
        context = Context(user=user, dealer_id=dealer.id, campaign=campaign)

        started = time.perf_counter()
        preview = check_file(definition, "bench.xlsx", data, context, max_rows=args.rows)
        checked = time.perf_counter()
        assert len(preview.valid) == args.rows and not preview.rejected, preview.rejected[:3]
        checked_rows = [clean for _, clean in preview.valid]
        write_rows(db.session, definition, checked_rows, context)
        db.session.commit()
        written = time.perf_counter()

        db.session.execute(delete(CustomerInvitation))
        db.session.commit()
        base_rows = [{**clean, "dealer_id": dealer.id, "campaign_id": campaign.id, "source": "dms",
                      "contact_status": clean["contact_status"] or "not_contacted"} for clean in checked_rows]
        base_started = time.perf_counter()
        db.session.execute(insert(CustomerInvitation), base_rows)
        db.session.commit()
        baseline = time.perf_counter() - base_started

        total = written - started
        backend = db.engine.url.get_backend_name()
        print(f"{args.rows:,} rows on {backend}, file {len(data) / 1e6:.1f} MB")
        print(f"  read + check : {checked - started:6.2f} s")
        print(f"  write        : {written - checked:6.2f} s")
        print(f"  import total : {total:6.2f} s")
        print(f"  baseline     : {baseline:6.2f} s  (raw executemany of the same typed rows)")
        print(f"  ratio        : {total / baseline:6.1f}x baseline")
        drop_all()


if __name__ == "__main__":
    main()
