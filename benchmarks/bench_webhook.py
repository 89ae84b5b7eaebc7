"""The Telegram webhook under load, next to what this stack can do on this machine.

    python benchmarks/bench_webhook.py [--seconds S] [--runs R] [--connections 1,8,32]
                                       [--postgres URL] [--mixes first,dialog]

Three processes besides this one (the load client):
- `servicedesk serve` (the real server, SQLite in a temporary directory, or `--postgres`),
  webhook mode, replying to
- a fake Bot API that answers every method at once (it is never the bottleneck), and
- a bare endpoint: a FastAPI app under the same uvicorn settings that only reads the body and
  parses the JSON. It is the limit a webhook step is measured against.

Mixes: `first` sends every request as a new chat's first message (matcher + greeting);
`dialog` drives whole babel intake dialogs, every chat from its first message to its ticket
(answers and taps), one step at a time per connection as Telegram does per chat. Figures are the
median of `--runs` runs; each run is `--seconds` long after a warm-up. With `--postgres`, the
server also runs as two processes (connections split between them) to see how it scales.

Results go to `benchmarks/results/webhook.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from results_file import median, percentile, save  # noqa: E402
from servers import Step, dialog_script, free_port, server_env  # noqa: E402

TOKEN = "123456:BENCH-token"
SECRET = "bench-secret-0123456789"


# --------------------------------------------------------------------------- the fake Bot API


def _message_json(message_id: int, chat_id: int) -> bytes:
    return json.dumps(
        {
            "ok": True,
            "result": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": "ok",
            },
        }
    ).encode()


BOT_USER = json.dumps(
    {
        "ok": True,
        "result": {"id": 123456, "is_bot": True, "first_name": "Bench", "username": "bench_bot"},
    }
).encode()
TRUE = b'{"ok":true,"result":true}'
CHAT_ID = re.compile(rb'chat_id"?\s*[=:]\s*"?(-?\d+)')


async def _fake_bot_api(port: int) -> None:
    """Answer every Bot API call on `port` at once, keep-alive, no framework."""
    counter = itertools.count(1)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length) if length else b""
                path = head.split(b" ", 2)[1]
                if path.endswith(b"/sendMessage"):
                    found = CHAT_ID.search(body)
                    chat = int(found.group(1)) if found else 1
                    payload = _message_json(next(counter), chat)
                elif path.endswith(b"/getMe"):
                    payload = BOT_USER
                else:
                    payload = TRUE
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(payload)).encode()
                    + b"\r\n\r\n"
                    + payload
                )
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


# --------------------------------------------------------------------------- the bare endpoint


def _run_bare(port: int) -> None:
    """The limit: a FastAPI route that reads and parses the body, under serve's uvicorn."""
    import uvicorn
    from fastapi import FastAPI, Request, Response

    app = FastAPI()

    @app.post("/webhook/telegram")
    async def receive(request: Request) -> Response:
        json.loads(await request.body())
        return Response(b'{"ok":true}', media_type="application/json")

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", server_header=False)


# --------------------------------------------------------------------------- processes


def _wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    port: int

    def stop(self) -> None:
        self.popen.send_signal(signal.SIGINT)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


def start_helper(role: str, port: int) -> Process:
    popen = subprocess.Popen([sys.executable, __file__, f"--{role}", str(port)])
    _wait_port(port)
    return Process(popen, port)


def start_servicedesk(
    database_url: str, data_dir: Path, fake_port: int, workers: int = 1
) -> Process:
    port = free_port()
    bot_api = f"http://127.0.0.1:{fake_port}"
    env = server_env(
        data_dir, database_url, port, bot_api, token=TOKEN, secret=SECRET, WORKERS=str(workers)
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    script = Path(sys.executable).with_name("servicedesk")
    subprocess.run([str(script), "db", "upgrade"], env=env, check=True, capture_output=True)
    log = (data_dir / "serve.log").open("ab")
    popen = subprocess.Popen([str(script), "serve"], env=env, stdout=log, stderr=log)
    _wait_port(port)
    _wait_healthy(port)
    return Process(popen, port)


def _wait_healthy(port: int, timeout: float = 60) -> None:
    """Until /healthz answers 200 (every worker's start-up is then under way or done)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    time.sleep(1.0)  # let the other workers finish starting too
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server on {port} never became healthy")


# --------------------------------------------------------------------------- the dialog script


def update_body(update_id: int, chat: int, text: str | None, tap: str | None) -> bytes:
    person = {"id": chat, "is_bot": False, "first_name": "Budi", "language_code": "id"}
    chat_obj = {"id": chat, "type": "private", "first_name": "Budi"}
    if tap is not None:
        update: dict[str, Any] = {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": person,
                "chat_instance": str(chat),
                "data": tap,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": chat_obj,
                    "from": {"id": 123456, "is_bot": True, "first_name": "Bench"},
                    "text": "pilih",
                },
            },
        }
    else:
        update = {
            "update_id": update_id,
            "message": {
                "message_id": update_id % 1_000_000,
                "date": int(time.time()),
                "chat": chat_obj,
                "from": person,
                "text": text,
            },
        }
    return json.dumps(update).encode()


def request_bytes(port: int, body: bytes) -> bytes:
    return (
        b"POST /webhook/telegram HTTP/1.1\r\nHost: 127.0.0.1:"
        + str(port).encode()
        + b"\r\nContent-Type: application/json\r\nX-Telegram-Bot-Api-Secret-Token: "
        + SECRET.encode()
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


# --------------------------------------------------------------------------- the load client


@dataclass
class RunResult:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


class Chats:
    """Hands out fresh chat ids and update ids that no run has used before."""

    def __init__(self) -> None:
        self.chats = itertools.count(10_000_000)
        self.updates = itertools.count(1)

    def steps(self, mix: str, script: list[Step]) -> Iterator[bytes]:
        """Bodies for one connection, forever: each time a new chat, whole dialog or first words."""
        while True:
            chat = next(self.chats)
            for text, tap in script if mix == "dialog" else script[:1]:
                yield update_body(next(self.updates), chat, text, tap)


async def _post(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Send one request on a keep-alive connection; the answer's status code."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def load(
    ports: list[int],
    connections: int,
    seconds: float,
    mix: str,
    script: list[Step],
    chats: Chats,
    warmup: float = 1.0,
) -> RunResult:
    """`connections` keep-alive connections posting one update after another for `seconds`."""
    latencies: list[float] = []
    counts = [0, 0]  # requests, errors (counted after the warm-up only)
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + seconds

    async def one(index: int) -> None:
        port = ports[index % len(ports)]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        bodies = chats.steps(mix, script)
        try:
            while True:
                request = request_bytes(port, next(bodies))
                sent = time.perf_counter()
                if sent >= stop_at:
                    return
                status = await _post(reader, writer, request)
                done = time.perf_counter()
                if sent >= measure_from:
                    latencies.append(done - sent)
                    counts[0] += 1
                    if status != 200:
                        counts[1] += 1
        finally:
            writer.close()

    await asyncio.gather(*(one(i) for i in range(connections)))
    return RunResult(counts[0], counts[1], seconds, latencies)


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of every core so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def summarise(runs: list[RunResult]) -> dict[str, float]:
    return {
        "req_s": round(median([r.rate for r in runs]), 1),
        "p50_ms": round(median([percentile(r.latencies, 0.50) * 1000 for r in runs]), 1),
        "p99_ms": round(median([percentile(r.latencies, 0.99) * 1000 for r in runs]), 1),
        "errors": sum(r.errors for r in runs),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its live children (uvicorn's workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


# --------------------------------------------------------------------------- main


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    script = await dialog_script()
    chats = Chats()
    connections = [int(c) for c in args.connections.split(",")]
    mixes = args.mixes.split(",")
    fake = start_helper("fake-bot-api", free_port())
    bare = start_helper("bare", free_port())
    rows: list[dict[str, Any]] = []
    try:
        limits: dict[tuple[str, int], dict[str, float]] = {}
        for mix in mixes:
            for conns in connections:
                runs = [
                    await load([bare.port], conns, args.seconds, mix, script, chats)
                    for _ in range(args.runs)
                ]
                limits[(mix, conns)] = summarise(runs)
        backends = [("SQLite", None)]
        if args.postgres:
            backends.append(("PostgreSQL", args.postgres))
        for name, url in backends:
            workers = [1, 2] if url else [1]
            for count in workers:
                with tempfile.TemporaryDirectory() as tmp:
                    if url is None:
                        database = f"sqlite+aiosqlite:///{tmp}/bench.db"
                    else:
                        database = url
                        await _reset_postgres(url)
                    servers = [start_servicedesk(database, Path(tmp) / "data", fake.port, count)]
                    try:
                        for mix in mixes:
                            for conns in connections:
                                cpu_before = sum(cpu_seconds(s.popen.pid) for s in servers)
                                busy_before, total_before = machine_ticks()
                                runs = [
                                    await load(
                                        [s.port for s in servers],
                                        conns,
                                        args.seconds,
                                        mix,
                                        script,
                                        chats,
                                    )
                                    for _ in range(args.runs)
                                ]
                                cpu = sum(cpu_seconds(s.popen.pid) for s in servers) - cpu_before
                                busy, total_ticks = machine_ticks()
                                machine_busy = (busy - busy_before) / max(
                                    total_ticks - total_before, 1
                                )
                                figures = summarise(runs)
                                limit = limits[(mix, conns)]
                                total = sum(r.requests for r in runs)
                                rows.append(
                                    {
                                        "database": name,
                                        "processes": count,  # uvicorn workers of one server
                                        "mix": mix,
                                        "connections": conns,
                                        **figures,
                                        "cpu_ms_per_update": round(cpu / max(total, 1) * 1000, 2),
                                        "bare_req_s": limit["req_s"],
                                        "bare_p99_ms": limit["p99_ms"],
                                        "ratio": round(figures["req_s"] / limit["req_s"], 3),
                                        # Both cores in use means the machine, not the server,
                                        # is the limit (the client, fake and database run here).
                                        "machine_busy_percent": round(machine_busy * 100),
                                    }
                                )
                                _print_row(rows[-1])
                    finally:
                        for server in servers:
                            server.stop()
        shares = await profile(script, chats, fake.port) if args.profile else None
    finally:
        fake.stop()
        bare.stop()
    if shares:
        print("where the SQLite server's main thread spends its samples (dialog, 8 connections):")
        for part, share in shares.items():
            print(f"  {share:5.1f}%  {part}")
    return {
        "profile_main_thread_percent": shares,
        "seconds_per_run": args.seconds,
        "runs": args.runs,
        "dialog_steps": len(script),
        "rows": rows,
    }


async def _reset_postgres(url: str) -> None:
    """Drop every table so each server process set starts from an empty database."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


# Where a server's main thread spends its samples (py-spy, raw stacks), by phase of an update:
# a sample goes to the first phase whose marker frame is on its stack.
PROFILE_PHASES = [
    ("acknowledging taps (answerCallbackQuery, keyboard removal)", "_acknowledge_tap ("),
    ("sending the replies (Bot API over aiohttp)", "Pipeline._send ("),
    ("sending the replies (Bot API over aiohttp)", "Pipeline.deliver ("),
    ("marking replies sent (group commit)", "SentMarks._commit_all ("),
    ("the update's transaction (SQL, dialog, matcher)", "DialogEngine.handle ("),
    ("parsing the update (PTB Update.de_json)", "Update.de_json ("),
    ("outbox sweep and other scheduled jobs", "apscheduler/"),
    ("HTTP server and framework (uvicorn, httptools, FastAPI)", "run_asgi ("),
    ("HTTP server and framework (uvicorn, httptools, FastAPI)", "httptools"),
]


def profile_summary(raw: Path) -> dict[str, float]:
    """Shares (%) of the main thread's samples by `PROFILE_PHASES`; the rest is the event loop
    itself (uvloop's C code: I/O, timers, callbacks, and waiting)."""
    counts: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack.startswith("<module>"):
            continue  # the database thread and the thread pool
        total += int(number)
        phase = next(
            (name for name, marker in PROFILE_PHASES if marker in stack),
            "event loop (uvloop: I/O, callbacks, waiting)",
        )
        counts[phase] = counts.get(phase, 0) + int(number)
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    return {name: round(count * 100 / max(total, 1), 1) for name, count in ordered}


async def profile(script: list[Step], chats: Chats, fake_port: int) -> dict[str, float] | None:
    """py-spy (if installed) on the SQLite server during 8 s of dialogs at 8 connections."""
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        print("py-spy is not installed (pip install py-spy): no profile")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        server = start_servicedesk(
            f"sqlite+aiosqlite:///{tmp}/bench.db", Path(tmp) / "data", fake_port
        )
        try:
            await load([server.port], 8, 2, "dialog", script, chats)
            raw = Path(tmp) / "profile.txt"
            recorder = await asyncio.create_subprocess_exec(
                str(spy),
                "record",
                "-p",
                str(server.popen.pid),
                "-o",
                str(raw),
                "-f",
                "raw",
                "-r",
                "200",
                "-d",
                "8",
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            await load([server.port], 8, 8, "dialog", script, chats, warmup=0.5)
            await recorder.wait()
            return profile_summary(raw) if raw.exists() else None
        finally:
            server.stop()


HEADER = (
    f"{'database':<11}{'proc':>5}{'mix':>8}{'conns':>6}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
    f"{'cpu ms':>8}{'bare req/s':>12}{'ratio':>7}{'errors':>7}{'machine':>8}"
)


def _print_row(row: dict[str, Any]) -> None:
    print(
        f"{row['database']:<11}{row['processes']:>5}{row['mix']:>8}{row['connections']:>6}"
        f"{row['req_s']:>9.0f}{row['p50_ms']:>8.1f}{row['p99_ms']:>8.1f}"
        f"{row['cpu_ms_per_update']:>8.2f}{row['bare_req_s']:>12.0f}{row['ratio']:>7.3f}"
        f"{row['errors']:>7}{row['machine_busy_percent']:>7}%",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", default="1,8,32")
    parser.add_argument("--mixes", default="first,dialog")
    parser.add_argument(
        "--postgres",
        help="postgresql+asyncpg://... (its tables are dropped), or 'auto' for a throwaway "
        "cluster (needs the PostgreSQL server binaries, as the tests do)",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy the SQLite server")
    parser.add_argument("--fake-bot-api", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fake_bot_api:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_fake_bot_api(args.fake_bot_api))
        return
    if args.bare:
        _run_bare(args.bare)
        return
    cluster = None
    if args.postgres == "auto":
        from tests.support.postgres import start_cluster

        cluster = start_cluster()
        args.postgres = cluster.url()
    print(HEADER, flush=True)
    try:
        figures = asyncio.run(bench(args))
    finally:
        if cluster is not None:
            cluster.stop()
    path = save("webhook", figures)
    print(f"saved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
