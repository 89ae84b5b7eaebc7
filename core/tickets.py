"""Ticket references and statuses (pure domain: no framework imports)."""

from __future__ import annotations

import re
from enum import StrEnum


class TicketStatus(StrEnum):
    """Life cycle of a ticket; values are stored in the database, so never rename them."""

    BARU = "baru"
    DIPROSES = "diproses"
    MENUNGGU_PEMOHON = "menunggu_pemohon"
    SELESAI = "selesai"
    DITOLAK = "ditolak"
    DIBATALKAN = "dibatalkan"

    @property
    def is_closed(self) -> bool:
        """True for the terminal statuses (no further SLA clock)."""
        return self in CLOSED_STATUSES


CLOSED_STATUSES = frozenset({TicketStatus.SELESAI, TicketStatus.DITOLAK, TicketStatus.DIBATALKAN})

SEQ_WIDTH = 5

# Requesters retype refs from screenshots and SMS: any case, spaces, slashes, dots or no
# separator at all, a leading '#', and the sequence without its zero padding.
_REF_RE = re.compile(
    r"^#?\s*(?P<prefix>[A-Z0-9]{2,12}?)[\s\-/_.]*(?P<year>\d{4})[\s\-/_.]*(?P<seq>\d{1,9})$"
)


def format_ref(prefix: str, year: int, seq: int) -> str:
    """The canonical reference, e.g. ``BABEL-2026-00042``."""
    if seq < 1:
        raise ValueError("seq starts at 1")
    return f"{prefix.upper()}-{year:04d}-{seq:0{SEQ_WIDTH}d}"


def normalize_ref(text: str) -> str | None:
    """Canonical form of something a requester typed, or None when it cannot be a ticket ref."""
    match = _REF_RE.match(text.strip().upper())
    if match is None:
        return None
    seq = int(match["seq"])
    if seq < 1:
        return None
    return format_ref(match["prefix"], int(match["year"]), seq)
