"""The runner process's reconcile schedule, on a fake clock (no Prefect, no waiting)."""
from __future__ import annotations

from workflows.serve import RECONCILE_EVERY_S, Ticker


class FakeClock:
    def __init__(self, t: float, job_takes: float = 0.0) -> None:
        self.t, self.job_takes, self.calls = t, job_takes, []

    def job(self) -> None:
        self.calls.append(self.t)
        self.t += self.job_takes

    def wait(self, seconds: float) -> bool:
        self.t += seconds
        return len(self.calls) >= 4  # "stopped" after the fourth run


def test_it_reconciles_at_start_then_on_every_anchored_minute():
    clock = FakeClock(t=1_000_000_050.0)  # started half-way through a minute (…020 is on one)
    Ticker(RECONCILE_EVERY_S, clock.job, now=lambda: clock.t, wait=clock.wait).run()
    assert clock.calls == [1_000_000_050.0, 1_000_000_080.0, 1_000_000_140.0, 1_000_000_200.0]


def test_it_skips_a_tick_missed_while_the_job_ran_and_survives_a_failing_job():
    clock = FakeClock(t=1_000_000_020.0, job_takes=70.0)
    failures = []

    def job():
        clock.job()
        if len(clock.calls) == 1:
            failures.append(1)
            raise ConnectionError("Prefect away")

    Ticker(60, job, now=lambda: clock.t, wait=clock.wait).run()
    assert failures and clock.calls == [1_000_000_020.0, 1_000_000_140.0, 1_000_000_260.0, 1_000_000_380.0]
