"""Turning an `Outbound` into what the Bot API accepts: text chunks within Telegram's limit and
an inline keyboard for the choices."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import Choice

log = logging.getLogger(__name__)

# Telegram counts a message's length in UTF-16 code units.
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_BUTTON_LABEL = 64
# Two buttons share a row only when every label is this short (e.g. "Ya" / "Tidak").
_SHORT_LABEL = 14


def tg_len(text: str) -> int:
    """Length of `text` as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split `text` into chunks of at most `limit`, breaking between lines where possible."""
    if tg_len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if tg_len(current) + tg_len(line) <= limit:
            current += line
            continue
        if current:
            chunks.append(current)
            current = ""
        if tg_len(line) <= limit:
            current = line
        else:
            pieces = _split_long_line(line, limit)
            chunks.extend(pieces[:-1])
            current = pieces[-1]
    if current:
        chunks.append(current)
    # Telegram refuses blank messages, so blank stretches between chunks are dropped.
    return [c.rstrip("\n") for c in chunks if c.strip()]


def _split_long_line(line: str, limit: int) -> list[str]:
    """Split one line longer than `limit`, preferring to break after a space."""
    pieces: list[str] = []
    rest = line
    while tg_len(rest) > limit:
        cut = _prefix_length(rest, limit)
        space = rest.rfind(" ", 0, cut)
        if space > cut // 2:
            cut = space + 1
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


def _prefix_length(text: str, limit: int) -> int:
    """The number of characters of `text` that fit in `limit` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    """An inline keyboard with one button per usable choice, or None when there are none."""
    buttons = [_button(c) for c in _usable(choices)]
    if not buttons:
        return None
    width = 2 if all(len(b.text) <= _SHORT_LABEL for b in buttons) else 1
    rows = [buttons[i : i + width] for i in range(0, len(buttons), width)]
    return InlineKeyboardMarkup(rows)


def _usable(choices: Iterable[Choice]) -> Iterable[Choice]:
    """The choices Telegram can carry; longer callback data would make it reject the message."""
    for choice in choices:
        if 0 < len(choice.data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            yield choice
        else:
            log.error("dropped a choice whose callback data is not 1-64 bytes")


def _button(choice: Choice) -> InlineKeyboardButton:
    """One inline button; over-long labels are shortened with an ellipsis."""
    label = choice.label.strip() or choice.data
    if len(label) > MAX_BUTTON_LABEL:
        label = label[: MAX_BUTTON_LABEL - 1].rstrip() + "…"
    return InlineKeyboardButton(text=label, callback_data=choice.data)
