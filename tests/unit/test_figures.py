"""The period report's figures (core.figures) on a hand-built April 2026 at babel, with every
answer worked out by hand in the comments.

Babel's office is open 08:00-16:00 WIB (8 office hours) Monday to Friday. April 2026 starts on a
Wednesday; Friday 3 April is a national holiday (Jumat Agung), so April has 21 working days
(1-2, 6-10, 13-17, 20-24, 27-30): 168 office hours. May 2026 loses Friday 1 May (Hari Buruh),
Thursday 14 (Kenaikan Yesus Kristus), Friday 15 (cuti bersama), Wednesday 27 (Iduladha) and
Thursday 28 (cuti bersama): 16 working days, 128 office hours.

The tickets (jaringan-intra unless said; "officer" is who held it when it was closed):

- A: filed Thu 2 Apr 14:00, done Mon 6 Apr 10:00 by Sari. Office time: Thu 14-16 (2 h), the
  holiday and the weekend count nothing, Mon 8-10 (2 h) = 4 h. Target Mon 6 Apr 16:00 and due
  Wed 8 Apr 16:00: on target, on time.
- B: filed Mon 6 Apr 09:00, waited for the requester Mon 11:00 - Wed 8 Apr 10:00 (Mon 11-16
  5 h + Tue 8 h + Wed 8-10 2 h = 15 h), done Thu 9 Apr 12:00 by Sari. Office time Mon 09:00 -
  Thu 12:00 = 7 + 8 + 8 + 4 = 27 h, minus the pause = 12 h. Its due (3 working days: Thu 9 Apr
  16:00) moved by 15 h to Mon 13 Apr 15:00, as stored. Its stored target (Tue 7 Apr 16:00) is
  the filed one: moved by the same 15 h it is Thu 9 Apr 15:00, so closing at 12:00 is on target.
- C: pembangunan-aplikasi, filed Tue 14 Apr 08:00, due Wed 15 Apr 16:00, no target, done Fri
  17 Apr 16:00 by Budi: 4 full days = 32 h, late.
- D: filed Mon 20 Apr 08:00, done 09:30 by Sari: 1.5 h, on time, on target.
- E: done Tue 31 Mar (before the period): not counted.
- F: filed Tue 21 Apr 10:00, rejected Wed 22 Apr.
- G: filed Wed 29 Apr 10:00, done Mon 4 May 08:30 (after the period): received, and open at
  the period's end, 1 working day old (Thu 30).
- H: filed Thu 23 Apr, open: Fri 24, Mon 27 ... Thu 30 = 5 working days old.
- I: filed Mon 27 Apr, waiting for the requester since Tue 28: 3 working days old (28, 29, 30).
- J: filed Wed 25 Mar, open: more than 5 working days old; not received in April.
- K: filed Thu 30 Apr 15:00, open: 0 working days old.
- L: filed Sat 2 May (after the period): not counted anywhere.

Time to complete, sorted: jaringan-intra [1.5, 4, 12] h; the agency [1.5, 4, 12, 32] h.
Percentiles interpolate linearly between ranks: h = (n - 1) * p, x[floor h] + frac * step.
- jaringan-intra median: h = 1 -> 4 h; p90: h = 1.8 -> 4 + 0.8 * (12 - 4) = 10.4 h.
- agency median: h = 1.5 -> 4 + 0.5 * (12 - 4) = 8 h; p90: h = 2.7 -> 12 + 0.7 * 20 = 26 h.
"""

from __future__ import annotations

import statistics
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from core.catalog.schema import Catalog
from core.figures import (
    Backlog,
    ComplaintCount,
    Pause,
    PeriodError,
    PeriodFigures,
    ReportTicket,
    age_in_working_days,
    availability_services,
    percentile,
    period_bounds,
    period_figures,
    time_to_complete,
)
from core.sla import WorkingCalendar
from core.tickets import TicketStatus
from tests.support.workflow import ptk, wib

H = timedelta(hours=1)
SARI, BUDI = 11, 12
NAMES = {SARI: "Sari", BUDI: "Budi"}
APRIL = (date(2026, 4, 1), date(2026, 4, 30))
AFTER_APRIL = wib(2026, 5, 4, 12)
_ids = iter(range(1, 10_000))


def ticket(
    ref: str,
    created: datetime,
    *,
    service: str = "jaringan-intra",
    status: TicketStatus = TicketStatus.BARU,
    closed: datetime | None = None,
    due: datetime | None = None,
    target: datetime | None = None,
    officer: int | None = None,
    priority: int | None = None,
    pauses: tuple[Pause, ...] = (),
    complaint_class: str | None = None,
) -> ReportTicket:
    return ReportTicket(
        id=next(_ids),
        ref=ref,
        service=service,
        product=None,
        status=status,
        created_at=created,
        start_at=created,
        target_at=target,
        due_at=due or created + timedelta(days=30),
        closed_at=closed,
        officer_id=officer,
        priority=priority,
        complaint_class=complaint_class,
        pauses=pauses,
    )


def done(ref: str, created: datetime, closed: datetime, **kw: Any) -> ReportTicket:
    return ticket(ref, created, status=TicketStatus.SELESAI, closed=closed, **kw)


APRIL_TICKETS = [
    done(
        "A",
        wib(2026, 4, 2, 14),
        wib(2026, 4, 6, 10),
        target=wib(2026, 4, 6, 16),
        due=wib(2026, 4, 8, 16),
        officer=SARI,
    ),
    done(
        "B",
        wib(2026, 4, 6, 9),
        wib(2026, 4, 9, 12),
        target=wib(2026, 4, 7, 16),
        due=wib(2026, 4, 13, 15),
        officer=SARI,
        pauses=(Pause(wib(2026, 4, 6, 11), wib(2026, 4, 8, 10)),),
    ),
    done(
        "C",
        wib(2026, 4, 14, 8),
        wib(2026, 4, 17, 16),
        service="pembangunan-aplikasi",
        due=wib(2026, 4, 15, 16),
        officer=BUDI,
    ),
    done(
        "D",
        wib(2026, 4, 20, 8),
        wib(2026, 4, 20, 9, 30),
        target=wib(2026, 4, 21, 16),
        due=wib(2026, 4, 23, 16),
        officer=SARI,
    ),
    done("E", wib(2026, 3, 30, 9), wib(2026, 3, 31, 9), officer=SARI),
    ticket("F", wib(2026, 4, 21, 10), status=TicketStatus.DITOLAK, closed=wib(2026, 4, 22, 9)),
    done("G", wib(2026, 4, 29, 10), wib(2026, 5, 4, 8, 30), officer=BUDI),
    ticket("H", wib(2026, 4, 23, 9)),
    ticket(
        "I",
        wib(2026, 4, 27, 9),
        status=TicketStatus.MENUNGGU_PEMOHON,
        pauses=(Pause(wib(2026, 4, 28, 9)),),
    ),
    ticket("J", wib(2026, 3, 25, 9), status=TicketStatus.DIPROSES, officer=BUDI),
    ticket("K", wib(2026, 4, 30, 15)),
    ticket("L", wib(2026, 5, 2, 10)),
]


@pytest.fixture(scope="module")
def april(babel: Catalog, babel_cal: WorkingCalendar) -> PeriodFigures:
    return period_figures(
        APRIL_TICKETS,
        catalog=babel,
        calendar=babel_cal,
        first=APRIL[0],
        last=APRIL[1],
        now=AFTER_APRIL,
        officers=NAMES,
    )


# --------------------------------------------------------------------------- percentiles


def test_the_median_of_an_odd_count_is_the_middle_value() -> None:
    assert percentile([3 * H, 1 * H, 2 * H], 0.5) == 2 * H


def test_the_median_of_an_even_count_is_the_mean_of_the_two_middle_values() -> None:
    assert percentile([1 * H, 2 * H, 4 * H, 10 * H], 0.5) == 3 * H


def test_the_90th_percentile_interpolates_between_the_two_closest_ranks() -> None:
    # h = (5 - 1) * 0.9 = 3.6: x[3] + 0.6 * (x[4] - x[3]) = 4 + 0.6 * 6 = 7.6 h.
    assert percentile([1 * H, 2 * H, 3 * H, 4 * H, 10 * H], 0.9) == timedelta(hours=7.6)


def test_percentiles_agree_with_the_inclusive_method_of_the_statistics_module() -> None:
    values = [timedelta(minutes=m) for m in (7, 45, 45, 60, 130, 200, 481, 482, 900, 2400, 11)]
    hours_ = [v.total_seconds() / 3600 for v in values]
    deciles = statistics.quantiles(hours_, n=10, method="inclusive")
    p90, median = percentile(values, 0.9), percentile(values, 0.5)
    assert p90 is not None and median is not None
    assert p90.total_seconds() / 3600 == pytest.approx(deciles[8])
    assert median.total_seconds() / 3600 == pytest.approx(deciles[4])


def test_one_value_is_every_percentile_and_no_values_give_none() -> None:
    assert percentile([5 * H], 0.9) == percentile([5 * H], 0.5) == 5 * H
    assert percentile([], 0.5) is None


def test_a_fraction_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError):
        percentile([H], 90)


# --------------------------------------------------------------------------- office time


def test_time_to_complete_skips_the_weekend_and_the_national_holiday(
    babel_cal: WorkingCalendar,
) -> None:
    assert time_to_complete(babel_cal, APRIL_TICKETS[0]) == 4 * H


def test_time_to_complete_leaves_out_the_office_time_spent_waiting_for_the_requester(
    babel_cal: WorkingCalendar,
) -> None:
    assert time_to_complete(babel_cal, APRIL_TICKETS[1]) == 12 * H


def test_a_pause_before_the_clock_started_is_not_taken_off(babel_cal: WorkingCalendar) -> None:
    # Filed Fri 10 Apr 15:00, its clock started Mon 08:00 (a full day moved it, as daily
    # capacity does); the requester was asked Fri 15:00 and answered Mon 09:00.
    early = ticket(
        "X",
        wib(2026, 4, 10, 15),
        status=TicketStatus.SELESAI,
        closed=wib(2026, 4, 13, 12),
        pauses=(Pause(wib(2026, 4, 10, 15), wib(2026, 4, 13, 9)),),
    )
    started_monday = replace(early, start_at=wib(2026, 4, 13, 8))
    # Mon 08:00-12:00 = 4 h, minus the part of the pause after the start (08:00-09:00).
    assert time_to_complete(babel_cal, started_monday) == 3 * H


def test_ages_count_working_days_after_the_day_the_ticket_was_filed(
    babel_cal: WorkingCalendar,
) -> None:
    on = date(2026, 4, 6)  # Monday after the holiday and the weekend
    assert age_in_working_days(babel_cal, wib(2026, 4, 6, 15), on) == 0
    assert age_in_working_days(babel_cal, wib(2026, 4, 2, 9), on) == 1  # Thu: only Mon counts
    assert age_in_working_days(babel_cal, wib(2026, 4, 1, 9), on) == 2  # Wed: Thu and Mon
    assert age_in_working_days(babel_cal, wib(2026, 1, 5, 9), on) == 6  # capped past 5


# --------------------------------------------------------------------------- the agency


def test_the_agency_receives_completes_and_rejects_only_inside_the_period(
    april: PeriodFigures,
) -> None:
    total = april.total
    # Received: A B C D F G H I K (E, J in March; L in May).
    assert total.received == 9
    assert total.completion.completed == 4  # A B C D (E in March, G in May)
    assert total.rejected == 1  # F


def test_on_time_is_judged_against_the_due_and_on_target_against_the_moved_target(
    april: PeriodFigures,
) -> None:
    c = april.total.completion
    assert (c.on_time, c.late) == (3, 1)  # C was late
    # A, B and D have targets (C's SLA has none); B is on target once its pause moves it.
    assert (c.with_target, c.on_target, c.past_target) == (3, 3, 0)


def test_the_agency_median_and_90th_percentile_are_in_office_hours(april: PeriodFigures) -> None:
    c = april.total.completion
    assert c.median == 8 * H
    assert c.p90 == 26 * H
    assert c.paused == 15 * H  # only B waited among the completed


def test_tickets_open_at_the_period_end_are_banded_by_working_days(april: PeriodFigures) -> None:
    # K 0 and G 1 -> 0-1; I 3 -> 2-3; H 5 -> 4-5; J -> >5.
    assert april.total.backlog == Backlog(days_0_1=2, days_2_3=1, days_4_5=1, over_5=1)


# --------------------------------------------------------------------------- per group


def test_each_service_has_its_own_figures_in_catalog_order(april: PeriodFigures) -> None:
    network, apps = april.services
    assert (network.code, apps.code) == ("jaringan-intra", "pembangunan-aplikasi")
    assert (network.received, network.completion.completed, network.rejected) == (8, 3, 1)
    assert network.completion.median == 4 * H
    assert network.completion.p90 == timedelta(hours=10.4)
    assert network.backlog.total == 5
    assert (apps.received, apps.completion.completed, apps.completion.late) == (1, 1, 1)
    assert apps.completion.median == apps.completion.p90 == 32 * H


def test_officers_are_credited_with_what_they_held_when_it_was_finished(
    april: PeriodFigures,
) -> None:
    budi, sari = april.officers
    assert (budi.name, budi.completion.completed, budi.completion.late) == ("Budi", 1, 1)
    assert (sari.name, sari.completion.completed, sari.completion.on_time) == ("Sari", 3, 3)
    assert sari.completion.median == 4 * H


def test_an_unknown_officer_and_no_officer_come_last(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    rows = [
        done("N", wib(2026, 4, 6, 9), wib(2026, 4, 6, 10)),
        done("U", wib(2026, 4, 6, 9), wib(2026, 4, 6, 10), officer=99),
        done("S", wib(2026, 4, 6, 9), wib(2026, 4, 6, 10), officer=SARI),
    ]
    figures = period_figures(
        rows,
        catalog=babel,
        calendar=babel_cal,
        first=APRIL[0],
        last=APRIL[1],
        now=AFTER_APRIL,
        officers=NAMES,
    )
    assert [(o.officer_id, o.name) for o in figures.officers] == [
        (SARI, "Sari"),
        (99, None),
        (None, None),
    ]


# --------------------------------------------------------------------------- availability


def outage(ref: str, reported: datetime, restored: datetime | None) -> ReportTicket:
    status = TicketStatus.DIPROSES if restored is None else TicketStatus.SELESAI
    return ticket(ref, reported, status=status, closed=restored, priority=0)


def test_availability_lists_the_promised_and_the_disturbance_services(babel: Catalog) -> None:
    assert availability_services(babel) == {"jaringan-intra": 90.0}


def test_an_outage_over_two_days_counts_its_office_hours_only(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    # Tue 28 Apr 14:00 - Wed 29 Apr 10:00: 2 h + 2 h = 4 h of April's 168.
    rows = [outage("O1", wib(2026, 4, 28, 14), wib(2026, 4, 29, 10))]
    figures = period_figures(
        rows, catalog=babel, calendar=babel_cal, first=APRIL[0], last=APRIL[1], now=AFTER_APRIL
    )
    (april,) = figures.availability
    assert (april.service, april.month, april.first, april.last) == (
        "jaringan-intra",
        date(2026, 4, 1),
        date(2026, 4, 1),
        date(2026, 4, 30),
    )
    assert (april.office_time, april.downtime) == (168 * H, 4 * H)
    assert april.availability == pytest.approx(1 - 4 / 168)  # 97.62 %
    assert april.guarantee == 90.0 and april.meets_guarantee is True
    (listed,) = april.outages
    assert (listed.ref, listed.restored_at, listed.downtime) == ("O1", wib(2026, 4, 29, 10), 4 * H)


def test_an_outage_over_the_month_end_is_split_between_the_months(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    # Thu 30 Apr 15:00 - Mon 4 May 09:00: April 15-16 (1 h); 1 May is Hari Buruh, then the
    # weekend; May 8-9 (1 h). Overlapping O3 (Wed 29 Apr 08:00-12:00) and O1 (Tue 28 14:00 -
    # Wed 29 10:00) join: Tue 14-16 + Wed 8-12 = 6 h, so April is down 7 h of 168.
    rows = [
        outage("O1", wib(2026, 4, 28, 14), wib(2026, 4, 29, 10)),
        outage("O2", wib(2026, 4, 30, 15), wib(2026, 5, 4, 9)),
        outage("O3", wib(2026, 4, 29, 8), wib(2026, 4, 29, 12)),
        # Not outages: a one-room disturbance, and a refused report.
        ticket(
            "P1",
            wib(2026, 4, 7, 8),
            priority=1,
            status=TicketStatus.SELESAI,
            closed=wib(2026, 4, 9, 8),
        ),
        ticket(
            "P0",
            wib(2026, 4, 8, 8),
            priority=0,
            status=TicketStatus.DITOLAK,
            closed=wib(2026, 4, 9, 8),
        ),
    ]
    figures = period_figures(
        rows,
        catalog=babel,
        calendar=babel_cal,
        first=date(2026, 4, 1),
        last=date(2026, 5, 31),
        now=wib(2026, 6, 2, 9),
    )
    april, may = figures.availability
    assert [o.ref for o in april.outages] == ["O1", "O3", "O2"]
    assert [o.downtime for o in april.outages] == [4 * H, 4 * H, 1 * H]
    assert april.downtime == 7 * H
    assert april.availability == pytest.approx(1 - 7 / 168)
    assert (may.month, may.office_time, may.downtime) == (date(2026, 5, 1), 128 * H, 1 * H)
    assert [(o.ref, o.downtime) for o in may.outages] == [("O2", 1 * H)]


def test_an_outage_not_yet_restored_counts_until_the_period_ends(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    # Period Mon 6 - Fri 10 Apr (40 office hours); down from Mon 08:00, still down:
    # 40 h of 40, far below the 90 % promised.
    rows = [outage("O4", wib(2026, 4, 6, 8), None)]
    figures = period_figures(
        rows,
        catalog=babel,
        calendar=babel_cal,
        first=date(2026, 4, 6),
        last=date(2026, 4, 10),
        now=AFTER_APRIL,
    )
    (week,) = figures.availability
    assert (week.first, week.last, week.office_time, week.downtime) == (
        date(2026, 4, 6),
        date(2026, 4, 10),
        40 * H,
        40 * H,
    )
    assert week.availability == 0 and week.meets_guarantee is False
    assert week.outages[0].restored_at is None


def test_a_report_of_the_running_month_counts_up_to_now(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    # Now Wed 15 Apr 12:00: April so far is 1-2, 6-10, 13-14 (9 days, 72 h) + 4 h = 76 h.
    # The outage since Wed 08:00 is 4 h of those; K (filed at 11:00) is open, 0 days old.
    now = wib(2026, 4, 15, 12)
    rows = [outage("O5", wib(2026, 4, 15, 8), None), ticket("K", wib(2026, 4, 15, 11))]
    figures = period_figures(
        rows, catalog=babel, calendar=babel_cal, first=APRIL[0], last=APRIL[1], now=now
    )
    assert figures.until == now
    (april,) = figures.availability
    assert (april.office_time, april.downtime) == (76 * H, 4 * H)
    assert figures.total.backlog == Backlog(days_0_1=2)


# --------------------------------------------------------------------------- complaints


def test_complaints_are_counted_by_their_latest_class_with_the_unclassified_apart(
    kalbar: Catalog, kalbar_cal: WorkingCalendar
) -> None:
    rows = [
        ticket("Q1", ptk(2026, 4, 6, 9), service="pengaduan", complaint_class="ringan"),
        ticket("Q2", ptk(2026, 4, 7, 9), service="pengaduan", complaint_class="ringan"),
        ticket("Q3", ptk(2026, 4, 8, 9), service="pengaduan", complaint_class="normatif"),
        ticket("Q4", ptk(2026, 4, 9, 9), service="pengaduan"),
        ticket("Q5", ptk(2026, 3, 9, 9), service="pengaduan", complaint_class="ringan"),  # March
    ]
    figures = period_figures(
        rows, catalog=kalbar, calendar=kalbar_cal, first=APRIL[0], last=APRIL[1], now=AFTER_APRIL
    )
    assert figures.complaints == (
        ComplaintCount("ringan", 2),
        ComplaintCount("normatif", 1),
        ComplaintCount("tidak-berkadar-pengawasan", 0),
        ComplaintCount("berkadar-pengawasan", 0),
        ComplaintCount(None, 1),
    )


# --------------------------------------------------------------------------- the period


def test_the_period_runs_from_midnight_to_midnight_on_the_agency_clock(
    babel_cal: WorkingCalendar,
) -> None:
    assert period_bounds(babel_cal, *APRIL) == (wib(2026, 4, 1), wib(2026, 5, 1))


def test_a_period_that_ends_before_it_starts_is_refused(babel_cal: WorkingCalendar) -> None:
    with pytest.raises(PeriodError):
        period_bounds(babel_cal, date(2026, 4, 30), date(2026, 4, 1))
