"""Tokens of the read-only REST API (`/api/v1`): their form, scopes and lifetimes.

A token is `sd_` followed by 32 URL-safe random characters (24 bytes from `secrets`). Only its
sha256 (hex) is stored, so a leaked database holds no usable token; the token itself is shown
once, when it is made (`servicedesk tokens create`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

TOKEN_PREFIX = "sd_"
_RANDOM_BYTES = 24  # base64 of 24 bytes is exactly 32 characters, without padding
TOKEN_PATTERN = re.compile(r"sd_[A-Za-z0-9_-]{32}")

TICKETS_READ = "tickets:read"
REPORTS_READ = "reports:read"
CATALOG_READ = "catalog:read"
SCOPES: tuple[str, ...] = (TICKETS_READ, REPORTS_READ, CATALOG_READ)

_LIFETIME = re.compile(r"([1-9][0-9]{0,4})\s*([dhw])")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "w": timedelta(weeks=1)}


class TokenInputError(ValueError):
    """Scopes or a lifetime the operator must write differently (the message says how)."""


def new_token() -> str:
    """A fresh random token, e.g. 'sd_3q2-…' (35 characters)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def is_well_formed(token: str) -> bool:
    """Whether `token` has the form every token has (checked before any database lookup)."""
    return TOKEN_PATTERN.fullmatch(token) is not None


def hash_token(token: str) -> str:
    """The sha256 (hex) stored for a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_scopes(text: str | Iterable[str]) -> tuple[str, ...]:
    """Known scopes from a comma list (or several), in `SCOPES` order without repeats."""
    parts = [text] if isinstance(text, str) else list(text)
    given = {p.strip().lower() for part in parts for p in part.split(",") if p.strip()}
    unknown = sorted(given - set(SCOPES))
    if unknown:
        raise TokenInputError(
            f"unknown scope {', '.join(unknown)}; choose from {', '.join(SCOPES)}"
        )
    if not given:
        raise TokenInputError(f"give at least one scope: {', '.join(SCOPES)}")
    return tuple(scope for scope in SCOPES if scope in given)


def parse_lifetime(text: str) -> timedelta:
    """'90d', '12h' or '2w' as a duration."""
    match = _LIFETIME.fullmatch(text.strip().lower())
    if match is None:
        raise TokenInputError(f"{text!r} is not a lifetime; write it like 90d, 12h or 2w")
    return int(match[1]) * _UNITS[match[2]]
