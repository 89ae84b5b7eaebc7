"""The web chat: `GET /` serves a page, `/web/api/*` feeds it.

The browser's signed session cookie is its identity (chat id = user id = session id). Every
message carries a client-made UUID, used as the update id, so a double click or a retry after a
network error is dropped by the inbox. Replies are never pushed: the page receives them in the
answer to its POST and by polling `GET /web/api/messages`, which changes nothing; the page then
acknowledges what it showed with `POST /web/api/messages/ack` (see `bot.web.mailbox`).

Every request counts against the limits of `bot.web.throttle` (per client address, and for
posts per session); uploads stream to disk (`bot.web.uploads`), a few at a time.

Every error is a short JSON `{"error": "..."}` in the page's language; no stack trace leaves.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import quote as quote_header
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.deps import Channel, Runtime, RuntimeDep
from bot.messages import Inbound, InboundAttachment, Outbound, OutboundDocument
from bot.pipeline import DurableWriteError
from bot.web import mailbox, uploads
from bot.web.session import (
    COOKIE_MAX_AGE,
    COOKIE_NAME,
    SessionCodec,
    new_session_id,
    session_secret,
)
from bot.web.throttle import Throttle, Throttled, UploadsFull
from locales import Translate, normalize, translator
from storage.attachments import IncomingFile
from storage.db import STORAGE_FAILURES
from storage.repositories import OutboxRecord

log = logging.getLogger(__name__)

router = APIRouter()

STATIC_DIR = Path(__file__).resolve().parent / "static"
_STATIC_TYPES = {"chat.js": "text/javascript; charset=utf-8", "chat.css": "text/css; charset=utf-8"}
CSRF_HEADER = "x-requested-with"
MAX_JSON_BYTES = 32 * 1024
# Multipart framing, the message id and a caption around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
MAX_ACK_IDS = 200
MAX_TEXT_CHARS = 4096
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
_NUMBER = re.compile(r"[0-9]{1,18}")
# The largest outbox id (an INTEGER column: 32 bits on PostgreSQL). A larger number in a cursor,
# an acknowledgement or a document address names no message; passed to the database it would
# fail the query (PostgreSQL refuses it, SQLite cannot bind one past 64 bits).
MAX_OUTBOX_ID = 2**31 - 1

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


# --------------------------------------------------------------------------- session


@dataclass(frozen=True)
class WebSession:
    """Who is asking: the session id, and whether the cookie has to be (re)issued."""

    id: str
    is_new: bool
    secure: bool


_CODEC = "web.sessions"
_THROTTLE = "web.throttle"


@asynccontextmanager
async def lifespan(runtime: Runtime) -> AsyncIterator[None]:
    """Load (or create) the cookie key shared by every replica, and set up the limits."""
    throttle = Throttle(runtime.settings)  # a malformed rate fails the start, with its name
    runtime.services[_CODEC] = SessionCodec(await session_secret(runtime.db, runtime.settings))
    runtime.services[_THROTTLE] = throttle
    yield


def _codec(runtime: Runtime) -> SessionCodec:
    """The app's cookie codec (made by `lifespan`)."""
    codec = runtime.services[_CODEC]
    assert isinstance(codec, SessionCodec)
    return codec


def _throttle(runtime: Runtime) -> Throttle:
    """The app's abuse limits (made by `lifespan`)."""
    throttle = runtime.services[_THROTTLE]
    assert isinstance(throttle, Throttle)
    return throttle


async def get_session(request: Request, runtime: RuntimeDep) -> WebSession:
    """The request's session, or a new one when the cookie is missing, forged or expired."""
    secure = request.url.scheme == "https"
    session_id = _codec(runtime).decode(request.cookies.get(COOKIE_NAME))
    if session_id is None:
        return WebSession(id=new_session_id(), is_new=True, secure=secure)
    return WebSession(id=session_id, is_new=False, secure=secure)


SessionDep = Annotated[WebSession, Depends(get_session)]


def _with_cookie(
    response: Response, session: WebSession, runtime: Runtime, *, refresh: bool = False
) -> Response:
    """Attach the session cookie when it is new (or, on page loads, to extend its life)."""
    if session.is_new or refresh:
        response.set_cookie(
            COOKIE_NAME,
            _codec(runtime).encode(session.id),
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=session.secure,
            path="/",
        )
    return response


# --------------------------------------------------------------------------- responses


def _t(lang: str | None = None) -> Translate:
    """Translate into the language the page says it shows (Indonesian unless it says "en")."""
    return translator(normalize(lang))


def _json(data: dict[str, Any], status: int = 200) -> JSONResponse:
    """A JSON answer that is never cached (it is per session)."""
    return JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store"})


def _outbox_id(raw: str | None) -> int | None:
    """An outbox id from a path; None when it is not a number or no message can have it."""
    number = _number(raw)
    return number if number is not None and number <= MAX_OUTBOX_ID else None


def _number(raw: str | None) -> int | None:
    """A non-negative id or length from a header, query or path; None when it is not one."""
    return int(raw) if raw is not None and _NUMBER.fullmatch(raw) else None


def _error(message: str, status: int) -> JSONResponse:
    """A refusal the page shows as it is."""
    return _json({"error": message}, status)


class PoliteError(Exception):
    """A request we refuse with a short explanation for the person at the keyboard."""

    def __init__(self, status: int, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after

    def response(self) -> JSONResponse:
        response = _error(self.message, self.status)
        if self.retry_after is not None:
            response.headers["Retry-After"] = str(self.retry_after)
        return response


def _render(row: OutboxRecord) -> dict[str, Any]:
    """One outbox row as the page shows it; documents become download links."""
    payload = row.payload
    choices = [
        {"data": str(c.get("data", "")), "label": str(c.get("label", ""))}
        for c in payload.get("choices", [])
        if isinstance(c, dict)
    ]
    document = payload.get("document")
    doc = None
    if isinstance(document, dict):
        doc = {
            "filename": str(document.get("filename", "dokumen")),
            "mime": str(document.get("mime", "application/octet-stream")),
            "url": f"/web/api/documents/{row.id}",
        }
    return {"id": row.id, "text": str(payload.get("text", "")), "choices": choices, "document": doc}


def _now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


async def _take(runtime: Runtime, session: WebSession, t: Translate) -> list[dict[str, Any]]:
    """The session's messages not shown yet, rendered for the answer to the page's POST
    (which shows them, so they are marked sent)."""
    try:
        async with runtime.db.transaction() as conn:
            rows = await mailbox.take_messages(conn, recipient=session.id, now=_now())
    except STORAGE_FAILURES:
        # The page retries; a message already handled comes back as a duplicate, not twice.
        raise _busy(t) from None
    return [_render(row) for row in rows]


def _too_many(t: Translate, exc: Throttled) -> PoliteError:
    """Over a rate limit: ask to wait (the page shows it; `Retry-After` says how long)."""
    return PoliteError(
        429,
        t(
            "Maaf, terlalu banyak permintaan dalam waktu singkat. Mohon tunggu sebentar, lalu "
            "coba lagi."
        ),
        retry_after=exc.retry_after,
    )


def _busy(t: Translate) -> PoliteError:
    """The database could not answer: ask the page to send again (it is safe to)."""
    return PoliteError(
        503, t("Maaf, layanan sedang sibuk. Silakan kirim ulang beberapa saat lagi.")
    )


# --------------------------------------------------------------------------- page


@cache
def _page_template() -> str:
    """The page as shipped (read once)."""
    return (STATIC_DIR / "index.html").read_text(encoding="utf-8")


@router.get("/", include_in_schema=False)
async def page(request: Request, runtime: RuntimeDep, session: SessionDep) -> Response:
    """The chat page."""
    html = _page_template().replace(
        "__MAX_BYTES__", str(int(runtime.settings.max_attachment_bytes))
    )
    headers = {
        **_SECURITY_HEADERS,
        "Content-Security-Policy": _PAGE_CSP,
        "Cache-Control": "no-store",
    }
    return _with_cookie(HTMLResponse(html, headers=headers), session, runtime, refresh=True)


@router.get("/web/static/{name}", include_in_schema=False)
async def static(name: str, request: Request) -> Response:
    """The page's script and stylesheet (only those two files)."""
    media_type = _STATIC_TYPES.get(name)
    if media_type is None:
        return _error(_t()("Halaman tidak ditemukan."), 404)
    body = (STATIC_DIR / name).read_bytes()
    headers = {**_SECURITY_HEADERS, "Cache-Control": "no-cache"}
    return Response(body, media_type=media_type, headers=headers)


# --------------------------------------------------------------------------- messages


class MessageIn(BaseModel):
    """What the page posts: a typed text or a tapped choice, with its own message id."""

    model_config = ConfigDict(extra="ignore")

    id: UUID
    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    choice: str | None = Field(default=None, max_length=64)
    lang: str | None = Field(default=None, max_length=10)


def _check_csrf(request: Request, t: Translate) -> None:
    """POSTs must carry a header a cross-site form cannot set."""
    if not request.headers.get(CSRF_HEADER):
        raise PoliteError(403, t("Permintaan ditolak. Silakan muat ulang halaman."))


def _clean(text: str | None) -> str | None:
    """Drop control characters (NUL breaks PostgreSQL text) and surrounding blanks."""
    if text is None:
        return None
    cleaned = _CONTROL_CHARS.sub("", text).strip()
    return cleaned or None


async def _read_capped(request: Request, limit: int, t: Translate) -> bytes:
    """The request body, refusing it as soon as it grows past `limit`."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise PoliteError(413, t("Pesan terlalu panjang."))
    return bytes(body)


def _inbound(session: WebSession, message_id: UUID, lang: str | None, **content: Any) -> Inbound:
    """The pipeline's message for this session."""
    return Inbound(
        channel=mailbox.CHANNEL,
        chat_id=session.id,
        user_id=session.id,
        # Scoped by session, so one browser can never make another's message look like a repeat.
        update_id=f"{session.id}:{message_id}",
        language_code=normalize(lang) if lang else None,
        received_at=_now(),
        **content,
    )


async def _run(runtime: Runtime, session: WebSession, inbound: Inbound, t: Translate) -> Response:
    """Hand the message to the pipeline and answer with the session's new messages."""
    try:
        result = await runtime.pipeline.process(inbound)
    except DurableWriteError:
        raise _busy(t) from None
    except Exception as exc:
        # A bug in handling this particular input: the requester gets an apology, we a log line.
        log.exception("web message could not be handled (%s)", type(exc).__name__)
        raise PoliteError(
            422, t("Maaf, pesan ini belum dapat kami proses. Silakan coba dengan kata lain.")
        ) from None
    messages = await _take(runtime, session, t)
    response = _json({"duplicate": bool(result.duplicate), "messages": messages})
    return _with_cookie(response, session, runtime)


@router.post("/web/api/messages")
async def post_message(request: Request, runtime: RuntimeDep, session: SessionDep) -> Response:
    """A typed text or a tapped choice from the page."""
    t = _t()
    try:
        try:
            _throttle(runtime).post(request, session.id)
        except Throttled as exc:
            raise _too_many(t, exc) from None
        _check_csrf(request, t)
        if (_number(request.headers.get("content-length")) or 0) > MAX_JSON_BYTES:
            raise PoliteError(413, t("Pesan terlalu panjang."))
        body = await _read_capped(request, MAX_JSON_BYTES, t)
        try:
            message = MessageIn.model_validate_json(body)
        except ValidationError:
            raise PoliteError(
                400, t("Pesan tidak dapat dibaca. Silakan muat ulang halaman.")
            ) from None
        t = _t(message.lang)
        text, choice = _clean(message.text), _clean(message.choice)
        if (text is None) == (choice is None):
            raise PoliteError(400, t("Silakan tulis pesan atau pilih salah satu tombol."))
        inbound = _inbound(session, message.id, message.lang, text=text, choice=choice)
        return await _run(runtime, session, inbound, t)
    except PoliteError as exc:
        return _with_cookie(exc.response(), session, runtime)


@router.get("/web/api/messages")
async def get_messages(request: Request, runtime: RuntimeDep, session: SessionDep) -> Response:
    """Messages for this session the page has not shown yet (e.g. an officer's update).

    Reading changes nothing: the page acknowledges what it showed (`acknowledge_messages`).
    `cursor` is where the next poll continues (`after`): the last message of this answer, so a
    backlog longer than one answer comes over several polls.
    """
    t = _t()
    raw = request.query_params.get("after")
    after = _number(raw)
    if after is not None:
        after = min(after, MAX_OUTBOX_ID)  # nothing comes after the last possible id
    try:
        try:
            _throttle(runtime).request(request)
        except Throttled as exc:
            raise _too_many(t, exc) from None
        if raw is not None and after is None:
            raise PoliteError(400, t("Permintaan tidak valid."))
        try:
            async with runtime.db.transaction() as conn:
                rows = await mailbox.read_messages(
                    conn, recipient=session.id, now=_now(), after=after
                )
                if not rows and after is None:
                    # A new tab (no cursor of its own): show where the conversation is.
                    rows = await mailbox.recent_messages(conn, recipient=session.id)
                if rows:
                    cursor = max(rows[-1].id, after or 0)
                elif after is not None:
                    cursor = after
                else:
                    # Nothing waits: a first poll continues after the newest message.
                    cursor = await mailbox.last_message_id(conn, recipient=session.id)
        except STORAGE_FAILURES:
            raise _busy(t) from None
    except PoliteError as exc:
        return exc.response()
    data = {"messages": [_render(row) for row in rows], "cursor": cursor}
    return _with_cookie(_json(data), session, runtime)


class AckIn(BaseModel):
    """The ids of the messages the page has just shown."""

    model_config = ConfigDict(extra="ignore")

    ids: list[int] = Field(max_length=MAX_ACK_IDS)


@router.post("/web/api/messages/ack")
async def acknowledge_messages(
    request: Request, runtime: RuntimeDep, session: SessionDep
) -> Response:
    """The page showed these messages: they are delivered (no later first poll repeats them)."""
    t = _t()
    try:
        try:
            _throttle(runtime).request(request)
        except Throttled as exc:
            raise _too_many(t, exc) from None
        _check_csrf(request, t)
        body = await _read_capped(request, MAX_JSON_BYTES, t)
        try:
            ack = AckIn.model_validate_json(body)
        except ValidationError:
            raise PoliteError(400, t("Permintaan tidak valid.")) from None
        # Ids no message can have are left out (as the ids of other sessions' messages are).
        ids = [i for i in ack.ids if 0 < i <= MAX_OUTBOX_ID]
        try:
            async with runtime.db.transaction() as conn:
                marked = await mailbox.acknowledge(conn, recipient=session.id, ids=ids, now=_now())
        except STORAGE_FAILURES:
            raise _busy(t) from None
    except PoliteError as exc:
        return exc.response()
    return _json({"acknowledged": marked})


# --------------------------------------------------------------------------- uploads


class _BodyTooLarge(Exception):
    pass


async def _capped_stream(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """The request body in chunks, stopping as soon as it exceeds `limit` bytes."""
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise _BodyTooLarge
        yield chunk


def _human_size(size: int) -> str:
    """10485760 → "10 MB", 1536 → "1.5 KB"."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} B"


def _too_large(t: Translate, max_bytes: int) -> PoliteError:
    """The polite refusal of a file over the limit, naming the limit."""
    size = _human_size(max_bytes)
    return PoliteError(413, t("Berkas terlalu besar. Ukuran maksimal {size}.").format(size=size))


def _no_room(t: Translate) -> PoliteError:
    """The disk is short of space: refuse before writing anything."""
    return PoliteError(
        503,
        t("Maaf, saat ini kami belum dapat menyimpan berkas baru. Silakan coba kirim lagi nanti."),
    )


@router.post("/web/api/upload")
async def upload(request: Request, runtime: RuntimeDep, session: SessionDep) -> Response:
    """A file from the page (multipart: `id`, `file`, optional `text` and `lang`).

    The file streams to a temporary file under DATA_DIR while it is sized and sniffed (never
    whole in memory), and at most UPLOADS_IN_FLIGHT uploads are received at once: one more is
    answered 503 at once, and the page tries again.
    """
    t = _t()
    max_bytes = int(runtime.settings.max_attachment_bytes)
    store = runtime.engine.store
    throttle = _throttle(runtime)
    try:
        try:
            throttle.upload(request, session.id)
        except Throttled as exc:
            raise _too_many(t, exc) from None
        _check_csrf(request, t)
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            raise PoliteError(415, t("Silakan kirim berkas melalui tombol lampiran."))
        declared = _number(request.headers.get("content-length"))
        if (declared or 0) > max_bytes + MULTIPART_OVERHEAD:
            raise _too_large(t, max_bytes)
        if not store.has_room(min(declared or max_bytes, max_bytes)):
            raise _no_room(t)
        try:
            with throttle.upload_slot(), store.incoming() as incoming:
                try:
                    form = await uploads.receive(
                        content_type,
                        _capped_stream(request, max_bytes + MULTIPART_OVERHEAD),
                        incoming,
                        max_file_bytes=max_bytes,
                        max_field_bytes=MAX_TEXT_CHARS * 4,
                        max_fields=4,
                    )
                except (_BodyTooLarge, uploads.FileTooLarge):
                    raise _too_large(t, max_bytes) from None
                except uploads.BadForm:
                    raise PoliteError(
                        400, t("Berkas tidak dapat dibaca. Silakan coba lagi.")
                    ) from None
                lang = form.fields.get("lang")
                t = _t(lang)
                inbound = _upload_inbound(session, form, incoming, lang, t)
                # The temporary file lives until the message is handled (the store links it).
                return await _run(runtime, session, inbound, t)
        except UploadsFull:
            raise PoliteError(
                503,
                t("Maaf, saat ini sedang banyak berkas yang dikirim. Silakan coba lagi sebentar."),
            ) from None
        except OSError:
            # The disk refused the temporary file (full, read-only): the store noted it for
            # /healthz; the page may try again later.
            raise _no_room(t) from None
    except PoliteError as exc:
        return _with_cookie(exc.response(), session, runtime)


def _upload_inbound(
    session: WebSession,
    form: uploads.ReceivedForm,
    incoming: IncomingFile,
    lang: str | None,
    t: Translate,
) -> Inbound:
    """The pipeline's message for a received upload."""
    raw_id = form.fields.get("id")
    if not form.has_file or raw_id is None:
        raise PoliteError(400, t("Silakan pilih berkas terlebih dahulu."))
    try:
        message_id = UUID(raw_id)
    except ValueError:
        raise PoliteError(400, t("Permintaan tidak valid.")) from None
    if incoming.size == 0:
        raise PoliteError(400, t("Berkas kosong. Silakan pilih berkas lain."))
    filename = _clean(form.filename)
    name = filename[:255] if filename else None
    # A type refused by its first 8 KB was not kept whole: those 8 KB let the store refuse it
    # the same way (and the dialog say so), without writing the rest to disk.
    attachment = (
        InboundAttachment(data=incoming.scan.head, filename=name, mime_hint=form.content_type)
        if incoming.refused
        else InboundAttachment(path=incoming.path, filename=name, mime_hint=form.content_type)
    )
    caption = form.fields.get("text")
    return _inbound(
        session,
        message_id,
        lang,
        text=_clean(caption[:MAX_TEXT_CHARS]) if caption is not None else None,
        attachment=attachment,
    )


# --------------------------------------------------------------------------- documents


@router.get("/web/api/documents/{outbox_id:path}")
async def document(
    outbox_id: str, request: Request, runtime: RuntimeDep, session: SessionDep
) -> Response:
    """A document the bot sent to this session (nobody else's)."""
    t = _t()
    try:
        _throttle(runtime).request(request)
    except Throttled as exc:
        return _too_many(t, exc).response()
    row = None
    wanted = _outbox_id(outbox_id)
    if wanted is not None:
        try:
            async with runtime.db.transaction() as conn:
                row = await mailbox.get_message(conn, recipient=session.id, id=wanted)
        except STORAGE_FAILURES:
            return _error(_busy(t).message, 503)
    document = _document_of(row)
    if document is None:
        return _error(t("Dokumen tidak ditemukan."), 404)
    filename = document.filename or "dokumen"
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = (
        f'attachment; filename="{quote_header(ascii_name)}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )
    headers = {
        **_SECURITY_HEADERS,
        "Content-Disposition": disposition,
        "Cache-Control": "private, no-store",
    }
    mime = document.mime or "application/octet-stream"
    return Response(document.data, media_type=mime, headers=headers)


def _document_of(row: OutboxRecord | None) -> OutboundDocument | None:
    """The document a stored message carries, if any (and if its payload is intact)."""
    if row is None or not isinstance(row.payload.get("document"), dict):
        return None
    try:
        return Outbound.from_payload(row.payload).document
    except (KeyError, TypeError, ValueError):
        return None


# No sender on purpose: nothing can push to a browser, so the delivery sweep leaves "web" rows
# pending and the page collects them (`bot.web.mailbox`).
channel = Channel(name=mailbox.CHANNEL, router=router, lifespan=lifespan)
