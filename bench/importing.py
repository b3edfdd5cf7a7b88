"""What the import benchmarks share (bench/import_100k.py, bench/import_20k.py): a bench database
with one dealer and its coordinator, a customer list of N rows as .xlsx or .csv, and a clock that
also counts the PostgreSQL server's CPU."""
from __future__ import annotations

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
    """Distinct customers with one vehicle each; mobiles of real prefixes, no two alike (48271 is
    prime to 10⁸, so n → 48271·n mod 10⁸ repeats nothing)."""
    from models.validators import with_check_digit

    rng = random.Random(16)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return [[f"顾客{n}", f"{rng.choice(MOBILE_PREFIXES)}{n * 48271 % 10**8:08d}",
             f"京{letters[n // 100_000 % 24]}{n % 100_000:05d}",
             with_check_digit(f"LSVAU2180E{n:07d}"), rng.choice(["朗逸", "帕萨特", "途观"]),
             rng.randrange(1000, 200_000), dt.date(2013, 1, 1) + dt.timedelta(days=n % 365)]
            for n in range(count)]


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


def bench_app(database_url: str | None):
    """The app on `database_url` (default: a fresh SQLite file), its tables made afresh."""
    folder = tempfile.mkdtemp(prefix="bench-import-")
    os.environ["TEST_DATABASE_URL"] = database_url or f"sqlite:///{folder}/bench.db"
    os.environ.setdefault("PREFECT_API_URL", "http://127.0.0.1:9/api")
    from app import create_app
    from config import TestConfig

    return create_app(TestConfig())


def dealer_and_coordinator(campaign: bool = False) -> tuple:
    """(dealer, its coordinator, a campaign it takes part in or None) in fresh tables."""
    from models import Campaign, Dealer, Participation, Region, User, db
    from models.base import Base

    Base.metadata.drop_all(db.engine)
    Base.metadata.create_all(db.engine)
    region = Region(code="N", name="华北区")
    dealer = Dealer(code="A01", name="北京甲特约店", region=region)
    db.session.add_all([region, dealer])
    made = None
    if campaign:
        made = Campaign(name="2014车主回娘家", type="homecoming", starts_on=dt.date(2014, 1, 15),
                        ends_on=dt.date(2014, 2, 17))
        db.session.add_all([made, Participation(campaign=made, dealer=dealer)])
    db.session.flush()
    user = User(username="coord", full_name="协调员", role="dealer_coordinator", dealer_id=dealer.id)
    db.session.add(user)
    db.session.commit()
    return dealer, user, made


def drop_all() -> None:
    from models import db
    from models.base import Base

    Base.metadata.drop_all(db.engine)
    db.session.remove()
    db.engine.dispose()


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
    """Wall and CPU seconds of a step; with an engine, also its PostgreSQL backends' CPU (.server)."""

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
