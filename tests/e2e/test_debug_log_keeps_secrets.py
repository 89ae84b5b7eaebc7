"""LOG_LEVEL=DEBUG, as an operator chasing a problem sets it, and a whole ticket's life over
Telegram: a requester's name, phone and address, an officer's name and NIP in the Berita Acara
PDF, the bot's sends. Nothing any logger writes (our code, SQLAlchemy, aiosqlite, PTB, httpx,
fpdf...) holds one of those values or the bot token."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli.logs import configure_logging
from core.clock import utcnow
from storage import repositories as repo
from tests.fakes.telegram_api import (
    TOKEN,
    USER_ID,
    FakeTelegramAPI,
    TelegramApp,
    callback_update,
    document_update,
    running_telegram_app,
    telegram_settings,
    text_update,
)
from tests.support.dialog import PDF, conversation

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = pytest.mark.usefixtures("offline_network")

OFFICER_CHAT = 5550002
NAME = "Sulastri Wulandari"
PHONE = "081298765432"
ADDRESS = "Jalan Merdeka Nomor 17"
OFFICER = "Maya Lestari"
NIP = "198501012010011001"
REQUESTER_NIP = "199002022015032004"
ANSWERS = {
    "opd": "Dinas Pendidikan",
    "penanggung_jawab": NAME,
    "nip": REQUESTER_NIP,
    "kontak": PHONE,
    "lokasi": ADDRESS,
    "uraian": "Internet mati sejak pagi",
}
SECRETS = {
    "name": NAME,
    "first name": "Sulastri",
    "phone": PHONE,
    "requester's NIP": REQUESTER_NIP,
    "phone as stored": "+6281298765432",
    "address": ADDRESS,
    "officer": OFFICER,
    "NIP": NIP,
    "bot token": TOKEN,
    "token's secret half": TOKEN.split(":", 1)[1],
}


class Everything(logging.Handler):
    """Every record any logger lets through, formatted as a log file would hold it."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def debug_log() -> Iterator[Everything]:
    """The server's logging at LOG_LEVEL=DEBUG; every logger's level is put back afterwards."""
    manager = logging.Logger.manager
    before = {
        name: logger.level
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root = logging.getLogger()
    root_level, access_filters = root.level, list(logging.getLogger("uvicorn.access").filters)
    handler = Everything()
    root.addHandler(handler)
    configure_logging("DEBUG")
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(root_level)
        for name, logger in manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.setLevel(before.get(name, logging.NOTSET))
        logging.getLogger("uvicorn.access").filters = access_filters


def update_from(update: dict[str, Any], first: str, last: str) -> dict[str, Any]:
    """`update` as sent by a person with that profile name."""
    body = update.get("message") or update["callback_query"]
    body["from"].update(first_name=first, last_name=last)
    return update


async def requester_files_a_repair(tg: TelegramApp) -> str:
    """The requester's whole dialog, from /start to the ticket; returns its ref."""

    async def send(update: dict[str, Any]) -> list[Any]:
        return await tg.deliver(update_from(update, "Sulastri", "Wulandari"))

    await send(text_update("/start"))
    await send(text_update("internet kantor mati"))
    await send(callback_update("svc:jaringan-intra"))
    for _ in range(12):
        state = await conversation(tg.db, str(USER_ID))
        if state["state"] == "choose_product":
            await send(callback_update("prd:perbaikan"))
        elif state["state"] == "ask_field":
            buttons = [data for _, data in tg.fake.messages_to(USER_ID)[-1].buttons()]
            field = state["data"]["field"]
            if field in ANSWERS:
                await send(text_update(ANSWERS[field]))
            elif buttons:
                await send(callback_update(buttons[0]))
            else:
                await send(text_update("Tidak ada"))
        elif state["state"] == "ask_document":
            tg.fake.add_file("letter", PDF, file_path="documents/letter.pdf")
            await send(document_update("letter", file_size=len(PDF)))
        elif state["state"] == "confirm":
            await send(callback_update("sum:send"))
            async with tg.db.transaction() as conn:
                (ticket,) = await repo.list_tickets_for_requester(
                    conn, requester_id=state["requester_id"], limit=5
                )
            return ticket.ref
    raise AssertionError("the dialog never reached its summary")


async def officer_closes_it(tg: TelegramApp, ref: str) -> None:
    """A coordinator (with a NIP) moves the ticket to its last step and fills the Berita Acara
    ("Saya sendiri": their name and NIP go into the PDF sent to both chats)."""
    async with tg.db.transaction() as conn:
        officer = await repo.add_officer(
            conn, agency="babel", name=OFFICER, roles=["coordinator"], nip=NIP, at=utcnow()
        )
        await repo.bind_officer_identity(
            conn,
            officer_id=officer.id,
            channel="telegram",
            external_id=str(OFFICER_CHAT),
            at=utcnow(),
        )

    async def send(update: dict[str, Any]) -> list[Any]:
        return await tg.deliver(update_from(update, "Maya", "Lestari"), chat_id=OFFICER_CHAT)

    for _ in range(8):
        said = await send(text_update(f"/disposisi {ref} @semua", chat_id=OFFICER_CHAT))
        if any("tahap terakhir" in call.params["text"] for call in said):
            break
    asked = await send(text_update(f"/selesai {ref}", chat_id=OFFICER_CHAT))
    for _ in range(10):
        buttons = dict(asked[-1].buttons()) if asked else {}
        if "Kirim" in buttons:
            await send(callback_update(buttons["Kirim"], chat_id=OFFICER_CHAT))
            break
        if "Saya sendiri" in buttons:
            asked = await send(callback_update(buttons["Saya sendiri"], chat_id=OFFICER_CHAT))
        else:
            answer = f"Switch diganti di {ADDRESS}"
            asked = await send(text_update(answer, chat_id=OFFICER_CHAT))
    documents = tg.fake.calls("sendDocument")
    assert {call.chat_id for call in documents} == {str(USER_ID), str(OFFICER_CHAT)}


async def test_a_whole_ticket_at_debug_level_logs_no_personal_data_and_no_token(
    debug_log: Everything, fake_telegram: FakeTelegramAPI, tmp_path: Path
) -> None:
    settings = telegram_settings(fake_telegram, tmp_path / "data", log_level="DEBUG")
    async with running_telegram_app(fake_telegram, settings) as tg:
        ref = await requester_files_a_repair(tg)
        await officer_closes_it(tg, ref)

    logged = "\n".join(debug_log.lines)
    assert ref in logged or len(debug_log.lines) > 20  # DEBUG really was on
    leaked = {what: value for what, value in SECRETS.items() if value in logged}
    assert leaked == {}, leaked
