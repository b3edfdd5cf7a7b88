"""Dates as people type them, read the same by the screens and the import."""
from __future__ import annotations

import datetime as dt

import pytest

from forms.dates import parse_date, parse_datetime


@pytest.mark.parametrize("typed", ["2014-01-27", "2014/1/27", "20140127", "2014.1.27", "2014年1月27日",
                                   " 2014/01/27 "])
def test_it_reads_every_way_of_typing_a_date(typed):
    assert parse_date(typed) == dt.date(2014, 1, 27)


@pytest.mark.parametrize("typed", ["2014-13-01", "27/01/2014", "2014-01", "0002-01-01014-01-27", "明天"])
def test_it_refuses_what_is_not_a_date(typed):
    assert parse_date(typed) is None


@pytest.mark.parametrize("typed,expected", [
    ("2014-01-27 09:30", dt.datetime(2014, 1, 27, 9, 30)),
    ("2014/1/27 9:30", dt.datetime(2014, 1, 27, 9, 30)),
    ("201401270930", dt.datetime(2014, 1, 27, 9, 30)),
    ("2014-01-27T09:30:15", dt.datetime(2014, 1, 27, 9, 30, 15)),
    ("2014年1月27日 9点30分", dt.datetime(2014, 1, 27, 9, 30)),
    ("20140127", dt.datetime(2014, 1, 27)),
])
def test_it_reads_every_way_of_typing_a_time(typed, expected):
    assert parse_datetime(typed) == expected


def test_it_refuses_a_time_past_midnight():
    assert parse_datetime("2014-01-27 25:00") is None
