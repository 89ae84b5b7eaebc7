"""A fake Telegram Bot API server on 127.0.0.1, for tests.

It runs (uvicorn, in a thread) the few methods the bot uses, records every call, serves the
files registered with `add_file` for `getFile` downloads, hands queued updates to `getUpdates`
(honouring `offset`, like Telegram), and answers 429 with `retry_after` on demand. With
`fail_at_random` it also fails a share of the sends at random (reproducibly, see
`tests.fakes.flaky`): 500/502, 429 with `retry_after`, stalls past the client's timeout, and
messages accepted but answered too late (`Call.late`).

Also here: builders for real-shaped updates (`text_update`, `callback_update`,
`document_update`, `photo_update`) and `running_telegram_app`, the real app wired to the fake.
The fixtures (`fake_telegram`, `offline_network`) are in `tests.fakes.telegram_fixtures`; test
modules load them with `pytest_plugins = ["tests.fakes.telegram_fixtures"]`.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response

from bot.deps import Runtime
from bot.server import create_app
from bot.telegram import TelegramRuntime
from core.settings import Settings
from storage.db import Database
from tests.fakes.flaky import Flakiness, Outcome

TOKEN = "123456:TEST-fake-token"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Service Desk",
    "username": "servicedesk_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    """One Bot API request the fake received."""

    method: str
    params: dict[str, str]
    files: dict[str, tuple[str | None, bytes]] = field(default_factory=dict)
    status: int = 200  # what the fake answered (429 for a rate-limited call...)
    # Accepted (the chat got it) but answered only after the client's timeout (fail_at_random):
    # the client saw a failure, so the outbox sending it again is expected.
    late: bool = False

    @property
    def chat_id(self) -> str | None:
        """The chat the call addresses, if any."""
        return self.params.get("chat_id")

    def json(self, key: str) -> Any:
        """A parameter PTB sent JSON-encoded (reply_markup, allowed_updates, commands...)."""
        value = self.params.get(key)
        return None if value is None else json.loads(value)

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of every inline button in the call's keyboard."""
        markup = self.json("reply_markup") or {}
        return [
            (b["text"], b["callback_data"])
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


@dataclass
class _RateLimit:
    method: str
    chat_id: str | None
    retry_after: int
    times: int


@dataclass
class _File:
    data: bytes
    file_path: str
    file_size: int | None
    too_big: bool


class FakeTelegramAPI:
    """The fake server; use as a context manager, or `start()` / `stop()`."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._files: dict[str, _File] = {}
        self._limits: list[_RateLimit] = []
        self._blocked: set[str] = set()
        self._message_ids = itertools.count(1000)
        self._flaky: Flakiness | None = None
        self._flaky_methods: frozenset[str] = frozenset()
        self._stalling = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeTelegramAPI:
        """Serve on a free port of 127.0.0.1 until `stop()`."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Telegram API did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeTelegramAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """For TELEGRAM_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_base_url(self) -> str:
        """For TELEGRAM_FILE_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------------ test controls

    def add_file(
        self,
        file_id: str,
        data: bytes,
        *,
        file_path: str | None = None,
        declare_size: bool = True,
        too_big: bool = False,
    ) -> None:
        """Make `file_id` known to getFile and downloadable.

        `declare_size=False`: getFile gives no file_size; `too_big`: getFile refuses the file.
        """
        with self._lock:
            self._files[file_id] = _File(
                data=data,
                file_path=file_path or f"documents/{file_id}",
                file_size=len(data) if declare_size else None,
                too_big=too_big,
            )

    def rate_limit(
        self, method: str, *, retry_after: int = 5, chat_id: str | int | None = None, times: int = 1
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) with 429."""
        with self._lock:
            self._limits.append(
                _RateLimit(
                    method.lower(), None if chat_id is None else str(chat_id), retry_after, times
                )
            )

    def block(self, chat_id: str | int) -> None:
        """The user blocked the bot: sends to this chat answer 403 from now on."""
        with self._lock:
            self._blocked.add(str(chat_id))

    def fail_at_random(
        self,
        flakiness: Flakiness,
        *,
        methods: Iterable[str] = ("sendMessage", "sendDocument"),
    ) -> Flakiness:
        """From now on fail a share of the calls of `methods` as `flakiness` decides (per chat
        and content): 500/502, 429 with `retry_after`, a stall past the client's timeout ending
        in a 500, or the message accepted and answered too late (`Call.late`)."""
        with self._lock:
            self._flaky = flakiness
            self._flaky_methods = frozenset(m.lower() for m in methods)
        return flakiness

    def stop_failing(self) -> None:
        """Answer every call normally again."""
        with self._lock:
            self._flaky = None

    @property
    def stalling(self) -> int:
        """Answers held back by a random stall right now."""
        with self._lock:
            return self._stalling

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates."""
        with self._lock:
            self._updates.append(update)

    def calls(self, method: str | None = None) -> list[Call]:
        """Every call so far (of `method`, if given), oldest first."""
        with self._lock:
            calls = list(self._calls)
        if method is None:
            return calls
        return [c for c in calls if c.method.lower() == method.lower()]

    def messages_to(self, chat_id: str | int) -> list[Call]:
        """The messages delivered to a chat (sendMessage calls answered 200), oldest first."""
        return [
            c for c in self.calls("sendMessage") if c.chat_id == str(chat_id) and c.status == 200
        ]

    def texts_to(self, chat_id: str | int) -> list[str]:
        """The texts sent to a chat, oldest first."""
        return [c.params["text"] for c in self.messages_to(chat_id)]

    def clear(self) -> None:
        """Forget the calls so far."""
        with self._lock:
            self._calls.clear()

    def wait_for(
        self, predicate: Callable[[FakeTelegramAPI], bool], *, timeout: float = 20.0
    ) -> None:
        """Block until `predicate(self)` holds (for work the bot does in the background)."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                raise AssertionError("the bot did not make the expected Bot API calls in time")
            time.sleep(0.02)

    async def wait_for_async(
        self, predicate: Callable[[FakeTelegramAPI], bool], *, seconds: float = 20.0
    ) -> None:
        """`wait_for`, without blocking the test's event loop."""
        deadline = time.monotonic() + seconds
        while not predicate(self):
            if time.monotonic() > deadline:
                raise AssertionError("the bot did not make the expected Bot API calls in time")
            await asyncio.sleep(0.02)

    # ------------------------------------------------------------------ the server

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/bot{token}/{method}", methods=["GET", "POST"])
        async def api(token: str, method: str, request: Request) -> Response:
            if token != self.token:
                return _error(401, "Unauthorized")
            params, files = await _read_params(request)
            # Recorded on arrival: a long poll is visible while it waits.
            call = Call(method, params, files)
            self._record(call)
            flaky = await self._flaky_answer(call)
            if flaky is not None:
                return flaky
            response = await self._respond(method, params, files)
            call.status = response.status_code
            return response

        @app.get("/file/bot{token}/{path:path}")
        async def download(token: str, path: str) -> Response:
            if token != self.token:
                return Response(status_code=401)
            with self._lock:
                found = next((f for f in self._files.values() if f.file_path == path), None)
            if found is None:
                return Response(status_code=404)
            return Response(found.data, media_type="application/octet-stream")

        return app

    async def _respond(
        self, method: str, params: dict[str, str], files: dict[str, tuple[str | None, bytes]]
    ) -> Response:
        limited = self._take_rate_limit(method, params.get("chat_id"))
        if limited is not None:
            return _error(
                429,
                f"Too Many Requests: retry after {limited}",
                parameters={"retry_after": limited},
            )
        with self._lock:
            blocked = params.get("chat_id") in self._blocked
        if blocked and method.lower().startswith("send"):
            return _error(403, "Forbidden: bot was blocked by the user")
        if method.lower() == "getupdates":
            return await self._get_updates(params)
        return self._answer(method.lower(), params, files)

    async def _flaky_answer(self, call: Call) -> Response | None:
        """The random failure `fail_at_random` picked for this call, or None to answer it."""
        with self._lock:
            flaky = self._flaky if call.method.lower() in self._flaky_methods else None
        if flaky is None:
            return None
        decision = flaky.decide(f"{call.method.lower()}|{call.chat_id}|{_content_key(call)}")
        outcome = decision.outcome
        if outcome is Outcome.OK:
            return None
        if outcome is Outcome.RATE_LIMITED:
            wait = decision.retry_after
            call.status = 429
            return _error(
                429, f"Too Many Requests: retry after {wait}", parameters={"retry_after": wait}
            )
        if outcome is Outcome.LATE:
            response = await self._respond(call.method, call.params, call.files)
            call.status, call.late = response.status_code, True
            await self._stall(flaky.stall)
            return response
        # The status is known (and recorded) before any stall: tests may look meanwhile.
        call.status = 502 if outcome is Outcome.ERROR and decision.variant % 2 else 500
        if outcome is Outcome.STALL:
            await self._stall(flaky.stall)
        if call.status == 502:
            return Response("<html><body>502 Bad Gateway</body></html>", status_code=502)
        return _error(500, "Internal Server Error")

    async def _stall(self, seconds: float) -> None:
        with self._lock:
            self._stalling += 1
        try:
            await asyncio.sleep(seconds)
        finally:
            with self._lock:
                self._stalling -= 1

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def _take_rate_limit(self, method: str, chat_id: str | None) -> int | None:
        with self._lock:
            for limit in self._limits:
                if limit.method == method.lower() and limit.chat_id in (None, chat_id):
                    limit.times -= 1
                    if limit.times <= 0:
                        self._limits.remove(limit)
                    return limit.retry_after
        return None

    async def _get_updates(self, params: dict[str, str]) -> Response:
        offset = int(params.get("offset", "0") or 0)
        # Telegram may answer a long poll early; a short wait lets the fake stop quickly.
        wait = min(float(params.get("timeout", "0") or 0), 1.0)
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                # Like Telegram: asking for `offset` confirms (forgets) every earlier update.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                batch = list(self._updates[:100])
            if batch or time.monotonic() >= deadline:
                return _ok(batch)
            await asyncio.sleep(0.02)

    def _answer(
        self, method: str, params: dict[str, str], files: dict[str, tuple[str | None, bytes]]
    ) -> Response:
        if method == "getme":
            return _ok(BOT_USER)
        if method == "sendmessage":
            message = self._message(params)
            message["text"] = params.get("text", "")
            if "reply_markup" in params:
                message["reply_markup"] = json.loads(params["reply_markup"])
            return _ok(message)
        if method == "senddocument":
            filename, data = files.get("document", (None, b""))
            message = self._message(params)
            message["document"] = {
                "file_id": f"sent-{message['message_id']}",
                "file_unique_id": f"u{message['message_id']}",
                "file_name": filename or "document",
                "file_size": len(data),
            }
            return _ok(message)
        if method == "editmessagereplymarkup":
            message = self._message(params)
            message["text"] = ""
            return _ok(message)
        if method == "getfile":
            with self._lock:
                found = self._files.get(params.get("file_id", ""))
            if found is None:
                return _error(400, "Bad Request: invalid file_id")
            if found.too_big:
                return _error(400, "Bad Request: file is too big")
            return _ok(
                {
                    "file_id": params["file_id"],
                    "file_unique_id": f"u-{params['file_id']}",
                    "file_size": found.file_size,
                    "file_path": found.file_path,
                }
            )
        return _ok(True)

    def _message(self, params: dict[str, str]) -> dict[str, Any]:
        chat_id = params.get("chat_id", "0")
        return {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else 0, "type": "private"},
            "from": BOT_USER,
        }


async def _read_params(
    request: Request,
) -> tuple[dict[str, str], dict[str, tuple[str | None, bytes]]]:
    """PTB sends form fields (JSON-encoding non-strings); uploads come as multipart files."""
    content_type = request.headers.get("content-type", "")
    params: dict[str, str] = {}
    files: dict[str, tuple[str | None, bytes]] = {}
    if content_type.startswith("application/json"):
        body = await request.json()
        for key, value in (body or {}).items():
            params[key] = value if isinstance(value, str) else json.dumps(value)
    elif content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, str):
                params[key] = value
            else:
                files[key] = (value.filename, await value.read())
        # PTB names the uploaded part and refers to it as "attach://<name>".
        for key, value in list(params.items()):
            if value.startswith("attach://") and value[9:] in files:
                files[key] = files.pop(value[9:])
    params.update({k: v for k, v in request.query_params.items() if k not in params})
    return params, files


def _content_key(call: Call) -> str:
    """What a call sends, for telling one message from another: its text, or its file."""
    if "text" in call.params:
        return call.params["text"]
    digest = hashlib.sha256()
    for name, (filename, data) in sorted(call.files.items()):
        digest.update(f"{name}|{filename}|".encode() + data)
    return digest.hexdigest()


def _ok(result: Any) -> Response:
    return Response(json.dumps({"ok": True, "result": result}), media_type="application/json")


def _error(code: int, description: str, **extra: Any) -> Response:
    body = {"ok": False, "error_code": code, "description": description, **extra}
    return Response(json.dumps(body), status_code=code, media_type="application/json")


# ---------------------------------------------------------------------- updates

USER_ID = 5550001
_update_ids = itertools.count(700_000_000)
_message_ids = itertools.count(1)


def next_update_id() -> int:
    """A fresh update id (Telegram's ids only grow)."""
    return next(_update_ids)


def _user(user_id: int, language_code: str = "id") -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": "Budi",
        "last_name": "Santoso",
        "username": f"budi{user_id}",
        "language_code": language_code,
    }


def _message(chat_id: int, **content: Any) -> dict[str, Any]:
    return {
        "message_id": next(_message_ids),
        "from": _user(chat_id),
        "chat": {"id": chat_id, "first_name": "Budi", "last_name": "Santoso", "type": "private"},
        "date": int(time.time()),
        **content,
    }


def text_update(
    text: str, *, chat_id: int = USER_ID, update_id: int | None = None
) -> dict[str, Any]:
    """A private-chat text message (commands included, with their entity)."""
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split()[0]
        content["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    return {"update_id": update_id or next_update_id(), "message": _message(chat_id, **content)}


def callback_update(
    data: str, *, chat_id: int = USER_ID, message_id: int = 1000, update_id: int | None = None
) -> dict[str, Any]:
    """A tap on an inline button of the bot's message `message_id`."""
    bot_message = {
        "message_id": message_id,
        "from": BOT_USER,
        "chat": {"id": chat_id, "first_name": "Budi", "type": "private"},
        "date": int(time.time()),
        "text": "…",
    }
    return {
        "update_id": update_id or next_update_id(),
        "callback_query": {
            "id": f"cq{next(_message_ids)}",
            "from": _user(chat_id),
            "message": bot_message,
            "chat_instance": "-123456789",
            "data": data,
        },
    }


def document_update(
    file_id: str,
    *,
    file_name: str = "surat.pdf",
    mime_type: str = "application/pdf",
    file_size: int | None = None,
    caption: str | None = None,
    chat_id: int = USER_ID,
    update_id: int | None = None,
) -> dict[str, Any]:
    """A document message (`file_size` as Telegram declares it)."""
    document: dict[str, Any] = {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "file_name": file_name,
        "mime_type": mime_type,
    }
    if file_size is not None:
        document["file_size"] = file_size
    content: dict[str, Any] = {"document": document}
    if caption is not None:
        content["caption"] = caption
    return {"update_id": update_id or next_update_id(), "message": _message(chat_id, **content)}


def photo_update(
    file_id: str, *, file_size: int, chat_id: int = USER_ID, update_id: int | None = None
) -> dict[str, Any]:
    """A photo message: Telegram sends several sizes, smallest first; `file_id` is the largest."""
    sizes = [
        {
            "file_id": f"{file_id}-thumb",
            "file_unique_id": "t",
            "width": 90,
            "height": 120,
            "file_size": 1500,
        },
        {
            "file_id": file_id,
            "file_unique_id": "l",
            "width": 960,
            "height": 1280,
            "file_size": file_size,
        },
    ]
    return {"update_id": update_id or next_update_id(), "message": _message(chat_id, photo=sizes)}


# ---------------------------------------------------------------------- the app under test

WEBHOOK_SECRET = "test-webhook-secret_0123456789"
_DEFAULT = object()


def telegram_settings(fake: FakeTelegramAPI, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a server whose Telegram channel talks to `fake` (webhook mode by default)."""
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{data_dir / 'servicedesk.db'}",
        "data_dir": data_dir,
        "agency": "babel",
        "locale": "id",
        "telegram_bot_token": fake.token,
        "telegram_mode": "webhook",
        "telegram_webhook_secret": WEBHOOK_SECRET,
        "telegram_webhook_url": "",
        "telegram_api_base_url": fake.base_url,
        "telegram_file_base_url": fake.file_base_url,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class TelegramApp:
    """The real app (real engine, real database) with its Telegram channel wired to the fake."""

    app: FastAPI
    client: httpx.AsyncClient
    fake: FakeTelegramAPI
    settings: Settings

    @property
    def runtime(self) -> Runtime:
        """The running app's runtime."""
        runtime: Runtime = self.app.state.runtime
        return runtime

    @property
    def db(self) -> Database:
        """The app's database."""
        return self.runtime.db

    async def post(self, body: Any, *, secret: Any = _DEFAULT) -> httpx.Response:
        """POST to the webhook: a dict/list is sent as JSON, bytes/str as they are."""
        headers = {}
        if secret is _DEFAULT:
            secret = self.settings.telegram_webhook_secret
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        if isinstance(body, bytes | str):
            headers["Content-Type"] = "application/json"
            return await self.client.post("/webhook/telegram", content=body, headers=headers)
        return await self.client.post("/webhook/telegram", json=body, headers=headers)

    async def deliver(self, update: dict[str, Any], *, chat_id: int = USER_ID) -> list[Call]:
        """POST one authentic update; returns the sendMessage calls it caused in that chat."""
        before = len(self.fake.messages_to(chat_id))
        response = await self.post(update)
        assert response.status_code == 200, response.text
        return self.fake.messages_to(chat_id)[before:]

    async def say(self, text: str, *, chat_id: int = USER_ID) -> list[Call]:
        """The requester types `text`."""
        return await self.deliver(text_update(text, chat_id=chat_id), chat_id=chat_id)

    async def tap(self, data: str, *, chat_id: int = USER_ID) -> list[Call]:
        """The requester taps the button carrying `data`."""
        return await self.deliver(callback_update(data, chat_id=chat_id), chat_id=chat_id)


@asynccontextmanager
async def running_telegram_app(
    fake: FakeTelegramAPI,
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Callable[[], datetime] | None = None,
    wait_ready: bool = True,
) -> AsyncIterator[TelegramApp]:
    """Start the app (lifespan included) and wait until the bot finished its setup calls."""
    kwargs: dict[str, Any] = {} if clock is None else {"clock": clock}
    app = create_app(settings, db=db, **kwargs)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://servicedesk") as client:
            harness = TelegramApp(app=app, client=client, fake=fake, settings=settings)
            if wait_ready:
                telegram: TelegramRuntime = harness.runtime.services["telegram"]
                await asyncio.wait_for(telegram.ready.wait(), timeout=20)
            yield harness
