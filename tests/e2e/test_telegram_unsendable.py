"""Telegram input that cannot be stored or sent as it is: a lone surrogate (valid JSON, not
valid UTF-8) or a NUL in a profile name or a message is dropped on the way in, and a reply that
cannot be encoded fails for good at once instead of holding the chat's later replies for twenty
minutes of retries."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.messages import Outbound
from core.clock import utcnow
from storage import repositories as repo
from storage.db import Database
from storage.models import requesters
from tests.fakes.telegram_api import (
    USER_ID,
    FakeTelegramAPI,
    TelegramApp,
    running_telegram_app,
    telegram_settings,
    text_update,
)

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = pytest.mark.usefixtures("offline_network")

APOLOGY = "silakan kirim ulang"


@pytest.fixture
async def telegram(
    fake_telegram: FakeTelegramAPI, db: Database, tmp_path: Path
) -> AsyncIterator[TelegramApp]:
    """The app in webhook mode on SQLite or PostgreSQL, talking to the fake Bot API."""
    settings = telegram_settings(fake_telegram, tmp_path / "data")
    async with running_telegram_app(fake_telegram, settings, db=db) as app:
        yield app


def from_user_named(update: dict[str, Any], first_name: str) -> dict[str, Any]:
    update["message"]["from"]["first_name"] = first_name
    return update


async def post_raw(telegram: TelegramApp, update: dict[str, Any]) -> list[str]:
    """POST the update as Telegram would (JSON escapes: "\\ud800" is valid JSON, not UTF-8);
    the texts it made the bot send to the chat."""
    before = len(telegram.fake.texts_to(USER_ID))
    response = await telegram.post(json.dumps(update).encode("ascii"))
    assert response.status_code == 200, response.text
    return telegram.fake.texts_to(USER_ID)[before:]


async def test_a_name_and_a_text_with_a_lone_surrogate_or_nul_get_real_answers(
    telegram: TelegramApp,
) -> None:
    name = "Budi\ud800\x00\u202e"

    hello = await post_raw(telegram, from_user_named(text_update("/start"), name))
    offer = await post_raw(
        telegram, from_user_named(text_update("internet\ud800 kantor\x00 mati"), name)
    )

    assert hello and not any(APOLOGY in text for text in hello), hello
    assert offer and "Jaringan Intra" in offer[-1], offer
    async with telegram.db.transaction() as conn:
        names = (await conn.execute(select(requesters.c.display_name))).scalars().all()
    assert names == ["Budi Santoso"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_reply_that_cannot_be_encoded_fails_at_once_and_the_next_ones_go_out(
    telegram: TelegramApp,
) -> None:
    # Only SQLite can hold such a reply (PostgreSQL refuses "\ud800" in JSON): one queued before
    # the input was cleaned, say.
    now = utcnow()
    async with telegram.db.transaction() as conn:
        ids = [
            await repo.enqueue(
                conn,
                key=f"test:{index}",
                channel="telegram",
                recipient=str(USER_ID),
                payload=Outbound(text).to_payload(),
                at=now,
            )
            for index, text in enumerate(["Satu", "Dua \ud800", "Tiga"])
        ]

    await telegram.runtime.pipeline.sweep()

    assert telegram.fake.texts_to(USER_ID)[-2:] == ["Satu", "Tiga"]
    async with telegram.db.transaction() as conn:
        broken = await repo.get_outbox(conn, id=ids[1] or 0)
    assert broken is not None
    assert (broken.status, broken.attempts) == (repo.OUTBOX_FAILED, 1)
    assert broken.last_error is not None and "UnicodeEncodeError" in broken.last_error
    assert broken.next_attempt_at < now + timedelta(minutes=2)


async def test_a_queued_message_that_cannot_be_read_fails_at_once_and_the_next_one_goes_out(
    telegram: TelegramApp,
) -> None:
    now = utcnow()
    async with telegram.db.transaction() as conn:
        unreadable = await repo.enqueue(
            conn,
            key="test:unreadable",
            channel="telegram",
            recipient=str(USER_ID),
            payload={"choices": "not a list"},
            at=now,
        )
        await repo.enqueue(
            conn,
            key="test:after",
            channel="telegram",
            recipient=str(USER_ID),
            payload=Outbound("Sesudahnya").to_payload(),
            at=now,
        )

    await telegram.runtime.pipeline.sweep()

    assert telegram.fake.texts_to(USER_ID)[-1:] == ["Sesudahnya"]
    async with telegram.db.transaction() as conn:
        broken = await repo.get_outbox(conn, id=unreadable or 0)
    assert broken is not None and (broken.status, broken.attempts) == (repo.OUTBOX_FAILED, 1)
