"""What coordinators are told without asking (the daily digest, failed deliveries) and what they
can ask for (/laporan), at babel: office hours 08:00-16:00 WIB on working days.

The digest scenario, read on Tuesday 24 Nov 2026 at 08:00 (previous working day: Monday 23):
- late: a network repair filed Mon 16 Nov (due Thu 19 Nov 16:00), still open;
- due today: an application hosting filed Thu 19 Nov (due Tue 24 Nov 16:00);
- on track: a network repair filed Mon 23 Nov (due Thu 26 Nov);
- waiting: a repair filed Mon 23 Nov, its requester asked for a letter the same day;
- finished Monday: one filed that morning (on time), one filed 16 Nov (late);
- not counted: one rejected Monday, one finished the Friday before;
- one message the outbox gave up on.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bot.delivery import PermanentFailure, deliver_pending
from bot.messages import Outbound
from bot.sweeps import report_failures, send_daily_digest, send_monthly_report
from core.workflow import (
    BERITA_ACARA_FIELDS,
    Transition,
    WorkflowTicket,
    dispose,
    finish,
    reject,
)
from core.workflow import request_completion as ask_requester
from storage import repositories as repo
from storage.db import Database
from storage.models import outbox
from tests.support.dialog import Chat, add_officer, conversation, rows
from tests.support.sweeps import Office, act, babel_office, file_request, messages, wib

TUESDAY = wib(2026, 11, 24, 8, 0)
MONDAY = wib(2026, 11, 23, 10, 0)
BERITA_ACARA = {name: "Selesai dikerjakan" for name in BERITA_ACARA_FIELDS}


async def walk_and_finish(office: Office, ref: str, at: datetime) -> None:
    """Dispose every step at `at`, then finish with the Berita Acara."""
    by = office.officers["sari"]
    calendar = office.engine.calendar
    for _ in range(5):
        await act(office, ref, at, lambda t: dispose(t, calendar=calendar, by=by, at=at))
    await act(office, ref, at, lambda t: finish(t, BERITA_ACARA, by=by, at=at))


async def fail_one(db: Database, key: str, at: datetime, *, recipient: str = "c1") -> int:
    async with db.transaction() as conn:
        outbox_id = await repo.enqueue(
            conn,
            key=key,
            channel="test",
            recipient=recipient,
            payload=Outbound("Halo").to_payload(),
            at=at,
        )
        assert outbox_id is not None
        await repo.mark_failed(conn, id=outbox_id, at=at, error="permanent: blocked")
    return outbox_id


async def digest_scenario(office: Office) -> None:
    late = await file_request(office, wib(2026, 11, 16, 10, 0))
    today = await file_request(
        office,
        wib(2026, 11, 19, 10, 0),
        service="pembangunan-aplikasi",
        product="hosting-integrasi",
    )
    await file_request(office, MONDAY)
    waiting = await file_request(office, MONDAY)
    sari = office.officers["sari"]

    def ask(t: WorkflowTicket) -> Transition:
        return ask_requester(t, "Mohon lampirkan surat", by=sari, at=MONDAY)

    await act(office, waiting.ref, MONDAY, ask)
    await walk_and_finish(office, (await file_request(office, MONDAY)).ref, MONDAY)
    late_done = await file_request(office, wib(2026, 11, 16, 10, 0))
    await walk_and_finish(office, late_done.ref, wib(2026, 11, 23, 11, 0))
    rejected = await file_request(office, MONDAY)
    await act(
        office, rejected.ref, MONDAY, lambda t: reject(t, "Bukan kewenangan", by=sari, at=MONDAY)
    )
    last_week = await file_request(office, wib(2026, 11, 16, 10, 0))
    await walk_and_finish(office, last_week.ref, wib(2026, 11, 20, 10, 0))
    await fail_one(office.db, "reply:test:x:0", MONDAY)
    # Arrange check: the due times the scenario relies on.
    assert late.due_at < TUESDAY
    assert TUESDAY < today.due_at < wib(2026, 11, 25)


# --- the daily digest -----------------------------------------------------------------------


async def test_the_digest_counts_open_late_due_today_waiting_finished_and_failed(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    await digest_scenario(office)

    assert await send_daily_digest(db, office.desk(TUESDAY)) == 1

    (digest,) = await messages(db, containing="Ringkasan harian")
    assert digest["recipient"] == "koor"
    assert digest["text"] == "\n".join(
        [
            "Ringkasan harian layanan, Selasa, 24 November 2026",
            "",
            "Tiket terbuka: 4",
            "Terlambat: 1",
            "Jatuh tempo hari ini: 1",
            "Menunggu pemohon: 1",
            "Selesai sejak Senin, 23 November 2026: 2 (tepat waktu 1, terlambat 1)",
            "Pesan gagal terkirim sejak Senin, 23 November 2026: 1",
        ]
    )


async def test_each_coordinator_gets_one_digest_per_working_day_after_opening(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    await add_officer(db, Chat(office.engine, "wakil"), name="Wakil", roles=["coordinator"])
    checks = [
        wib(2026, 11, 24, 7, 55),  # before opening
        wib(2026, 11, 24, 8, 0),
        wib(2026, 11, 24, 8, 5),
        wib(2026, 11, 24, 13, 0),
        wib(2026, 11, 24, 16, 30),  # after closing
        wib(2026, 11, 25, 8, 5),
        wib(2026, 11, 25, 8, 5),
    ]

    queued = [await send_daily_digest(db, office.desk(at)) for at in checks]

    assert queued == [0, 2, 0, 0, 0, 2, 0]
    digests = await messages(db, containing="Ringkasan harian")
    assert sorted((m["recipient"], m["text"].splitlines()[0]) for m in digests) == [
        ("koor", "Ringkasan harian layanan, Rabu, 25 November 2026"),
        ("koor", "Ringkasan harian layanan, Selasa, 24 November 2026"),
        ("wakil", "Ringkasan harian layanan, Rabu, 25 November 2026"),
        ("wakil", "Ringkasan harian layanan, Selasa, 24 November 2026"),
    ]


async def test_no_digest_on_weekends_holidays_or_cuti_bersama(db: Database, tmp_path: Path) -> None:
    office = await babel_office(db, tmp_path)
    days_off = [
        wib(2026, 11, 28, 9, 0),  # Saturday
        wib(2026, 11, 29, 9, 0),  # Sunday
        wib(2026, 12, 24, 9, 0),  # cuti bersama Natal (Thursday)
        wib(2026, 12, 25, 9, 0),  # Christmas (Friday)
    ]

    assert [await send_daily_digest(db, office.desk(at)) for at in days_off] == [0, 0, 0, 0]
    assert await send_daily_digest(db, office.desk(wib(2026, 12, 28, 9, 0))) == 1
    (digest,) = await messages(db, containing="Ringkasan harian")
    # Monday after the holidays: "since" is the last working day, Wednesday 23 December.
    assert "Selesai sejak Rabu, 23 Desember 2026: 0" in digest["text"]


# --- /laporan -------------------------------------------------------------------------------


async def test_a_coordinator_asks_for_the_sla_report_with_counts_per_service(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    await digest_scenario(office)
    office.engine.clock = lambda: TUESDAY

    result = await Chat(office.engine, "koor").say("/laporan")

    (reply,) = result.replies
    assert reply.text.splitlines()[0] == "Laporan SLA, Selasa, 24 November 2026 pukul 08.00 WIB"
    assert "Tiket terbuka: 4\nTerlambat: 1\nJatuh tempo hari ini: 1\nMenunggu pemohon: 1" in (
        reply.text
    )
    assert reply.text.endswith(
        "Per layanan (terbuka / terlambat):\n"
        "- Layanan Jaringan Intra Pemerintah Daerah: 3 / 1\n"
        "- Layanan Pembangunan Aplikasi: 1 / 0"
    )


async def test_the_sla_report_is_refused_politely_to_anyone_not_a_coordinator(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    await file_request(office, MONDAY)

    for user in ("sari", "kadis", "pemohon"):
        result = await Chat(office.engine, user).say("/laporan")
        (reply,) = result.replies
        assert reply.text == "Mohon maaf, laporan SLA hanya tersedia untuk koordinator layanan."


async def test_a_requester_typing_laporan_in_the_middle_of_a_request_keeps_their_answers(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    requester = Chat(office.engine, "pemohon")
    await requester.tap("svc:jaringan-intra")
    before = await conversation(db, "chat-pemohon")

    result = await requester.say("/laporan")

    assert "hanya tersedia untuk koordinator" in result.replies[0].text
    after = await conversation(db, "chat-pemohon")
    assert (after["state"], after["data"]) == (before["state"], before["data"])


# --- failed deliveries ----------------------------------------------------------------------


class BlockedChannel:
    async def send(self, recipient: str, message: Outbound) -> None:
        raise PermanentFailure("blocked")


async def test_a_failed_delivery_is_reported_to_the_coordinators_once_without_personal_data(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    ticket = await file_request(office, MONDAY)
    await deliver_pending(db, {"test": BlockedChannel()}, now=MONDAY)
    failed = [m for m in await messages(db) if m["status"] == "failed"]
    assert failed  # the new-ticket notice to the kadis, and the like

    first = await report_failures(db, office.desk(MONDAY + timedelta(minutes=1)))
    again = await report_failures(db, office.desk(MONDAY + timedelta(minutes=2)))

    assert (first, again) == (len(failed), 0)
    (report,) = await messages(db, containing="gagal terkirim")
    assert report["recipient"] == "koor"
    assert (
        f"- test: pemberitahuan ke petugas, tiket {ticket.ref} (ditolak kanal)" in (report["text"])
    )
    for m in failed:
        assert m["recipient"] not in report["text"]


async def test_a_failure_found_at_night_is_reported_at_the_next_opening(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    night = wib(2026, 11, 24, 20, 0)
    await fail_one(db, "reply:test:u1:0", night, recipient="6281234567890")

    assert await report_failures(db, office.desk(night)) == 1

    (report,) = await messages(db, containing="gagal terkirim")
    assert report["next_attempt_at"] == wib(2026, 11, 25, 8, 0)
    assert "- test: balasan percakapan (ditolak kanal)" in report["text"]
    assert "6281234567890" not in report["text"]


async def test_a_failure_report_that_itself_fails_is_counted_not_reported_again(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    await fail_one(db, "reply:test:u1:0", MONDAY)
    await report_failures(db, office.desk(MONDAY))
    await deliver_pending(db, {"test": BlockedChannel()}, now=MONDAY + timedelta(minutes=1))

    assert await report_failures(db, office.desk(MONDAY + timedelta(minutes=2))) == 0
    assert len(await messages(db, containing="gagal terkirim")) == 1
    await send_daily_digest(db, office.desk(TUESDAY))
    (digest,) = await messages(db, containing="Ringkasan harian")
    assert "Pesan gagal terkirim sejak Senin, 23 November 2026: 2" in digest["text"]


async def test_a_period_report_in_chat_gives_figures_a_chart_and_the_workbook(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    await digest_scenario(office)
    office.engine.clock = lambda: TUESDAY

    result = await Chat(office.engine, "koor").say("/laporan 2026-11")

    summary, chart, workbook = result.replies
    text = summary.text
    assert text.splitlines()[0] == "Laporan layanan 1 November 2026 s.d. 24 November 2026"
    assert "Tiket masuk: 8" in text  # every request of the scenario was filed in November
    assert "Selesai: 3 (tepat waktu 1, terlambat 2)" in text
    assert "Ditolak: 1" in text
    assert "Masih terbuka: 4" in text
    assert chart.document is not None and chart.document.data.startswith(b"\x89PNG\r\n")
    assert chart.document.filename == "laporan-babel-2026-11-01-2026-11-24.png"
    assert workbook.document is not None and workbook.document.data.startswith(b"PK")
    assert workbook.document.filename.endswith(".xlsx")


async def test_an_unknown_period_gets_examples_and_the_conversation_stays(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    office.engine.clock = lambda: TUESDAY
    (reply,) = (await Chat(office.engine, "koor").say("/laporan kemarin dulu")).replies
    assert reply.text.startswith("Periode tidak dikenali. Contoh: /laporan bulan")
    assert (await conversation(db, "chat-koor"))["state"] == "idle"


async def test_the_period_report_is_refused_to_anyone_not_a_coordinator(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    for user in ("sari", "pemohon"):
        (reply,) = (await Chat(office.engine, user).say("/laporan bulan")).replies
        assert reply.text == "Mohon maaf, laporan SLA hanya tersedia untuk koordinator layanan."
        assert reply.document is None


async def test_last_months_report_reaches_coordinators_on_the_months_first_working_day(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    await digest_scenario(office)
    checks = [
        wib(2026, 12, 1, 7, 55),  # Tuesday 1 December, before opening
        wib(2026, 12, 1, 8, 0),
        wib(2026, 12, 1, 9, 0),  # sent already
        wib(2026, 12, 2, 8, 0),  # not the month's first working day
    ]

    queued = [await send_monthly_report(db, office.desk(at)) for at in checks]

    assert queued == [0, 3, 0, 0]  # the figures, the chart and the workbook
    (text,) = await messages(db, containing="Laporan layanan")
    assert text["recipient"] == "koor"
    assert text["text"].startswith("Laporan layanan 1 November 2026 s.d. 30 November 2026")
    assert "Tiket masuk: 8" in text["text"] and "IKM" not in text["text"]
    documents = [
        r["payload"]["document"]["filename"]
        for r in await rows(db, outbox)
        if "document" in r["payload"]
    ]
    assert sorted(documents) == [
        "laporan-babel-2026-11-01-2026-11-30.png",
        "laporan-babel-2026-11-01-2026-11-30.xlsx",
    ]


async def test_januarys_first_working_day_also_brings_the_years_report_with_the_index(
    db: Database, tmp_path: Path
) -> None:
    office = await babel_office(db, tmp_path)
    # 1 January 2027 is New Year's Day and the 2nd and 3rd a weekend: Monday the 4th it is.
    assert await send_monthly_report(db, office.desk(wib(2027, 1, 1, 8, 0))) == 0
    assert await send_monthly_report(db, office.desk(wib(2027, 1, 4, 8, 0))) == 6
    texts = [m["text"] for m in await messages(db, containing="Laporan layanan")]
    assert sorted(t.splitlines()[0] for t in texts) == [
        "Laporan layanan 1 Desember 2026 s.d. 31 Desember 2026",
        "Laporan layanan 1 Januari 2026 s.d. 31 Desember 2026",
    ]
    yearly = next(t for t in texts if "1 Januari 2026" in t)
    assert "Indeks Kepuasan Masyarakat (IKM)" in yearly
