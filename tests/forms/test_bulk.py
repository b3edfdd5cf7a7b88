"""A 20,000-row invitation list through the real screens, on SQLite and PostgreSQL alike.

How long it takes is bench/import_20k.py's business: a timed assertion fails on a loaded machine.
"""
from __future__ import annotations

from sqlalchemy import func, select

from models import CustomerInvitation, db

from .conftest import INVITATION_HEADINGS, confirm, invitation_rows, token_of, upload, xlsx_file

ROWS = 20_000


def test_it_round_trips_20000_rows(client_for, personas):
    data = xlsx_file(INVITATION_HEADINGS, invitation_rows(ROWS))
    client = client_for(personas.coord_a)
    preview = upload(client, "customer_invitation", data, "dms-20000.xlsx",
                     campaign_id=personas.campaign.id)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:2000]
    assert f"有效 <strong>{ROWS}</strong> 行" in preview.get_data(as_text=True)
    done = confirm(client, "customer_invitation", token_of(preview))
    assert f"已导入 <strong>{ROWS}</strong> 行" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CustomerInvitation)
                             .where(CustomerInvitation.dealer_id == personas.dealer_a.id)) == ROWS
    # and back out again
    exported = client.get("/admin/customer_invitation/export/xlsx/")
    assert exported.status_code == 200
