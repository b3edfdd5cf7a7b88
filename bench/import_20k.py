"""Time importing a 20,000-row invitation list against a baseline run in the same process.

    .venv/bin/python bench/import_20k.py [--rows N] [--database-url URL]

Phases: read + check (forms.importer.check_file: openpyxl read_only, validate_row with the form
rules, duplicates within the file and against the database, other dealers' vehicles) and write
(write_rows: one executemany INSERT). Baseline: the same 20,000 already-typed rows inserted with a
raw `session.execute(insert(CustomerInvitation), rows)` — the floor any import must pay. Prints
each time and the ratio import / baseline.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url", default=None,
                        help="default: a fresh SQLite file in a temporary folder")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-import-")
    os.environ["TEST_DATABASE_URL"] = args.database_url or f"sqlite:///{folder}/bench.db"
    os.environ.setdefault("PREFECT_API_URL", "http://127.0.0.1:9/api")

    from openpyxl import Workbook
    from sqlalchemy import delete, insert

    from app import create_app
    from config import TestConfig
    from forms.definitions import DEFINITIONS
    from forms.importer import Context, check_file, write_rows
    from models import Campaign, CustomerInvitation, Dealer, Participation, Region, User, db
    from models.base import Base
    from models.validators import with_check_digit

    app = create_app(TestConfig())
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        region = Region(code="N", name="华北区")
        dealer = Dealer(code="A01", name="北京甲特约店", region=region)
        campaign = Campaign(name="2014车主回娘家", type="homecoming", starts_on=dt.date(2014, 1, 15),
                            ends_on=dt.date(2014, 2, 17))
        db.session.add_all([region, dealer, campaign])
        db.session.flush()
        db.session.add(Participation(campaign=campaign, dealer=dealer))
        user = User(username="coord", full_name="协调员", role="dealer_coordinator", dealer_id=dealer.id)
        db.session.add(user)
        db.session.commit()

        book = Workbook(write_only=True)
        sheet = book.create_sheet("顾客名单")
        sheet.append(["顾客姓名", "手机", "车牌号", "VIN 车架号", "车型", "里程 (km)"])
        for n in range(args.rows):
            sheet.append([f"顾客{n}", f"138{n:08d}", f"京A{n:05d}",
                          with_check_digit(f"LSVAU2180E2{n:06d}"), "朗逸", 1000 + n])
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
        definition = DEFINITIONS["customer_invitation"]
        context = Context(user=user, dealer_id=dealer.id, campaign=campaign)

        started = time.perf_counter()
        preview = check_file(definition, "bench.xlsx", data, context, max_rows=args.rows)
        checked = time.perf_counter()
        assert len(preview.valid) == args.rows and not preview.rejected, preview.rejected[:3]
        rows = [clean for _, clean in preview.valid]
        write_rows(db.session, definition, rows, context)
        db.session.commit()
        written = time.perf_counter()

        db.session.execute(delete(CustomerInvitation))
        db.session.commit()
        base_rows = [{**clean, "dealer_id": dealer.id, "campaign_id": campaign.id, "source": "dms",
                      "contact_status": clean["contact_status"] or "not_contacted"} for clean in rows]
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
        Base.metadata.drop_all(db.engine)
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
