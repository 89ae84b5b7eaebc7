"""The alert sweep's cost follows what is due, not how many tickets exist.

    python benchmarks/bench_alert_sweep.py [--tickets N] [--due D]

Files N babel tickets (SQLite), then moves D of them to a moment when an alert is due and times
one sweep; then times a sweep with nothing due. With the indexed `next_alert_at` both stay
near-constant as N grows: compare `--tickets 1000` with `--tickets 20000`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import update  # noqa: E402

from bot.desk import file_ticket  # noqa: E402
from bot.engine import DialogEngine  # noqa: E402
from bot.sweeps import sweep_alerts  # noqa: E402
from core.settings import Settings  # noqa: E402
from storage import repositories as repo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import tickets  # noqa: E402

# Monday 23 November 2026, 10:00 WIB.
FILED = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
FAR = FILED + timedelta(days=365)


async def main(count: int, due: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db", data_dir=Path(tmp), agency="babel"
        )
        db = Database(settings.database_url)
        await db.upgrade()
        engine = DialogEngine(db=db, settings=settings)
        desk = engine.desk(FILED)
        async with db.transaction() as conn:
            requester = await repo.get_or_create_requester(
                conn, channel="bench", external_id="r", display_name=None, at=FILED, locale="id"
            )
            for _ in range(count):
                await file_ticket(
                    conn,
                    desk=desk,
                    service="jaringan-intra",
                    product="perbaikan",
                    fields={},
                    requirements={},
                    requester_id=requester,
                    channel="bench",
                    chat_id="r",
                )
            # Only `due` tickets have an alert in reach; the rest look far ahead.
            await conn.execute(update(tickets).where(tickets.c.id > due).values(next_alert_at=FAR))
        now = FILED + timedelta(hours=2)  # every first step (30 min) is past its breach
        started = time.perf_counter()
        report = await sweep_alerts(db, engine.desk(now))
        busy = time.perf_counter() - started
        started = time.perf_counter()
        idle = await sweep_alerts(db, engine.desk(now))
        quiet = time.perf_counter() - started
        await db.dispose()
    print(f"{count} tickets, {due} with an alert due")
    print(
        f"alert sweep: {report.alerts} alerts in {busy * 1000:.1f} ms "
        f"({busy / max(report.alerts, 1) * 1000:.2f} ms per alert); "
        f"next sweep with nothing due: {idle.tickets} tickets read in {quiet * 1000:.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--due", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.tickets, args.due))
