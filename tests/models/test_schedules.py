"""Time rules with fixed clocks: Monday 17:00 Asia/Shanghai is 09:00 UTC; midnight differs by 8 h."""
from __future__ import annotations

import datetime as dt
import socketserver
import threading

import pytest
from sqlalchemy import select

from models import Callback, Complaint, Notification, User, WeeklySummary, WorkOrder, db
from models.schedules import (callback_due_list, callback_status, check_weekly_summaries,
                              complaint_breaches, escalate_complaints, is_late, notify,
                              open_callbacks, previous_week_start, smtp_mailer, weekly_due_at)

UTC = dt.UTC
WEEK = dt.date(2014, 1, 13)  # a Monday inside the fixture campaign (2014-01-15 … 2014-02-17)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_it_makes_the_summary_due_monday_17_shanghai_which_is_09_utc():
    assert weekly_due_at(WEEK) == utc(2014, 1, 20, 9, 0)
    assert weekly_due_at(dt.date(2014, 1, 16)) == utc(2014, 1, 20, 9, 0)  # any day of that week
    assert not is_late(WEEK, utc(2014, 1, 20, 8, 59), utc(2014, 1, 25))
    assert is_late(WEEK, utc(2014, 1, 20, 9, 1), utc(2014, 1, 20, 9, 1))
    assert not is_late(WEEK, None, utc(2014, 1, 20, 9, 0))
    assert is_late(WEEK, None, utc(2014, 1, 20, 9, 0, 1))


def test_it_finds_the_previous_week_by_the_shanghai_date_across_midnight():
    # Sunday 2014-01-26 17:30 UTC is already Monday 01:30 in Shanghai: "last week" is 01-20.
    assert previous_week_start(utc(2014, 1, 26, 17, 30)) == dt.date(2014, 1, 20)
    assert previous_week_start(utc(2014, 1, 26, 15, 59)) == dt.date(2014, 1, 13)


def test_it_flags_exactly_the_late_and_missing_dealers_once(personas):
    c, a, b, cc = personas.campaign, personas.dealer_a, personas.dealer_b, personas.dealer_c
    db.session.add_all([
        WeeklySummary(campaign_id=c.id, dealer_id=a.id, week_start=WEEK, submitted_at=utc(2014, 1, 20, 8, 0)),
        WeeklySummary(campaign_id=c.id, dealer_id=b.id, week_start=WEEK, submitted_at=utc(2014, 1, 20, 9, 30)),
    ])
    db.session.commit()
    assert check_weekly_summaries(db.session, utc(2014, 1, 20, 8, 59)) == []  # before the deadline
    late = check_weekly_summaries(db.session, utc(2014, 1, 20, 9, 0, 1))
    assert [(x.dealer_id, x.submitted_at is None) for x in late] == [(b.id, False), (cc.id, True)]
    rows = {r.dealer_id: r.late for r in db.session.scalars(select(WeeklySummary))}
    assert rows == {a.id: False, b.id: True, cc.id: True}
    notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    # B: coordinator + regional manager of 华北; C: coordinator only (no manager for 华南)
    assert sorted(n.user_id for n in notes) == sorted([personas.coord_b.id, personas.rm.id,
                                                       personas.coord_c.id])
    check_weekly_summaries(db.session, utc(2014, 1, 20, 10, 0))
    assert len(db.session.scalars(select(Notification)).all()) == 3


def test_it_opens_callbacks_due_seven_days_after_the_visit(personas):
    c, a = personas.campaign, personas.dealer_a
    for n, day in (("W1", 16), ("W2", 20)):
        db.session.add(WorkOrder(campaign_id=c.id, dealer_id=a.id, number=n, visited_on=dt.date(2014, 1, day)))
    db.session.flush()
    assert open_callbacks(db.session, c.id) == 2 and open_callbacks(db.session, c.id) == 0
    assert sorted(cb.due_on for cb in db.session.scalars(select(Callback))) == \
        [dt.date(2014, 1, 23), dt.date(2014, 1, 27)]
    # 2014-01-23 16:30 UTC is 01-24 00:30 in Shanghai: W1 is overdue there, not yet in UTC
    due = callback_due_list(db.session, utc(2014, 1, 23, 16, 30))
    assert [(wo.number, s) for wo, _, s in due[a.id]] == [("W1", "overdue"), ("W2", "due")]
    due = callback_due_list(db.session, utc(2014, 1, 23, 15, 59))
    assert [(wo.number, s) for wo, _, s in due[a.id]] == [("W1", "due"), ("W2", "due")]
    first = db.session.scalar(select(Callback).where(Callback.due_on == dt.date(2014, 1, 23)))
    first.outcome = "unreachable"
    db.session.flush()
    assert [wo.number for wo, _, _ in callback_due_list(db.session, utc(2014, 1, 30))[a.id]] == ["W2"]
    assert callback_status(dt.date(2014, 1, 16), True, dt.date(2014, 3, 1)) == "done"


def _complaint(personas, registered, **kw):
    c = Complaint(campaign_id=personas.campaign.id, dealer_id=personas.dealer_a.id, customer_name="李女士",
                  description="等候时间过长", registered_at=registered, **kw)
    db.session.add(c)
    db.session.flush()
    return c


def test_it_escalates_complaints_after_24h_unacknowledged_or_48h_unresolved(personas):
    t0 = utc(2014, 1, 20, 2, 0)
    c = _complaint(personas, t0)
    assert complaint_breaches(c, t0 + dt.timedelta(hours=24)) == []
    assert complaint_breaches(c, t0 + dt.timedelta(hours=24, seconds=1)) == ["未在24小时内受理"]
    c.acknowledged_at, c.status = t0 + dt.timedelta(hours=3), "acknowledged"
    assert complaint_breaches(c, t0 + dt.timedelta(hours=47)) == []
    assert complaint_breaches(c, t0 + dt.timedelta(hours=49)) == ["未在48小时内解决"]
    done = _complaint(personas, t0, status="resolved", acknowledged_at=t0, resolved_at=t0 + dt.timedelta(hours=5))
    assert complaint_breaches(done, t0 + dt.timedelta(days=9)) == []
    escalated = escalate_complaints(db.session, t0 + dt.timedelta(hours=49))
    assert escalated == [c] and c.escalated_at == t0 + dt.timedelta(hours=49)
    note = db.session.scalars(select(Notification)).one()
    assert note.user_id == personas.rm.id and note.kind == "complaint_escalated"
    assert escalate_complaints(db.session, t0 + dt.timedelta(hours=80)) == []


class _Sink(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message (smtpd is gone from the standard library)."""

    def handle(self):
        self.wfile.write(b"220 sink\r\n")
        data = False
        while line := self.rfile.readline():
            if data:
                if line == b".\r\n":
                    data = False
                    self.wfile.write(b"250 ok\r\n")
                else:
                    self.server.received.append(line)
                continue
            verb = line[:4].upper()
            if verb == b"DATA":
                data = True
                self.wfile.write(b"354 go\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_sink():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Sink)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_it_sends_email_only_when_smtp_is_configured(personas, smtp_sink):
    assert smtp_mailer({"SMTP_HOST": ""}) is None
    personas.rm.email = "rm@example.com"
    mailer = smtp_mailer({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_sink.server_address[1],
                          "MAIL_FROM": "desk@example.com"})
    rows = notify(db.session, [personas.rm, personas.coord_a], kind="test", title="投诉升级", body="正文",
                  mailer=mailer)
    assert [r.emailed_at is not None for r in rows] == [True, False]  # coord_a has no e-mail
    text = b"".join(smtp_sink.received)
    assert b"To: rm@example.com" in text and b"Subject:" in text


def test_it_keeps_the_inbox_row_when_the_mail_server_is_down(personas):
    personas.rm.email = "rm@example.com"
    mailer = smtp_mailer({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": 9, "MAIL_FROM": "desk@example.com"})
    rows = notify(db.session, [db.session.get(User, personas.rm.id)], kind="t", title="x", mailer=mailer)
    assert len(rows) == 1 and rows[0].emailed_at is None


def test_it_tells_each_coordinator_once_a_day_how_many_callbacks_are_due(personas):
    from models.schedules import notify_callbacks_due

    c, a, b = personas.campaign, personas.dealer_a, personas.dealer_b
    for dealer, n, day in ((a, "A1", 16), (a, "A2", 20), (b, "B1", 21)):
        db.session.add(WorkOrder(campaign_id=c.id, dealer_id=dealer.id, number=n, visited_on=dt.date(2014, 1, day)))
    db.session.flush()
    # 2014-01-23 16:30 UTC = 01-24 00:30 Shanghai: A1 (due 01-23) is overdue there
    assert notify_callbacks_due(db.session, utc(2014, 1, 23, 16, 30)) == {a.id: (1, 1), b.id: (1, 0)}
    notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [(n.user_id, n.kind, n.dealer_id) for n in notes] == [(personas.coord_a.id, "callback_due", a.id),
                                                                 (personas.coord_b.id, "callback_due", b.id)]
    assert notes[0].title == "2014-01-24 待回访提醒：北京甲特约店 共 2 台"
    assert "到期 1 台，已逾期 1 台" in notes[0].body
    notify_callbacks_due(db.session, utc(2014, 1, 24, 3, 0))  # later the same Shanghai day: nothing new
    assert len(db.session.scalars(select(Notification)).all()) == 2
    notify_callbacks_due(db.session, utc(2014, 1, 24, 16, 0))  # 01-25 00:00 Shanghai: a new day
    assert len(db.session.scalars(select(Notification)).all()) == 4
