"""Requester commands (/start, /layanan, /status, /batal, /bantuan, /bahasa) without a database:
a small in-memory ticket book stands in for storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.dialogs.state import Context, State, Step, Turn
from bot.handlers.base import parse_command
from bot.handlers.commands import handle_command
from bot.handlers.requester import TicketView
from core.catalog.loader import load_catalog
from core.sla.calendar import calendar_for
from core.tickets import TicketStatus, normalize_ref

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FakeTicket:
    ref: str
    requester: int
    agency: str = "kalbar"
    service: str = "hosting"
    product: str | None = None
    status: TicketStatus = TicketStatus.BARU
    step: str | None = "terima-permohonan"
    assigned_role: str | None = None
    created_at: datetime = NOW
    due_at: datetime = NOW + timedelta(days=3)
    paused_at: datetime | None = None
    closed_at: datetime | None = None


class TicketBook:
    """Every requester's tickets; each lookup sees only its own requester's."""

    def __init__(self, tickets: list[FakeTicket], requester: int) -> None:
        self.tickets = tickets
        self.requester = requester

    async def recent(self, limit: int) -> list[TicketView]:
        mine: list[TicketView] = [t for t in self.tickets if t.requester == self.requester]
        return list(reversed(mine))[:limit]

    async def find(self, ref: str) -> FakeTicket | None:
        return next(
            (
                t
                for t in self.tickets
                if t.ref == normalize_ref(ref) and t.requester == self.requester
            ),
            None,
        )


def context(agency: str = "kalbar") -> Context:
    catalog = load_catalog(agency)
    return Context(catalog=catalog, calendar=calendar_for(catalog.agency), now=NOW)


async def command(text: str, turn: Turn | None = None, book: TicketBook | None = None) -> Step:
    return await handle_command(
        text, turn or Turn(), context(), book or TicketBook([], requester=1)
    )


MID_FORM = Turn(
    State.ASK_FIELD,
    {
        "service": "hosting",
        "product": None,
        "answers": {"opd": "Dinas"},
        "docs": {},
        "field": "kontak",
    },
)


def test_commands_are_parsed_with_a_telegram_bot_suffix_and_an_argument() -> None:
    assert parse_command("/status@DiskominfoBot KALBAR-2026-00001") == (
        "status",
        "KALBAR-2026-00001",
    )
    assert parse_command("/Bantuan") == ("bantuan", "")
    assert parse_command("status") is None


async def test_start_greets_and_shows_every_service() -> None:
    result = await command("/start")
    (reply,) = result.replies
    assert reply.text.startswith("Selamat datang di layanan Diskominfo Kalbar")
    assert result.state is State.CHOOSE_SERVICE
    assert len(reply.choices) == len(context().catalog.services)


async def test_layanan_and_its_english_alias_show_the_menu() -> None:
    for text in ("/layanan", "/services"):
        result = await command(text, MID_FORM)
        assert result.state is State.CHOOSE_SERVICE
        assert result.replies[0].choices[0].data.startswith("svc:")


async def test_batal_drops_the_form_in_progress() -> None:
    result = await command("/batal", MID_FORM)
    assert result.state is State.IDLE and result.data == {}
    assert "Permohonan dibatalkan" in result.replies[0].text


async def test_cancel_with_nothing_in_progress_says_so() -> None:
    result = await command("/cancel")
    assert "Tidak ada permohonan yang sedang berjalan" in result.replies[0].text


async def test_help_lists_the_commands_and_repeats_the_pending_question() -> None:
    result = await command("/bantuan", MID_FORM)
    help_text, question = result.replies
    for name in ("/layanan", "/status", "/batal", "/bahasa", "/bantuan"):
        assert name in help_text.text
    assert "Nomor telepon/WhatsApp" in question.text
    assert result.state is State.ASK_FIELD and result.data == MID_FORM.data


async def test_help_in_english_names_the_english_commands() -> None:
    result = await command("/help", Turn(locale="en"))
    assert "/services" in result.replies[0].text and "/cancel" in result.replies[0].text


async def test_bahasa_without_argument_offers_both_languages() -> None:
    result = await command("/bahasa", MID_FORM)
    assert [c.data for c in result.replies[0].choices] == ["lang:id", "lang:en"]
    assert result.state is State.ASK_FIELD


async def test_bahasa_en_switches_directly_and_keeps_the_form() -> None:
    result = await command("/bahasa en", MID_FORM)
    assert result.locale == "en" and result.data == MID_FORM.data
    assert "All right, we will use English." in result.replies[0].text


async def test_an_unknown_command_gets_a_polite_hint() -> None:
    result = await command("/hapus", MID_FORM)
    assert "Perintah /hapus tidak kami kenal" in result.replies[0].text
    assert "/bantuan" in result.replies[0].text
    assert result.data == MID_FORM.data


async def test_status_without_tickets_says_there_are_none() -> None:
    result = await command("/status")
    assert "belum memiliki tiket" in result.replies[0].text


async def test_status_lists_the_last_five_tickets_newest_first() -> None:
    tickets = [FakeTicket(f"KALBAR-2026-{n:05d}", requester=1) for n in range(1, 8)]
    result = await command("/status", book=TicketBook(tickets, requester=1))
    text = result.replies[0].text
    assert "KALBAR-2026-00007" in text and "KALBAR-2026-00003" in text
    assert "KALBAR-2026-00002" not in text
    assert text.index("KALBAR-2026-00007") < text.index("KALBAR-2026-00003")
    assert "Pelayanan Hosting" in text


async def test_status_of_one_ticket_shows_status_step_and_due_time_in_plain_words() -> None:
    hosting = context().catalog.service("hosting")
    assert hosting is not None
    first = hosting.procedure[0]
    ticket = FakeTicket(
        "KALBAR-2026-00004", requester=1, status=TicketStatus.DIPROSES, step=first.code
    )
    result = await command("/status kalbar 2026 4", book=TicketBook([ticket], requester=1))
    text = result.replies[0].text
    assert "Tiket KALBAR-2026-00004" in text
    assert "Status: Sedang diproses" in text
    assert f"Tahap: {first.action.get('id')}" in text
    assert "Batas waktu penyelesaian: Kamis, 26 November 2026 pukul 10.00 WIB" in text


async def test_another_requesters_ticket_looks_exactly_like_a_missing_one() -> None:
    theirs = FakeTicket("KALBAR-2026-00001", requester=2)
    book = TicketBook([theirs], requester=1)
    foreign = (await command("/status KALBAR-2026-00001", book=book)).replies[0].text
    missing = (await command("/status KALBAR-2026-00099", book=book)).replies[0].text
    assert foreign == missing.replace("00099", "00001")
    assert "tidak ditemukan" in foreign


async def test_a_paused_ticket_says_the_clock_waits_for_the_requester() -> None:
    ticket = FakeTicket(
        "KALBAR-2026-00005",
        requester=1,
        status=TicketStatus.MENUNGGU_PEMOHON,
        paused_at=NOW,
    )
    result = await command("/status KALBAR-2026-00005", book=TicketBook([ticket], requester=1))
    assert "dihentikan sementara" in result.replies[0].text
