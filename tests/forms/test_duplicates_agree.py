"""The 顾客名单 screen and its import refuse the same repeats (one rule: the model's keys)."""
from __future__ import annotations

from sqlalchemy import func, select

from forms.definitions import DEFINITIONS
from models import CustomerInvitation, db
from models.forms_rules import unique_keys_of

from .conftest import INVITATION_HEADINGS, mobile, upload, vin, xlsx_file


def test_it_uses_the_models_keys_for_the_import():
    assert DEFINITIONS["customer_invitation"].unique_keys == unique_keys_of(CustomerInvitation) \
        == (("plate",), ("mobile",), ("vin",))


def test_it_refuses_on_import_what_the_screen_refuses(client_for, personas):
    client = client_for(personas.coord_a)
    url = "/admin/customer_invitation/new/"
    saved = client.post(url, {"campaign": str(personas.campaign.id), "name": "张伟", "mobile": mobile(1),
                              "plate": "京A12345", "source": "manual", "contact_status": "not_contacted"},
                        csrf_from=url)
    assert saved.status_code == 302
    rows = [["李娜", mobile(1), "粤BD12345", vin(2), "朗逸", 1000]]  # same mobile, other car
    preview = upload(client, "customer_invitation", xlsx_file(INVITATION_HEADINGS, rows), "dup.xlsx",
                     campaign_id=personas.campaign.id)
    assert preview.status_code == 422
    assert f"手机“{mobile(1)}”已存在于系统中" in preview.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CustomerInvitation)) == 1
