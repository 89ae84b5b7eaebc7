"""The ticket list's cursor: opaque to clients, the last row's (updated_at, id) inside.

It is 12 bytes, base64url without padding (16 characters): updated_at as microseconds since
the Unix epoch (signed 64-bit) and the ticket id (signed 32-bit). Every 16-character base64url
string decodes to some position (times outside what a datetime holds are clamped to its
range), so the OpenAPI pattern describes exactly the cursors the API accepts: a cursor that
matches it gives a page (perhaps an empty one), never an error.
"""

from __future__ import annotations

import base64
import struct
from datetime import UTC, datetime, timedelta

CURSOR_PATTERN = r"^[A-Za-z0-9_-]{16}$"
_LAYOUT = struct.Struct(">qi")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# A day inside datetime's range at each end, so no time zone shift can overflow it.
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)
_INT32 = (-(2**31), 2**31 - 1)


def encode_cursor(updated_at: datetime, ticket_id: int) -> str:
    micros = (updated_at - _EPOCH) // _MICROSECOND
    return base64.urlsafe_b64encode(_LAYOUT.pack(micros, ticket_id)).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The position a cursor names; ValueError when it does not match `CURSOR_PATTERN`."""
    if len(cursor) != 16:
        raise ValueError("a cursor has 16 characters")
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    micros, ticket_id = _LAYOUT.unpack(raw)
    lowest = (_EARLIEST - _EPOCH) // _MICROSECOND
    highest = (_LATEST - _EPOCH) // _MICROSECOND
    micros = min(max(micros, lowest), highest)
    return _EPOCH + micros * _MICROSECOND, ticket_id


def clamp_id(value: int) -> int:
    """An id within the column's range (PostgreSQL's INTEGER), so a comparison never fails."""
    return min(max(value, _INT32[0]), _INT32[1])


def utc_or_clamped(moment: datetime) -> datetime:
    """`moment` in UTC; one beyond datetime's range in UTC is clamped to the range's end."""
    try:
        return min(max(moment.astimezone(UTC), _EARLIEST), _LATEST)
    except OverflowError:
        return _EARLIEST if moment.year < 5000 else _LATEST
