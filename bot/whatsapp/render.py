"""Turn an `Outbound` into WhatsApp Cloud API message objects (without `to`).

Choices: up to 3 → reply buttons; more → a list of at most 10 rows. A longer list shows its
first 9 choices and a "Lainnya…" row whose id, `wa:more:<fingerprint>`, the router answers
itself: it finds that list again in the outbox (by the fingerprint) and queues the remaining
choices as a new message, which pages on the same way. The outbox is the only page state,
and the dialog engine never sees these ids (it re-validates every real choice anyway).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.messages import Choice, Outbound, OutboundDocument
from bot.whatsapp import text as wtext
from locales import _

TEXT_LIMIT = 4096
BODY_LIMIT = 1024  # interactive body and media caption
BUTTON_TITLE = 20
BUTTON_ID = 256
MAX_BUTTONS = 3
ROW_TITLE = 24
ROW_DESCRIPTION = 72
ROW_ID = 200
SECTION_TITLE = 24
LIST_BUTTON = 20
MAX_ROWS = 10
PAGE_ROWS = MAX_ROWS - 1  # one row is left for "Lainnya…"
TEMPLATE_PARAM_LIMIT = 700  # the template's own words share Meta's 1024-character body limit

MORE_PREFIX = "wa:more:"


@dataclass(frozen=True, slots=True)
class Upload:
    """A document that must be uploaded to /media first, then sent by its id."""

    document: OutboundDocument
    caption: str | None = None


Part = dict[str, Any] | Upload


def render(message: Outbound) -> list[Part]:
    """Every message object needed to show `message`, in sending order."""
    choices = unique_choices(message.choices)
    text = message.text.strip()
    parts: list[Part] = []
    if message.document is not None:
        caption_fits = bool(text) and not choices and wtext.units(text) <= BODY_LIMIT
        if text and not choices and not caption_fits:
            parts.extend(text_parts(text))
        parts.append(Upload(message.document, text if caption_fits else None))
        if not choices:
            return parts
    if not choices:
        return text_parts(text)
    if wtext.units(text) > BODY_LIMIT:
        parts.extend(text_parts(text))
        text = ""
    parts.append(choice_part(text, choices))
    return parts


def text_parts(text: str) -> list[Part]:
    """Plain text messages, split at Meta's 4096-character limit."""
    return [
        {"type": "text", "text": {"body": piece, "preview_url": False}}
        for piece in wtext.split(text, TEXT_LIMIT)
    ]


def choice_part(body: str, choices: Sequence[Choice]) -> dict[str, Any]:
    """Reply buttons when they fit, else a list (the first page of it, when long)."""
    body = body or _("Silakan pilih:")
    if len(choices) <= MAX_BUTTONS and _buttons_fit(choices):
        return _buttons(body, choices)
    return _list(body, choices)


def first_page(choices: Sequence[Choice]) -> tuple[list[Choice], bool]:
    """The choices shown in one list message and whether a "Lainnya…" row follows them."""
    if len(choices) <= MAX_ROWS:
        return list(choices), False
    return list(choices[:PAGE_ROWS]), True


def rest_after_first_page(choices: Sequence[Choice]) -> list[Choice]:
    """The choices the "Lainnya…" row of `choices` leads to."""
    return list(choices[PAGE_ROWS:]) if len(choices) > MAX_ROWS else []


def fingerprint(choices: Sequence[Choice]) -> str:
    """A short digest naming one list of choices (to find it again in the outbox)."""
    joined = "\x1f".join(c.data for c in choices).encode("utf-8")
    return hashlib.sha256(joined).hexdigest()[:16]


def more_choice(choices: Sequence[Choice]) -> str:
    """The id of the "Lainnya…" row shown under the first page of `choices`."""
    return MORE_PREFIX + fingerprint(choices)


def parse_more_choice(data: str) -> str | None:
    """The fingerprint named by a "Lainnya…" row id, or None for any other choice."""
    if not data.startswith(MORE_PREFIX):
        return None
    digest = data[len(MORE_PREFIX) :]
    if len(digest) != 16 or not all(ch in "0123456789abcdef" for ch in digest):
        return None
    return digest


def unique_choices(choices: Sequence[Choice]) -> list[Choice]:
    """Choices with usable, distinct ids (Meta refuses duplicate or over-long ids)."""
    seen: set[str] = set()
    kept: list[Choice] = []
    for choice in choices:
        if not choice.data or len(choice.data) > ROW_ID or choice.data in seen:
            continue
        seen.add(choice.data)
        kept.append(choice)
    return kept


def template_message(name: str, language: str, text: str) -> dict[str, Any]:
    """The approved notification template, carrying `text` as its one body parameter."""
    # Template parameters may not hold newlines, tabs or runs of spaces: fit() flattens them.
    parameter = wtext.fit(text, TEMPLATE_PARAM_LIMIT) or "-"
    return {
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": parameter}]}],
        },
    }


def document_message(media_id: str, filename: str, caption: str | None) -> dict[str, Any]:
    """A document message referring to an uploaded media id."""
    document: dict[str, Any] = {"id": media_id, "filename": wtext.fit(filename, 240) or "file"}
    if caption:
        document["caption"] = caption
    return {"type": "document", "document": document}


def _buttons_fit(choices: Sequence[Choice]) -> bool:
    """Reply-button titles must be distinct after shortening; else a list shows them whole."""
    titles = [wtext.fit(c.label, BUTTON_TITLE) for c in choices]
    return all(titles) and len(set(titles)) == len(titles)


def _buttons(body: str, choices: Sequence[Choice]) -> dict[str, Any]:
    """An interactive message with up to three reply buttons."""
    buttons = [
        {"type": "reply", "reply": {"id": c.data, "title": wtext.fit(c.label, BUTTON_TITLE)}}
        for c in choices
    ]
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": wtext.fit_body(body, BODY_LIMIT)},
            "action": {"buttons": buttons},
        },
    }


def _list(body: str, choices: Sequence[Choice]) -> dict[str, Any]:
    """An interactive list of up to 10 rows; the 10th leads on when there are more."""
    shown, more = first_page(choices)
    rows = [_row(c) for c in shown]
    if more:
        rows.append(
            {
                "id": more_choice(choices),
                "title": wtext.fit(_("Lainnya…"), ROW_TITLE),
                "description": wtext.fit(
                    _("{count} pilihan berikutnya").format(count=len(choices) - len(shown)),
                    ROW_DESCRIPTION,
                ),
            }
        )
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": wtext.fit_body(body, BODY_LIMIT)},
            "action": {
                "button": wtext.fit(_("Lihat pilihan"), LIST_BUTTON),
                "sections": [{"title": wtext.fit(_("Pilihan"), SECTION_TITLE), "rows": rows}],
            },
        },
    }


def _row(choice: Choice) -> dict[str, Any]:
    """One list row; a label too long for the title is shown whole in the description."""
    row = {
        "id": choice.data,
        "title": wtext.fit(choice.label, ROW_TITLE) or choice.data[:ROW_TITLE],
    }
    if row["title"] != " ".join(choice.label.split()):
        row["description"] = wtext.fit(choice.label, ROW_DESCRIPTION)
    return row
