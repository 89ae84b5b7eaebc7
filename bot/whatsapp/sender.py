"""Send `Outbound` messages through the WhatsApp Cloud API (`POST /{phone_number_id}/messages`).

Meta allows free-form messages only within 24 hours of the contact's last message (the
customer-service window). Outside it the configured, pre-approved notification template is
sent instead, carrying the message text as its one parameter; with no template configured the
message fails permanently with a reason coordinators can read. The window is checked before
sending (from `channel_identities.last_inbound_at`, through the `contacts` lookup) and again
when Meta answers error 131047 (so without a lookup, Meta's answer alone decides).

Errors: 429 and Meta's rate-limit codes → `RetryAfter`; other 4xx → `PermanentFailure`;
5xx, timeouts and network errors → `TransientSendError` (the outbox retries with backoff).
Reasons never carry personal data: only HTTP statuses, Meta error codes and fixed words.

A message may take several API calls (a long text before its buttons, a text before its
document). When a later call fails, the outbox retries the whole message; the sender remembers
(in memory, for an hour) which calls of it Meta already accepted and sends only the rest,
so the contact does not read the text twice. A retry on another replica or after a restart
sends it whole again (at-least-once, like any send cut off by a crash).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.delivery import PermanentFailure, RetryAfter
from bot.half_sent import HalfSent
from bot.messages import Outbound
from bot.whatsapp import render as wrender
from core.clock import utcnow
from core.settings import Settings
from locales import use_locale

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
WINDOW = timedelta(hours=24)
# Leave a little room: Meta measures from its own clock, and the send itself takes time.
WINDOW_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Contact:
    """What sending to a contact depends on: their last message time and their language."""

    last_inbound_at: datetime | None
    locale: str | None = None


ContactLookup = Callable[[str], Awaitable[Contact]]

# Meta error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
WINDOW_CLOSED = 131047
RATE_LIMIT_CODES = {4, 80007, 130429, 131048, 131056}
TRANSIENT_CODES = {1, 2, 131000, 131016}
_DEFAULT_WAIT = {131056: 10.0, 130429: 5.0}
_KNOWN = {
    100: "invalid parameter",
    190: "access token invalid or expired",
    10: "permission denied",
    200: "permission denied",
    131008: "required parameter missing",
    131009: "parameter value invalid",
    131021: "recipient is the sender",
    131026: "message undeliverable (not on WhatsApp or old app)",
    131030: "recipient not in the test allowed list",
    131031: "business account locked",
    131042: "payment problem on the business account",
    131047: "outside the 24-hour window",
    131051: "unsupported message type",
    131052: "media download error",
    131053: "media upload error",
    132000: "template parameter count mismatch",
    132001: "template does not exist in this language",
    132005: "template text too long",
    132007: "template format policy violated",
    132012: "template parameter format mismatch",
    132015: "template paused",
    132016: "template disabled",
    133010: "phone number not registered",
}


class TransientSendError(Exception):
    """Meta or the network failed for now; the outbox retries later."""


class _WindowClosed(Exception):
    """Meta refused a free-form message: the contact's 24-hour window is closed."""


class WhatsAppSender:
    """A `Sender` for the WhatsApp channel (one per app; shares the app's httpx client)."""

    def __init__(
        self,
        settings: Settings,
        client: httpx.AsyncClient,
        *,
        contacts: ContactLookup | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.client = client
        self.contacts = contacts
        self.clock = clock
        base = settings.whatsapp_api_base_url.rstrip("/")
        self._messages_url = f"{base}/{settings.whatsapp_phone_number_id}/messages"
        self._media_url = f"{base}/{settings.whatsapp_phone_number_id}/media"
        self._headers = {"Authorization": f"Bearer {settings.whatsapp_access_token}"}
        self._half_sent = HalfSent()

    async def send(self, recipient: str, message: Outbound) -> None:
        """Deliver `message` to the contact `recipient` (a wa_id), or raise why not."""
        contact = await self.contacts(recipient) if self.contacts is not None else None
        if contact is not None and not self.in_window(contact):
            await self._send_template(recipient, message)
            return
        # The adapter's own words (list button, "Lainnya…") follow the conversation's language.
        with use_locale(contact.locale if contact is not None else self.settings.locale):
            parts = wrender.render(message)
        key = (recipient, parts_digest(parts))
        # Calls of this message Meta accepted before a later one failed: not sent again.
        done = self._half_sent.take(key)
        try:
            for index, part in enumerate(parts):
                if index >= done:
                    await self._send_part(recipient, part)
                    done = index + 1
        except _WindowClosed:
            await self._send_template(recipient, message)
        except PermanentFailure:
            raise  # never retried: nothing to remember
        except BaseException:
            if 0 < done < len(parts):
                self._half_sent.remember(key, done)
            raise

    def in_window(self, contact: Contact) -> bool:
        """True when the contact wrote to us within the last 24 hours (minus a margin)."""
        last = contact.last_inbound_at
        return last is not None and self.clock() - last < WINDOW - WINDOW_MARGIN

    async def _send_part(self, recipient: str, part: wrender.Part) -> None:
        """One API call (two for a document: upload, then send by id)."""
        if isinstance(part, wrender.Upload):
            media_id = await self._upload(part)
            part = wrender.document_message(media_id, part.document.filename, part.caption)
        await self._post_message(recipient, part)

    async def _send_template(self, recipient: str, message: Outbound) -> None:
        """The notification template, or a permanent failure when none is configured."""
        name = self.settings.whatsapp_notification_template.strip()
        if not name:
            raise PermanentFailure(
                "WhatsApp: outside the 24-hour window and WHATSAPP_NOTIFICATION_TEMPLATE "
                "is not set (only approved templates may be sent)"
            )
        body = wrender.template_message(
            name, self.settings.whatsapp_template_language, message.text
        )
        try:
            await self._post_message(recipient, body)
        except _WindowClosed as exc:  # cannot happen for templates; never loop on it
            raise PermanentFailure(_reason(400, WINDOW_CLOSED, None)) from exc

    async def _post_message(self, recipient: str, body: dict[str, Any]) -> None:
        """POST one message object to /messages."""
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": recipient}
        payload.update(body)
        await self._call(
            lambda: self.client.post(self._messages_url, json=payload, headers=self._headers)
        )

    async def _upload(self, upload: wrender.Upload) -> str:
        """Upload a document to /media and return its media id."""
        document = upload.document
        data = await self._call(
            lambda: self.client.post(
                self._media_url,
                data={"messaging_product": "whatsapp", "type": document.mime},
                files={"file": (document.filename, document.data, document.mime)},
                headers=self._headers,
            )
        )
        media_id = data.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise TransientSendError("media upload answered without an id")
        return media_id

    async def _call(self, request: Callable[[], Awaitable[httpx.Response]]) -> dict[str, Any]:
        """Make one Graph API request and turn its failures into delivery outcomes."""
        try:
            response = await request()
        except httpx.TimeoutException as exc:
            raise TransientSendError("timeout") from exc
        except httpx.HTTPError as exc:
            raise TransientSendError(type(exc).__name__) from exc
        data = _json_object(response)
        if response.is_success:
            return data
        raise _failure(response, data)


def parts_digest(parts: Sequence[wrender.Part]) -> str:
    """A digest naming a rendered message (a document by its bytes' checksum)."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, wrender.Upload):
            document = part.document
            described: Any = [
                "upload",
                document.filename,
                document.mime,
                hashlib.sha256(document.data).hexdigest(),
                part.caption,
            ]
        else:
            described = part
        digest.update(json.dumps(described, sort_keys=True, ensure_ascii=False).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def _failure(response: httpx.Response, data: dict[str, Any]) -> Exception:
    """The exception describing a non-2xx Graph API answer."""
    status = response.status_code
    raw_error = data.get("error")
    error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    if code == WINDOW_CLOSED:
        return _WindowClosed()
    if status == 429 or code in RATE_LIMIT_CODES:
        return RetryAfter(_retry_after(response, code))
    if status >= 500 or code in TRANSIENT_CODES:
        return TransientSendError(_reason(status, code, subcode))
    return PermanentFailure(_reason(status, code, subcode))


def _retry_after(response: httpx.Response, code: int | None) -> float:
    """Seconds to wait: Meta's Retry-After header when present, else a per-code default."""
    header = response.headers.get("retry-after", "").strip()
    try:
        seconds = float(header)
    except ValueError:
        seconds = _DEFAULT_WAIT.get(code or 0, 60.0)
    return min(max(seconds, 1.0), 3600.0)


def _reason(status: int, code: int | None, subcode: int | None) -> str:
    """A coordinator-readable failure reason without personal data."""
    label = f"WhatsApp API HTTP {status}"
    if code is not None:
        label += f", error {code}" + (f"/{subcode}" if subcode is not None else "")
        label += f": {_KNOWN.get(code, 'see Meta error codes')}"
    return label


def _json_object(response: httpx.Response) -> dict[str, Any]:
    """The response body as a JSON object, or {} when it is anything else."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
