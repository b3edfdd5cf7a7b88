"""Flow runner process: serves every deployment (filled in by the Prefect issue)."""
from __future__ import annotations

import signal
import time


def main() -> None:
    # Placeholder until the lifecycle deployments land: stay up so the Procfile is complete.
    signal.signal(signal.SIGTERM, lambda *_: raise_exit())
    while True:
        time.sleep(3600)


def raise_exit() -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    main()
