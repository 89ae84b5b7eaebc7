"""The one pipeline's message types: every channel turns its input into an `Inbound`,
the dialog engine answers with `Outbound` messages, and each adapter renders those."""

from __future__ import annotations

import base64
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

_ZWJ = "\u200d"
# What may sit between an emoji and the joiner that glues it to the next: a variation selector
# (U+FE0F) or a skin tone (U+1F3FB..U+1F3FF).
_EMOJI_TRAILERS = frozenset("\ufe0e\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")


def clean_text(text: str, *, one_line: bool = False) -> str:
    """Text as people typed it, without what only machines see, for every channel's input.

    Dropped: lone surrogates (UTF-8 cannot carry them, so SQLite and every send would fail),
    control characters but tabs and line breaks (NUL breaks PostgreSQL text), and Unicode
    format characters (category Cf: U+202E turns "Budi" into a spoofed name in the officer's
    summary, U+200B hides inside a phone number). A zero-width joiner between two emoji is
    kept, so a family or a profession emoji stays one picture. Line and paragraph separators
    become line breaks; `one_line` (names) makes every line break and tab a single space.
    """
    if text.isprintable():
        return text  # the common case: nothing to drop
    chars = text.replace("\r\n", "\n")
    kept: list[str] = []
    for index, ch in enumerate(chars):
        category = unicodedata.category(ch)
        if ch in "\t\n\r" or category in ("Zl", "Zp"):
            kept.append(" " if one_line else "\t" if ch == "\t" else "\n")
        elif category == "Cf":
            if ch == _ZWJ and _joins_emoji(chars, index):
                kept.append(ch)
        elif category not in ("Cc", "Cs"):
            kept.append(ch)
    cleaned = "".join(kept)
    return " ".join(cleaned.split()) if one_line else cleaned


def _joins_emoji(text: str, index: int) -> bool:
    """True when the joiner at `index` glues two emoji ("👩‍💻"), not two letters."""
    before = index - 1
    while before >= 0 and text[before] in _EMOJI_TRAILERS:
        before -= 1
    after = index + 1
    return (
        before >= 0
        and after < len(text)
        and _is_pictograph(text[before])
        and _is_pictograph(text[after])
    )


def _is_pictograph(ch: str) -> bool:
    # Emoji and their parts ("♀", "🦰") are symbols (So); letters and digits never are.
    return unicodedata.category(ch) == "So"


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    """A file the requester sent, already downloaded (and size-capped) by the adapter.

    Either its bytes (`data`), or `path`: a file the adapter streamed to disk (web uploads),
    so a large file is never held in memory; the adapter deletes it once the message is handled.
    """

    data: bytes = b""
    filename: str | None = None
    mime_hint: str | None = None
    path: Path | None = None

    @property
    def content(self) -> bytes | Path:
        """What the attachment store reads: the file on disk, or else the bytes."""
        return self.path if self.path is not None else self.data

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path is not None else len(self.data)


@dataclass(frozen=True, slots=True)
class Inbound:
    channel: str  # "telegram" | "whatsapp" | "web" | "terminal"
    chat_id: str  # where replies go
    user_id: str  # who is speaking (stable per channel)
    update_id: str | None = None  # unique per channel; None disables dedupe
    text: str | None = None
    choice: str | None = None  # data of a tapped choice, e.g. "svc:hosting"
    attachment: InboundAttachment | None = None
    display_name: str | None = None
    language_code: str | None = None
    received_at: datetime | None = None

    def __post_init__(self) -> None:
        # Every channel's input passes here, so none can store or echo what `clean_text` drops.
        if self.text is not None:
            object.__setattr__(self, "text", clean_text(self.text))
        if self.choice is not None:
            object.__setattr__(self, "choice", clean_text(self.choice, one_line=True))
        if self.display_name is not None:
            name = clean_text(self.display_name, one_line=True)
            object.__setattr__(self, "display_name", name or None)


@dataclass(frozen=True, slots=True)
class Choice:
    data: str  # short prefixed callback data, at most 64 bytes ("svc:hosting")
    label: str


@dataclass(frozen=True, slots=True)
class OutboundDocument:
    filename: str
    mime: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Outbound:
    text: str
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    document: OutboundDocument | None = None
    # The command menu this chat shows from now on ("officer" once a chat is an officer's);
    # channels with a command menu (Telegram) set it before sending the message.
    menu: str | None = None

    def to_payload(self) -> dict[str, Any]:
        """JSON-safe form, for the outbox."""
        payload: dict[str, Any] = {
            "text": self.text,
            "choices": [{"data": c.data, "label": c.label} for c in self.choices],
        }
        if self.document is not None:
            payload["document"] = {
                "filename": self.document.filename,
                "mime": self.document.mime,
                "data": base64.b64encode(self.document.data).decode("ascii"),
            }
        if self.menu is not None:
            payload["menu"] = self.menu
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Outbound:
        doc = payload.get("document")
        return cls(
            text=payload["text"],
            choices=tuple(Choice(c["data"], c["label"]) for c in payload.get("choices", [])),
            document=(
                OutboundDocument(doc["filename"], doc["mime"], base64.b64decode(doc["data"]))
                if doc
                else None
            ),
            menu=payload.get("menu"),
        )
