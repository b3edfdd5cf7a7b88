"""Helpers for the Excel template / import / export tests."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from models import db
from models.validators import with_check_digit
from tests.factories import move_to_phase


@pytest.fixture(autouse=True)
def _campaign_in_execution(request):
    """Imports fill a running campaign's lists (phase windows, models/windows.py)."""
    if "personas" in request.fixturenames:
        move_to_phase(request.getfixturevalue("personas").campaign, "execution")
        db.session.commit()


def plate(n: int) -> str:
    return f"京A{n:05d}"


def vin(n: int) -> str:
    return with_check_digit(f"LSVAU2180E2{n:06d}")


def mobile(n: int) -> str:
    return f"138{n:08d}"


def invitation_rows(count: int, start: int = 1) -> list[list]:
    """Rows under the headings 顾客姓名 手机 车牌号 VIN 车架号 车型 里程 (km)."""
    return [[f"顾客{n}", mobile(n), plate(n), vin(n), "朗逸", 1000 + n] for n in range(start, start + count)]


INVITATION_HEADINGS = ["顾客姓名", "手机", "车牌号", "VIN 车架号", "车型", "里程 (km)"]


def xlsx_file(headings: list, rows: list[list], *, title: str = "Sheet") -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(headings: list, rows: list[list], encoding: str = "utf-8-sig", preamble: str = "") -> bytes:
    out = io.StringIO()
    out.write(preamble)
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def read_xlsx(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:3000]
    return match.group(1)


def upload(client, screen: str, content: bytes, filename: str, **form):
    """POST a file to /admin/<screen>/import/ the way the browser form does."""
    url = f"/admin/{screen}/import/"
    values = {"csrf_token": client.csrf(url), "file": FileStorage(io.BytesIO(content), filename=filename),
              **{k: str(v) for k, v in form.items()}}
    # encoded in memory: the test client would spool a big body to a temp file it never closes
    boundary, body = encode_multipart(values)
    return client.http.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def confirm(client, screen: str, token: str, mode: str = "all"):
    return client.post(f"/admin/{screen}/import/confirm", {"token": token, "mode": mode},
                       csrf_from=f"/admin/{screen}/import/")


def with_entry(workbook: bytes, name: str, chunks) -> bytes:
    """A valid workbook with one more (or a replaced) zip entry, written from `chunks` (zip bombs)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info))
        with dst.open(name, "w", force_zip64=True) as entry:
            for chunk in chunks:
                entry.write(chunk)
    return out.getvalue()
