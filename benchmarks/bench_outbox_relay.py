"""The outbox relay against a fake Bot API that enforces Telegram's limits.

    python benchmarks/bench_outbox_relay.py [--messages 600] [--chats 50] [--heavy 5]
        [--heavy-messages 20] [--runs 2] [--interval 10] [--no-pacing] [--chat-burst 3]

Queues `--messages` notifications in the outbox (SQLite) over `--chats` Telegram chats, in a
shuffled order: `--heavy` chats get `--heavy-messages` each, the rest share what is left. Then
runs the real relay, `Pipeline.sweep` with the real `TelegramSender` (paced as `bot.telegram.
channel` wires it, unless `--no-pacing`) pointed at `fake_bot_api.py` with `--limits` (30
messages/s per bot, 1/s per chat with a burst of `--chat-burst`; 429 with retry_after beyond),
on the scheduler's cadence (a sweep every `--interval` s, a run still going skips its tick),
until nothing is left to send. Meanwhile a live dialog reply (3 messages to a new chat) goes out
every 2 s, outside the relay, as a webhook's replies would.

Reports per run and the median of the runs: the time to drain, messages/s against the 30/s limit,
the best drain the two limits allow and the ratio to it, the 429s, rows that failed for good, the
most messages the fake accepted in any one second (bot and busiest chat), the heaviest chats'
sustained rate, whether each chat's messages arrived in order, and the live replies' latency.
Saves `benchmarks/results/outbox_relay.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from benchmarks.fake_bot_api import TOKEN, FakeBotApi  # noqa: E402
from benchmarks.results_file import median, percentile, save  # noqa: E402
from bot.delivery import RetryAfter, Sender  # noqa: E402
from bot.engine import DialogEngine  # noqa: E402
from bot.messages import Choice, Outbound  # noqa: E402
from bot.pipeline import CountingSender, Pipeline  # noqa: E402
from bot.telegram.channel import make_bot  # noqa: E402
from bot.telegram.pacing import paced  # noqa: E402
from bot.telegram.sender import TelegramSender  # noqa: E402
from core.clock import utcnow  # noqa: E402
from core.settings import Settings  # noqa: E402
from storage import repositories as repo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import outbox  # noqa: E402

LIMIT_PER_SECOND = 30
HEAVY_BASE = 710_000
LIGHT_BASE = 720_000
LIVE_BASE = 790_000
LIVE_EVERY = 2.0
LIVE_BURST = 3


def plan(messages: int, chats: int, heavy: int, heavy_messages: int, seed: int) -> list[str]:
    """The recipients of the queued messages, in the order they are queued (shuffled)."""
    heavy = min(heavy, chats)
    order = [str(HEAVY_BASE + c) for c in range(heavy) for _ in range(heavy_messages)]
    light = chats - heavy
    rest = max(messages - len(order), 0)
    for index in range(rest):
        order.append(str(LIGHT_BASE + index % max(light, 1)))
    random.Random(seed).shuffle(order)
    return order[:messages]


def notice(chat: str, seq: int) -> Outbound:
    """An officer's alert as the desk words it, numbered per chat to check the order."""
    ref = f"BABEL-2026-{int(chat) % 100_000:05d}"
    text = (
        f"[{seq:04d}] Peringatan: tiket {ref} (Layanan Jaringan Intra Pemerintah Daerah, "
        "Perbaikan dan/atau pemeliharaan jaringan intra pemerintah daerah) melewati batas "
        "tahap ini.\nTahap: Kepala Dinas mendisposisikan permohonan kepada Kepala Bidang "
        "e-Government\nBatas tahap ini: Senin, 23 November 2026 pukul 10.30 WIB."
    )
    return Outbound(
        text, choices=(Choice(f"of:ambil:{ref}", "Ambil"), Choice(f"of:tiket:{ref}", "Rincian"))
    )


async def queue(db: Database, recipients: Sequence[str]) -> None:
    seqs: dict[str, int] = defaultdict(int)
    now = utcnow()
    async with db.transaction() as conn:
        for index, chat in enumerate(recipients):
            seqs[chat] += 1
            await repo.enqueue(
                conn,
                key=f"bench:{index}",
                channel="telegram",
                recipient=chat,
                payload=notice(chat, seqs[chat]).to_payload(),
                at=now,
            )


async def left(db: Database) -> tuple[int, int]:
    """(rows still to send, rows failed for good)."""
    async with db.transaction() as conn:
        rows = await conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
        counts = {status: int(n) for status, n in rows}
    return counts.get("pending", 0) + counts.get("held", 0), counts.get("failed", 0)


async def live_replies(sender: Sender, latencies: list[float], refused: list[int]) -> None:
    """A live dialog's reply burst to a new chat every LIVE_EVERY s, outside the relay."""
    for index in range(10_000):
        await asyncio.sleep(LIVE_EVERY)
        chat = str(LIVE_BASE + index)
        started = time.perf_counter()
        for part in range(LIVE_BURST):
            try:
                await sender.send(chat, Outbound(f"[{part + 1:04d}] Baik, dicatat."))
            except RetryAfter:
                refused.append(1)
        latencies.append(time.perf_counter() - started)


def most_in_a_second(times: Sequence[float]) -> int:
    """The most of `times` in any window of one second."""
    ordered = sorted(times)
    best = start = 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def analyse(
    stats: dict[str, Any], recipients: Sequence[str], drain: float, chat_burst: int
) -> dict[str, Any]:
    """Figures of one run from what the fake accepted and refused."""
    sent = [(at, chat, text) for at, chat, text in stats["sent"] if int(chat) < LIVE_BASE]
    per_chat: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for at, chat, text in sent:
        per_chat[chat].append((at, int(text[1:5])))
    in_order = all(
        [seq for _, seq in arrivals] == sorted(seq for _, seq in arrivals)
        for arrivals in per_chat.values()
    )
    wanted: dict[str, int] = defaultdict(int)
    for chat in recipients:
        wanted[chat] += 1
    complete = all(len({s for _, s in per_chat[c]}) == n for c, n in wanted.items())
    heaviest = max(wanted.values())
    # Neither limit can be beaten: N/30 overall, and a chat's messages past its burst at 1/s.
    best = max(len(recipients) / LIMIT_PER_SECOND, max(heaviest - chat_burst, 0) * 1.0)
    sustained = [
        (len(arrivals) - 1) / (arrivals[-1][0] - arrivals[0][0])
        for arrivals in per_chat.values()
        if len(arrivals) >= max(wanted.values()) and arrivals[-1][0] > arrivals[0][0]
    ]
    refused = [r for r in stats["refused"] if int(r[1]) < LIVE_BASE]
    return {
        "drain_s": drain,
        "messages_per_s": len(recipients) / drain,
        "ratio_to_30_per_s": len(recipients) / drain / LIMIT_PER_SECOND,
        "best_drain_s": best,
        "ratio_to_best_drain": best / drain,
        "http_429": len(refused),
        "http_429_live": len(stats["refused"]) - len(refused),
        "most_in_1s_bot": most_in_a_second([at for at, _, _ in stats["sent"]]),
        "most_in_1s_chat": max(
            most_in_a_second([at for at, _ in arrivals]) for arrivals in per_chat.values()
        ),
        "heaviest_chat_per_s": max(sustained) if sustained else None,
        "in_order": in_order,
        "complete": complete,
        "duplicates": len(sent) - len({(chat, text[:6]) for _, chat, text in sent}),
    }


async def run_once(
    fake: FakeBotApi, recipients: Sequence[str], args: argparse.Namespace
) -> dict[str, Any]:
    await fake.reset()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite+aiosqlite:///{tmp}/relay.db",
            data_dir=Path(tmp),
            agency="babel",
            telegram_bot_token=TOKEN,
            telegram_api_base_url=fake.base_url,
        )
        db = Database(settings.database_url)
        await db.upgrade()
        await queue(db, recipients)
        bot = make_bot(settings)
        await bot.initialize()
        telegram: Sender = TelegramSender(bot)
        if not args.no_pacing:
            telegram = paced(telegram)  # as bot.telegram.channel registers it
        sender = CountingSender("telegram", telegram)
        engine = DialogEngine(db=db, settings=settings)
        pipeline = Pipeline(db=db, engine=engine, senders={"telegram": sender}, holder="bench")
        latencies: list[float] = []
        live_refused: list[int] = []
        live = asyncio.create_task(live_replies(sender, latencies, live_refused))
        started = time.perf_counter()
        sweeps = 0
        failed = 0
        while True:
            await pipeline.sweep()
            sweeps += 1
            pending, failed = await left(db)
            elapsed = time.perf_counter() - started
            if pending == 0 or elapsed > args.timeout:
                break
            # The scheduler's next tick; a tick that came while this sweep ran was skipped.
            ticks = math.floor(elapsed / args.interval) + 1
            await asyncio.sleep(started + ticks * args.interval - time.perf_counter())
        drain = time.perf_counter() - started
        live.cancel()
        await asyncio.gather(live, return_exceptions=True)
        await bot.shutdown()
        await db.dispose()
    figures = analyse(await fake.stats(), recipients, drain, args.chat_burst)
    figures.update(
        sweeps=sweeps,
        failed_for_good=failed,
        left_unsent=pending,
        live_reply_ms_p50=percentile(latencies, 0.5) * 1000,
        live_reply_ms_max=max(latencies, default=float("nan")) * 1000,
    )
    return figures


ROWS = [
    ("drain (s)", "drain_s", "{:.1f}"),
    ("msg/s", "messages_per_s", "{:.1f}"),
    ("ratio to 30/s", "ratio_to_30_per_s", "{:.2f}"),
    ("best drain the limits allow (s)", "best_drain_s", "{:.1f}"),
    ("ratio to best drain", "ratio_to_best_drain", "{:.2f}"),
    ("sweeps", "sweeps", "{}"),
    ("429s (relay)", "http_429", "{}"),
    ("429s (live replies)", "http_429_live", "{}"),
    ("failed for good", "failed_for_good", "{}"),
    ("left unsent", "left_unsent", "{}"),
    ("most in any 1 s, bot", "most_in_1s_bot", "{}"),
    ("most in any 1 s, one chat", "most_in_1s_chat", "{}"),
    ("heaviest chat sustained msg/s", "heaviest_chat_per_s", "{:.2f}"),
    ("per-chat order kept", "in_order", "{}"),
    ("every message delivered", "complete", "{}"),
    ("duplicates", "duplicates", "{}"),
    ("live 3-message reply p50 (ms)", "live_reply_ms_p50", "{:.0f}"),
    ("live 3-message reply max (ms)", "live_reply_ms_max", "{:.0f}"),
]


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over the runs (all() for the yes/no ones)."""
    result: dict[str, Any] = {}
    for key in runs[0]:
        values = [run[key] for run in runs]
        if all(isinstance(v, bool) for v in values):
            result[key] = all(values)
        elif all(isinstance(v, int | float) for v in values):
            result[key] = median([float(v) for v in values])
        else:
            result[key] = values[0]
    return result


def show(runs: list[dict[str, Any]], overall: dict[str, Any]) -> None:
    heads = [f"run {i + 1}" for i in range(len(runs))] + ["median"]
    print(f"{'':34}" + "".join(f"{h:>10}" for h in heads))
    for label, key, form in ROWS:
        cells = []
        for figures in [*runs, overall]:
            value = figures.get(key)
            cells.append("-" if value is None else form.format(value))
        print(f"{label:34}" + "".join(f"{c:>10}" for c in cells))


async def main(args: argparse.Namespace) -> None:
    # Each 429 and give-up is logged by bot.delivery; the table counts them.
    logging.getLogger("bot").setLevel(logging.ERROR)
    recipients = plan(args.messages, args.chats, args.heavy, args.heavy_messages, args.seed)
    runs: list[dict[str, Any]] = []
    with FakeBotApi(limits=True, chat_burst=args.chat_burst) as fake:
        for index in range(args.runs):
            figures = await run_once(fake, recipients, args)
            runs.append(figures)
            print(
                f"run {index + 1}: drained in {figures['drain_s']:.1f} s, "
                f"{figures['http_429']} x 429",
                flush=True,
            )
    overall = summary(runs)
    pacing = "off" if args.no_pacing else "on"
    print(
        f"\n{args.messages} notifications to {args.chats} Telegram chats "
        f"({args.heavy} with {args.heavy_messages} each), pacing {pacing}, "
        f"fake Bot API at 30/s per bot and 1/s per chat (burst {args.chat_burst}), "
        f"a sweep every {args.interval:g} s"
    )
    show(runs, overall)
    name = "outbox_relay" if not args.no_pacing else "outbox_relay_unpaced"
    path = save(
        name,
        {
            "setup": {
                "messages": args.messages,
                "chats": args.chats,
                "heavy_chats": args.heavy,
                "heavy_messages": args.heavy_messages,
                "pacing": pacing,
                "sweep_interval_s": args.interval,
                "limits": {
                    "per_second": LIMIT_PER_SECOND,
                    "per_chat": 1.0,
                    "burst": args.chat_burst,
                },
                "database": "sqlite",
            },
            "runs": runs,
            "median": overall,
        },
    )
    print(f"saved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--heavy", type=int, default=5, help="chats with many messages")
    parser.add_argument("--heavy-messages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between sweeps")
    parser.add_argument("--chat-burst", type=int, default=3)
    parser.add_argument("--no-pacing", action="store_true", help="the relay as it was")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--seed", type=int, default=14)
    asyncio.run(main(parser.parse_args()))
