"""Parse Meta's webhook JSON into plain events, never trusting its shape.

One POST may carry several entries, each with several changes, each with messages and
statuses. Anything malformed is skipped and counted (never raised): the payload is already
authenticated, so a shape we do not understand is Meta's novelty, not an attack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.messages import clean_text

# Types we turn into an `Inbound`; everything else gets a polite "not supported" reply.
MEDIA_KINDS = ("document", "image")
# Types that need no answer at all (a reaction is not a message to the service desk).
SILENT_KINDS = ("reaction", "system", "ephemeral", "request_welcome")

_MAX_ID = 200  # inbox update ids and Graph media ids are far shorter; longer means garbage
_MAX_TEXT = 16_384
_MAX_CHOICE = 256  # Meta's own limit for a reply button id


@dataclass(frozen=True, slots=True)
class WaMedia:
    kind: str  # "document" | "image"
    media_id: str
    filename: str | None = None
    mime_type: str | None = None
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class WaMessage:
    message_id: str
    sender: str  # the contact's wa_id (digits); replies go back to it
    kind: str
    phone_number_id: str | None = None
    text: str | None = None
    choice: str | None = None
    media: WaMedia | None = None
    display_name: str | None = None
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class WaStatus:
    message_id: str
    status: str  # sent | delivered | read | failed | deleted ...
    error_codes: tuple[int, ...] = ()


@dataclass(slots=True)
class Batch:
    events: list[WaMessage | WaStatus] = field(default_factory=list)
    skipped: int = 0  # items we could not read

    @property
    def messages(self) -> list[WaMessage]:
        """The messages in arrival order."""
        return [e for e in self.events if isinstance(e, WaMessage)]

    @property
    def statuses(self) -> list[WaStatus]:
        """The delivery statuses in arrival order."""
        return [e for e in self.events if isinstance(e, WaStatus)]


def parse_batch(data: Any) -> Batch:
    """Every message and status in a webhook body, in order."""
    batch = Batch()
    for entry in _dicts(_get(data, "entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict):
                batch.skipped += 1
                continue
            _read_value(value, batch)
    return batch


def _read_value(value: dict[str, Any], batch: Batch) -> None:
    """Append the messages then the statuses of one change."""
    phone_number_id = _str(_get(value.get("metadata"), "phone_number_id"))
    names = _contact_names(value.get("contacts"))
    for raw in _list(value.get("messages")):
        message = _read_message(raw, phone_number_id, names)
        if message is None:
            batch.skipped += 1
        else:
            batch.events.append(message)
    for raw in _list(value.get("statuses")):
        status = _read_status(raw)
        if status is None:
            batch.skipped += 1
        else:
            batch.events.append(status)


def _read_message(raw: Any, phone_number_id: str | None, names: dict[str, str]) -> WaMessage | None:
    """One message, or None when it lacks what every message must have."""
    if not isinstance(raw, dict):
        return None
    message_id = _id(raw.get("id"))
    sender = _str(raw.get("from"))
    kind = _str(raw.get("type"))
    if message_id is None or sender is None or kind is None or not _is_wa_id(sender):
        return None
    text: str | None = None
    choice: str | None = None
    media: WaMedia | None = None
    if kind == "text":
        text = _text(_get(raw.get("text"), "body"))
    elif kind == "interactive":
        choice = _interactive_choice(raw.get("interactive"))
        if choice is None:
            return None
    elif kind == "button":  # a quick-reply button of a template
        text = _text(_get(raw.get("button"), "text"))
    elif kind in MEDIA_KINDS:
        media = _read_media(kind, raw.get(kind))
        if media is None:
            return None
    return WaMessage(
        message_id=message_id,
        sender=sender,
        kind=kind,
        phone_number_id=phone_number_id,
        text=text,
        choice=choice,
        media=media,
        display_name=names.get(sender),
        timestamp=_timestamp(raw.get("timestamp")),
    )


def _interactive_choice(interactive: Any) -> str | None:
    """The id of the tapped reply button or list row."""
    kind = _str(_get(interactive, "type"))
    if kind not in ("button_reply", "list_reply"):
        return None
    choice = _str(_get(_get(interactive, kind), "id"))
    return choice if choice is not None and len(choice) <= _MAX_CHOICE else None


def _read_media(kind: str, body: Any) -> WaMedia | None:
    """The media reference of a document or image message."""
    media_id = _id(_get(body, "id"))
    if media_id is None:
        return None
    return WaMedia(
        kind=kind,
        media_id=media_id,
        filename=_str(_get(body, "filename")),
        mime_type=_str(_get(body, "mime_type")),
        caption=_text(_get(body, "caption")),
    )


def _read_status(raw: Any) -> WaStatus | None:
    """One delivery status (of a message we sent)."""
    message_id = _id(_get(raw, "id"))
    status = _str(_get(raw, "status"))
    if message_id is None or status is None:
        return None
    codes = tuple(
        code for e in _dicts(_get(raw, "errors")) if isinstance(code := e.get("code"), int)
    )
    return WaStatus(message_id=message_id, status=status[:32], error_codes=codes)


def _contact_names(contacts: Any) -> dict[str, str]:
    """wa_id → profile name, from the `contacts` array sent alongside messages."""
    names: dict[str, str] = {}
    for contact in _dicts(contacts):
        wa_id = _str(contact.get("wa_id"))
        name = _text(_get(contact.get("profile"), "name"))
        # Also stored straight from here (replies outside the dialog): cleaned like Inbound's.
        name = clean_text(name, one_line=True) if name else None
        if wa_id and name:
            names[wa_id] = name[:128]
    return names


def _timestamp(value: Any) -> datetime | None:
    """Meta's epoch-seconds string as an aware UTC datetime."""
    try:
        seconds = int(value)
        return datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _is_wa_id(value: str) -> bool:
    """WhatsApp ids are phone numbers in digits (no '+')."""
    return value.isascii() and value.isdigit() and 5 <= len(value) <= 20


def _get(obj: Any, key: str) -> Any:
    """obj[key] when obj is a dict, else None."""
    return obj.get(key) if isinstance(obj, dict) else None


def _list(value: Any) -> list[Any]:
    """value when it is a list, else empty."""
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The dict items of a list (anything else is ignored)."""
    return [item for item in _list(value) if isinstance(item, dict)]


def _str(value: Any) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value else None


def _id(value: Any) -> str | None:
    """A plausible identifier: short, printable ASCII."""
    text = _str(value)
    if text is None or len(text) > _MAX_ID or not text.isascii() or not text.isprintable():
        return None
    return text


def _text(value: Any) -> str | None:
    """User text, capped (the dialog never needs more) and stripped of NUL bytes."""
    text = _str(value)
    if text is None:
        return None
    return text[:_MAX_TEXT].replace("\x00", "")
