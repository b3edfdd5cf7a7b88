"""Does a sign-in answer as fast for an unknown user name as for a known one? (issue 9, finding 2)

    .venv/bin/python bench/login_timing.py [--rounds N]

Posts the login form through the Flask test client, alternating a wrong password for an existing
user (the baseline: one argon2 verification) and any password for a name that does not exist.
Prints the median of each and the ratio unknown / known; about 1.0 means the answer time does not
tell which names exist (before the fix it was ≈ 0.02). Throttling is raised out of the way.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    os.environ["TEST_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-login-')}/bench.db"
    os.environ.setdefault("PREFECT_API_URL", "http://127.0.0.1:9/api")
    os.environ["LOGIN_LIMIT_PER_ACCOUNT"] = os.environ["LOGIN_LIMIT_PER_IP"] = "100000 per minute"

    from app import create_app
    from config import TestConfig
    from models import User, db
    from models.base import Base

    app = create_app(TestConfig())
    with app.app_context():
        Base.metadata.create_all(db.engine)
        user = User(username="hq", full_name="总部", role="hq_admin")
        user.set_password("the-real-password")  # production argon2 parameters
        db.session.add(user)
        db.session.commit()

    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)

    def post(username: str) -> float:
        start = time.perf_counter()
        response = client.post("/login", data={"username": username, "password": "a-wrong-guess",
                                               "csrf_token": token})
        assert response.status_code == 401, response.status_code
        return time.perf_counter() - start

    post("hq"), post("nobody")  # warm-up: templates, the dummy hash
    known, unknown = [], []
    for _ in range(args.rounds):
        known.append(post("hq"))
        unknown.append(post("nobody"))
    k, u = statistics.median(known), statistics.median(unknown)
    print(f"known user, wrong password (baseline): median {k * 1000:.1f} ms over {args.rounds}")
    print(f"unknown user:                          median {u * 1000:.1f} ms over {args.rounds}")
    print(f"ratio unknown / known: {u / k:.2f}")


if __name__ == "__main__":
    main()
