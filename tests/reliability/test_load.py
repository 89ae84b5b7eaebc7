"""Load: many requesters at once, each filing a babel network repair from first message to
ticket number through the Telegram webhook of a real `servicedesk serve` process, while
Kepala Dinas and Kepala Bidang officers dispose the new tickets by command in their own chats.

Telegram's side is simulated as Telegram behaves: at most 40 webhook requests at once, an update
posted again until it is answered 2xx, each person waiting for the bot's question before
answering. Afterwards: one ticket per requester holding their own answers, each question asked
once, every disposition logged once, and every outbox row sent and received exactly once by the
fake Bot API, with nothing failed for good.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from storage.db import Database
from tests.fakes.lean_telegram import LeanBotAPI
from tests.support.load import (
    INTAKE,
    ServeProcess,
    Webhook,
    delivery_problems,
    desk_env,
    dialog_problems,
    patience,
    requesters,
    run_load,
    say,
    seed_staff,
    wait_for_outbox_sent,
)

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = pytest.mark.usefixtures("offline_network")


async def file_tickets_under_load(
    count: int,
    tmp_path: Path,
    bot_api: LeanBotAPI,
    agency_env: dict[str, str],
    sqlite_url: str,
) -> None:
    db = Database(sqlite_url)
    staff = await seed_staff(db, per_role=5 if count < 100 else 10)
    server = ServeProcess(desk_env(tmp_path, bot_api, agency_env), tmp_path / "server.log")
    webhook = Webhook(lambda: [server.url])
    people = requesters(count)
    try:
        await server.start()
        started = time.monotonic()
        work = await run_load(webhook, bot_api, staff, people, reply_timeout=patience(count))
        elapsed = time.monotonic() - started
        rows = await wait_for_outbox_sent(db, within=patience(count))
        drained = time.monotonic() - started

        assert await dialog_problems(db, people, work, webhook) == []
        assert delivery_problems(rows, bot_api) == []
        # Nothing had to be retried: every update was answered 2xx the first time.
        assert webhook.refusals() == {}
        assert "Traceback" not in server.output()
        print(
            f"{count} requesters, {len(webhook.accepted)} updates in {elapsed:.1f} s, "
            f"outbox drained at {drained:.1f} s"
        )
    finally:
        await webhook.close()
        await server.stop()
        await db.dispose()


async def test_fifty_requesters_each_get_one_ticket_and_every_reply_while_officers_work(
    tmp_path: Path,
    bot_api: LeanBotAPI,
    agency_env: dict[str, str],
    sqlite_url: str,
) -> None:
    await file_tickets_under_load(50, tmp_path, bot_api, agency_env, sqlite_url)


@pytest.mark.soak
async def test_five_hundred_requesters_each_get_one_ticket_and_every_reply_while_officers_work(
    tmp_path: Path,
    bot_api: LeanBotAPI,
    agency_env: dict[str, str],
    sqlite_url: str,
) -> None:
    await file_tickets_under_load(500, tmp_path, bot_api, agency_env, sqlite_url)


async def test_an_officer_is_answered_at_once_while_a_notice_to_them_is_on_its_way(
    tmp_path: Path, bot_api: LeanBotAPI, agency_env: dict[str, str], sqlite_url: str
) -> None:
    db = Database(sqlite_url)
    staff = await seed_staff(db, per_role=1)
    kadis = staff.kadis[0]
    (person,) = requesters(1)
    answers = {"name": person.name, "phone": person.phone, "location": person.location}
    server = ServeProcess(desk_env(tmp_path, bot_api, agency_env), tmp_path / "server.log")
    webhook = Webhook(lambda: [server.url])
    try:
        await server.start()
        for kind, value, expect in INTAKE[:-1]:
            await say(
                webhook, bot_api, person.chat_id, kind, value.format(**answers), [expect], within=10
            )
        # The new ticket's notice to the Kepala Dinas takes 2 s to be acknowledged.
        bot_api.stall_next_send(kadis.chat_id, 2.0)
        kind, value, expect = INTAKE[-1]
        filing = asyncio.create_task(
            say(webhook, bot_api, person.chat_id, kind, value, [expect], within=30)
        )
        await asyncio.wait_for(bot_api.stalling.wait(), 10)
        asked = time.monotonic()

        _, answer = await say(
            webhook, bot_api, kadis.chat_id, "text", "/antrian", ["Antrean Bapak/Ibu"], within=30
        )
        await filing

        # Once the notice is through, the answer follows (not at the next outbox sweep).
        assert answer.answered_at - asked < 5.0
    finally:
        await webhook.close()
        await server.stop()
        await db.dispose()
