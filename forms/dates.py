"""Dates and times as people type them: 2014-01-27, 2014/1/27, 20140127, 2014年1月27日, 9:30, 9点30分.

One parser for the screens (the date fields below) and the Excel import (forms.definitions), so a
date that imports also saves from a form and the other way round.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_admin.form.widgets import DatePickerWidget, DateTimePickerWidget
from wtforms import fields

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%H时%M分", "%H点%M分", "%H%M")
DATE_HINT = "2014-01-27、2014/1/27 或 20140127"
DATETIME_HINT = "2014-01-27 09:30"


def _parse(text: str, formats: tuple[str, ...]) -> dt.datetime | None:
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str) -> dt.date | None:
    """The calendar day typed, None when it is not one."""
    text = text.strip()
    if ISO_DAY.fullmatch(text):  # what exports hold: the first format's day, without strptime's cost
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None  # 2014-02-30: no other format reads 10 characters with dashes either
    value = _parse(text, DATE_FORMATS)
    return None if value is None else value.date()


def parse_time(text: str) -> dt.time | None:
    value = _parse(text.strip(), TIME_FORMATS)
    return None if value is None else value.time()


def parse_datetime(text: str) -> dt.datetime | None:
    """A naive wall-clock time: a date, optionally followed by a time (midnight when left out);
    also 201401270930 typed without separators."""
    text = re.sub(r"\s+", " ", text.strip().replace("T", " "))
    if re.fullmatch(r"\d{12}", text):
        text = f"{text[:8]} {text[8:]}"
    day, _, clock = text.partition(" ")
    date = parse_date(day)
    time = parse_time(clock) if clock else dt.time()
    return None if date is None or time is None else dt.datetime.combine(date, time)


class _TypedField:
    """process_formdata for the fields below: any typed form of `parse`, a Chinese message else."""

    parse: Any
    what: str
    format_: str
    hint: str
    render: dict[str, str]

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"placeholder": f"如 {self.hint}", "autocomplete": "off",
                                        **self.render})
        kwargs.pop("format", None)
        super().__init__(label, validators, format=self.format_, **kwargs)  # type: ignore[call-arg]

    def process_formdata(self, valuelist: list[str]) -> None:
        text = " ".join(valuelist or []).strip()
        self.data = type(self).parse(text) if text else None
        if text and self.data is None:
            raise ValueError(f"{self.what}“{text}”无法识别，请按 {self.hint} 的样式填写")


class LocalDateField(_TypedField, fields.DateField):
    """A date field; the picker is the page's (static/widgets-zh.js)."""

    widget = DatePickerWidget()
    parse, what, format_, hint, render = staticmethod(parse_date), "日期", "%Y-%m-%d", DATE_HINT, {}


class LocalDateTimeField(_TypedField, fields.DateTimeField):
    """A date-time field read as Asia/Shanghai wall-clock time (the view converts it to UTC)."""

    widget = DateTimePickerWidget()
    parse, what, format_, hint = staticmethod(parse_datetime), "时间", "%Y-%m-%d %H:%M", DATETIME_HINT
    render = {"data-date-format": "YYYY-MM-DD HH:mm"}
