"""Peak memory of `servicedesk serve` with a million tickets, idle and under webhook load.

    python benchmarks/bench_memory.py [--sizes 1 1000000] [--runs 2] [--dialogs 40]
        [--connections 8] [--settle 10]

For each size, a SQLite database is filled before the server starts (one ticket filed through
the desk's own code, then copied by SQL: `ticket_copies.py`; size 1 is that ticket alone, the
baseline). Then, `--runs` times: `servicedesk serve` starts on it in Telegram webhook mode
(secret set), replying to `fake_bot_api.py` (no limits); after `--settle` seconds idle (the jobs
that run at start have run) its RSS and peak RSS are read from /proc/<pid>/status (VmRSS,
VmHWM); then `--dialogs` whole babel intake dialogs (first message to ticket, about 13 updates
each) are posted to /webhook/telegram over `--connections` connections, one step at a time per
chat as Telegram does, and the peak is read again. Medians over the runs go to the table and to
`benchmarks/results/memory.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from benchmarks.fake_bot_api import TOKEN, FakeBotApi  # noqa: E402
from benchmarks.results_file import median, save  # noqa: E402
from benchmarks.servers import Step, dialog_script, free_port, server_env  # noqa: E402
from benchmarks.ticket_copies import copy_tickets, file_template  # noqa: E402
from bot.engine import DialogEngine  # noqa: E402
from core.settings import Settings  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import tickets  # noqa: E402

SECRET = "bench-webhook-secret_0123456789"


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of `pid`, in kB."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


async def fill(data_dir: Path, size: int) -> str:
    """A migrated SQLite database holding `size` tickets; returns its URL."""
    url = f"sqlite+aiosqlite:///{data_dir / 'servicedesk.db'}"
    settings = Settings(_env_file=None, database_url=url, data_dir=data_dir, agency="babel")  # type: ignore[call-arg]
    db = Database(url)
    await db.upgrade()
    engine = DialogEngine(db=db, settings=settings)
    template = await file_template(db, engine)
    if size > 1:
        await copy_tickets(db, template, size)
    await db.dispose()
    return url


_update_ids = itertools.count(800_000_000)


def update(chat: int, text: str | None, tap: str | None) -> dict[str, Any]:
    """A Telegram update as the Bot API posts it: a text message or a button tap."""
    update_id = next(_update_ids)
    person = {"id": chat, "is_bot": False, "first_name": "Budi", "language_code": "id"}
    room = {"id": chat, "type": "private", "first_name": "Budi"}
    now = int(time.time())
    if tap is not None:
        bot = {"id": 123456, "is_bot": True, "first_name": "Service Desk"}
        message = {"message_id": 1, "date": now, "chat": room, "from": bot, "text": "pilih"}
        query = {"id": str(update_id), "from": person, "chat_instance": str(chat), "data": tap}
        return {"update_id": update_id, "callback_query": {**query, "message": message}}
    message = {"message_id": update_id % 1_000_000, "date": now, "chat": room, "from": person}
    return {"update_id": update_id, "message": {**message, "text": text}}


@dataclass
class Load:
    updates: int = 0
    errors: int = 0
    seconds: float = 0.0


async def webhook_load(url: str, script: list[Step], dialogs: int, connections: int) -> Load:
    """`dialogs` chats each walk `script`, one step at a time, over `connections` clients."""
    result = Load()
    chats = iter(range(6_100_000, 6_100_000 + dialogs))
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    async def worker(client: httpx.AsyncClient) -> None:
        for chat in chats:
            for text, tap in script:
                response = await client.post("/webhook/telegram", json=update(chat, text, tap))
                result.updates += 1
                result.errors += response.status_code != 200

    started = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=60.0
    ) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    result.seconds = time.perf_counter() - started
    return result


def start_server(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).with_name("servicedesk")
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(script), "serve"], cwd=log.parent, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 180
    url = f"http://127.0.0.1:{env['PORT']}"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not become healthy")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


async def run_once(
    data_dir: Path,
    url: str,
    fake: FakeBotApi,
    script: list[Step],
    args: argparse.Namespace,
) -> dict[str, Any]:
    before = await count_tickets(url)
    port = free_port()
    env = server_env(data_dir, url, port, fake.url, token=TOKEN, secret=SECRET)
    process = start_server(env, data_dir / "serve.log")
    try:
        started = time.monotonic()
        await asyncio.sleep(args.settle)
        idle = memory_kb(process.pid)
        load = await webhook_load(
            f"http://127.0.0.1:{port}", script, args.dialogs, args.connections
        )
        loaded = memory_kb(process.pid)
        figures = {
            "startup_to_idle_s": time.monotonic() - started,
            "idle_rss_mb": idle["VmRSS"] / 1024,
            "idle_peak_mb": idle["VmHWM"] / 1024,
            "load_peak_mb": loaded["VmHWM"] / 1024,
            "after_load_rss_mb": loaded["VmRSS"] / 1024,
            "updates": load.updates,
            "errors": load.errors,
            "updates_per_s": load.updates / load.seconds,
        }
    finally:
        stop(process)
    calls = (await fake.stats())["calls"]
    figures["bot_api_messages"] = calls.get("sendmessage", 0)
    figures["tickets_filed"] = await count_tickets(url) - before
    await fake.reset()
    return figures


async def count_tickets(url: str) -> int:
    db = Database(url)
    try:
        async with db.transaction() as conn:
            return int((await conn.execute(select(func.count()).select_from(tickets))).scalar_one())
    finally:
        await db.dispose()


def office_open_now() -> bool:
    """Whether babel's office is open now: the server's start jobs then include the digest."""
    from core.catalog.loader import load_catalog
    from core.sla import calendar_for

    return calendar_for(load_catalog("babel").agency).is_open(datetime.now(UTC))


ROWS = [
    ("idle RSS (MB)", "idle_rss_mb", "{:.0f}"),
    ("idle peak RSS, VmHWM (MB)", "idle_peak_mb", "{:.0f}"),
    ("peak RSS under load, VmHWM (MB)", "load_peak_mb", "{:.0f}"),
    ("RSS after load (MB)", "after_load_rss_mb", "{:.0f}"),
    ("updates posted", "updates", "{:.0f}"),
    ("non-200 answers", "errors", "{:.0f}"),
    ("updates/s", "updates_per_s", "{:.0f}"),
    ("tickets filed by the dialogs", "tickets_filed", "{:.0f}"),
    ("messages sent to the Bot API", "bot_api_messages", "{:.0f}"),
]


async def main(args: argparse.Namespace) -> None:
    script = await dialog_script()
    results: list[dict[str, Any]] = []
    with FakeBotApi(limits=False) as fake:
        for size in args.sizes:
            with tempfile.TemporaryDirectory() as tmp:
                data_dir = Path(tmp)
                started = time.perf_counter()
                url = await fill(data_dir, size)
                filled = time.perf_counter() - started
                db_mb = (data_dir / "servicedesk.db").stat().st_size / 1024 / 1024
                runs = [await run_once(data_dir, url, fake, script, args) for _ in range(args.runs)]
            summary = {key: median([float(r[key]) for r in runs]) for key in runs[0]}
            results.append(
                {"tickets": size, "fill_s": filled, "db_mb": db_mb, "runs": runs, "median": summary}
            )
            print(f"{size:,} tickets: done ({filled:.0f} s to fill, {db_mb:,.0f} MB)", flush=True)
    heads = [f"{r['tickets']:,} tickets" for r in results]
    print(
        f"\nservicedesk serve (SQLite, Telegram webhook), {args.dialogs} dialogs of "
        f"{len(script)} updates over {args.connections} connections; median of {args.runs} runs"
    )
    print(f"{'':34}" + "".join(f"{h:>18}" for h in heads))
    for label, key, form in ROWS:
        cells = [form.format(r["median"][key]) for r in results]
        print(f"{label:34}" + "".join(f"{c:>18}" for c in cells))
    open_now = office_open_now()
    print(
        f"(babel's office {'open' if open_now else 'closed'} now: the digest job "
        f"{'ran' if open_now else 'did not run'} at start)"
    )
    path = save(
        "memory",
        {
            "setup": {
                "database": "sqlite",
                "dialogs": args.dialogs,
                "updates_per_dialog": len(script),
                "connections": args.connections,
                "settle_s": args.settle,
                "office_open_at_run": open_now,
                "open_share": 0.2,
            },
            "sizes": results,
        },
    )
    print(f"saved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 1_000_000])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--dialogs", type=int, default=40)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--settle", type=float, default=10.0, help="idle seconds after start")
    asyncio.run(main(parser.parse_args()))
