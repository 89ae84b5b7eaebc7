"""A lean fake Telegram Bot API for load tests: a bare asyncio HTTP/1.1 server in the test's
own event loop, so hundreds of requesters' replies cost the test process little.

It answers the methods the bot calls (getMe, setMyCommands, sendMessage, sendDocument,
answerCallbackQuery, editMessageReplyMarkup, ...) with Bot-API-shaped results, reads PTB's
form-encoded, multipart and JSON bodies alike, and records every message it delivers with the
moment it arrived (`time.monotonic()`), so a test can line deliveries up with the kills and
restarts it caused. `wait_for_text` lets a simulated person wait for the bot's next question.

(`tests.fakes.telegram_api.FakeTelegramAPI` is the full-featured fake, FastAPI in a thread;
it costs a few times more per call, which a 500-requester load feels.)
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.telegram_api import BOT_USER, TOKEN

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
_SENDS = ("sendmessage", "senddocument")


@dataclass(frozen=True, slots=True)
class Delivered:
    """One message the fake accepted (answered 200): what reached the chat, and when."""

    chat_id: str
    kind: str  # "text" (sendMessage) or "document" (sendDocument: `content` is its filename)
    content: str
    at: float  # time.monotonic() when the request arrived


class LeanBotAPI:
    """The fake server; `await start()`, `await stop()` (or `async with`)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.port = 0
        self.delivered: list[Delivered] = []
        self.methods: Counter[str] = Counter()
        self._by_chat: dict[str, list[Delivered]] = {}
        self._changed: dict[str, asyncio.Event] = {}
        self._message_ids = itertools.count(10_000)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._stalls: dict[str, float] = {}
        self.stalling = asyncio.Event()  # set while a stalled send waits for its answer

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> LeanBotAPI:
        """Listen on a free port of 127.0.0.1."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        """Stop listening and drop open connections."""
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> LeanBotAPI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For TELEGRAM_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_base_url(self) -> str:
        """For TELEGRAM_FILE_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------------ reading

    def to(self, chat_id: int | str) -> list[Delivered]:
        """What reached one chat, oldest first."""
        return list(self._by_chat.get(str(chat_id), ()))

    def count_to(self, chat_id: int | str) -> int:
        """How many messages reached one chat so far."""
        return len(self._by_chat.get(str(chat_id), ()))

    def texts_to(self, chat_id: int | str) -> list[str]:
        """The texts that reached one chat, oldest first."""
        return [d.content for d in self.to(chat_id) if d.kind == "text"]

    async def wait_for_text(
        self, chat_id: int | str, containing: str, *, after: int, within: float
    ) -> Delivered:
        """The first text at position `after` or later in the chat that contains `containing`,
        waiting up to `within` seconds for it to arrive."""
        chat = str(chat_id)
        deadline = time.monotonic() + within
        while True:
            changed = self._changed.setdefault(chat, asyncio.Event())
            for message in self._by_chat.get(chat, ())[after:]:
                if message.kind == "text" and containing in message.content:
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [m.content[:80] for m in self._by_chat.get(chat, ())[after:]]
                raise TimeoutError(
                    f"chat {chat}: no message containing {containing!r} within {within:g} s "
                    f"(arrived since: {seen})"
                )
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                continue

    def stall_next_send(self, chat_id: int | str, seconds: float) -> None:
        """Answer the next send to this chat only after `seconds` (a slow network): the message
        is delivered at once, the bot just hears so later. `stalling` is set meanwhile."""
        self._stalls[str(chat_id)] = seconds

    # ------------------------------------------------------------------ the server

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                request_line, *lines = head.decode("latin-1").split("\r\n")
                _, target, _ = request_line.split(" ", 2)
                headers = {}
                for line in lines:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                try:
                    body = await _read_body(reader, headers)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                status, answer, stall = self._handle(target, headers, body)
                if stall:
                    self.stalling.set()
                    await asyncio.sleep(stall)
                    self.stalling.clear()
                payload = json.dumps(answer).encode()
                writer.write(
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n".encode("latin-1")
                    + payload
                )
                try:
                    await writer.drain()
                except ConnectionError:
                    return
                if headers.get("connection", "").lower() == "close":
                    return
        finally:
            self._connections.discard(task)
            writer.close()

    def _handle(self, target: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, float]:
        path = urlsplit(target)
        prefix = f"/bot{self.token}/"
        if not path.path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, 0.0
        method = path.path[len(prefix) :].lower()
        params = dict(parse_qsl(path.query))
        params.update(_params(headers.get("content-type", ""), body))
        self.methods[method] += 1
        if method == "getme":
            return 200, {"ok": True, "result": BOT_USER}, 0.0
        if method in _SENDS:
            chat = str(params.get("chat_id", ""))
            stall = self._stalls.pop(chat, 0.0)
            if method == "sendmessage":
                self._record(Delivered(chat, "text", str(params.get("text", "")), time.monotonic()))
            else:
                self._record(
                    Delivered(chat, "document", params.get("document_name", ""), time.monotonic())
                )
            return 200, {"ok": True, "result": self._message(chat, params)}, stall
        if method == "editmessagereplymarkup":
            edited = self._message(str(params.get("chat_id", "")), {})
            return 200, {"ok": True, "result": edited}, 0.0
        return 200, {"ok": True, "result": True}, 0.0

    def _record(self, message: Delivered) -> None:
        self.delivered.append(message)
        self._by_chat.setdefault(message.chat_id, []).append(message)
        changed = self._changed.pop(message.chat_id, None)
        if changed is not None:
            changed.set()

    def _message(self, chat: str, params: dict[str, str]) -> dict[str, Any]:
        chat_id: int | str = int(chat) if chat.lstrip("-").isdigit() else chat
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
        }
        if "text" in params:
            message["text"] = params["text"]
        return message


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    """The request body, by Content-Length or chunked transfer encoding."""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return bytes(body)
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    return await reader.readexactly(int(headers.get("content-length", "0") or 0))


def _params(content_type: str, body: bytes) -> dict[str, str]:
    """The call's parameters from a form-encoded, multipart or JSON body (files: their names,
    as `<field>_name`)."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        data = json.loads(body)
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in (data or {}).items()}
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
        )
        params: dict[str, str] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            filename = part.get_filename()
            if filename is not None:
                params[f"{name}_name"] = filename
                continue
            raw = part.get_payload(decode=True)
            params[name] = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
        # PTB names the uploaded part and refers to it as "attach://<name>".
        for key, value in list(params.items()):
            if value.startswith("attach://") and f"{value[9:]}_name" in params:
                params[f"{key}_name"] = params[f"{value[9:]}_name"]
        return params
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
