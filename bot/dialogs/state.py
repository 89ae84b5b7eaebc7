"""The dialog's shared types: where a conversation is (`State`, `Turn`), what the engine hands
in (`Context`, uploads, the matcher's answer) and what a dialog step or a handler hands back
(`Step`, with its `FileTicket` effect).

Kept apart from the intake dialog so that handlers and the engine can speak of conversations
without importing the dialog's logic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Protocol, TypedDict, cast

from bot.messages import Outbound
from core.catalog.schema import Catalog
from core.sla.calendar import SlaTimes, WorkingCalendar


class State(StrEnum):
    """Where the conversation is; stored in the database, so never rename the values."""

    IDLE = "idle"  # nothing in progress
    CONFIRM_SERVICE = "confirm_service"  # "Maksud Bapak/Ibu layanan X?"
    CHOOSE_SERVICE = "choose_service"  # the menu, or a few suggestions
    CHOOSE_PRODUCT = "choose_product"
    ASK_FIELD = "ask_field"  # data["field"] is being asked
    ASK_DOCUMENT = "ask_document"  # data["doc"] is being asked (upload)
    ASK_SRIKANDI = "ask_srikandi"  # data["doc"] as a SRIKANDI letter number
    CONFIRM = "confirm"  # the summary: Kirim / Ubah / Batal
    CHOOSE_EDIT = "choose_edit"  # which answer to change
    CONFIRM_PROFILE = "confirm_profile"  # "Pakai data sebelumnya?" (a returning requester)
    # Owned by bot.handlers (the engine routes them there, never to `step`):
    OFFICER_FORM = "officer_form"  # an officer answering a form (data["form"]), e.g. /selesai
    ANSWER_COMPLETION = "answer_completion"  # a requester answering /lengkapi (data["ref"])
    COMPLAINT = "complaint"  # a requester filing a complaint (/pengaduan)
    WALKIN = "walkin"  # an officer filing a walk-in requester's request (/datang)
    SURVEY = "survey"  # a requester answering the satisfaction survey (data["stage"])


# States whose messages a handler's form takes (bot.handlers.commands.route); the intake dialog
# never sees them.
HANDLER_STATES = frozenset(
    {State.OFFICER_FORM, State.ANSWER_COMPLETION, State.COMPLAINT, State.WALKIN, State.SURVEY}
)


# Fields that are the requester's own details, by code → the profile key they are kept under:
# a returning requester is offered them back instead of being asked again.
PROFILE_FIELDS: dict[str, str] = {
    "nama": "nama",
    "penanggung_jawab": "nama",
    "nip": "nip",
    "opd": "opd",
    "kontak": "kontak",
}

# In a ticket's fields: the requester filed an event that starts before the published due
# anyway, as urgent (officers see it flagged).
URGENT_FIELD = "mendesak"


class IntakeData(TypedDict, total=False):
    """The intake dialog's conversation data (`Turn.data` outside the handlers' forms)."""

    offer: dict[str, str | None]  # CONFIRM_SERVICE: the matcher's best {"service", "product"}
    suggest: list[str]  # CHOOSE_SERVICE: a few likely service codes
    service: str
    product: str | None
    answers: dict[str, Any]  # field code → the validated answer (None: skipped)
    docs: dict[str, Any]  # requirement code → {"kind": "file"|"srikandi", ...} or None
    field: str  # ASK_FIELD: the field being asked
    doc: str  # ASK_DOCUMENT / ASK_SRIKANDI: the requirement being asked
    editing: bool  # changing one answer from the summary
    event_pending: str  # an event time before the due, waiting for "later" or "urgent"
    urgent: bool  # the requester chose to file such an event as urgent
    said: str  # the first message, offered as the description instead of asking again
    profile_offer: dict[str, str]  # CONFIRM_PROFILE: field code → the remembered answer
    profile_seen: bool  # the remembered details were offered once in this request
    day_given: str  # a date-and-time question answered with the day only (ISO), time to come
    time_given: str  # ... or with the time only ("09:00"), day to come


def intake_data(data: Mapping[str, Any]) -> IntakeData:
    """The stored conversation data as the intake dialog's."""
    return cast(IntakeData, dict(data))


# --- what the engine hands in ---------------------------------------------------------------


class MatchLike(Protocol):
    """One candidate of core.catalog.matching (service and product codes)."""

    @property
    def service(self) -> str: ...
    @property
    def product(self) -> str | None: ...


class MatchResultLike(Protocol):
    """core.catalog.matching.MatchResult, as far as the dialog reads it."""

    @property
    def confident(self) -> bool: ...
    @property
    def matches(self) -> Sequence[MatchLike]: ...


@dataclass(frozen=True, slots=True)
class StoredUpload:
    """A file the engine already stored for the document being asked."""

    attachment_id: int
    filename: str
    size: int


@dataclass(frozen=True, slots=True)
class UploadProblem:
    """A file the engine refused to store."""

    # "quota": this chat has too many files on no ticket yet; "full": everybody together has,
    # or the disk is short of space (storage.repositories.upload_refusal).
    reason: Literal["too_large", "rejected", "quota", "full"]
    max_bytes: int | None = None


@dataclass(frozen=True)
class Context:
    catalog: Catalog
    calendar: WorkingCalendar
    now: datetime  # aware
    match: Callable[[str], MatchResultLike] | None = None
    upload: StoredUpload | UploadProblem | None = None
    first_contact: bool = False
    # Services whose daily capacity is reached: when their requests start instead of `now`.
    starts: Mapping[str, datetime] = field(default_factory=dict)
    # The requester's details from last time (PROFILE_FIELDS' keys), offered back in one step.
    profile: Mapping[str, str] = field(default_factory=dict)

    def start_for(self, service: str) -> datetime:
        """When a request for `service` made now starts counting (its day may be full)."""
        return self.starts.get(service, self.now)


@dataclass(frozen=True)
class Turn:
    """The conversation as loaded: state, JSON data and language."""

    state: State = State.IDLE
    data: dict[str, Any] = field(default_factory=dict)
    locale: str = "id"


@dataclass(frozen=True)
class FileTicket:
    """Effect: create the ticket (and link its attachments) in the engine's transaction."""

    service: str
    product: str | None
    fields: dict[str, Any]
    requirements: dict[str, Any]
    attachment_ids: list[int]
    submitted_at: datetime
    sla: SlaTimes
    step: str
    role: str
    step_due: datetime

    def stored_as(
        self,
        *,
        start: datetime,
        target: datetime | None,
        due: datetime,
        step: str | None,
        role: str | None,
        step_due: datetime | None,
    ) -> FileTicket:
        """This request with the times and step its stored ticket has (what the requester is
        told), so the confirmation never recomputes them."""
        return replace(
            self,
            sla=SlaTimes(start=start, target=target, due=due),
            step=step or self.step,
            role=role or self.role,
            step_due=step_due or self.step_due,
        )


@dataclass(frozen=True)
class Step:
    state: State
    data: dict[str, Any]
    locale: str
    replies: list[Outbound]
    effects: list[FileTicket] = field(default_factory=list)
