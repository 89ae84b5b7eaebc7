"""Officers as pure values: their roles, one-time invite codes and chat identities.

An invite code is typed by a person on a phone (`/daftar K7QF-M2PX`), so it uses 8 characters
from an alphabet without look-alikes (no 0/O, 1/I/L) and is accepted in any case, with or
without spaces and dashes. Only its sha256 is stored. 31^8 codes (about 40 bits) with a
72-hour lifetime and single use leave nothing to guess in practice.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable

from core.catalog.schema import Catalog

COORDINATOR = "coordinator"

INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
INVITE_LENGTH = 8
_GROUP = 4

# Indonesia's country code; local numbers are written with a leading 0 (0812-...).
_COUNTRY_CODE = "62"


class UnknownRole(ValueError):
    """A role the agency's catalog does not define; `valid` lists those it does."""

    def __init__(self, unknown: list[str], valid: list[str]) -> None:
        self.unknown = unknown
        self.valid = valid
        names = ", ".join(unknown) if unknown else "(none given)"
        super().__init__(f"unknown role(s): {names}; valid roles: {', '.join(valid)}")


def role_codes(catalog: Catalog) -> list[str]:
    """The roles an officer of this agency may hold: the catalog's, plus the coordinator."""
    codes = [role.code for role in catalog.agency.roles]
    if COORDINATOR not in codes:
        codes.append(COORDINATOR)
    return codes


def validate_roles(catalog: Catalog, roles: Iterable[str]) -> list[str]:
    """The given roles, normalised and de-duplicated in order; UnknownRole if any is unknown."""
    valid = role_codes(catalog)
    wanted: list[str] = []
    for role in roles:
        code = role.strip().lower()
        if code and code not in wanted:
            wanted.append(code)
    unknown = [code for code in wanted if code not in valid]
    if unknown or not wanted:
        raise UnknownRole(unknown, valid)
    return wanted


def new_invite_code() -> str:
    """A fresh random code, grouped for reading aloud, e.g. 'K7QF-M2PX'."""
    raw = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
    return f"{raw[:_GROUP]}-{raw[_GROUP:]}"


def normalize_invite_code(text: str) -> str | None:
    """The code as stored ('K7QFM2PX') from what a person typed, or None if it cannot be one."""
    code = re.sub(r"[\s\-_.]", "", text).upper()
    if len(code) != INVITE_LENGTH or any(c not in INVITE_ALPHABET for c in code):
        return None
    return code


def hash_invite_code(code: str) -> str:
    """The sha256 (hex) stored for a code; the same for every way of typing it."""
    normalized = normalize_invite_code(code)
    # A malformed code still gets a hash (matching nothing), so callers need no special case.
    canonical = normalized if normalized is not None else code.strip().upper()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def normalize_telegram_id(text: str) -> str | None:
    """A Telegram user id as the bot sees it ('123456789'), or None if it is not one."""
    value = text.strip()
    return value if re.fullmatch(r"[1-9][0-9]{0,19}", value) else None


def normalize_whatsapp(phone: str) -> str | None:
    """A phone number as WhatsApp ids are written (digits with country code, '6281234567890').

    Accepts '0812-3456-7890', '+62 812 3456 7890', '62812...' and '812...'; None if the
    result cannot be a phone number.
    """
    digits = re.sub(r"[\s\-().]", "", phone.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]  # international prefix
    elif digits.startswith("0"):
        digits = _COUNTRY_CODE + digits[1:]
    elif digits.startswith("8"):
        digits = _COUNTRY_CODE + digits  # the local number without its leading 0
    if digits.startswith(_COUNTRY_CODE + "0"):
        digits = _COUNTRY_CODE + digits[3:]  # '+62 0812...': the trunk 0 written after the code
    if not re.fullmatch(r"[1-9][0-9]{7,14}", digits):  # E.164: at most 15 digits
        return None
    return digits
