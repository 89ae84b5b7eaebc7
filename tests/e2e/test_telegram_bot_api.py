"""What the bot asks of the Bot API: set-up calls (commands, webhook, polling), rendering of
replies (long texts, keyboards, documents) and how refusals (429, blocked) are handled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.delivery import PermanentFailure, RetryAfter
from bot.messages import Choice, Outbound, OutboundDocument
from bot.telegram.channel import make_bot, webhook_secret
from bot.telegram.sender import TelegramSender
from storage import repositories as repo
from storage.db import Database
from storage.models import outbox
from tests.fakes.telegram_api import (
    FakeTelegramAPI,
    running_telegram_app,
    telegram_settings,
    text_update,
)

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = pytest.mark.usefixtures("offline_network")

CHAT = 4440001
OTHER_CHAT = 4440002
COMMANDS = [
    "start",
    "layanan",
    "status",
    "batal",
    "kelengkapan",
    "pengaduan",
    "tautkan",
    "survei",
    "privasi",
    "dataku",
    "bahasa",
    "bantuan",
]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def sender(fake_telegram: FakeTelegramAPI, tmp_path: Path) -> AsyncIterator[TelegramSender]:
    """A sender whose bot talks to the fake (its connections closed afterwards)."""
    bot = make_bot(telegram_settings(fake_telegram, tmp_path))
    yield TelegramSender(bot)
    await bot.request.shutdown()


async def test_the_command_menu_is_published_in_indonesian_and_english(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path
) -> None:
    settings = telegram_settings(fake_telegram, tmp_path)
    async with running_telegram_app(fake_telegram, settings, db=sqlite_db):
        calls = fake_telegram.calls("setMyCommands")

    by_language = {c.params.get("language_code"): c.json("commands") for c in calls}
    assert set(by_language) == {None, "en"}
    for commands in by_language.values():
        assert [c["command"] for c in commands] == COMMANDS
    assert by_language[None][0]["description"] != by_language["en"][0]["description"]
    assert fake_telegram.calls("getMe"), "the token is checked at start"


async def test_an_officer_chat_gets_the_officers_menu_and_requesters_keep_theirs(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path
) -> None:
    settings = telegram_settings(fake_telegram, tmp_path)
    now = datetime.now(UTC)
    async with sqlite_db.transaction() as conn:
        officer = await repo.add_officer(
            conn, agency=settings.agency, name="Rina", roles=["kabid"], at=now
        )
        await repo.bind_officer_identity(
            conn, officer_id=officer.id, channel="telegram", external_id=str(CHAT), at=now
        )
    async with running_telegram_app(fake_telegram, settings, db=sqlite_db):
        calls = fake_telegram.calls("setMyCommands")

    scoped = [c for c in calls if c.json("scope")]
    assert {c.json("scope")["chat_id"] for c in scoped} == {CHAT}
    officer_menu = [c["command"] for c in scoped[0].json("commands")]
    assert officer_menu[0] == "antrian" and "disposisi" in officer_menu
    everyone = [c for c in calls if not c.json("scope")]
    assert all("disposisi" not in [m["command"] for m in c.json("commands")] for c in everyone)


async def test_the_webhook_is_registered_with_its_secret_keeping_pending_updates(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path
) -> None:
    url = "https://desk.example.go.id/webhook/telegram"
    settings = telegram_settings(fake_telegram, tmp_path, telegram_webhook_url=url)
    async with running_telegram_app(fake_telegram, settings, db=sqlite_db):
        (call,) = fake_telegram.calls("setWebhook")

    assert call.params["url"] == url
    assert call.params["secret_token"] == settings.telegram_webhook_secret
    assert call.params.get("drop_pending_updates", "false") == "false"
    assert set(call.json("allowed_updates")) == {"message", "callback_query"}
    assert fake_telegram.calls("deleteWebhook") == []


async def test_without_a_configured_secret_the_webhook_is_signed_with_a_derived_one(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path
) -> None:
    settings = telegram_settings(
        fake_telegram,
        tmp_path,
        telegram_webhook_secret="",
        telegram_webhook_url="https://desk.example.go.id/webhook/telegram",
    )
    async with running_telegram_app(fake_telegram, settings, db=sqlite_db) as telegram:
        (call,) = fake_telegram.calls("setWebhook")
        derived = call.params["secret_token"]
        unsigned = await telegram.post(text_update("/start", chat_id=CHAT), secret=None)
        signed = await telegram.post(text_update("/start", chat_id=CHAT), secret=derived)

    assert derived and derived == webhook_secret(settings)
    assert derived != settings.telegram_bot_token
    assert (unsigned.status_code, signed.status_code) == (403, 200)
    assert len(fake_telegram.messages_to(CHAT)) == 1


async def test_webhook_mode_without_a_url_leaves_the_webhook_alone(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path
) -> None:
    settings = telegram_settings(fake_telegram, tmp_path)
    async with running_telegram_app(fake_telegram, settings, db=sqlite_db):
        pass

    assert fake_telegram.calls("setWebhook") == []
    assert fake_telegram.calls("getUpdates") == []


async def test_polling_answers_updates_and_confirms_them_only_after_handling(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path
) -> None:
    settings = telegram_settings(fake_telegram, tmp_path, telegram_mode="polling")
    update = text_update("/start", chat_id=CHAT)
    async with running_telegram_app(fake_telegram, settings, db=sqlite_db):
        fake_telegram.push_update(update)
        await fake_telegram.wait_for_async(lambda f: bool(f.messages_to(CHAT)))
        await fake_telegram.wait_for_async(
            lambda f: any(
                c.params.get("offset") == str(update["update_id"] + 1)
                for c in f.calls("getUpdates")
            )
        )

    (delete,) = fake_telegram.calls("deleteWebhook")
    assert delete.params.get("drop_pending_updates", "false") == "false"
    assert "Selamat datang" in fake_telegram.texts_to(CHAT)[0]
    assert len(fake_telegram.messages_to(CHAT)) == 1


async def test_a_rate_limited_chat_waits_while_other_chats_are_answered(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path
) -> None:
    clock = Clock()
    fake_telegram.rate_limit("sendMessage", chat_id=CHAT, retry_after=30)
    settings = telegram_settings(fake_telegram, tmp_path)
    async with running_telegram_app(fake_telegram, settings, db=sqlite_db, clock=clock) as tg:
        first = await tg.post(text_update("/start", chat_id=CHAT))
        other = await tg.post(text_update("/start", chat_id=OTHER_CHAT))

        assert (first.status_code, other.status_code) == (200, 200)
        assert fake_telegram.messages_to(CHAT) == []
        assert len(fake_telegram.messages_to(OTHER_CHAT)) == 1
        async with sqlite_db.transaction() as conn:
            waiting = (
                await conn.execute(select(outbox).where(outbox.c.recipient == str(CHAT)))
            ).one()
        assert waiting.status == "pending"
        assert waiting.next_attempt_at >= clock.now + timedelta(seconds=30)

        clock.now += timedelta(seconds=20)
        await tg.runtime.pipeline.sweep()
        assert fake_telegram.messages_to(CHAT) == []

        clock.now += timedelta(seconds=15)
        await tg.runtime.pipeline.sweep()
        assert len(fake_telegram.messages_to(CHAT)) == 1


async def test_a_long_reply_is_split_at_4096_characters_between_lines(
    fake_telegram: FakeTelegramAPI, sender: TelegramSender
) -> None:
    lines = [f"{n:03d} " + "x" * 95 for n in range(90)]  # 90 lines of 100 characters
    message = Outbound(text="\n".join(lines), choices=(Choice("ok", "Oke"),))

    await sender.send(str(CHAT), message)

    calls = fake_telegram.messages_to(CHAT)
    texts = [c.params["text"] for c in calls]
    assert len(texts) == 3
    assert all(len(t) <= 4096 for t in texts)
    assert "\n".join(texts).split("\n") == lines
    assert [bool(c.buttons()) for c in calls] == [False, False, True]


async def test_a_single_line_longer_than_the_limit_is_still_delivered_whole(
    fake_telegram: FakeTelegramAPI, sender: TelegramSender
) -> None:
    words = " ".join(f"kata{n}" for n in range(2000))  # about 16 900 characters, no newline

    await sender.send(str(CHAT), Outbound(text=words))

    texts = fake_telegram.texts_to(CHAT)
    assert len(texts) == 5
    assert all(len(t) <= 4096 for t in texts)
    assert "".join(texts) == words


async def test_choices_become_inline_buttons_and_unusable_ones_are_left_out(
    fake_telegram: FakeTelegramAPI, sender: TelegramSender
) -> None:
    choices = (
        Choice("svc:jaringan-intra", "Jaringan Intra"),
        Choice("x" * 65, "Data terlalu panjang"),
        Choice("svc:hosting", "Hosting"),
    )

    await sender.send(str(CHAT), Outbound(text="Pilih layanan:", choices=choices))

    (call,) = fake_telegram.messages_to(CHAT)
    assert call.buttons() == [("Jaringan Intra", "svc:jaringan-intra"), ("Hosting", "svc:hosting")]


async def test_a_document_is_sent_with_senddocument_after_its_text(
    fake_telegram: FakeTelegramAPI, sender: TelegramSender
) -> None:
    pdf = b"%PDF-1.4\n%berita acara\n%%EOF\n"
    message = Outbound(
        text="Berikut Berita Acara.",
        document=OutboundDocument("BA-BABEL-2026-00001.pdf", "application/pdf", pdf),
    )

    await sender.send(str(CHAT), message)

    assert fake_telegram.texts_to(CHAT) == ["Berikut Berita Acara."]
    (document,) = fake_telegram.calls("sendDocument")
    assert document.chat_id == str(CHAT)
    assert document.files["document"] == ("BA-BABEL-2026-00001.pdf", pdf)


async def test_a_429_tells_the_outbox_when_to_try_again(
    fake_telegram: FakeTelegramAPI, sender: TelegramSender
) -> None:
    fake_telegram.rate_limit("sendMessage", retry_after=7)

    with pytest.raises(RetryAfter) as raised:
        await sender.send(str(CHAT), Outbound(text="Halo"))

    assert raised.value.seconds == 7


async def test_a_chat_that_blocked_the_bot_is_a_permanent_failure(
    fake_telegram: FakeTelegramAPI, sender: TelegramSender
) -> None:
    fake_telegram.block(CHAT)

    with pytest.raises(PermanentFailure):
        await sender.send(str(CHAT), Outbound(text="Halo"))
