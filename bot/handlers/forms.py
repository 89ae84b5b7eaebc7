"""The handlers' own forms: the shape of each one's conversation data (a `TypedDict` each, so a
key lives in one place), and what they share: a button must be one the current question offers,
and a command or a file interrupts a typed answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, TypedDict, cast

from bot.callbacks import FormTap
from bot.dialogs.state import State, Step
from bot.dialogs.typed import Words
from bot.handlers.base import Request, is_cancel, parse_command
from bot.messages import Outbound


class ComplaintForm(TypedDict, total=False):
    """State.COMPLAINT: a requester filing a complaint (/pengaduan)."""

    stage: Literal["about", "text", "contact", "confirm"]
    about: str | None  # the service it is about; None: the agency in general
    text: str
    contact: str | None


class WalkinForm(TypedDict, total=False):
    """State.WALKIN: an officer filing a walk-in requester's request (/datang)."""

    form: Literal["walkin"]
    key: str  # names this visit's requester when no phone is given
    stage: Literal["service", "product", "name", "phone", "field", "doc", "confirm"]
    service: str
    product: str | None
    name: str
    phone: str | None
    answers: dict[str, Any]
    docs: dict[str, Any]
    field: str  # the field being asked (stage "field")
    doc: str  # the requirement being asked (stage "doc")


class CompletionForm(TypedDict):
    """State.ANSWER_COMPLETION: a requester answering an officer's /lengkapi."""

    ref: str


class PendingDisposition(TypedDict):
    """A /disposisi waiting for its recipient to be chosen."""

    ref: str
    instruction: str


class DispositionForm(PendingDisposition, total=False):
    """State.OFFICER_FORM with form "disposisi": which officer gets the ticket."""

    form: Literal["disposisi"]
    options: list[list[Any]]  # [[officer id, name], ...] in the buttons' order


class BeritaAcaraForm(TypedDict, total=False):
    """State.OFFICER_FORM with form "selesai": the Berita Acara's fields, one at a time."""

    form: Literal["selesai"]
    ref: str
    field: str  # a BERITA_ACARA_FIELDS code, "summary" or "edit"
    answers: dict[str, str]
    lokasi_saran: str | None  # the requester's own location, offered as a button
    editing: bool
    petugas: list[list[Any]]  # [[name, NIP or None], ...]
    dsp: PendingDisposition  # a /disposisi asked while the form is open


def complaint_form(data: Mapping[str, Any]) -> ComplaintForm:
    """The stored conversation data as the complaint form."""
    return cast(ComplaintForm, dict(data))


def walkin_form(data: Mapping[str, Any]) -> WalkinForm:
    """The stored conversation data as the walk-in form."""
    return cast(WalkinForm, dict(data))


def berita_acara_form(data: Mapping[str, Any]) -> BeritaAcaraForm:
    """The stored conversation data as the Berita Acara form."""
    return cast(BeritaAcaraForm, dict(data))


def disposition_form(data: Mapping[str, Any]) -> DispositionForm:
    """The stored conversation data as a pending disposition."""
    return cast(DispositionForm, dict(data))


# Words for the forms' own buttons, keyed by the button's action ("send" for "pg:send").
WORDS: dict[str, set[str]] = {
    "send": {"kirim", "ya", "iya", "ok", "oke", "yes", "send", "setuju", "lanjut"},
    "cancel": {"batal", "batalkan", "cancel"},
    "skip": {"lewati", "lewat", "skip", "tidak ada", "tidak", "-"},
}


def form_words(words: Mapping[str, set[str]]) -> Words:
    """`read_choice`'s words for a form's buttons, looked up by each button's action."""
    return lambda data: words.get(FormTap.read(data).action, set())


Ask = Callable[[Request, Any, str | None], Step]
Question = Callable[[Request, Any], Outbound]

STALE = "Maaf, pilihan ini sudah tidak berlaku."


async def form_tap(
    req: Request,
    *,
    state: State,
    question: Question,
    ask: Ask,
    apply: Callable[[Request, str], Awaitable[Step]],
) -> Step | None:
    """A button of the form in `state`: applied if the question offers it, else asked again."""
    if req.turn.state is not state:
        return None  # an old message's button: intake answers it as expired
    data = req.msg.choice or ""
    if data not in {c.data for c in question(req, req.turn.data).choices}:
        return ask(req, req.turn.data, req.t(STALE))
    return await apply(req, data)


def interruption(
    req: Request, data: Mapping[str, Any], *, ask: Ask, cancel: Callable[[Request], Step]
) -> tuple[bool, Step | None]:
    """(True, answer) when the message is not a typed answer to the form's question.

    A stale button or a file gets the question again, /batal leaves the form, and any other
    command leaves it to the requester side (None).
    """
    t = req.t
    if req.msg.choice is not None:
        return True, ask(req, dict(data), t(STALE))
    if req.msg.attachment is not None:
        return True, ask(req, dict(data), t("Saat ini kami belum memerlukan berkas."))
    if parse_command(req.text) is not None:
        return True, cancel(req) if is_cancel(req.text) else None
    return False, None
