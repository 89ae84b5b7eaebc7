"""A fast fake Telegram Bot API for the benchmarks, run as its own process on 127.0.0.1.

    python benchmarks/fake_bot_api.py --port 8081 [--limits] [--per-second 30] [--chat-burst 3]

Answers every method the bot uses (getMe, sendMessage, sendDocument, answerCallbackQuery,
editMessageReplyMarkup, setMyCommands, setChatMenuButton ...) with a well-formed result, in a
bare ASGI app (no framework), so it is never the bottleneck. With `--limits` it ENFORCES
Telegram's published limits on the methods that send a message (`send*`), the way Telegram
answers them: HTTP 429 `{"ok": false, "parameters": {"retry_after": N}}` with whole seconds.

- Overall: at most `--per-second` (30) messages accepted in any sliding 1-second window.
- Per chat: 1 message per second sustained, with a short burst of `--chat-burst` (3) tolerated
  ("we may allow short bursts that go over this limit", Telegram's FAQ): a token bucket of
  that size refilled at 1 per second. `--chat-burst 1` makes it strict.

A refused call consumes nothing. `GET /stats` returns every accepted send (arrival time on this
process's monotonic clock, chat, text) and the refusals; `POST /reset` forgets them.
`FakeBotApi` starts and stops it from another script.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import math
import re
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

TOKEN = "123456:BENCH-fake-token"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Service Desk",
    "username": "servicedesk_bench_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
_MULTIPART_FIELD = re.compile(rb'name="(?P<name>[^"]+)"\r\n\r\n(?P<value>[^\r]*)\r\n')


class Limits:
    """Telegram's limits as the fake enforces them (times from `time.monotonic`)."""

    def __init__(self, per_second: int, chat_burst: int) -> None:
        self.per_second = per_second
        self.chat_burst = chat_burst
        self.window: collections.deque[float] = collections.deque()
        self.tokens: dict[str, tuple[float, float]] = {}  # chat -> (tokens, at)

    def check(self, chat: str, now: float) -> int | None:
        """None if the message may go now (and count it), else the retry_after to answer."""
        while self.window and self.window[0] <= now - 1.0:
            self.window.popleft()
        if len(self.window) >= self.per_second:
            return max(1, math.ceil(self.window[0] + 1.0 - now))
        tokens, at = self.tokens.get(chat, (float(self.chat_burst), now))
        tokens = min(float(self.chat_burst), tokens + (now - at))
        if tokens < 1.0:
            return max(1, math.ceil(1.0 - tokens))
        self.tokens[chat] = (tokens - 1.0, now)
        self.window.append(now)
        return None


class FakeBotApiApp:
    """The ASGI app."""

    def __init__(self, limits: Limits | None) -> None:
        self.limits = limits
        self.sent: list[tuple[float, str, str]] = []
        self.refused: list[tuple[float, str, int]] = []
        self.calls: collections.Counter[str] = collections.Counter()
        self.message_ids = itertools.count(1000)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, answer = self.respond(scope, body)
        payload = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def respond(self, scope: Scope, body: bytes) -> tuple[int, Any]:
        path: str = scope["path"]
        if path == "/stats":
            return 200, {
                "sent": self.sent,
                "refused": self.refused,
                "calls": dict(self.calls),
                "now": time.monotonic(),
            }
        if path == "/reset":
            self.sent, self.refused = [], []
            self.calls.clear()
            if self.limits is not None:
                self.limits = Limits(self.limits.per_second, self.limits.chat_burst)
            return 200, {"ok": True}
        match = _PATH.match(path)
        if match is None or match["token"] != TOKEN:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = match["method"].lower()
        self.calls[method] += 1
        params = _params(scope, body)
        chat = params.get("chat_id", "")
        now = time.monotonic()
        if method.startswith("send"):
            if self.limits is not None:
                retry_after = self.limits.check(chat, now)
                if retry_after is not None:
                    self.refused.append((now, chat, retry_after))
                    return 429, {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {retry_after}",
                        "parameters": {"retry_after": retry_after},
                    }
            self.sent.append((now, chat, params.get("text", "")))
        return 200, {"ok": True, "result": self.result(method, params, chat)}

    def result(self, method: str, params: dict[str, str], chat: str) -> Any:
        if method == "getme":
            return BOT_USER
        if method.startswith(("send", "edit")):
            message: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self.message_ids)),
                "date": int(time.time()),
                "chat": {"id": int(chat) if chat.lstrip("-").isdigit() else 0, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if method == "senddocument":
                message["document"] = {"file_id": "sent", "file_unique_id": "u", "file_size": 1}
            return message
        return True


def _params(scope: Scope, body: bytes) -> dict[str, str]:
    """The call's parameters: form-encoded, JSON or multipart (only its plain fields)."""
    headers = dict(scope.get("headers") or [])
    content_type = headers.get(b"content-type", b"").decode()
    params = dict(parse_qsl(scope.get("query_string", b"").decode()))
    if content_type.startswith("application/json"):
        data = json.loads(body or b"{}")
        params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()})
    elif content_type.startswith("multipart/form-data"):
        for found in _MULTIPART_FIELD.finditer(body):
            params[found["name"].decode()] = found["value"].decode(errors="replace")
    elif body:
        params.update(parse_qsl(body.decode(errors="replace")))
    return params


class FakeBotApi:
    """This fake in a child process (so it never shares a CPU-bound loop with the bot)."""

    def __init__(self, *, limits: bool = False, per_second: int = 30, chat_burst: int = 3) -> None:
        self.port = _free_port()
        self.args = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--port",
            str(self.port),
            "--per-second",
            str(per_second),
            "--chat-burst",
            str(chat_burst),
            *(["--limits"] if limits else []),
        ]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """For TELEGRAM_API_BASE_URL."""
        return f"{self.url}/bot"

    def __enter__(self) -> FakeBotApi:
        self.process = subprocess.Popen(self.args)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/stats", timeout=1).raise_for_status()
                return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError("the fake Bot API did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    async def stats(self) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.get(f"{self.url}/stats")
            response.raise_for_status()
            data: dict[str, Any] = response.json()
            return data

    async def reset(self) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            (await client.post(f"{self.url}/reset")).raise_for_status()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--limits", action="store_true", help="enforce Telegram's limits")
    parser.add_argument("--per-second", type=int, default=30)
    parser.add_argument("--chat-burst", type=int, default=3)
    args = parser.parse_args()
    import uvicorn

    limits = Limits(args.per_second, args.chat_burst) if args.limits else None
    config = uvicorn.Config(
        FakeBotApiApp(limits),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
