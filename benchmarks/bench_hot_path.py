"""The hot path: one inbound update through the dialog engine on the embedded SQLite default.

    python benchmarks/bench_hot_path.py [--chats N] [--concurrency C]

Each simulated requester sends a full babel network-repair conversation (free text, taps,
answers, optional document skipped, confirm), so every update does the real work: dedupe in
the inbox, load the conversation, run the dialog, write state (+ ticket on the last step) and
queue the replies in the outbox, in one transaction. Updates of different chats run
concurrently, as a webhook server would see them. Prints updates/s and latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.engine import DialogEngine  # noqa: E402
from bot.messages import Inbound  # noqa: E402
from core.settings import Settings  # noqa: E402
from storage.db import Database  # noqa: E402


async def converse(engine: DialogEngine, chat: int, latencies: list[float]) -> tuple[int, bool]:
    """Drive one chat until its ticket is filed or 40 turns; returns (turns, filed)."""
    turns = 0
    choice: str | None = None
    text: str | None = "/start"
    answers = iter(
        [
            "internet di kantor mati sejak pagi",
            "Dinas Pendidikan",
            "Budi Santoso",
            "Gedung A lantai 2, Jl. Pulau Lepar",
            "Koneksi internet di ruang rapat putus sejak pagi",
            "081234567890",
        ]
    )
    while turns < 40:
        turns += 1
        msg = Inbound(
            channel="bench",
            chat_id=str(chat),
            user_id=str(chat),
            update_id=f"{chat}:{turns}",
            text=text,
            choice=choice,
        )
        started = time.perf_counter()
        result = await engine.handle(msg)
        latencies.append(time.perf_counter() - started)
        last = result.replies[-1] if result.replies else None
        if last is None:
            break
        if any("BABEL-" in r.text for r in result.replies):
            return turns, True
        data = [c.data for c in last.choices]
        # Buttons: send the summary, skip optional questions, else the first one ("Ya", the
        # first product...); no buttons: answer the question with the next free-text answer.
        tap = next((d for d in ("sum:send", "skip") if d in data), data[0] if data else None)
        if tap is not None:
            choice, text = tap, None
        else:
            choice, text = None, next(answers, "Tidak ada")
    return turns, False


async def main(chats: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            data_dir=Path(tmp),
            agency="babel",
        )
        db = Database(settings.database_url)
        await db.upgrade()
        engine = DialogEngine(db=db, settings=settings)
        latencies: list[float] = []
        semaphore = asyncio.Semaphore(concurrency)

        async def one(chat: int) -> tuple[int, bool]:
            async with semaphore:
                return await converse(engine, chat, latencies)

        started = time.perf_counter()
        results = await asyncio.gather(*(one(chat) for chat in range(chats)))
        elapsed = time.perf_counter() - started
        await db.dispose()
    total = sum(turns for turns, _ in results)
    filed = sum(1 for _, ok in results if ok)
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
    print(f"{chats} conversations, {filed} tickets filed, {total} updates")
    print(
        f"hot path (SQLite): {total / elapsed:.0f} updates/s, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms at concurrency {concurrency}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.chats, args.concurrency))
