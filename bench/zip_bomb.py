"""How long does refusing the workbook bombs of issue 9 (finding 6) keep a worker?

    .venv/bin/python bench/zip_bomb.py

Builds the finding's two files — a ~130 KB .xlsx with 3.1 M shared strings and a ~400 KB one with a
400 MB string — and times forms.importer.read_table on each until it refuses (ImportRefused 413).
Baseline, in the same run: reading a legitimate 1,000-row workbook to the end. Prints each time and
the ratio bomb / baseline, plus the peak memory (tracemalloc) of each. Before the fix the two bombs
took ≈ 26 s and ≈ 1 GB.
"""
from __future__ import annotations

import io
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.forms.conftest import with_entry  # noqa: E402  (the tests' zip-bomb builder)

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append(["顾客姓名", "手机", "车牌号"])
    for n in range(rows):
        sheet.append([f"顾客{n}", f"138{n:08d}", f"京A{n:05d}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def shared_strings_bomb() -> bytes:
    count = 3_100_000
    head = f'<sst {NS.decode()} count="{count}" uniqueCount="{count}">'.encode()
    return with_entry(workbook(2), "xl/sharedStrings.xml",
                      [head, *([b"<si><t>a</t></si>" * 100_000] * (count // 100_000)), b"</sst>"])


def long_string_bomb() -> bytes:
    return with_entry(workbook(2), "xl/sharedStrings.xml",
                      [f'<sst {NS.decode()} count="1" uniqueCount="1"><si><t>'.encode(),
                       *([b"a" * 2**20] * 400), b"</t></si></sst>"])


def measure(data: bytes) -> tuple[float, int, str]:
    from forms.importer import ImportRefused, read_table

    tracemalloc.start()
    start = time.perf_counter()
    try:
        for _ in read_table("x.xlsx", data):
            pass
        outcome = "read to the end"
    except ImportRefused as refused:
        outcome = f"refused {refused.status}"
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak, outcome


def main() -> None:
    base_time, base_peak, outcome = measure(workbook(1_000))
    print(f"baseline: legitimate 1,000-row workbook {outcome}: {base_time * 1000:.0f} ms, "
          f"peak {base_peak / 2**20:.1f} MB")
    for label, data in (("3.1 M shared strings", shared_strings_bomb()),
                        ("one 400 MB string", long_string_bomb())):
        elapsed, peak, outcome = measure(data)
        print(f"{label} ({len(data) / 1024:.0f} KB): {outcome} in {elapsed * 1000:.1f} ms, "
              f"peak {peak / 2**20:.1f} MB; ratio to baseline {elapsed / base_time:.3f}")


if __name__ == "__main__":
    main()
