"""A fake WhatsApp Cloud (Graph) API on 127.0.0.1, recording every call the bot makes.

Runs a real HTTP server (uvicorn, in a thread with its own event loop), so the code under
test talks plain HTTP through httpx exactly as it would to graph.facebook.com.

    with FakeGraphApi(token="tok") as graph:
        settings.whatsapp_api_base_url = graph.base_url
        graph.add_media("MEDIA1", b"%PDF-1.4 ...", "application/pdf")
        graph.fail_next(429, retry_after=7)
        ...
        graph.sent_to("628123")  # the message objects POSTed to /messages for that contact

`graph.fail_at_random(Flakiness(rate=0.3, seed=1))` fails a share of the sends at random but
reproducibly (tests/fakes/flaky.py): 500s, Meta's rate-limit errors, stalls past the client's
timeout, and messages accepted but answered too late (`Call.late`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.flaky import Decision, Flakiness, Outcome

VERSION = "v21.0"
CONTACT = "6281234567890"  # the requester's wa_id in tests
PHONE_NUMBER_ID = "1000100"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
ACCESS_TOKEN = "test-access-token"


@dataclass
class Call:
    """One request the fake received."""

    method: str
    path: str
    authorization: str | None
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    file: tuple[str, str, bytes] | None = None  # (filename, content type, data) of an upload
    status: int = 200  # what the fake answered
    # Accepted (the contact got it) but answered only after the client's timeout
    # (fail_at_random): the client saw a failure, so the outbox sending it again is expected.
    late: bool = False


@dataclass
class _Media:
    data: bytes
    mime: str
    announce_size: bool
    content_length: bool


@dataclass
class _Failure:
    status: int
    code: int | None
    retry_after: float | None
    path_contains: str
    stall: float = 0.0  # seconds to wait before answering (to make the client time out)
    when: Callable[[Any], bool] | None = None  # only requests whose JSON body this accepts


class FakeGraphApi:
    """The parts of the Graph API the WhatsApp adapter uses, with failures on demand."""

    def __init__(
        self, *, token: str = ACCESS_TOKEN, phone_number_id: str = PHONE_NUMBER_ID
    ) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.calls: list[Call] = []
        self._media: dict[str, _Media] = {}
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self._uploads = 0
        self._sent = 0
        self._flaky: Flakiness | None = None
        self._stalling = 0
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def root(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What WHATSAPP_API_BASE_URL should be set to."""
        return f"{self.root}/{VERSION}"

    def start(self) -> FakeGraphApi:
        """Serve in a background thread until `stop()`."""
        config = uvicorn.Config(self._app(), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake Graph API did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> FakeGraphApi:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ test controls

    def add_media(
        self,
        media_id: str,
        data: bytes,
        mime: str = "application/pdf",
        *,
        announce_size: bool = True,
        content_length: bool = True,
    ) -> None:
        """Make `media_id` downloadable. `announce_size=False, content_length=False` hides its
        size until the bytes arrive (to test the cap while streaming)."""
        with self._lock:
            self._media[media_id] = _Media(data, mime, announce_size, content_length)

    def fail_next(
        self,
        status: int,
        *,
        code: int | None = None,
        retry_after: float | None = None,
        times: int = 1,
        path_contains: str = "/messages",
        when: Callable[[Any], bool] | None = None,
    ) -> None:
        """Answer the next `times` matching requests with `status` (and Meta error `code`);
        `when`: only requests whose JSON body it accepts (e.g. the interactive part)."""
        with self._lock:
            self._failures.extend(
                _Failure(status, code, retry_after, path_contains, when=when) for _ in range(times)
            )

    def stall_next(self, seconds: float, *, path_contains: str = "/messages") -> None:
        """Keep the next matching request waiting `seconds`, then answer 500."""
        with self._lock:
            self._failures.append(_Failure(500, None, None, path_contains, stall=seconds))

    def fail_at_random(self, flakiness: Flakiness) -> Flakiness:
        """From now on fail a share of POST /messages as `flakiness` decides (per contact and
        message): HTTP 500 (Meta error 131000), Meta's rate-limit errors (429 with Retry-After,
        130429, 131056), a stall past the client's timeout ending in a 500, or the message
        accepted and answered too late (`Call.late`)."""
        with self._lock:
            self._flaky = flakiness
        return flakiness

    def stop_failing(self) -> None:
        """Answer every request normally again."""
        with self._lock:
            self._flaky = None

    @property
    def stalling(self) -> int:
        """Answers held back by a random stall right now."""
        with self._lock:
            return self._stalling

    def accepted(self) -> list[Call]:
        """Every POST /messages the fake accepted (late ones included), in order of arrival."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.path.endswith("/messages") and c.status == 200 and isinstance(c.json, dict)
            ]

    def sent(self) -> list[dict[str, Any]]:
        """Every message object accepted by POST /messages, in order."""
        with self._lock:
            return [
                c.json
                for c in self.calls
                if c.path.endswith("/messages") and c.status == 200 and isinstance(c.json, dict)
            ]

    def sent_to(self, wa_id: str) -> list[dict[str, Any]]:
        """The accepted message objects addressed to `wa_id`."""
        return [m for m in self.sent() if m.get("to") == wa_id]

    def texts_to(self, wa_id: str) -> list[str]:
        """What `wa_id` would read: text bodies, interactive bodies, captions, template params."""
        return [text for m in self.sent_to(wa_id) if (text := readable_text(m))]

    def uploads(self) -> list[Call]:
        """Every accepted POST /media."""
        with self._lock:
            return [c for c in self.calls if c.path.endswith("/media") and c.status == 200]

    def media(self, media_id: str) -> tuple[str, bytes] | None:
        """(mime, bytes) of a media id the bot uploaded (or a test added); None if unknown."""
        with self._lock:
            found = self._media.get(media_id)
        return None if found is None else (found.mime, found.data)

    def calls_to(self, fragment: str) -> list[Call]:
        """Every call whose path contains `fragment`."""
        with self._lock:
            return [c for c in self.calls if fragment in c.path]

    # ------------------------------------------------------------------ the server

    def _app(self) -> Starlette:
        prefix = f"/{VERSION}"
        return Starlette(
            routes=[
                Route("/download/{media_id}", self._download, methods=["GET"]),
                Route(prefix + "/{phone}/messages", self._messages, methods=["POST"]),
                Route(prefix + "/{phone}/media", self._upload, methods=["POST"]),
                Route(prefix + "/{media_id}", self._media_info, methods=["GET"]),
            ]
        )

    async def _messages(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        call = Call("POST", request.url.path, request.headers.get("authorization"), json=body)
        refusal = await self._refusal(request, call)
        if refusal is not None:
            return refusal
        if request.path_params["phone"] != self.phone_number_id:
            return self._error(call, 400, 100, "Unsupported post request")
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return self._error(call, 400, 100, "Invalid parameter")
        with self._lock:
            flaky = self._flaky
        late = None
        if flaky is not None:
            key = json.dumps(
                [body.get("to"), body.get("type"), readable_text(body)], ensure_ascii=False
            )
            decision = flaky.decide(key)
            if decision.outcome is Outcome.LATE:
                late = flaky.stall
            elif decision.outcome is not Outcome.OK:
                return await self._random_failure(call, decision.outcome, decision, flaky)
        with self._lock:
            self._sent += 1
            wamid = f"wamid.FAKE{self._sent:06d}"
        call.late = late is not None
        response = self._ok(
            call,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                "messages": [{"id": wamid}],
            },
        )
        if late is not None:
            await self._stall(late)
        return response

    async def _random_failure(
        self, call: Call, outcome: Outcome, decision: Decision, flaky: Flakiness
    ) -> Response:
        """One of the failures `fail_at_random` picks, recorded before any stall."""
        if outcome is Outcome.RATE_LIMITED:
            shape = decision.variant % 3
            if shape == 0:  # throughput: 429 with Retry-After
                headers = {"Retry-After": str(decision.retry_after)}
                return self._error(call, 429, 80007, "Rate limit issues", headers)
            if shape == 1:  # Cloud API throughput (the sender waits its default)
                return self._error(call, 400, 130429, "Rate limit hit")
            return self._error(call, 400, 131056, "(Business Account, Consumer Account) pair rate")
        response = self._error(call, 500, 131000, "Something went wrong")
        if outcome is Outcome.STALL:
            await self._stall(flaky.stall)
        return response

    async def _stall(self, seconds: float) -> None:
        with self._lock:
            self._stalling += 1
        try:
            await asyncio.sleep(seconds)
        finally:
            with self._lock:
                self._stalling -= 1

    async def _upload(self, request: Request) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        upload = form.get("file")
        file = None
        if upload is not None and not isinstance(upload, str):
            file = (upload.filename or "", upload.content_type or "", await upload.read())
        call = Call(
            "POST", request.url.path, request.headers.get("authorization"), form=fields, file=file
        )
        refusal = await self._refusal(request, call)
        if refusal is not None:
            return refusal
        if file is None or fields.get("messaging_product") != "whatsapp":
            return self._error(call, 400, 100, "Invalid parameter")
        with self._lock:
            self._uploads += 1
            media_id = f"upl{self._uploads:04d}"
            self._media[media_id] = _Media(file[2], file[1], True, True)
        return self._ok(call, {"id": media_id})

    async def _media_info(self, request: Request) -> Response:
        media_id = request.path_params["media_id"]
        call = Call("GET", request.url.path, request.headers.get("authorization"))
        refusal = await self._refusal(request, call)
        if refusal is not None:
            return refusal
        with self._lock:
            media = self._media.get(media_id)
        if media is None:
            return self._error(call, 400, 100, "Unsupported get request")
        info: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "url": f"{self.root}/download/{media_id}",
            "mime_type": media.mime,
            "sha256": hashlib.sha256(media.data).hexdigest(),
            "id": media_id,
        }
        if media.announce_size:
            info["file_size"] = len(media.data)
        return self._ok(call, info)

    async def _download(self, request: Request) -> Response:
        media_id = request.path_params["media_id"]
        call = Call("GET", request.url.path, request.headers.get("authorization"))
        refusal = await self._refusal(request, call)
        if refusal is not None:
            return refusal
        with self._lock:
            media = self._media.get(media_id)
            self.calls.append(call)
        if media is None:
            call.status = 404
            return Response(status_code=404)
        if media.content_length:
            return Response(media.data, media_type=media.mime)

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(media.data), 64 * 1024):
                yield media.data[start : start + 64 * 1024]
                await asyncio.sleep(0)

        return StreamingResponse(chunks(), media_type=media.mime)

    async def _refusal(self, request: Request, call: Call) -> Response | None:
        """A forced failure or a wrong token, recorded; None to go on normally."""
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return self._error(call, 401, 190, "Invalid OAuth access token")
        with self._lock:
            failure = next(
                (
                    f
                    for f in self._failures
                    if f.path_contains in request.url.path and (f.when is None or f.when(call.json))
                ),
                None,
            )
            if failure is not None:
                self._failures.remove(failure)
        if failure is None:
            return None
        if failure.stall:
            await asyncio.sleep(failure.stall)
        headers = {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
        if failure.code is None and failure.status >= 500:
            call.status = failure.status
            with self._lock:
                self.calls.append(call)
            return Response("upstream trouble", status_code=failure.status, headers=headers)
        return self._error(call, failure.status, failure.code or 100, "forced", headers)

    def _ok(self, call: Call, body: dict[str, Any]) -> Response:
        with self._lock:
            self.calls.append(call)
        return JSONResponse(body)

    def _error(
        self,
        call: Call,
        status: int,
        code: int,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> Response:
        call.status = status
        with self._lock:
            self.calls.append(call)
        body = {
            "error": {
                "message": message,
                "type": "OAuthException",
                "code": code,
                "fbtrace_id": "AbCdEfGh",
            }
        }
        return JSONResponse(body, status_code=status, headers=headers)


def readable_text(message: dict[str, Any]) -> str:
    """The words a person would read in one sent message object."""
    kind = message.get("type")
    if kind == "text":
        return str(message["text"]["body"])
    if kind == "interactive":
        return str(message["interactive"]["body"]["text"])
    if kind == "document":
        return str(message["document"].get("caption", ""))
    if kind == "template":
        params = message["template"]["components"][0]["parameters"]
        return " ".join(str(p["text"]) for p in params)
    return ""


def choice_ids(message: dict[str, Any]) -> list[str]:
    """The ids of the buttons or list rows in one sent message object."""
    if message.get("type") != "interactive":
        return []
    interactive = message["interactive"]
    if interactive["type"] == "button":
        return [b["reply"]["id"] for b in interactive["action"]["buttons"]]
    return [row["id"] for s in interactive["action"]["sections"] for row in s["rows"]]


def choice_titles(message: dict[str, Any]) -> list[str]:
    """The visible titles of the buttons or list rows in one sent message object."""
    if message.get("type") != "interactive":
        return []
    interactive = message["interactive"]
    if interactive["type"] == "button":
        return [b["reply"]["title"] for b in interactive["action"]["buttons"]]
    return [row["title"] for s in interactive["action"]["sections"] for row in s["rows"]]


@contextlib.contextmanager
def running_graph_api(**kwargs: Any) -> Iterator[FakeGraphApi]:
    """A started fake, stopped afterwards."""
    with FakeGraphApi(**kwargs) as graph:
        yield graph


# ---------------------------------------------------------------------- what Meta POSTs to us

_wamids = itertools.count(1)


def new_wamid() -> str:
    """A fresh, realistic-looking inbound message id."""
    return f"wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDNB{next(_wamids):08d}AA=="


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    """X-Hub-Signature-256 as Meta computes it (independently of the code under test)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook(*values: dict[str, Any], entries: int = 1) -> dict[str, Any]:
    """A webhook body: `entries` entries, each carrying one change per value."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [{"value": v, "field": "messages"} for v in values],
            }
            for _ in range(entries)
        ],
    }


def messages_value(
    *messages: dict[str, Any], phone_number_id: str = PHONE_NUMBER_ID, name: str = "Budi Santoso"
) -> dict[str, Any]:
    """The `value` of a change carrying inbound messages."""
    senders = sorted({m.get("from", CONTACT) for m in messages})
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100000000", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": name}, "wa_id": s} for s in senders],
        "messages": list(messages),
    }


def statuses_value(*statuses: dict[str, Any]) -> dict[str, Any]:
    """The `value` of a change carrying delivery statuses."""
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100000000", "phone_number_id": PHONE_NUMBER_ID},
        "statuses": list(statuses),
    }


def _message(kind: str, body: dict[str, Any], wamid: str | None, sender: str) -> dict[str, Any]:
    return {
        "from": sender,
        "id": wamid or new_wamid(),
        "timestamp": str(int(datetime.now(UTC).timestamp())),
        "type": kind,
        kind: body,
    }


def text_message(text: str, *, wamid: str | None = None, sender: str = CONTACT) -> dict[str, Any]:
    """A typed message."""
    return _message("text", {"body": text}, wamid, sender)


def reply_message(
    choice_id: str,
    title: str = "",
    *,
    as_list: bool = False,
    wamid: str | None = None,
    sender: str = CONTACT,
) -> dict[str, Any]:
    """A tap on a reply button (or on a list row with `as_list`)."""
    kind = "list_reply" if as_list else "button_reply"
    body = {"type": kind, kind: {"id": choice_id, "title": title or choice_id[:20]}}
    return _message("interactive", body, wamid, sender)


def document_message(
    media_id: str,
    filename: str = "surat.pdf",
    mime: str = "application/pdf",
    *,
    caption: str | None = None,
    wamid: str | None = None,
    sender: str = CONTACT,
) -> dict[str, Any]:
    """A document the contact sent (its bytes wait at the fake's media endpoint)."""
    body: dict[str, Any] = {"filename": filename, "mime_type": mime, "sha256": "x", "id": media_id}
    if caption is not None:
        body["caption"] = caption
    return _message("document", body, wamid, sender)


def image_message(
    media_id: str, *, mime: str = "image/jpeg", wamid: str | None = None, sender: str = CONTACT
) -> dict[str, Any]:
    """A photo the contact sent."""
    return _message("image", {"mime_type": mime, "sha256": "x", "id": media_id}, wamid, sender)


def sticker_message(*, wamid: str | None = None, sender: str = CONTACT) -> dict[str, Any]:
    """A sticker (a kind the desk does not handle)."""
    return _message("sticker", {"mime_type": "image/webp", "id": "STICKER1"}, wamid, sender)


def status(
    wamid: str, state: str = "delivered", *, errors: list[int] | None = None
) -> dict[str, Any]:
    """A delivery status of a message we sent."""
    body: dict[str, Any] = {
        "id": wamid,
        "status": state,
        "timestamp": str(int(datetime.now(UTC).timestamp())),
        "recipient_id": CONTACT,
    }
    if errors:
        body["errors"] = [{"code": code, "title": "error"} for code in errors]
    return body


# ---------------------------------------------------------------------- the app, wired to the fake


class Clock:
    """A clock tests move by hand (shared by the engine, pipeline and WhatsApp sender)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class WhatsAppApp:
    """The real app (real engine, pipeline, database) with the WhatsApp channel on the fake."""

    app: FastAPI
    client: httpx.AsyncClient
    graph: FakeGraphApi
    settings: Any

    @property
    def runtime(self) -> Any:
        """The running app's `bot.deps.Runtime`."""
        return self.app.state.runtime

    async def post(
        self,
        body: Any,
        *,
        secret: str | None = APP_SECRET,
        signature: str | None = None,
    ) -> httpx.Response:
        """POST to the webhook, signed with `secret` (None: unsigned) unless `signature` given."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        elif secret is not None:
            headers["X-Hub-Signature-256"] = meta_signature(raw, secret)
        return await self.client.post("/webhook/whatsapp", content=raw, headers=headers)

    async def deliver(self, *messages: dict[str, Any]) -> list[dict[str, Any]]:
        """POST authentic messages; returns what the bot sent to the contact because of them."""
        before = len(self.graph.sent_to(CONTACT))
        response = await self.post(webhook(messages_value(*messages)))
        assert response.status_code == 200, response.text
        return self.graph.sent_to(CONTACT)[before:]

    async def say(self, text: str) -> list[dict[str, Any]]:
        """The contact types `text`."""
        return await self.deliver(text_message(text))

    async def tap(self, choice_id: str, *, as_list: bool = False) -> list[dict[str, Any]]:
        """The contact taps the button or row `choice_id`."""
        return await self.deliver(reply_message(choice_id, as_list=as_list))

    async def count(self, table: Any) -> int:
        """Rows in a storage table."""
        async with self.runtime.db.transaction() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def whatsapp_settings(graph: FakeGraphApi, data_dir: Any, **overrides: Any) -> Any:
    """Settings for a WhatsApp-only app talking to `graph`."""
    from core.settings import Settings

    values: dict[str, Any] = {
        "database_url": "sqlite+aiosqlite:///:memory:",
        "data_dir": data_dir,
        "whatsapp_verify_token": VERIFY_TOKEN,
        "whatsapp_app_secret": APP_SECRET,
        "whatsapp_access_token": graph.token,
        "whatsapp_phone_number_id": graph.phone_number_id,
        "whatsapp_api_base_url": graph.base_url,
        "whatsapp_notification_template": "pemberitahuan_tiket",
        "whatsapp_template_language": "id",
        "max_attachment_bytes": 200_000,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running_whatsapp_app(
    graph: FakeGraphApi,
    settings: Any,
    *,
    db: Any,
    clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[WhatsAppApp]:
    """Start the app with only the WhatsApp channel and no background jobs (tests sweep)."""
    from bot.server import create_app
    from bot.whatsapp import CHANNEL_SPEC

    kwargs: dict[str, Any] = {} if clock is None else {"clock": clock}
    app = create_app(settings, db=db, channels=[CHANNEL_SPEC], jobs=[], **kwargs)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://servicedesk") as client:
            yield WhatsAppApp(app=app, client=client, graph=graph, settings=settings)
