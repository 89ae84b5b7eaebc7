"""Answers as people type them, through each channel's real webhook or page API and renderer:
Telegram (webhook, fake Bot API), WhatsApp (Cloud API webhook, fake Graph API) and the web chat.
Each behaviour runs on every channel with its typed variants, Indonesian and English. The
terminal's variants are in test_terminal_chat.py."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from sqlalchemy import select, update

from bot.notify import invite_to_survey
from bot.server import create_app
from bot.web.router import channel as web_channel
from core.settings import Settings
from locales import translator
from storage import repositories as repo
from storage.db import Database
from storage.models import conversations, tickets
from tests.fakes.graph_api import (
    CONTACT,
    Clock,
    FakeGraphApi,
    WhatsAppApp,
    readable_text,
    running_whatsapp_app,
    whatsapp_settings,
)
from tests.fakes.telegram_api import (
    USER_ID,
    FakeTelegramAPI,
    TelegramApp,
    running_telegram_app,
    telegram_settings,
)

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = pytest.mark.usefixtures("offline_network")

REQUEST = "internet di kantor kami mati sejak pagi"
CHANNELS = ["telegram", "whatsapp", "web"]


class Chat(Protocol):
    """One requester on one channel: what they type, and what the bot wrote back."""

    channel: str

    async def say(self, text: str) -> str: ...

    async def tap(self, data: str) -> str: ...


@dataclass
class TelegramChat:
    app: TelegramApp
    channel: str = "telegram"

    async def say(self, text: str) -> str:
        return "\n".join(c.params.get("text", "") for c in await self.app.say(text))

    async def tap(self, data: str) -> str:
        return "\n".join(c.params.get("text", "") for c in await self.app.tap(data))


@dataclass
class WhatsAppChat:
    app: WhatsAppApp
    channel: str = "whatsapp"

    async def say(self, text: str) -> str:
        return "\n".join(readable_text(m) for m in await self.app.say(text))

    async def tap(self, data: str) -> str:
        return "\n".join(readable_text(m) for m in await self.app.tap(data))


@dataclass
class WebChat:
    client: httpx.AsyncClient
    runtime: Any
    channel: str = "web"
    last_choices: list[str] | None = None

    async def _post(self, body: dict[str, Any]) -> str:
        response = await self.client.post(
            "/web/api/messages",
            json={"id": str(uuid.uuid4()), **body},
            headers={"X-Requested-With": "servicedesk"},
        )
        assert response.status_code == 200, response.text
        messages = response.json()["messages"]
        if messages:
            self.last_choices = [c["label"] for c in messages[-1]["choices"]]
        return "\n".join(m["text"] for m in messages)

    async def say(self, text: str) -> str:
        return await self._post({"text": text})

    async def tap(self, data: str) -> str:
        return await self._post({"choice": data})


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as fake:
        yield fake


# Friday 4 December 2026, 10.00 WIB: the dates typed below are read from this day.
NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


@asynccontextmanager
async def open_chat(
    channel: str,
    agency: str,
    fake_telegram: FakeTelegramAPI,
    graph: FakeGraphApi,
    db: Database,
    data_dir: Path,
) -> AsyncIterator[Chat]:
    """A requester of `agency` on `channel`, talking to the real app on SQLite."""
    clock = Clock(NOW)
    if channel == "telegram":
        settings = telegram_settings(fake_telegram, data_dir, agency=agency)
        async with running_telegram_app(fake_telegram, settings, db=db, clock=clock) as tg:
            await tg.say("/start")
            yield TelegramChat(tg)
    elif channel == "whatsapp":
        settings = whatsapp_settings(graph, data_dir, agency=agency)
        async with running_whatsapp_app(graph, settings, db=db, clock=clock) as wa:
            yield WhatsAppChat(wa)
    else:
        settings = Settings(
            database_url="sqlite+aiosqlite:///unused.db",
            data_dir=data_dir,
            telegram_bot_token="",
            agency=agency,
        )
        app = create_app(settings, db=db, channels=[web_channel], jobs=[], clock=clock)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                await c.get("/")
                yield WebChat(c, app.state.runtime)


@pytest.fixture(params=CHANNELS)
async def chat(
    request: pytest.FixtureRequest,
    fake_telegram: FakeTelegramAPI,
    graph: FakeGraphApi,
    sqlite_db: Database,
    tmp_path: Path,
) -> AsyncIterator[Chat]:
    """A babel requester on each channel in turn."""
    async with open_chat(
        request.param, "babel", fake_telegram, graph, sqlite_db, tmp_path / "data"
    ) as opened:
        yield opened


@pytest.fixture(params=CHANNELS)
async def kalbar_chat(
    request: pytest.FixtureRequest,
    fake_telegram: FakeTelegramAPI,
    graph: FakeGraphApi,
    sqlite_db: Database,
    tmp_path: Path,
) -> AsyncIterator[Chat]:
    """A kalbar requester on each channel in turn."""
    async with open_chat(
        request.param, "kalbar", fake_telegram, graph, sqlite_db, tmp_path / "data"
    ) as opened:
        yield opened


async def state_of(chat: Chat, db: Database) -> tuple[str, dict[str, Any]]:
    """The requester's conversation as stored: (state, data)."""
    async with db.transaction() as conn:
        row = (
            (
                await conn.execute(
                    select(conversations).where(conversations.c.channel == chat.channel)
                )
            )
            .mappings()
            .one()
        )
    return row["state"], row["data"]


ANSWERS = {
    "opd": "Dinas Pendidikan",
    "penanggung_jawab": "Budi Santoso",
    "nip": "lewati",
    "kontak": "081234567890",
    "lokasi": "Gedung A lantai 2",
    "judul_acara": "Rapat koordinasi SPBE",
    "waktu_acara": "tgl 15 desember jam 14:30",
    "jumlah_peserta": "25",
}


async def answer_until(
    chat: Chat, db: Database, field_code: str, *, request: str = REQUEST, service: str = ""
) -> None:
    """From the matched request up to the question `field_code` (babel network repair)."""
    answers = ANSWERS
    await chat.say(request)
    await chat.tap(f"svc:{service or 'jaringan-intra'}")
    for _ in range(len(answers) + 1):
        state, data = await state_of(chat, db)
        if state == "ask_field" and data["field"] == field_code:
            return
        if state == "choose_product":
            await chat.tap("prd:perbaikan")
            continue
        await chat.say(answers[data["field"]])
    raise AssertionError(f"never asked {field_code}")


@pytest.mark.parametrize(
    "typed", ["iya betul", "ya bener pak", "yoi", "ok gas", "sip lanjut", "yes please", "sure"]
)
async def test_a_typed_yes_keeps_the_matched_service(
    chat: Chat, sqlite_db: Database, typed: str
) -> None:
    confirm = await chat.say(REQUEST)
    assert "Jaringan Intra" in confirm
    question = await chat.say(typed)
    state, data = await state_of(chat, sqlite_db)
    assert data["service"] == "jaringan-intra"
    assert state in ("ask_field", "choose_product"), question


@pytest.mark.parametrize("typed", ["bukan", "gak, salah", "bukan itu pak", "no, wrong"])
async def test_a_typed_no_to_the_matched_service_shows_the_menu(
    chat: Chat, sqlite_db: Database, typed: str
) -> None:
    await chat.say(REQUEST)
    await chat.say(typed)
    state, data = await state_of(chat, sqlite_db)
    assert state == "choose_service" and "service" not in data


@pytest.mark.parametrize("typed", ["halo min", "selamat pagi", "assalamualaikum", "good morning"])
async def test_a_greeting_is_greeted_back_with_the_menu(
    chat: Chat, sqlite_db: Database, typed: str
) -> None:
    reply = await chat.say(typed)
    assert "Tidak ada layanan" not in reply and "tidak menemukan" not in reply.lower()
    state, _ = await state_of(chat, sqlite_db)
    assert state == "choose_service", reply


@pytest.mark.parametrize("typed", ["makasih pak", "terima kasih banyak", "thank you"])
async def test_thanks_get_sama_sama_and_the_question_stays(
    chat: Chat, sqlite_db: Database, typed: str
) -> None:
    await answer_until(chat, sqlite_db, "kontak")
    reply = await chat.say(typed)
    assert "Sama-sama" in reply
    state, data = await state_of(chat, sqlite_db)
    assert (state, data["field"]) == ("ask_field", "kontak")


@pytest.mark.parametrize(
    "typed",
    ["nomor saya 0812-9988-7766 pak", "wa 081299887766", "my number is +62 812 9988 7766"],
)
async def test_a_phone_inside_a_sentence_is_taken_in_e164(
    chat: Chat, sqlite_db: Database, typed: str
) -> None:
    await answer_until(chat, sqlite_db, "kontak")
    await chat.say(typed)
    _, data = await state_of(chat, sqlite_db)
    assert data["answers"]["kontak"] == "+6281299887766"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("NIP saya 19850101 201001 1 003", "198501012010011003"),
        ("198501012010011003", "198501012010011003"),
        ("bukan ASN, lewati saja", None),
        ("not applicable", None),
    ],
)
async def test_the_nip_is_read_as_written_or_let_go(
    chat: Chat, sqlite_db: Database, typed: str, stored: str | None
) -> None:
    await answer_until(chat, sqlite_db, "nip")
    await chat.say(typed)
    state, data = await state_of(chat, sqlite_db)
    assert data["answers"]["nip"] == stored
    assert (state, data["field"]) == ("ask_field", "kontak")


async def test_the_description_question_offers_what_the_first_message_said(
    chat: Chat, sqlite_db: Database
) -> None:
    await answer_until(chat, sqlite_db, "uraian")
    _, data = await state_of(chat, sqlite_db)
    assert data["said"] == REQUEST
    reply = await chat.say("ya, itu saja")
    _state, data = await state_of(chat, sqlite_db)
    assert data["answers"]["uraian"].startswith(REQUEST), reply


VICON = "mau pinjam zoom untuk rapat koordinasi"


@pytest.mark.parametrize(
    "typed",
    ["tgl 15 desember jam 14:30", "selasa 15/12 pukul 14.30", "15 December 2:30 pm"],
)
async def test_an_event_time_is_read_as_people_write_it(
    kalbar_chat: Chat, sqlite_db: Database, typed: str
) -> None:
    await answer_until(
        kalbar_chat, sqlite_db, "waktu_acara", request=VICON, service="video-conference"
    )
    await kalbar_chat.say(typed)
    _, data = await state_of(kalbar_chat, sqlite_db)
    assert data["answers"]["waktu_acara"].startswith("2026-12-15T14:30")


@pytest.mark.parametrize("typed", ["40an", "kira2 40 orang", "empat puluh", "about 40 people"])
async def test_an_approximate_count_is_read_as_a_number(
    kalbar_chat: Chat, sqlite_db: Database, typed: str
) -> None:
    await answer_until(
        kalbar_chat, sqlite_db, "jumlah_peserta", request=VICON, service="video-conference"
    )
    await kalbar_chat.say(typed)
    _, data = await state_of(kalbar_chat, sqlite_db)
    assert data["answers"]["jumlah_peserta"] in (40, "40")


async def test_an_official_email_field_refuses_another_domain_and_says_which(
    kalbar_chat: Chat, sqlite_db: Database
) -> None:
    await kalbar_chat.say("mau buat akun email dinas untuk staf baru")
    await kalbar_chat.tap("svc:email")
    for _ in range(5):
        _, data = await state_of(kalbar_chat, sqlite_db)
        if data.get("field") == "alamat_email":
            break
        if data.get("field") == "jenis_permintaan":
            await kalbar_chat.say("1")
        else:
            await kalbar_chat.say(ANSWERS[data["field"]])
    refused = await kalbar_chat.say("budi.santoso@gmail.com")
    assert "go.id" in refused
    await kalbar_chat.say("email saya budi@kalbarprov.go.id pak")
    _, data = await state_of(kalbar_chat, sqlite_db)
    assert data["answers"]["alamat_email"] == "budi@kalbarprov.go.id"


@pytest.mark.parametrize("typed", ["iya pakai itu", "yes"])
async def test_a_returning_requester_is_offered_their_details_in_one_step(
    chat: Chat, sqlite_db: Database, typed: str
) -> None:
    await answer_until(chat, sqlite_db, "nip")
    await chat.say("NIP 19850101 201001 1 003")
    for answer in ("081234567890", "Gedung A lantai 2", "ya"):
        await chat.say(answer)
    await chat.say("seluruh kantor")  # the impact, typed
    await chat.tap("skip")  # no letter
    filed = await chat.say("ok kirim")
    assert "BABEL-" in filed

    offer = await chat.say("jaringan di ruang rapat putus lagi, mohon dicek")
    if "Jaringan Intra" in offer and "Budi Santoso" not in offer:
        offer = await chat.say("iya")  # the matched service, confirmed
    state, _ = await state_of(chat, sqlite_db)
    if state == "choose_product":
        offer = await chat.tap("prd:perbaikan")
    assert "Budi Santoso" in offer and "19850101 201001 1 003" in offer
    await chat.say(typed)
    state, data = await state_of(chat, sqlite_db)
    assert data["answers"]["penanggung_jawab"] == "Budi Santoso"
    assert data["answers"]["nip"] == "198501012010011003"
    assert (state, data["field"]) == ("ask_field", "lokasi")


# --- the satisfaction survey on each channel ------------------------------------------------


def _runtime(chat: Chat) -> Any:
    if isinstance(chat, TelegramChat | WhatsAppChat):
        return chat.app.runtime
    assert isinstance(chat, WebChat)
    return chat.runtime


async def _last_choices(chat: Chat, reply: str) -> list[str]:
    """The labels of the last message's buttons (or list rows) as the channel rendered them."""
    if isinstance(chat, TelegramChat):
        return [label for label, _ in chat.app.fake.messages_to(USER_ID)[-1].buttons()]
    if isinstance(chat, WhatsAppChat):
        sent = chat.app.graph.sent_to(CONTACT)[-1]
        assert sent["type"] == "interactive"
        interactive = sent["interactive"]
        if interactive["type"] == "list":
            rows = interactive["action"]["sections"][0]["rows"]
            return [r.get("description", r["title"]) for r in rows]
        return [b["reply"]["title"] for b in interactive["action"]["buttons"]]
    assert isinstance(chat, WebChat) and chat.last_choices is not None
    return chat.last_choices


async def test_the_survey_is_answered_by_taps_and_typed_scores_on_every_channel(
    chat: Chat, sqlite_db: Database
) -> None:
    await answer_until(chat, sqlite_db, "uraian")
    for answer in ("ya", "seluruh kantor", "lewati", "ok kirim"):
        await chat.say(answer)
    async with sqlite_db.transaction() as conn:
        (ticket,) = await repo.list_tickets_for_requester(
            conn, requester_id=(await _requester_id(conn, chat)), limit=5
        )
        await conn.execute(
            update(tickets).where(tickets.c.id == ticket.id).values(status="selesai")
        )
        desk = _runtime(chat).engine.desk(NOW)
        assert await invite_to_survey(conn, desk=desk, ticket=ticket, t=translator("id"))
    await _runtime(chat).pipeline.sweep()  # the invitation goes out (replies queue behind it)

    first = await chat.tap(f"skm:go:{ticket.ref}")
    assert "Pertanyaan 1 dari 9" in first
    # Five answers do not fit WhatsApp's three reply buttons: a list message carries them.
    assert await _last_choices(chat, first) == [
        "Tidak sesuai",
        "Kurang sesuai",
        "Sesuai",
        "Sangat sesuai",
        "Lewati",
    ]
    second = await chat.say("4")
    assert "Pertanyaan 2 dari 9" in second
    await chat.tap("skm:a:u2:3")
    async with sqlite_db.transaction() as conn:
        survey = await repo.get_survey(conn, ticket_id=ticket.id)
    assert survey is not None and survey.answers[:3] == (4, 3, None)


async def _requester_id(conn: Any, chat: Chat) -> int:
    row = (
        (await conn.execute(select(conversations).where(conversations.c.channel == chat.channel)))
        .mappings()
        .one()
    )
    return int(row["requester_id"])
