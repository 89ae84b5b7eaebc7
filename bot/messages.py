"""The one pipeline's message types: every channel turns its input into an `Inbound`,
the dialog engine answers with `Outbound` messages, and each adapter renders those."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    """A file the requester sent, already downloaded (and size-capped) by the adapter."""

    data: bytes
    filename: str | None = None
    mime_hint: str | None = None


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
