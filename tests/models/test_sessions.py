"""User.session_token: which changes end a user's open sessions (issue 9, finding 3)."""
from __future__ import annotations

import pytest

from models import db
from tests.conftest import reload


@pytest.mark.parametrize("change", [
    lambda p, u: setattr(u, "role", "dealer_coordinator"),
    lambda p, u: setattr(u, "active", False),
    lambda p, u: setattr(u, "dealer_id", p.dealer_b.id),
    lambda p, u: u.set_password("another-password"),
])
def test_it_ends_sessions_on_a_change_of_who_the_user_is(personas, change):
    user = personas.sa_a
    before = user.session_token
    change(personas, user)
    db.session.commit()
    assert reload(user).session_token != before


def test_it_keeps_sessions_on_a_change_of_preferences(personas):
    user = personas.sa_a
    before = user.session_token
    user.locale, user.mobile = "en", "13800000000"
    db.session.commit()
    assert reload(user).session_token == before
