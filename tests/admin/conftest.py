"""The screens' tests write a running campaign's records (phase windows, models/windows.py)."""
from __future__ import annotations

import pytest

from models import db
from tests.factories import move_to_phase


@pytest.fixture(autouse=True)
def _campaign_in_execution(request):
    """Most forms are filled while the campaign runs (执行); a test of another phase moves it itself,
    and a test of the phase gates keeps the campaign as created (mark `as_created`)."""
    if "personas" in request.fixturenames and request.node.get_closest_marker("as_created") is None:
        move_to_phase(request.getfixturevalue("personas").campaign, "execution")
        db.session.commit()
