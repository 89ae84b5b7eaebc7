"""Warnings and breach escalation, driven by a fake scheduler over frozen instants.

The main case is a babel network repair whose work step (tindak-lanjut, up to 3 working days)
was handed to a service-desk officer on Monday 2 Mar 2026 at 10:00. The ticket is due at the
published Thursday 5 Mar 16:00 and the report and filing after the work take 1 h 15 min, so the
work is due Thursday 14:45. Its office time is Mon 10-16 (6 h) + Tue, Wed (8 h each) + Thu
08:00-14:45 (6 h 45 min) = 28 h 45 min, so:
- warn-75 comes when a quarter (7 h 11 min 15 s) is left: Wednesday 15:33:45;
- warn-1h at Thursday 13:45;
- breach at Thursday 14:45.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from core.catalog.schema import Catalog
from core.sla import WorkingCalendar
from core.workflow import (
    WorkflowTicket,
    dispose,
    finish,
    request_completion,
    requester_completed,
)
from core.workflow_alerts import (
    EVENT_ALERT_KEY,
    Alert,
    alert_schedule,
    alerts_due,
    next_alert_at,
)
from tests.support.workflow import DESK, at_work_step, opened, ptk, wib

WORK = "tindak-lanjut"


@pytest.fixture(scope="module")
def cal(babel_cal: WorkingCalendar) -> WorkingCalendar:
    """Babel's calendar, which most cases here run on (tests/unit/conftest.py)."""
    return babel_cal


class FakeScheduler:
    """Sweeps at the given instants, remembering sent keys like the outbox's unique key."""

    def __init__(self, cal: WorkingCalendar) -> None:
        self.cal = cal
        self.sent: list[tuple[str, datetime]] = []
        self.alerts: list[Alert] = []

    @property
    def keys(self) -> set[str]:
        return {key for key, _ in self.sent}

    def sweep(self, ticket: WorkflowTicket, instants: Iterable[datetime]) -> None:
        for now in instants:
            for alert in alerts_due(ticket, self.cal, now, self.keys):
                self.sent.append((alert.key, now))
                self.alerts.append(alert)


def every(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    found, at = [], start
    while at <= end:
        found.append(at)
        at += step
    return found


QUARTER = timedelta(minutes=15)


def test_the_work_steps_alerts_fall_at_75_percent_one_hour_before_and_at_the_due(
    babel: Catalog, cal: WorkingCalendar
) -> None:
    assert alert_schedule(at_work_step(babel, cal), cal) == [
        ("warn-75", wib(2026, 3, 4, 15, 33, 45)),
        ("warn-1h", wib(2026, 3, 5, 13, 45)),
        ("breach", wib(2026, 3, 5, 14, 45)),
    ]


def test_a_scheduler_sweeping_every_quarter_hour_sends_each_alert_once_at_its_time(
    babel: Catalog, cal: WorkingCalendar
) -> None:
    scheduler = FakeScheduler(cal)
    scheduler.sweep(
        at_work_step(babel, cal), every(wib(2026, 3, 2, 10), wib(2026, 3, 9, 10), QUARTER)
    )
    assert scheduler.sent == [
        (f"{WORK}:warn-75", wib(2026, 3, 4, 15, 45)),  # the first sweep after 15:33:45
        (f"{WORK}:warn-1h", wib(2026, 3, 5, 13, 45)),
        (f"{WORK}:breach", wib(2026, 3, 5, 14, 45)),
    ]


def test_after_a_long_stop_only_the_breach_is_sent_and_only_once(
    babel: Catalog, cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, cal)
    scheduler = FakeScheduler(cal)
    # Running on Wednesday, down from Wednesday noon until the next Monday, then running again.
    scheduler.sweep(ticket, [wib(2026, 3, 4, 12), wib(2026, 3, 9, 10), wib(2026, 3, 9, 10, 1)])
    scheduler.sweep(ticket, every(wib(2026, 3, 9, 10, 15), wib(2026, 3, 10, 16), QUARTER))
    assert scheduler.sent == [(f"{WORK}:breach", wib(2026, 3, 9, 10))]
    assert next_alert_at(ticket, cal, scheduler.keys) is None


def test_a_warning_overtaken_by_a_later_one_is_never_sent(
    babel: Catalog, cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, cal)
    scheduler = FakeScheduler(cal)
    # Down from Wednesday until Thursday 13:50: the 75% warning was missed, the 1-hour one is due.
    scheduler.sweep(ticket, [wib(2026, 3, 4, 12)])
    scheduler.sweep(ticket, every(wib(2026, 3, 5, 13, 50), wib(2026, 3, 6, 12), QUARTER))
    assert [key for key, _ in scheduler.sent] == [f"{WORK}:warn-1h", f"{WORK}:breach"]


def test_the_breach_goes_to_the_officer_the_roles_superior_and_the_coordinators(
    babel: Catalog, cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, cal)
    (alert,) = alerts_due(ticket, cal, wib(2026, 3, 5, 14, 45), set())
    assert (alert.key, alert.kind, alert.step) == (f"{WORK}:breach", "breach", WORK)
    # service-desk's superior in babel.yaml is the computer officer (pranata-komputer).
    assert [(n.recipient_kind, n.recipient) for n in alert.notices] == [
        ("officer", DESK),
        ("role", "pranata-komputer"),
        ("coordinators", None),
    ]
    assert alert.notices[1].data["step_due_at"] == "2026-03-05T14:45:00+07:00"
    assert alert.event.kind == "escalated"
    assert alert.event.data["key"] == f"{WORK}:breach"


def test_warnings_go_only_to_whoever_holds_the_step(babel: Catalog, cal: WorkingCalendar) -> None:
    ticket = at_work_step(babel, cal)
    (alert,) = alerts_due(ticket, cal, wib(2026, 3, 5, 8, 30), set())
    assert alert.kind == "warn-75"
    assert [(n.recipient_kind, n.recipient, n.kind) for n in alert.notices] == [
        ("officer", DESK, "warn-75")
    ]
    assert alert.event.kind == "warned"


def test_the_head_of_office_has_no_superior_so_the_coordinators_hear_of_the_breach(
    babel: Catalog, cal: WorkingCalendar
) -> None:
    ticket = opened(babel, cal, "jaringan-intra", "perbaikan", wib(2026, 3, 2, 9))
    # 30 minutes: 75% is 09:22:30; a 1-hour warning would fall before the step began.
    assert alert_schedule(ticket, cal) == [
        ("warn-75", wib(2026, 3, 2, 9, 22, 30)),
        ("breach", wib(2026, 3, 2, 9, 30)),
    ]
    (alert,) = alerts_due(ticket, cal, wib(2026, 3, 2, 9, 30), {"disposisi-kadis:warn-75"})
    assert [(n.recipient_kind, n.recipient) for n in alert.notices] == [
        ("role", "kadis"),
        ("coordinators", None),
    ]


def test_a_four_hour_step_warns_once_when_its_75_percent_and_one_hour_marks_coincide(
    kalbar: Catalog, kalbar_cal: WorkingCalendar
) -> None:
    ticket = opened(kalbar, kalbar_cal, "hosting", None, ptk(2026, 3, 2, 8))
    for at in (ptk(2026, 3, 2, 9), ptk(2026, 3, 4, 8)):
        ticket = dispose(ticket, calendar=kalbar_cal, by=21, at=at).ticket
    assert (ticket.step, ticket.step_due_at) == ("konfirmasi", ptk(2026, 3, 4, 12))
    scheduler = FakeScheduler(kalbar_cal)
    scheduler.sweep(ticket, every(ptk(2026, 3, 4, 8), ptk(2026, 3, 4, 16), QUARTER))
    assert scheduler.sent == [
        ("konfirmasi:warn-1h", ptk(2026, 3, 4, 11)),
        ("konfirmasi:breach", ptk(2026, 3, 4, 12)),
    ]


def test_a_two_hour_step_warns_one_hour_before_and_again_at_75_percent(
    kalbar: Catalog, kalbar_cal: WorkingCalendar
) -> None:
    ticket = opened(kalbar, kalbar_cal, "konsultasi", None, ptk(2026, 3, 2, 9, 45))
    ticket = dispose(ticket, calendar=kalbar_cal, by=31, at=ptk(2026, 3, 2, 10)).ticket
    scheduler = FakeScheduler(kalbar_cal)
    scheduler.sweep(ticket, every(ptk(2026, 3, 2, 10), ptk(2026, 3, 2, 16), QUARTER))
    assert scheduler.sent == [
        ("beri-konsultasi:warn-1h", ptk(2026, 3, 2, 11)),
        ("beri-konsultasi:warn-75", ptk(2026, 3, 2, 11, 30)),
        ("beri-konsultasi:breach", ptk(2026, 3, 2, 12)),
    ]


def test_nothing_is_due_while_the_ticket_waits_for_the_requester_and_alerts_move_after(
    babel: Catalog, cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, cal)
    waiting = request_completion(ticket, "Mohon surat", by=DESK, at=wib(2026, 3, 3, 14)).ticket
    assert alerts_due(waiting, cal, wib(2026, 3, 9, 10), set()) == []
    assert next_alert_at(waiting, cal, set()) is None
    # 4 office hours waited (Tue 14-16, Wed 8-10): the step is due Friday 10:45. A pause of a
    # shortened step counts its own 30 h as its time, so the quarter left is 7.5 h before the
    # due, Thursday 11:15 (a little early rather than late).
    resumed = requester_completed(waiting, calendar=cal, at=wib(2026, 3, 4, 10)).ticket
    assert alert_schedule(resumed, cal) == [
        ("warn-75", wib(2026, 3, 5, 11, 15)),
        ("warn-1h", wib(2026, 3, 6, 9, 45)),
        ("breach", wib(2026, 3, 6, 10, 45)),
    ]


def test_a_breach_already_sent_is_not_followed_by_warnings_when_a_pause_moves_the_due(
    babel: Catalog, cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, cal)
    sent = {f"{WORK}:breach"}
    waiting = request_completion(ticket, "Mohon foto", by=DESK, at=wib(2026, 3, 6, 8)).ticket
    resumed = requester_completed(waiting, calendar=cal, at=wib(2026, 3, 9, 8)).ticket
    assert resumed.step_due_at == wib(2026, 3, 6, 14, 45)  # Thursday 14:45 + Friday's 8 h
    assert alerts_due(resumed, cal, wib(2026, 3, 9, 9), sent) == []
    assert next_alert_at(resumed, cal, sent) is None


def test_next_alert_at_names_the_next_instant_with_something_to_send(
    babel: Catalog, cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, cal)
    assert next_alert_at(ticket, cal, set()) == wib(2026, 3, 4, 15, 33, 45)
    assert next_alert_at(ticket, cal, {f"{WORK}:warn-75"}) == wib(2026, 3, 5, 13, 45)
    assert next_alert_at(ticket, cal, {f"{WORK}:warn-1h"}) == wib(2026, 3, 5, 14, 45)
    # A warning of an earlier step says nothing about this one.
    assert next_alert_at(ticket, cal, {"disposisi-kadis:breach"}) == wib(2026, 3, 4, 15, 33, 45)
    assert alerts_due(ticket, cal, wib(2026, 3, 4, 15, 33), set()) == []


def test_a_closed_ticket_has_no_alerts(babel: Catalog, cal: WorkingCalendar) -> None:
    ticket = at_work_step(babel, cal)
    for at in (wib(2026, 3, 3, 9), wib(2026, 3, 3, 9, 30)):
        ticket = dispose(ticket, calendar=cal, by=DESK, at=at).ticket
    done = finish(
        ticket,
        {
            "ringkasan_pekerjaan": "Ganti kabel",
            "ringkasan_masalah": "Kabel putus",
            "alternatif_solusi": "-",
            "lokasi": "Lantai 2",
            "petugas": "Andi",
        },
        by=DESK,
        at=wib(2026, 3, 3, 9, 40),
    ).ticket
    assert alerts_due(done, cal, wib(2026, 3, 20, 9), set()) == []
    assert next_alert_at(done, cal, set()) is None


def test_a_whole_ticket_sends_no_alert_twice_and_every_late_step_escalates_once(
    babel: Catalog, cal: WorkingCalendar
) -> None:
    ticket = opened(babel, cal, "jaringan-intra", "perbaikan", wib(2026, 3, 2, 9))
    scheduler = FakeScheduler(cal)
    # Officers act at these instants; the scheduler sweeps every 5 minutes in between.
    acts = [
        wib(2026, 3, 2, 10),  # kadis, 30 min late (due 09:30)
        wib(2026, 3, 2, 10, 5),  # kabid, quick
        wib(2026, 3, 2, 10, 10),  # prakom, quick
        wib(2026, 3, 4, 9),  # the desk's work, well within Thursday 16:00
        wib(2026, 3, 4, 11),  # the report, an hour late (due 10:00)
    ]
    now = wib(2026, 3, 2, 9)
    for act in acts:
        scheduler.sweep(ticket, every(now, act - timedelta(minutes=1), timedelta(minutes=5)))
        ticket = dispose(ticket, calendar=cal, by=DESK, at=act).ticket
        now = act
    # Filing is due 11:15 and never done; its 75% mark (11:11:15) and the breach are both due by
    # the 11:15 sweep, so only the breach goes out.
    scheduler.sweep(ticket, every(now, wib(2026, 3, 5, 12), timedelta(minutes=5)))
    assert scheduler.sent == [
        ("disposisi-kadis:warn-75", wib(2026, 3, 2, 9, 25)),
        ("disposisi-kadis:breach", wib(2026, 3, 2, 9, 30)),
        ("laporan:warn-75", wib(2026, 3, 4, 9, 45)),
        ("laporan:breach", wib(2026, 3, 4, 10)),
        ("arsip:breach", wib(2026, 3, 4, 11, 15)),
    ]


# --- the requester's event --------------------------------------------------------------------


def test_an_event_is_warned_of_one_office_hour_before_it_starts_once(
    kalbar: Catalog, kalbar_cal: WorkingCalendar
) -> None:
    ticket = opened(kalbar, kalbar_cal, "video-conference", None, ptk(2026, 3, 2, 8))
    ticket = replace(ticket, event_at=ptk(2026, 3, 3, 10))  # Tuesday 10:00
    first = next_alert_at(ticket, kalbar_cal, set())
    assert first is not None and first <= ptk(2026, 3, 3, 9)
    assert EVENT_ALERT_KEY not in {
        a.key for a in alerts_due(ticket, kalbar_cal, ptk(2026, 3, 3, 8, 59), set())
    }
    found = {a.key: a for a in alerts_due(ticket, kalbar_cal, ptk(2026, 3, 3, 9), set())}
    alert = found[EVENT_ALERT_KEY]
    assert [(n.recipient_kind, n.kind) for n in alert.notices] == [("role", "event-soon")]
    assert alert.notices[0].data["event_at"] == "2026-03-03T10:00:00+07:00"
    sent = {EVENT_ALERT_KEY}
    assert EVENT_ALERT_KEY not in {
        a.key for a in alerts_due(ticket, kalbar_cal, ptk(2026, 3, 3, 9, 30), sent)
    }


def test_an_event_on_a_saturday_is_warned_of_in_fridays_last_office_hour(
    kalbar: Catalog, kalbar_cal: WorkingCalendar
) -> None:
    ticket = opened(kalbar, kalbar_cal, "video-conference", None, ptk(2026, 3, 2, 8))
    ticket = replace(ticket, event_at=ptk(2026, 3, 7, 9))
    sent = {f"{ticket.step}:{kind}" for kind in ("warn-75", "warn-1h", "breach")}
    # kalbar closes at 16:30 on Fridays.
    assert next_alert_at(ticket, kalbar_cal, sent) == ptk(2026, 3, 6, 15, 30)


def test_a_closed_ticket_is_not_warned_of_its_event(babel: Catalog, cal: WorkingCalendar) -> None:
    ticket = replace(at_work_step(babel, cal), event_at=wib(2026, 3, 3, 10))
    for at in (wib(2026, 3, 3, 9), wib(2026, 3, 3, 9, 10)):
        ticket = dispose(ticket, calendar=cal, by=DESK, at=at).ticket
    done = finish(
        ticket,
        {
            k: "x"
            for k in (
                "ringkasan_pekerjaan",
                "ringkasan_masalah",
                "alternatif_solusi",
                "lokasi",
                "petugas",
            )
        },
        by=DESK,
        at=wib(2026, 3, 3, 9, 20),
    ).ticket
    assert alerts_due(done, cal, wib(2026, 3, 3, 9, 30), set()) == []
