"""One alert-sweep tick against the number of tickets and the number due.

    python benchmarks/bench_sweeps.py [--sizes 10000 100000 1000000] [--due 5 50 500]
        [--ticks 5] [--quick] [--postgres URL]

For each size, a fresh database (SQLite in a temporary directory; with `--postgres`, also that
database) gets babel's officers and one network-repair ticket filed through the desk's own code,
copied by SQL up to the size (`ticket_copies.py`: a fifth open with their next alert a year
ahead, the rest closed). Then, for each count due, that many open tickets spread over the table
are armed (next alert in the past, no alert sent yet: the step's breach is due) and one tick of
`bot.sweeps.sweep_alerts` is timed, `--ticks` times (re-armed in between, untimed); and a tick
with nothing due. Medians are printed and saved to `benchmarks/results/sweeps.json`. With the
indexed `next_alert_at` a tick should cost what is due, not what is stored.

`--quick`: 10k tickets only (seconds). `--postgres URL`: a scratch database
(postgresql+asyncpg://...) whose servicedesk tables this benchmark EMPTIES before each size;
`--postgres auto` starts a throwaway cluster (tests/support/postgres.py) and deletes it after.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, select, update  # noqa: E402

from benchmarks.results_file import median, save  # noqa: E402
from benchmarks.ticket_copies import FAR, FILED, copy_tickets, file_template  # noqa: E402
from bot.engine import DialogEngine  # noqa: E402
from bot.sweeps import sweep_alerts  # noqa: E402
from core.settings import Settings  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import metadata, ticket_alerts, tickets  # noqa: E402

# Two hours after filing: the first step (30 minutes) is past its breach.
NOW = FILED + timedelta(hours=2)
# A due ticket's next alert: the step's 75% warning time, which a sweep that was away missed.
DUE_AT = FILED + timedelta(minutes=22, seconds=30)


async def open_ticket_ids(db: Database) -> list[int]:
    async with db.transaction() as conn:
        rows = await conn.execute(
            select(tickets.c.id).where(tickets.c.next_alert_at.is_not(None)).order_by(tickets.c.id)
        )
        return [int(i) for i in rows.scalars()]


def spread(ids: list[int], count: int) -> list[int]:
    """`count` of `ids`, evenly spread from the first to the last."""
    step = len(ids) / count
    return [ids[int(i * step)] for i in range(count)]


async def arm(db: Database, ids: list[int], at: Any) -> None:
    """Make the breach of `ids` due again: next alert in the past, no alert recorded."""
    async with db.transaction() as conn:
        await conn.execute(delete(ticket_alerts).where(ticket_alerts.c.ticket_id.in_(ids)))
        await conn.execute(update(tickets).where(tickets.c.id.in_(ids)).values(next_alert_at=at))


async def tick(db: Database, engine: DialogEngine) -> tuple[float, int]:
    """One timed sweep: (seconds, alerts sent)."""
    desk = engine.desk(NOW)
    started = time.perf_counter()
    report = await sweep_alerts(db, desk)
    return time.perf_counter() - started, report.alerts


async def empty_postgres(db: Database) -> None:
    """Empty every servicedesk table of the scratch PostgreSQL database."""
    names = ", ".join(table.name for table in metadata.sorted_tables)
    async with db.transaction() as conn:
        await conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


async def measure(
    url: str, data_dir: Path, size: int, dues: list[int], ticks: int
) -> dict[str, Any]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        data_dir=data_dir,
        agency="babel",
    )
    db = Database(url)
    await db.upgrade()
    if db.dialect == "postgresql":
        await empty_postgres(db)
    engine = DialogEngine(db=db, settings=settings)
    started = time.perf_counter()
    template = await file_template(db, engine)
    await copy_tickets(db, template, size)
    fill = time.perf_counter() - started
    candidates = await open_ticket_ids(db)
    figures: dict[str, Any] = {"tickets": size, "fill_s": round(fill, 1), "due": {}}
    idle = [(await tick(db, engine))[0] for _ in range(ticks)]
    figures["idle_ms"] = median(idle) * 1000
    for due in dues:
        ids = spread(candidates, due)
        times, alerts = [], []
        for _ in range(ticks):
            await arm(db, ids, DUE_AT)
            seconds, sent = await tick(db, engine)
            times.append(seconds)
            alerts.append(sent)
        await arm(db, ids, FAR)
        figures["due"][str(due)] = {
            "median_ms": median(times) * 1000,
            "min_ms": min(times) * 1000,
            "max_ms": max(times) * 1000,
            "alerts": median([float(a) for a in alerts]),
            "ms_per_alert": median(times) * 1000 / max(due, 1),
        }
    await db.dispose()
    return figures


def show(database: str, rows: list[dict[str, Any]], dues: list[int]) -> None:
    heads = ["tickets", "fill s", "idle ms", *[f"{d} due ms" for d in dues], "ms/alert"]
    print(f"\n{database}: one alert-sweep tick, median of ticks")
    print("".join(f"{h:>12}" for h in heads))
    for row in rows:
        cells = [f"{row['tickets']:,}", f"{row['fill_s']:.1f}", f"{row['idle_ms']:.1f}"]
        cells += [f"{row['due'][str(d)]['median_ms']:.1f}" for d in dues]
        cells.append(f"{row['due'][str(dues[-1])]['ms_per_alert']:.2f}")
        print("".join(f"{c:>12}" for c in cells))


async def main(args: argparse.Namespace) -> None:
    logging.getLogger("bot").setLevel(logging.ERROR)
    sizes = [10_000] if args.quick else args.sizes
    results: dict[str, list[dict[str, Any]]] = {"sqlite": []}
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/sweeps.db"
            results["sqlite"].append(await measure(url, Path(tmp), size, args.due, args.ticks))
        print(f"sqlite {size:,} done", flush=True)
    if args.postgres:
        results["postgresql"] = []
        for size in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                figures = await measure(args.postgres, Path(tmp), size, args.due, args.ticks)
            results["postgresql"].append(figures)
            print(f"postgresql {size:,} done", flush=True)
    for database, rows in results.items():
        show(database, rows, args.due)
    path = save(
        "sweeps",
        {
            "setup": {
                "ticks": args.ticks,
                "open_share": 0.2,
                "alert_batch": 100,
                "note": "fill = one file_ticket, then SQL copies (ticket, events, notices)",
            },
            **results,
        },
    )
    print(f"saved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--due", type=int, nargs="+", default=[5, 50, 500])
    parser.add_argument("--ticks", type=int, default=5, help="timed ticks per figure")
    parser.add_argument("--quick", action="store_true", help="10k tickets only")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also on this scratch database (its servicedesk tables are emptied), or 'auto' for "
        "a throwaway cluster (needs the PostgreSQL server binaries, as the tests do)",
    )
    arguments = parser.parse_args()
    cluster = None
    if arguments.postgres == "auto":
        from tests.support.postgres import start_cluster

        cluster = start_cluster()
        arguments.postgres = cluster.url()
    try:
        asyncio.run(main(arguments))
    finally:
        if cluster is not None:
            cluster.stop()
