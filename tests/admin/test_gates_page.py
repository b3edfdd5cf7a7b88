"""活动关口 page at a glance: five-phase stepper, per-dealer progress, decision history, picker."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from models import Campaign, db
from tests.conftest import reload
from tests.factories import participation_of

pytestmark = pytest.mark.as_created  # the stepper starts at the campaign's first phase


def _page(campaign):
    return f"/admin/gates/?campaign={campaign.id}"


def _decide(client, campaign, decision, version, dealer=None, note=""):
    data = {"campaign_id": campaign.id, "phase": reload(campaign).phase, "decision": decision,
            "version": version, "note": note}
    if dealer is not None:
        data["dealer_id"] = dealer.id
    return client.post("/admin/gates/decide", data, csrf_from=_page(campaign))


def test_it_shows_the_stepper_and_every_decision_with_who_when_and_why(personas, client_for):
    c = personas.campaign
    hq, rm = client_for(personas.hq), client_for(personas.rm)
    assert _decide(hq, c, "overridden", c.version_id, note="总部会议通过计划").status_code == 302
    part = participation_of(reload(c), personas.dealer_a)
    assert _decide(rm, c, "refused", part.version_id, dealer=personas.dealer_a,
                   note="顾客名单为空").status_code == 302

    html = hq.get(_page(c)).get_data(as_text=True)
    stepper = " ".join(html.split('class="gate-stepper')[1].split("</ol>")[0].split())
    assert stepper.count("gate-step-done") == 1 and stepper.count('aria-current="step"') == 1
    assert "1 · 提出" in stepper and "强制通过 · 测试hq" in stepper
    history = html.split('id="gate-history"')[1].split("</table>")[0]
    assert "提出关口：强制通过；理由：总部会议通过计划" in history
    assert "北京甲特约店" in history and "准备关口：驳回；理由：顾客名单为空" in history
    shown = html.replace('value="refused"', "").replace('value="overridden"', "").replace('value="approved"', "")
    assert "refused" not in shown and "overridden" not in shown  # no raw codes on the page
    assert "0/3 项" in html  # each dealer's progress on its current gate

    own = client_for(personas.coord_b).get(_page(c)).get_data(as_text=True)
    assert "顾客名单为空" not in own and "总部会议通过计划" not in own  # another dealer's and HQ's notes


def test_it_reopens_the_campaign_the_user_picked_last(personas, client_for):
    newer = Campaign(name="2015夏日检测", type="summer_ac", starts_on=dt.date(2015, 6, 1), ends_on=dt.date(2015, 6, 30))
    db.session.add(newer)
    db.session.commit()
    hq = client_for(personas.hq)
    assert "活动「2015夏日检测」" in hq.get("/admin/gates/").get_data(as_text=True)  # newest open first
    hq.get(_page(personas.campaign))
    assert "活动「2014车主回娘家」" in hq.get("/admin/gates/").get_data(as_text=True)


def test_it_links_gate_items_to_the_rows_to_fix_and_offers_approval_only_when_all_are_met(personas, client_for):
    from models import PreparationItem
    from tests.factories import move_to_phase, prepare_dealer

    c, a = personas.campaign, personas.dealer_a
    move_to_phase(c, "preparation")
    prepare_dealer(c, a)
    db.session.add(PreparationItem(campaign_id=c.id, dealer_id=a.id, item="礼品袋", quantity=100, ready=False))
    db.session.commit()
    coord, rm = client_for(personas.coord_a), client_for(personas.rm)

    html = rm.get(_page(c)).get_data(as_text=True)
    row_a = html.split("北京甲特约店")[1].split("</tr>")[0]
    assert "✘" in row_a and 'value="approved"' not in row_a and 'value="refused"' in row_a
    link = re.search(r'<a href="([^"]+)">现场物品全部备妥</a>', row_a).group(1)
    assert "/admin/preparation_item/?flt0_" in link.replace("&amp;", "&")  # the list, not a new form
    listed = coord.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "礼品袋" in listed and "标示贴" not in listed  # only the unready row
    assert "标示贴" in coord.get("/admin/preparation_item/").get_data(as_text=True)
    # the campaign item about dealers points at the dealers on this page, not a new participation
    assert f'href="/admin/gates/?campaign={c.id}#dealers"' in client_for(personas.hq).get(_page(c)).get_data(
        as_text=True).replace("&amp;", "&")

    db.session.execute(db.update(PreparationItem).values(ready=True))
    db.session.commit()
    row_a = rm.get(_page(c)).get_data(as_text=True).split("北京甲特约店")[1].split("</tr>")[0]
    assert 'value="approved"' not in row_a  # all ✔, but the dealer has not submitted it for review
    resp = _decide(rm, c, "approved", participation_of(reload(c), a).version_id, dealer=a)
    assert resp.status_code == 409 and "尚未提交「准备」关口审核" in resp.get_data(as_text=True)
    assert coord.post("/admin/gates/submit", {"campaign_id": c.id, "dealer_id": a.id, "phase": "preparation"},
                      csrf_from=_page(c)).status_code == 302
    row_a = rm.get(_page(c)).get_data(as_text=True).split("北京甲特约店")[1].split("</tr>")[0]
    assert 'value="approved"' in row_a


def test_it_names_the_missing_weekly_summaries_by_their_days_in_the_window(personas):
    from models.gates import dealer_items
    from tests.factories import participation_of

    c = personas.campaign  # 2014-01-15 (a Wednesday) – 2014-02-17 (a Monday)
    weekly = dealer_items(db.session, participation_of(c, personas.dealer_a), "execution", dt.date(2014, 2, 20))[0]
    assert weekly.detail.startswith("0/6 周；缺：01-15至01-19（01-20周一17:00前）、01-20至01-26")
    assert weekly.detail.endswith("02-17至02-17（02-24周一17:00前）")
