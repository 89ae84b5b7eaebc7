"""Button data as typed records, packed to and read from the exact strings buttons carry.

Buttons in messages already sent keep working, so every string shape here is frozen:
`of:ACTION:REF[:TARGET]` (officer actions), `of:ba:ACTION[:FIELD]` (the Berita Acara form),
`lk:REF` / `lk:batal` (answering /lengkapi), `kl:REF:CLASS` (classifying a complaint) and
`PREFIX:ACTION` for a form's own buttons (`pg:send`, `wi:svc:hosting`, the survey's
`skm:go:REF`, `skm:a:u3:4`). Packing checks
Telegram's 64-byte limit on callback data, so an over-long button fails where it is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.messages import Choice

MAX_BYTES = 64
OFFICER = "of"
COMPLETION = "lk"
CLASSIFY = "kl"
SURVEY = "skm"
_BERITA_ACARA = "ba"
_LEAVE = "batal"


def checked(data: str) -> str:
    """`data` if it fits a Telegram callback (64 bytes), else ValueError."""
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"choice data over {MAX_BYTES} bytes: {data[:20]}...")
    return data


def choice(data: str, label: str) -> Choice:
    """A button whose data must fit Telegram's 64-byte callback limit."""
    return Choice(checked(data), label)


def prefix_of(data: str) -> str:
    """The part before the first colon: which handler a button belongs to."""
    return data.split(":", 1)[0]


class OfficerAction(StrEnum):
    """What an officer's ticket button does."""

    VIEW = "tiket"
    TAKE = "ambil"
    DISPOSE = "dsp"
    ASSIGN = "tgs"
    FINISH = "sls"
    FILE = "lmp"  # send one of the ticket's attachments (TARGET: its id)


ALL_OFFICERS = "all"  # an OfficerTap target: everyone holding the next step's role


@dataclass(frozen=True, slots=True)
class OfficerTap:
    """`of:ACTION:REF[:TARGET]`; TARGET is an officer id or `ALL_OFFICERS` (dispose, assign)."""

    action: OfficerAction
    ref: str
    target: str = ""

    def pack(self) -> str:
        """The button's data."""
        parts = [OFFICER, self.action.value, self.ref]
        if self.target:
            parts.append(self.target)
        return checked(":".join(parts))


class FormAction(StrEnum):
    """A button of the Berita Acara form."""

    ME = "me"  # "Saya sendiri" as the petugas
    NONE = "none"  # "Tidak ada" alternative solution
    LOCATION = "loc"  # the requester's own location
    SEND = "send"
    EDIT = "edit"  # which part to change (with FIELD: change that part)
    BACK = "back"
    KEEP = "keep"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class BeritaAcaraTap:
    """`of:ba:ACTION[:FIELD]`."""

    action: FormAction
    field: str = ""

    def pack(self) -> str:
        """The button's data."""
        parts = [OFFICER, _BERITA_ACARA, self.action.value]
        if self.field:
            parts.append(self.field)
        return checked(":".join(parts))


def read_officer_tap(data: str) -> OfficerTap | BeritaAcaraTap | None:
    """An `of:` button's record; None for one no version of the bot made (or an old action)."""
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != OFFICER:
        return None
    if parts[1] == _BERITA_ACARA:
        action = parts[2] if len(parts) > 2 else ""
        if action not in FormAction._value2member_map_:
            return None
        return BeritaAcaraTap(FormAction(action), parts[3] if len(parts) > 3 else "")
    if parts[1] not in OfficerAction._value2member_map_:
        return None
    return OfficerTap(
        OfficerAction(parts[1]),
        parts[2] if len(parts) > 2 else "",
        parts[3] if len(parts) > 3 else "",
    )


@dataclass(frozen=True, slots=True)
class CompletionTap:
    """`lk:REF`: answer that ticket's request for completion; `lk:batal`: stop answering."""

    ref: str = ""
    leave: bool = False  # the question's own "Batal" button (never a ticket reference)

    def pack(self) -> str:
        """The button's data."""
        return checked(f"{COMPLETION}:{_LEAVE if self.leave else self.ref}")

    @classmethod
    def read(cls, data: str) -> CompletionTap:
        """The record of an `lk:` button."""
        if data == f"{COMPLETION}:{_LEAVE}":
            return cls(leave=True)
        return cls(data.split(":", 1)[1] if ":" in data else "")


@dataclass(frozen=True, slots=True)
class ClassTap:
    """`kl:REF:CLASS`: classify a complaint."""

    ref: str
    class_code: str

    def pack(self) -> str:
        """The button's data."""
        return checked(f"{CLASSIFY}:{self.ref}:{self.class_code}")

    @classmethod
    def read(cls, data: str) -> ClassTap | None:
        """The record of a `kl:` button, or None when it is not one."""
        parts = data.split(":")
        if len(parts) != 3 or parts[0] != CLASSIFY:
            return None
        return cls(parts[1], parts[2])


@dataclass(frozen=True, slots=True)
class FormTap:
    """`PREFIX:ACTION`: a button of a handler's own form (`pg:send`, `wi:svc:hosting`)."""

    prefix: str
    action: str

    def pack(self) -> str:
        """The button's data."""
        return checked(f"{self.prefix}:{self.action}")

    @classmethod
    def read(cls, data: str) -> FormTap:
        """The record of a form button ("" action when there is none)."""
        prefix, _, action = data.partition(":")
        return cls(prefix, action)


def survey_tap(action: str) -> str:
    """A satisfaction-survey button's data (`skm:ACTION`)."""
    return FormTap(SURVEY, action).pack()
