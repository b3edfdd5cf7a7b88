"""p95 of a QR sign-in (pressing 签到 on /signin/<token>) while 50 customers press at once.

    .venv/bin/python bench/qr_signin.py                      # SQLite in a temp file, 5 rounds of 50
    DATABASE_URL=postgresql+psycopg://app@127.0.0.1:5432/db .venv/bin/python bench/qr_signin.py

Self-contained: it builds the app on a throwaway database (SQLite by default; a PostgreSQL URL
given in DATABASE_URL must name an empty database), one dealer and campaign running today,
and serves it on a free port with Werkzeug's threaded server. Each round, 50 threads (phones)
open their own invitation's page, wait for each other and press 签到 together; the press is
timed. The baseline, measured in the same run with the same 50 threads and barrier, is a GET of
the same page (a read of the invitation): the ratio says what the write costs on top.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def setup(users: int, rounds: int) -> tuple[object, list[list[str]]]:
    tmp = tempfile.mkdtemp(prefix="bench-qr-")
    os.environ["TEST_DATABASE_URL"] = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    os.environ.setdefault("PREFECT_API_URL", "http://127.0.0.1:9/api")
    os.environ["PHONE_LIMIT_PER_IP"] = os.environ["PHONE_LIMIT_PER_LINK"] = "1000000 per minute"
    from app import create_app
    from config import TestConfig
    from models import Campaign, CustomerInvitation, Dealer, Participation, Region, db
    from models.base import Base, local_today

    app = create_app(TestConfig())
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        region = Region(code="N", name="华北区")
        dealer = Dealer(code="A01", name="北京甲特约店", city="北京", region=region)
        today = local_today()
        campaign = Campaign(name="bench 扫码签到", type="free_inspection", phase="execution",
                            starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=1))
        db.session.add_all([region, dealer, campaign])
        db.session.flush()
        db.session.add(Participation(campaign=campaign, dealer=dealer, phase="execution"))
        rounds_of_tokens = []
        for r in range(rounds):
            invitations = [CustomerInvitation(campaign_id=campaign.id, dealer_id=dealer.id, name=f"顾客{r}-{n}",
                                              mobile=f"138{r:03d}{n:05d}", plate=f"京A{r}{n:04d}")
                           for n in range(users)]
            db.session.add_all(invitations)
            db.session.flush()
            rounds_of_tokens.append([i.token for i in invitations])
        db.session.commit()
    return app, rounds_of_tokens


def together(base: str, paths: list[str], press: bool) -> list[float]:
    """Each thread (a phone) opens its page; all then act at once; the action is timed."""
    gate = threading.Barrier(len(paths))

    def phone(path: str) -> float:
        with requests.Session() as http:
            page = http.get(base + path, timeout=60).text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
            gate.wait(timeout=120)
            start = time.perf_counter()
            response = http.post(base + path, data={"csrf_token": csrf.group(1)}, timeout=60) if press \
                else http.get(base + path, timeout=60)
            elapsed = time.perf_counter() - start
            if response.status_code != 200 or (press and "签到成功" not in response.text):
                raise RuntimeError(f"{path}: {response.status_code}")
            return elapsed

    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        return list(pool.map(phone, paths))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from werkzeug.serving import make_server

    app, rounds_of_tokens = setup(args.users, args.rounds)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        baseline, signins = [], []
        for tokens in rounds_of_tokens:
            baseline += together(base, [f"/signin/{t}" for t in tokens], press=False)
            signins += together(base, [f"/signin/{t}" for t in tokens], press=True)
    finally:
        server.shutdown()
    with app.app_context():
        from sqlalchemy import func, select

        from models import SignIn, db

        landed = db.session.scalar(select(func.count()).select_from(SignIn))
    engine = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    print(f"database: {engine}; {args.users} concurrent users × {args.rounds} rounds; "
          f"sign-ins landed: {landed} of {args.users * args.rounds}")
    print(f"baseline GET of the same page  p50 {statistics.median(baseline) * 1000:7.1f} ms   "
          f"p95 {p95(baseline) * 1000:7.1f} ms")
    print(f"sign-in (POST 签到)             p50 {statistics.median(signins) * 1000:7.1f} ms   "
          f"p95 {p95(signins) * 1000:7.1f} ms")
    print(f"ratio sign-in / baseline        p95 {p95(signins) / p95(baseline):.2f}")


if __name__ == "__main__":
    main()
