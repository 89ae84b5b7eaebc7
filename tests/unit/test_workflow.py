"""The workflow along the real procedures, hand-computed on the 2026 Indonesian calendar.

Reference (2026, from the `holidays` package): 2 Mar is a Monday; 18-24 Mar are Nyepi, Idul Fitri
and their cuti bersama (21-22 are a weekend); 24 Dec is cuti bersama Natal and 25 Dec Natal;
1 Jan 2027 (Friday) is Tahun Baru. Babel works 08.00-16.00 WIB, Monday to Friday; kalbar
07.30-16.00 WIB (Asia/Pontianak), Friday until 16.30.

Babel's network service (jaringan-intra) runs: disposisi-kadis 30 min, disposisi-kabid 15 min,
perintah-prakom 15 min, tindak-lanjut = the product's SLA (perbaikan: 1-3 working days, due at
the upper bound), laporan 1 hour, arsip 15 min. "N working days" from an instant ends at closing
time of the Nth working day after that instant's date.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from core.catalog.schema import Catalog, Service
from core.kinds import NoticeKind
from core.sla import WorkingCalendar
from core.sla.duration import parse_sla
from core.tickets import TicketStatus
from core.workflow import (
    Notice,
    PlannedStep,
    Transition,
    WorkflowError,
    WorkflowTicket,
    assign,
    complaint_due,
    complaint_role,
    dispose,
    finish,
    note,
    open_ticket,
    plan_is_compressed,
    plan_steps,
    published_times,
    reject,
    request_completion,
    requester_completed,
    take,
)
from tests.support import workflow as support
from tests.support.workflow import DESK, KABID, KADIS, PRAKOM, WIB, opened, ptk, wib

REF = "BABEL-2026-00001"

DESK_2, COORD = 8, 9

BERITA_ACARA = {
    "ringkasan_pekerjaan": "Mengganti kabel UTP dan mengatur ulang switch lantai 2",
    "ringkasan_masalah": "Koneksi intranet ruang rapat putus",
    "alternatif_solusi": "Jalur cadangan melalui access point",
    "lokasi": "Gedung Dinas Pendidikan lantai 2",
    "petugas": "Andi Saputra",
}


def plan(
    catalog: Catalog, cal: WorkingCalendar, service: str, product: str | None, at: datetime
) -> list[PlannedStep]:
    found = catalog.service(service)
    assert found is not None
    return plan_steps(found, product, cal, at)


def repair(catalog: Catalog, cal: WorkingCalendar, at: datetime) -> WorkflowTicket:
    """A babel network-repair ticket submitted at `at`."""
    return opened(catalog, cal, "jaringan-intra", "perbaikan", at, ref=REF)


def at_work_step(catalog: Catalog, cal: WorkingCalendar) -> WorkflowTicket:
    """Submitted Monday 2 Mar 09:00 and disposed on time down to the service desk at 10:00."""
    return support.at_work_step(catalog, cal, ref=REF)


def requester_notices(transition: Transition) -> list[Notice]:
    return [n for n in transition.notices if n.recipient_kind == "requester"]


# --- plans ----------------------------------------------------------------------------------


def test_babel_repair_plan_on_a_monday_morning_fits_every_step_inside_the_published_due(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    steps = plan(babel, babel_cal, "jaringan-intra", "perbaikan", wib(2026, 3, 2, 9))
    assert steps == [
        PlannedStep("disposisi-kadis", "kadis", wib(2026, 3, 2, 9, 30)),
        PlannedStep("disposisi-kabid", "kabid", wib(2026, 3, 2, 9, 45)),
        PlannedStep("perintah-prakom", "pranata-komputer", wib(2026, 3, 2, 10)),
        # Published "1-3 hari kerja" ends Thursday 16:00; the report (1 h) and filing (15 min)
        # must still fit, so the work ends at 14:45.
        PlannedStep("tindak-lanjut", "service-desk", wib(2026, 3, 5, 14, 45)),
        PlannedStep("laporan", "service-desk", wib(2026, 3, 5, 15, 45)),
        PlannedStep("arsip", "service-desk", wib(2026, 3, 5, 16)),
    ]


def test_the_published_standard_is_the_tickets_due_whatever_the_sop_steps_add_up_to(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    service = babel.service("jaringan-intra")
    assert service is not None
    times = published_times(service, "perbaikan", babel_cal, wib(2026, 3, 2, 9))
    # Published "1-3 hari kerja": target Tuesday 16:00, due Thursday 16:00.
    assert times.start == wib(2026, 3, 2, 9)
    assert times.target == wib(2026, 3, 3, 16)
    assert times.due == wib(2026, 3, 5, 16)
    assert not plan_is_compressed(service, "perbaikan", babel_cal, wib(2026, 3, 2, 9))


def test_a_friday_afternoon_request_carries_its_dispositions_over_the_weekend(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    steps = plan(babel, babel_cal, "jaringan-intra", "perbaikan", wib(2026, 3, 6, 15, 40))
    assert [s.due_at for s in steps] == [
        wib(2026, 3, 9, 8, 10),  # 20 min on Friday, 10 on Monday
        wib(2026, 3, 9, 8, 25),
        wib(2026, 3, 9, 8, 40),
        wib(2026, 3, 11, 14, 45),  # due Wed 11 16:00 (Mon, Tue, Wed), less 1 h 15 min
        wib(2026, 3, 11, 15, 45),
        wib(2026, 3, 11, 16),
    ]


def test_a_saturday_request_starts_on_monday_morning(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    steps = plan(babel, babel_cal, "jaringan-intra", "perbaikan", wib(2026, 3, 7, 10))
    assert steps[0].due_at == wib(2026, 3, 9, 8, 30)
    assert steps[3].due_at == wib(2026, 3, 12, 14, 45)


def test_the_christmas_cuti_bersama_and_new_year_are_skipped(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    steps = plan(babel, babel_cal, "jaringan-intra", "perbaikan", wib(2026, 12, 23, 15, 30))
    assert [s.due_at for s in steps] == [
        wib(2026, 12, 23, 16),  # the half hour left on Wednesday
        wib(2026, 12, 28, 8, 15),  # Thu 24 cuti bersama, Fri 25 Natal, weekend
        wib(2026, 12, 28, 8, 30),
        wib(2026, 12, 30, 14, 45),  # due Wed 30 (Mon 28, Tue 29, Wed 30), less 1 h 15 min
        wib(2026, 12, 30, 15, 45),
        wib(2026, 12, 30, 16),
    ]
    service = babel.service("jaringan-intra")
    assert service is not None
    published = babel_cal.due(wib(2026, 12, 23, 15, 30), service.sla_for("perbaikan"))
    assert published.due == wib(2026, 12, 30, 16) == steps[-1].due_at


def test_kalbar_hosting_plan_stays_within_the_published_three_working_days(
    kalbar: Catalog, kalbar_cal: WorkingCalendar
) -> None:
    steps = plan(kalbar, kalbar_cal, "hosting", None, ptk(2026, 3, 2, 10))
    assert steps == [
        PlannedStep("kaji", "aptika", ptk(2026, 3, 3, 16)),
        PlannedStep("aktivasi", "aptika", ptk(2026, 3, 4, 16)),
        PlannedStep("konfirmasi", "aptika", ptk(2026, 3, 5, 11, 30)),  # 07.30 + 4 h
    ]
    service = kalbar.service("hosting")
    assert service is not None
    # The published 3 working days end Thursday 16:00, after the last step: that due stands.
    assert published_times(service, None, kalbar_cal, ptk(2026, 3, 2, 10)).due == ptk(
        2026, 3, 5, 16
    )


def test_kalbar_hosting_uses_the_longer_friday(
    kalbar: Catalog, kalbar_cal: WorkingCalendar
) -> None:
    steps = plan(kalbar, kalbar_cal, "hosting", None, ptk(2026, 3, 5, 10))
    assert [s.due_at for s in steps] == [
        ptk(2026, 3, 6, 16, 30),
        ptk(2026, 3, 9, 16),
        ptk(2026, 3, 10, 11, 30),
    ]


# --- opening and disposing ------------------------------------------------------------------


def test_a_new_ticket_waits_for_the_first_steps_role_with_that_steps_due(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    service = babel.service("jaringan-intra")
    assert service is not None
    opened = open_ticket(
        ref=REF,
        agency=babel.agency,
        service=service,
        product="perbaikan",
        calendar=babel_cal,
        at=wib(2026, 3, 2, 9),
    )
    ticket = opened.ticket
    assert (ticket.status, ticket.step, ticket.role, ticket.officer) == (
        TicketStatus.BARU,
        "disposisi-kadis",
        "kadis",
        None,
    )
    assert ticket.step_due_at == wib(2026, 3, 2, 9, 30)
    assert ticket.clock.due == wib(2026, 3, 5, 16)
    assert [e.kind for e in opened.events] == ["opened"]
    assert opened.events[0].actor_kind == "requester"
    assert [(n.recipient_kind, n.recipient, n.kind) for n in opened.notices] == [
        ("role", "kadis", "new-ticket")
    ]


def test_a_walk_in_ticket_is_logged_as_filed_by_the_officer(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    service = babel.service("jaringan-intra")
    assert service is not None
    opened = open_ticket(
        ref=REF,
        agency=babel.agency,
        service=service,
        product="perbaikan",
        calendar=babel_cal,
        at=wib(2026, 3, 2, 9),
        by=DESK,
    )
    assert (opened.events[0].actor_kind, opened.events[0].actor_id) == ("officer", DESK)


def test_a_babel_repair_is_disposed_through_every_step_and_finished_with_the_berita_acara(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = repair(babel, babel_cal, wib(2026, 3, 2, 9))

    kadis = dispose(
        ticket,
        calendar=babel_cal,
        by=KADIS,
        at=wib(2026, 3, 2, 9, 20),
        instruction="Mohon segera ditindaklanjuti",
    )
    ticket = kadis.ticket
    assert (ticket.step, ticket.role, ticket.status) == (
        "disposisi-kabid",
        "kabid",
        TicketStatus.DIPROSES,
    )
    # Each step's due counts from the disposition, not from the plan.
    assert ticket.step_due_at == wib(2026, 3, 2, 9, 35)
    assert kadis.events[0].kind == "disposed"
    assert kadis.events[0].data["instruction"] == "Mohon segera ditindaklanjuti"
    assert [(n.recipient_kind, n.recipient, n.kind) for n in kadis.notices] == [
        ("role", "kabid", "disposition"),
        ("requester", None, "status"),
    ]
    assert requester_notices(kadis)[0].data["status"] == "diproses"

    ticket = dispose(ticket, calendar=babel_cal, by=KABID, at=wib(2026, 3, 2, 9, 40)).ticket
    assert (ticket.step, ticket.step_due_at) == ("perintah-prakom", wib(2026, 3, 2, 9, 55))

    # The computer officer names the service-desk officer who does the work.
    prakom = dispose(ticket, calendar=babel_cal, by=PRAKOM, at=wib(2026, 3, 2, 10), to_officer=DESK)
    ticket = prakom.ticket
    assert (ticket.step, ticket.officer) == ("tindak-lanjut", DESK)
    assert ticket.step_due_at == wib(2026, 3, 5, 14, 45)
    assert prakom.notices[0] == Notice(
        "officer",
        DESK,
        NoticeKind("disposition"),
        {
            "ref": REF,
            "step": "tindak-lanjut",
            "role": "service-desk",
            "from_step": "perintah-prakom",
            "instruction": "",
            "step_due_at": "2026-03-05T14:45:00+07:00",
            "by": PRAKOM,
        },
    )

    ticket = dispose(
        ticket, calendar=babel_cal, by=DESK, at=wib(2026, 3, 4, 11), to_officer=DESK
    ).ticket
    assert (ticket.step, ticket.step_due_at) == ("laporan", wib(2026, 3, 4, 12))
    ticket = dispose(
        ticket, calendar=babel_cal, by=DESK, at=wib(2026, 3, 4, 11, 50), to_officer=DESK
    ).ticket
    assert (ticket.step, ticket.step_due_at) == ("arsip", wib(2026, 3, 4, 12, 5))

    done = finish(ticket, BERITA_ACARA, by=DESK, at=wib(2026, 3, 4, 12))
    assert done.ticket.status is TicketStatus.SELESAI
    assert done.ticket.closed_at == wib(2026, 3, 4, 12)
    assert done.events[0].kind == "finished"
    assert done.events[0].data == {"step": "arsip", "berita_acara": BERITA_ACARA, "late": False}
    assert [(n.recipient_kind, n.kind) for n in done.notices] == [("requester", "finished")]
    assert done.notices[0].data["berita_acara"]["lokasi"] == "Gedung Dinas Pendidikan lantai 2"


def test_a_finish_after_the_published_due_is_recorded_as_late(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, babel_cal)
    for at in (wib(2026, 3, 6, 9), wib(2026, 3, 6, 9, 30)):
        ticket = dispose(ticket, calendar=babel_cal, by=DESK, at=at, to_officer=DESK).ticket
    # The published due is Thursday 16:00.
    done = finish(ticket, BERITA_ACARA, by=DESK, at=wib(2026, 3, 6, 9, 40))
    assert done.events[0].data["late"] is True


def test_a_disposition_to_a_colleague_keeps_the_step_and_its_due(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, babel_cal)
    moved = dispose(
        ticket,
        calendar=babel_cal,
        by=DESK,
        at=wib(2026, 3, 3, 9),
        to_step="tindak-lanjut",
        to_officer=DESK_2,
        instruction="Tolong gantikan, saya dinas luar",
    )
    assert (moved.ticket.step, moved.ticket.officer) == ("tindak-lanjut", DESK_2)
    assert moved.ticket.step_due_at == wib(2026, 3, 5, 14, 45)
    # The requester's request has not moved on, so they are not bothered.
    assert [(n.recipient_kind, n.recipient) for n in moved.notices] == [("officer", DESK_2)]


def test_naming_the_next_step_is_the_same_as_the_default_disposition(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = repair(babel, babel_cal, wib(2026, 3, 2, 9))
    named = dispose(
        ticket, calendar=babel_cal, by=KADIS, at=wib(2026, 3, 2, 9, 5), to_step="disposisi-kabid"
    )
    default = dispose(ticket, calendar=babel_cal, by=KADIS, at=wib(2026, 3, 2, 9, 5))
    assert named == default


def test_an_officer_takes_an_unassigned_ticket_and_the_requester_learns_it_is_being_handled(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = repair(babel, babel_cal, wib(2026, 3, 2, 9))
    taken = take(ticket, KADIS, at=wib(2026, 3, 2, 9, 1))
    assert (taken.ticket.officer, taken.ticket.status) == (KADIS, TicketStatus.DIPROSES)
    assert [e.kind for e in taken.events] == ["taken"]
    assert [(n.recipient_kind, n.kind) for n in taken.notices] == [("requester", "status")]


def test_assigning_tells_the_new_officer_and_the_one_it_was_taken_from(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, babel_cal)
    moved = assign(ticket, DESK_2, by=COORD, at=wib(2026, 3, 3, 8))
    assert moved.ticket.officer == DESK_2
    assert moved.events[0].data == {"step": "tindak-lanjut", "officer": DESK_2, "previous": DESK}
    assert [(n.recipient_kind, n.recipient, n.kind) for n in moved.notices] == [
        ("officer", DESK_2, "assigned"),
        ("officer", DESK, "unassigned"),
    ]


def test_a_note_is_logged_without_telling_anyone(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, babel_cal)
    noted = note(ticket, "  Switch perlu diganti  ", by=DESK, at=wib(2026, 3, 3, 8))
    assert noted.ticket == ticket
    assert noted.events[0].data == {"step": "tindak-lanjut", "text": "Switch perlu diganti"}
    assert noted.notices == ()


def test_a_rejection_closes_the_ticket_and_tells_the_requester_why(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = repair(babel, babel_cal, wib(2026, 3, 2, 9))
    rejected = reject(ticket, "Bukan kewenangan Diskominfo", by=KADIS, at=wib(2026, 3, 2, 9, 10))
    assert rejected.ticket.status is TicketStatus.DITOLAK
    assert rejected.ticket.closed_at == wib(2026, 3, 2, 9, 10)
    assert requester_notices(rejected)[0].kind == "rejected"
    assert requester_notices(rejected)[0].data["reason"] == "Bukan kewenangan Diskominfo"


def test_kalbar_hosting_goes_through_its_procedure(
    kalbar: Catalog, kalbar_cal: WorkingCalendar
) -> None:
    service = kalbar.service("hosting")
    assert service is not None
    ticket = open_ticket(
        ref="KALBAR-2026-00001",
        agency=kalbar.agency,
        service=service,
        product=None,
        calendar=kalbar_cal,
        at=ptk(2026, 3, 2, 10),
    ).ticket
    ticket = take(ticket, 21, at=ptk(2026, 3, 2, 10, 5)).ticket
    ticket = dispose(ticket, calendar=kalbar_cal, by=21, at=ptk(2026, 3, 3, 9)).ticket
    # Reviewed Tuesday 09:00; activation has one working day: Wednesday 16:00.
    assert (ticket.step, ticket.role, ticket.officer) == ("aktivasi", "aptika", None)
    assert ticket.step_due_at == ptk(2026, 3, 4, 16)
    ticket = take(ticket, 22, at=ptk(2026, 3, 3, 9, 30)).ticket
    ticket = dispose(ticket, calendar=kalbar_cal, by=22, at=ptk(2026, 3, 4, 14)).ticket
    # Confirmation: 2 h left on Wednesday, 2 h from Thursday 07.30.
    assert (ticket.step, ticket.step_due_at) == ("konfirmasi", ptk(2026, 3, 5, 9, 30))
    done = finish(
        take(ticket, 22, at=ptk(2026, 3, 4, 14, 5)).ticket,
        {**BERITA_ACARA, "lokasi": "Pusat data Diskominfo Kalbar"},
        by=22,
        at=ptk(2026, 3, 5, 9),
    )
    assert done.ticket.status is TicketStatus.SELESAI


# --- waiting for the requester --------------------------------------------------------------


def test_asking_the_requester_for_documents_stops_the_clock_and_their_answer_shifts_every_due(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, babel_cal)  # step due Thu 5 Mar 14:45, the ticket's 16:00
    asked = request_completion(
        ticket, "Mohon lampirkan surat permohonan", by=DESK, at=wib(2026, 3, 3, 14)
    )
    assert asked.ticket.status is TicketStatus.MENUNGGU_PEMOHON
    assert asked.ticket.paused_at == wib(2026, 3, 3, 14)
    assert [(n.recipient_kind, n.kind) for n in asked.notices] == [
        ("requester", "completion-requested")
    ]
    assert asked.notices[0].data["message"] == "Mohon lampirkan surat permohonan"

    answered = requester_completed(asked.ticket, calendar=babel_cal, at=wib(2026, 3, 4, 10))
    # Paused Tue 14:00-16:00 and Wed 08:00-10:00: 4 office hours.
    resumed = answered.ticket
    assert resumed.status is TicketStatus.DIPROSES
    assert resumed.paused_at is None
    assert resumed.step_due_at == wib(2026, 3, 6, 10, 45)  # Thu 14:45 + 4 h = Fri 10:45
    assert resumed.clock.due == wib(2026, 3, 6, 12)  # Thu 16:00 + 4 h
    assert answered.events[0].data["paused_seconds"] == 4 * 3600
    assert answered.events[0].actor_kind == "requester"
    assert [(n.recipient_kind, n.recipient, n.kind) for n in answered.notices] == [
        ("officer", DESK, "requester-completed"),
        ("requester", None, "status"),
    ]


def test_an_answer_over_the_weekend_moves_the_dues_only_by_the_office_time_waited(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, babel_cal)
    ticket = dispose(
        ticket, calendar=babel_cal, by=DESK, at=wib(2026, 3, 6, 14, 30), to_officer=DESK
    ).ticket
    assert ticket.step_due_at == wib(2026, 3, 6, 15, 30)  # laporan: 1 h
    asked = request_completion(ticket, "Foto perangkat?", by=DESK, at=wib(2026, 3, 6, 15))
    resumed = requester_completed(asked.ticket, calendar=babel_cal, at=wib(2026, 3, 7, 10)).ticket
    # Friday 15:00-16:00 is the only office time waited: the 30 min left move to Monday.
    assert resumed.step_due_at == wib(2026, 3, 9, 8, 30)


def test_work_cannot_move_while_the_ticket_waits_for_the_requester(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, babel_cal)
    waiting = request_completion(ticket, "Mohon lengkapi", by=DESK, at=wib(2026, 3, 3, 9)).ticket
    with pytest.raises(WorkflowError) as raised:
        dispose(waiting, calendar=babel_cal, by=DESK, at=wib(2026, 3, 3, 10))
    assert raised.value.code == "waiting-for-requester"
    with pytest.raises(WorkflowError) as raised:
        request_completion(waiting, "Lagi", by=DESK, at=wib(2026, 3, 3, 10))
    assert raised.value.code == "waiting-for-requester"
    # An officer may still write a note or reject while waiting.
    assert note(waiting, "Ditelepon, belum diangkat", by=DESK, at=wib(2026, 3, 3, 11)).events
    rejected = reject(waiting, "Tidak ada tanggapan", by=DESK, at=wib(2026, 3, 20, 9))
    assert rejected.ticket.status is TicketStatus.DITOLAK


def test_an_answer_is_refused_when_nobody_asked(babel: Catalog, babel_cal: WorkingCalendar) -> None:
    with pytest.raises(WorkflowError) as raised:
        requester_completed(
            at_work_step(babel, babel_cal), calendar=babel_cal, at=wib(2026, 3, 3, 9)
        )
    assert raised.value.code == "not-waiting"


# --- illegal transitions --------------------------------------------------------------------


def closed_tickets(catalog: Catalog, cal: WorkingCalendar) -> list[WorkflowTicket]:
    ticket = repair(catalog, cal, wib(2026, 3, 2, 9))
    rejected = reject(ticket, "Salah layanan", by=KADIS, at=wib(2026, 3, 2, 9, 5)).ticket
    return [rejected, replace(ticket, status=TicketStatus.DIBATALKAN)]


def test_every_action_on_a_closed_ticket_is_refused(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    at = wib(2026, 3, 2, 10)
    for ticket in closed_tickets(babel, babel_cal):
        attempts = [
            lambda t=ticket: dispose(t, calendar=babel_cal, by=KADIS, at=at),
            lambda t=ticket: assign(t, DESK, by=COORD, at=at),
            lambda t=ticket: take(t, DESK, at=at),
            lambda t=ticket: request_completion(t, "x", by=KADIS, at=at),
            lambda t=ticket: reject(t, "x", by=KADIS, at=at),
            lambda t=ticket: note(t, "x", by=KADIS, at=at),
            lambda t=ticket: finish(t, BERITA_ACARA, by=KADIS, at=at),
        ]
        for attempt in attempts:
            with pytest.raises(WorkflowError) as raised:
                attempt()
            assert raised.value.code == "ticket-closed"
            assert raised.value.data["status"] == ticket.status.value


def test_disposing_past_the_last_step_is_refused(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, babel_cal)
    for minute in (0, 10):
        ticket = dispose(ticket, calendar=babel_cal, by=DESK, at=wib(2026, 3, 4, 11, minute)).ticket
    assert ticket.step == "arsip"
    with pytest.raises(WorkflowError) as raised:
        dispose(ticket, calendar=babel_cal, by=DESK, at=wib(2026, 3, 4, 11, 20))
    assert (raised.value.code, raised.value.data) == ("no-next-step", {"step": "arsip"})


def test_taking_a_ticket_someone_holds_is_refused_and_names_the_holder(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = at_work_step(babel, babel_cal)
    with pytest.raises(WorkflowError) as raised:
        take(ticket, DESK_2, at=wib(2026, 3, 3, 8))
    assert (raised.value.code, raised.value.data) == ("already-assigned", {"officer": DESK})


def test_assigning_the_officer_who_already_holds_it_is_refused(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    with pytest.raises(WorkflowError) as raised:
        assign(at_work_step(babel, babel_cal), DESK, by=COORD, at=wib(2026, 3, 3, 8))
    assert raised.value.code == "already-assigned"


def test_steps_cannot_be_skipped_or_gone_back_to(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = repair(babel, babel_cal, wib(2026, 3, 2, 9))
    at = wib(2026, 3, 2, 9, 10)
    with pytest.raises(WorkflowError) as raised:
        dispose(ticket, calendar=babel_cal, by=KADIS, at=at, to_step="tindak-lanjut")
    assert raised.value.code == "step-out-of-order"
    assert raised.value.data == {"step": "tindak-lanjut", "next": "disposisi-kabid"}
    later = at_work_step(babel, babel_cal)
    with pytest.raises(WorkflowError) as raised:
        dispose(later, calendar=babel_cal, by=DESK, at=at, to_step="disposisi-kadis")
    assert raised.value.code == "step-out-of-order"
    with pytest.raises(WorkflowError) as raised:
        dispose(ticket, calendar=babel_cal, by=KADIS, at=at, to_step="masak-nasi")
    assert raised.value.code == "unknown-step"


def test_staying_at_the_step_needs_a_named_officer(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = repair(babel, babel_cal, wib(2026, 3, 2, 9))
    with pytest.raises(WorkflowError) as raised:
        dispose(
            ticket,
            calendar=babel_cal,
            by=KADIS,
            at=wib(2026, 3, 2, 9, 5),
            to_step="disposisi-kadis",
        )
    assert raised.value.code == "officer-required"


def test_finishing_before_the_last_step_lists_the_steps_left(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    with pytest.raises(WorkflowError) as raised:
        finish(at_work_step(babel, babel_cal), BERITA_ACARA, by=DESK, at=wib(2026, 3, 3, 9))
    assert raised.value.code == "steps-remaining"
    assert raised.value.data == {"remaining": ["laporan", "arsip"]}


def test_finishing_needs_every_berita_acara_field_filled(
    kalbar: Catalog, kalbar_cal: WorkingCalendar
) -> None:
    service = kalbar.service("konsultasi")
    assert service is not None
    ticket = open_ticket(
        ref="KALBAR-2026-00002",
        agency=kalbar.agency,
        service=service,
        product=None,
        calendar=kalbar_cal,
        at=ptk(2026, 3, 2, 10),
    ).ticket
    ticket = dispose(ticket, calendar=kalbar_cal, by=31, at=ptk(2026, 3, 2, 10, 5)).ticket
    incomplete = {**BERITA_ACARA, "lokasi": "   ", "petugas": ""}
    with pytest.raises(WorkflowError) as raised:
        finish(ticket, incomplete, by=31, at=ptk(2026, 3, 2, 11))
    assert raised.value.code == "berita-acara-incomplete"
    assert raised.value.data == {"missing": ["lokasi", "petugas"]}
    with pytest.raises(WorkflowError) as raised:
        finish(ticket, {**BERITA_ACARA, "nip": "1980"}, by=31, at=ptk(2026, 3, 2, 11))
    assert raised.value.code == "berita-acara-unknown-field"


def test_a_rejection_or_note_needs_some_text(babel: Catalog, babel_cal: WorkingCalendar) -> None:
    ticket = repair(babel, babel_cal, wib(2026, 3, 2, 9))
    for attempt in (
        lambda: reject(ticket, "  ", by=KADIS, at=wib(2026, 3, 2, 9, 5)),
        lambda: note(ticket, "", by=KADIS, at=wib(2026, 3, 2, 9, 5)),
        lambda: request_completion(ticket, "\n", by=KADIS, at=wib(2026, 3, 2, 9, 5)),
    ):
        with pytest.raises(WorkflowError) as raised:
            attempt()
        assert raised.value.code == "empty-text"


def test_a_ticket_cannot_be_built_at_a_step_its_procedure_lacks(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = repair(babel, babel_cal, wib(2026, 3, 2, 9))
    with pytest.raises(ValueError, match="not in the route"):
        replace(ticket, step="masak-nasi")


# --- complaints -----------------------------------------------------------------------------


def test_complaint_limits_follow_the_agency_classes(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    at = wib(2026, 3, 2, 10)
    # 5 working days after Monday 2 Mar: 3, 4, 5, 6, 9 Mar.
    assert complaint_due(babel, "jaringan-intra", "ringan", babel_cal, at).due == wib(
        2026, 3, 9, 16
    )
    assert complaint_due(babel, None, "normatif", babel_cal, at).due == wib(2026, 3, 9, 16)
    # 14 working days: 3-6 (4), 9-13 (9), 16-17 (11), then 18-24 Mar are Nyepi, Idul Fitri and
    # their cuti bersama, so 25, 26, 27 Mar (14).
    assert complaint_due(babel, None, "tidak-berkadar-pengawasan", babel_cal, at).due == wib(
        2026, 3, 27, 16
    )


def test_a_kalbar_press_conference_complaint_of_the_light_class_has_two_working_days(
    kalbar: Catalog, kalbar_cal: WorkingCalendar
) -> None:
    at = ptk(2026, 3, 2, 10)
    assert complaint_due(kalbar, "konferensi-pers", "ringan", kalbar_cal, at).due == ptk(
        2026, 3, 4, 16
    )
    # Other kalbar services use the agency's five days.
    assert complaint_due(kalbar, "hosting", "ringan", kalbar_cal, at).due == ptk(2026, 3, 9, 16)


def test_oversight_complaints_get_sixty_working_days(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    at = wib(2026, 3, 2, 10)
    due = complaint_due(babel, None, "berkadar-pengawasan", babel_cal, at).due
    # Count the working days independently, one calendar day at a time.
    day, counted = at.date(), 0
    while counted < 60:
        day += timedelta(days=1)
        counted += babel_cal.is_working_day(day)
    assert due == datetime.combine(day, datetime.min.time(), WIB).replace(hour=16)


def test_an_unknown_complaint_class_is_refused_with_the_known_ones(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    with pytest.raises(WorkflowError) as raised:
        complaint_due(babel, None, "berat", babel_cal, wib(2026, 3, 2, 10))
    assert raised.value.code == "unknown-complaint-class"
    assert raised.value.data["known"] == [
        "ringan",
        "normatif",
        "tidak-berkadar-pengawasan",
        "berkadar-pengawasan",
    ]


def test_complaints_go_to_the_complaints_officer_or_else_the_coordinators(
    babel: Catalog, kalbar: Catalog
) -> None:
    assert complaint_role(kalbar.agency) == "pengelola-pengaduan"
    assert complaint_role(babel.agency) == "coordinator"


# --- steps planned inside the published due --------------------------------------------------


def press_conference_with_slow_steps(kalbar: Catalog) -> Service:
    """kalbar's press conference (published 60 minutes) if its two steps took 1 h each."""
    service = kalbar.service("konferensi-pers")
    assert service is not None
    hour = parse_sla("1 jam")
    steps = [step.model_copy(update={"duration": hour}) for step in service.procedure]
    return service.model_copy(update={"procedure": steps})


def test_steps_that_cannot_fit_the_published_due_share_it_in_proportion_and_are_flagged(
    kalbar: Catalog, kalbar_cal: WorkingCalendar
) -> None:
    service = press_conference_with_slow_steps(kalbar)
    at = ptk(2026, 3, 2, 9)
    assert plan_is_compressed(service, None, kalbar_cal, at)
    # 2 hours of steps inside the published 60 minutes: half an hour each, ending at the due.
    assert [s.due_at for s in plan_steps(service, None, kalbar_cal, at)] == [
        ptk(2026, 3, 2, 9, 30),
        ptk(2026, 3, 2, 10),
    ]
    assert published_times(service, None, kalbar_cal, at).due == ptk(2026, 3, 2, 10)


def test_steps_that_fit_keep_their_own_times_and_are_not_flagged(
    kalbar: Catalog, kalbar_cal: WorkingCalendar
) -> None:
    service = kalbar.service("konferensi-pers")
    assert service is not None
    at = ptk(2026, 3, 2, 9)
    assert not plan_is_compressed(service, None, kalbar_cal, at)
    assert [s.due_at for s in plan_steps(service, None, kalbar_cal, at)] == [
        ptk(2026, 3, 2, 9, 15),
        ptk(2026, 3, 2, 10),
    ]


def test_work_reached_late_is_due_at_once_and_the_steps_after_it_still_end_by_the_due(
    babel: Catalog, babel_cal: WorkingCalendar
) -> None:
    ticket = repair(babel, babel_cal, wib(2026, 3, 2, 9))
    # The dispositions took until Thursday 15:00: no time is left for the work itself.
    for at in (wib(2026, 3, 5, 14), wib(2026, 3, 5, 14, 30), wib(2026, 3, 5, 15)):
        ticket = dispose(ticket, calendar=babel_cal, by=DESK, at=at).ticket
    assert (ticket.step, ticket.step_due_at) == ("tindak-lanjut", wib(2026, 3, 5, 15))
    ticket = dispose(ticket, calendar=babel_cal, by=DESK, at=wib(2026, 3, 5, 15)).ticket
    # The report (1 h) and filing (15 min) share the hour left before Thursday 16:00.
    assert (ticket.step, ticket.step_due_at) == ("laporan", wib(2026, 3, 5, 15, 48))
