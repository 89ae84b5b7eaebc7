"""Fit text into Meta's limits without breaking characters.

Meta counts limits in characters; to be safe we count UTF-16 code units (an emoji counts
twice), which is never less than the code-point count, and we never end a piece between a
character and its combining marks, variation selectors or zero-width joiners.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}


def units(text: str) -> int:
    """Length in UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def fit(text: str, limit: int) -> str:
    """`text` on one line, cut with an ellipsis when longer than `limit`."""
    flat = " ".join(text.split())
    if units(flat) <= limit:
        return flat
    head = _safe_prefix(flat, limit - units(ELLIPSIS)).rstrip()
    return head + ELLIPSIS


def split(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` units, preferring line then word breaks."""
    pieces: list[str] = []
    rest = text
    while units(rest) > limit:
        head = _safe_prefix(rest, limit)
        cut = max(_natural_break(head), 1)
        piece, rest = rest[:cut], rest[cut:]
        if piece.strip():
            pieces.append(piece.rstrip())
        rest = rest.lstrip("\n ")
    if rest.strip():
        pieces.append(rest)
    return pieces


def _natural_break(head: str) -> int:
    """Where to end a piece that must start with `head`: a newline or space past half."""
    for separator in ("\n\n", "\n", " "):
        index = head.rfind(separator)
        if index > len(head) // 2:
            return index + len(separator)
    return len(head)


def _safe_prefix(text: str, limit: int) -> str:
    """The longest prefix within `limit` units that does not split a character cluster."""
    total = 0
    end = 0
    for index, ch in enumerate(text):
        total += 2 if ord(ch) > 0xFFFF else 1
        if total > limit:
            break
        end = index + 1
    hard = end
    while 0 < end < len(text) and _clings(text[end - 1], text[end]):
        end -= 1
    # A run of marks longer than the limit has no safe place: cut it hard rather than loop.
    return text[: end or hard]


def _clings(before: str, after: str) -> bool:
    """True when `after` belongs to the same visible character as `before`."""
    return (
        after in _JOINERS
        or before == "\u200d"
        or unicodedata.combining(after) != 0
        or 0x1F3FB <= ord(after) <= 0x1F3FF  # skin-tone modifiers
    )


def fit_body(text: str, limit: int) -> str:
    """`text` cut to `limit` units, keeping its line breaks (for message bodies)."""
    if units(text) <= limit:
        return text
    return _safe_prefix(text, limit - units(ELLIPSIS)).rstrip() + ELLIPSIS
