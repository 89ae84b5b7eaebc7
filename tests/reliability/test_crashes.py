"""Crashes: the load of test_load.py (requesters filing network repairs through the Telegram
webhook while officers dispose them) with the server SIGKILLed at random moments and started
again at once on the same database and DATA_DIR, as systemd would.

Telegram's side goes on as Telegram does: an update that got no 2xx answer (cut connection,
refused connection while the server is down) is posted again, unchanged. Afterwards no update
Telegram saw accepted was lost or applied twice (one ticket per requester with their own
answers, every question asked once, every disposition logged once, every accepted update in
the inbox), every dialog resumed where it stood, and every reply arrived — at most one
message per chat repeated per crash, and only one that was on its way when the server died
(bot/delivery.py: at-least-once). Replies owed at a crash arrive within seconds of the restart.

The kill moments are drawn from a seeded generator; a failure prints the seed.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.messages import Outbound
from storage import repositories as repo
from storage.db import Database
from tests.fakes.lean_telegram import LeanBotAPI
from tests.support.load import (
    INTAKE,
    ServeProcess,
    StepLog,
    Webhook,
    compare_deliveries,
    delivery_problems,
    desk_env,
    dialog_problems,
    patience,
    progress_at_least,
    requesters,
    run_load,
    seed_staff,
    until,
    wait_for_outbox_sent,
)

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = pytest.mark.usefixtures("offline_network")

# Replies owed when the server died arrive this soon after it answers /healthz again (the
# outbox sweep runs at start, after the server handed back what it had claimed).
RESUME_SECONDS = 10.0


def late_replies(steps: list[StepLog], kills: list[tuple[float, float]]) -> list[str]:
    """Replies owed when the server was killed that did not come within RESUME_SECONDS of its
    restart, although that life of the server lasted longer than that."""
    late = []
    for index, (killed_at, ready_at) in enumerate(kills):
        next_kill = kills[index + 1][0] if index + 1 < len(kills) else float("inf")
        for step in steps:
            if not step.accepted_at < killed_at < step.answered_at:
                continue
            if step.answered_at < next_kill:
                lag = step.answered_at - ready_at
            elif next_kill - ready_at > RESUME_SECONDS:
                lag = next_kill - ready_at  # that life ended without the answer
            else:
                continue  # killed again too soon: owed at the next kill
            if lag > RESUME_SECONDS:
                late.append(
                    f"chat {step.chat_id}: {step.answered_at - ready_at:.1f} s after the restart"
                )
    return late


async def file_tickets_through_crashes(
    count: int,
    kills: int,
    tmp_path: Path,
    bot_api: LeanBotAPI,
    agency_env: dict[str, str],
    sqlite_url: str,
) -> None:
    db = Database(sqlite_url)
    staff = await seed_staff(db, per_role=3 if count < 100 else 10)
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    server = ServeProcess(desk_env(tmp_path, bot_api, agency_env), tmp_path / "server.log")
    webhook = Webhook(lambda: [server.url], seed=seed)
    people = requesters(count)
    windows: list[tuple[float, float]] = []  # (first copy by, repeat from)
    kills_made: list[tuple[float, float]] = []  # (killed, ready again)
    total = count * (len(INTAKE) + 2)

    async def crash_at_random_moments() -> None:
        for share in sorted(rng.uniform(0.1, 0.8) for _ in range(kills)):
            await until(
                progress_at_least(webhook, share * total), within=patience(count), what="load"
            )
            await asyncio.sleep(rng.uniform(0, 0.1))
            killed_at = await server.kill()
            restarting = time.monotonic()
            ready_at = await server.start()
            kills_made.append((killed_at, ready_at))
            # A message the dead server sent may be read by the fake (in this event loop) a
            # little after the kill; the new one sends nothing in its first second (Python
            # alone takes longer to start).
            windows.append((restarting + 1.0, killed_at))

    try:
        await server.start()
        started = time.monotonic()
        work, _ = await asyncio.gather(
            run_load(webhook, bot_api, staff, people, reply_timeout=patience(count)),
            crash_at_random_moments(),
        )
        elapsed = time.monotonic() - started
        rows = await wait_for_outbox_sent(db, within=patience(count))

        context = f"seed {seed}, kills and restarts at {kills_made}"
        assert len(kills_made) == kills, context
        assert await dialog_problems(db, people, work, webhook) == [], context
        assert delivery_problems(rows, bot_api, windows) == [], context
        # The kills hit the load: Telegram had to post updates again.
        assert webhook.refusals(), context
        # Requesters' replies resume at once; an officer's answers queue behind the notices
        # to their chat, which Telegram's pace (about one a second) drains, crash or not.
        assert late_replies([s for p in people for s in p.steps], kills_made) == [], context
        restarts = [ready - killed for killed, ready in kills_made]
        print(
            f"{count} requesters, {len(webhook.accepted)} updates, {kills} kills in "
            f"{elapsed:.1f} s; restarts took {min(restarts):.1f}-{max(restarts):.1f} s; "
            f"refused: {dict(webhook.refusals())}; "
            f"repeated messages: {compare_deliveries(rows, bot_api).extra_count}"
        )
    finally:
        await webhook.close()
        await server.stop()
        await db.dispose()


async def test_requesters_and_officers_lose_nothing_when_the_server_is_killed_three_times(
    tmp_path: Path,
    bot_api: LeanBotAPI,
    agency_env: dict[str, str],
    sqlite_url: str,
) -> None:
    await file_tickets_through_crashes(20, 3, tmp_path, bot_api, agency_env, sqlite_url)


@pytest.mark.soak
async def test_five_hundred_requesters_lose_nothing_when_the_server_is_killed_ten_times(
    tmp_path: Path,
    bot_api: LeanBotAPI,
    agency_env: dict[str, str],
    sqlite_url: str,
) -> None:
    await file_tickets_through_crashes(500, 10, tmp_path, bot_api, agency_env, sqlite_url)


async def test_a_restarted_server_does_not_hold_one_chats_message_behind_another_chats_backlog(
    tmp_path: Path, bot_api: LeanBotAPI, agency_env: dict[str, str], sqlite_url: str
) -> None:
    db = Database(sqlite_url)
    now = datetime.now(UTC)
    officer, requester = 9_100_001, 7_000_001
    # What a crash left queued: a dozen notices to one officer's chat, then a requester's reply.
    async with db.transaction() as conn:
        for n in range(12):
            await repo.enqueue(
                conn,
                key=f"backlog:{n}",
                channel="telegram",
                recipient=str(officer),
                payload=Outbound(f"Tiket baru nomor {n}").to_payload(),
                at=now,
            )
        await repo.enqueue(
            conn,
            key="reply",
            channel="telegram",
            recipient=str(requester),
            payload=Outbound("Dari OPD/unit kerja mana permohonan ini?").to_payload(),
            at=now,
        )
    await db.dispose()
    server = ServeProcess(desk_env(tmp_path, bot_api, agency_env), tmp_path / "server.log")
    try:
        ready = await server.start()
        reply = await bot_api.wait_for_text(requester, "OPD", after=0, within=90)
        officer_got = bot_api.count_to(officer)
    finally:
        await server.kill()  # not stop(): that lets the sweep trickle the backlog out first

    # The requester's question does not wait for the officer's notices to trickle out.
    assert reply.at - ready < 4.0, f"after {reply.at - ready:.1f} s, {officer_got} notices"
