"""评选/奖励 page over HTTP: HQ weighs and publishes; dealers see only the published list."""
from __future__ import annotations

from models import AwardRanking, db
from tests.models.test_awards import _trained

URL = "/admin/awards/"


def test_it_lets_hq_weigh_publish_and_then_freezes(client_for, personas):
    _trained(personas, personas.dealer_a, [70])
    _trained(personas, personas.dealer_b, [90])
    db.session.commit()
    hq, coord = client_for(personas.hq), client_for(personas.coord_a)
    assert "评选结果尚未发布" in coord.get(URL).get_data(as_text=True)
    assert "北京乙特约店" not in coord.get(URL).get_data(as_text=True)
    weights = {"training": "50", "organization": "10", "truthfulness": "10", "callbacks": "10",
               "satisfaction": "10", "revenue": "10"}
    campaign = str(personas.campaign.id)
    assert hq.post(f"{URL}weights", {**weights, "campaign": campaign}, csrf_from=URL).status_code == 302
    page = hq.get(URL).get_data(as_text=True)
    assert "草稿" in page and "<strong>45.00</strong>" in page  # 90 × 50 / 100
    bad = hq.post(f"{URL}weights", {**weights, "training": "abc", "campaign": campaign}, csrf_from=URL)
    assert bad.status_code == 400 and "整数" in bad.get_data(as_text=True)
    assert coord.post(f"{URL}publish", {"campaign": campaign}, csrf_from=URL).status_code == 403
    assert hq.post(f"{URL}publish", {"campaign": campaign}, csrf_from=URL).status_code == 302
    again = hq.post(f"{URL}publish", {"campaign": campaign}, csrf_from=URL)
    assert again.status_code == 409 and "不能重复发布" in again.get_data(as_text=True)
    late = hq.post(f"{URL}weights", {**weights, "campaign": campaign}, csrf_from=URL)
    assert late.status_code == 409 and "不能再修改" in late.get_data(as_text=True)
    page = coord.get(URL).get_data(as_text=True)
    assert "已于" in page and "北京乙特约店" in page and "<strong>45.00</strong>" in page
    assert db.session.query(AwardRanking).one().published_at is not None


def test_it_answers_unknown_campaigns_with_404(client_for, personas):
    assert client_for(personas.hq).get(f"{URL}?campaign=999999").status_code == 404
    assert client_for(personas.coord_a).get(f"{URL}?campaign=x").status_code == 404
    assert client_for(None).get(URL).status_code == 302
