"""What the handlers' own forms (a complaint, a walk-in request) share: a button must be one
the current question offers, and a command or a file interrupts a typed answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from bot.dialogs.intake import State, Step
from bot.dialogs.messages import Outbound
from bot.handlers.requester import parse_command
from locales import translator

if TYPE_CHECKING:
    from bot.handlers.routing import Request

Ask = Callable[["Request", dict[str, Any], str | None], Step]
Question = Callable[["Request", Any], Outbound]

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
        return ask(req, req.turn.data, translator(req.turn.locale)(STALE))
    return await apply(req, data)


def interruption(
    req: Request, data: Mapping[str, Any], *, ask: Ask, cancel: Callable[[Request], Step]
) -> tuple[bool, Step | None]:
    """(True, answer) when the message is not a typed answer to the form's question.

    A stale button or a file gets the question again, /batal leaves the form, and any other
    command leaves it to the requester side (None).
    """
    t = translator(req.turn.locale)
    if req.msg.choice is not None:
        return True, ask(req, dict(data), t(STALE))
    if req.msg.attachment is not None:
        return True, ask(req, dict(data), t("Saat ini kami belum memerlukan berkas."))
    parsed = parse_command(req.text)
    if parsed is not None:
        return True, cancel(req) if parsed[0] in ("batal", "cancel") else None
    return False, None
