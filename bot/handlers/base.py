"""What every handler shares: the `Request` it answers, the `Handler` shape, and the replies
that keep or close the conversation.

A handler answers one message inside the engine's transaction and returns a `Step` (the
conversation's next state and the replies), or None to let the next part of the dispatch answer
(`bot.handlers.commands.route` holds the order).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dialogs import intake
from bot.dialogs.state import HANDLER_STATES, Context, State, Step, Turn
from bot.messages import Inbound, Outbound
from bot.office import Desk
from locales import Translator, translator
from storage import repositories as repo


@dataclass
class Request:
    """One message, with everything a handler may need to answer it in the engine's transaction."""

    conn: AsyncConnection
    desk: Desk
    ctx: Context  # the intake dialog's context (catalog, calendar, now, matcher)
    msg: Inbound
    turn: Turn
    requester_id: int
    command: str = ""  # "disposisi" for "/disposisi@Bot X", "" when not a command
    argument: str = ""  # the rest of the command's text, stripped
    _officer: repo.OfficerRecord | None = field(default=None, init=False, repr=False)
    _looked_up: bool = field(default=False, init=False, repr=False)

    @property
    def text(self) -> str:
        """The message's text, stripped ("" for taps and files)."""
        return (self.msg.text or "").strip()

    @property
    def t(self) -> Translator:
        """The conversation's language."""
        return translator(self.turn.locale)

    async def officer(self) -> repo.OfficerRecord | None:
        """The active officer of this desk's agency behind this chat, or None.

        The one check of "is this an officer here": a shared database may hold other agencies'
        officers, and they are nobody here. Looked up once, only when asked.
        """
        if not self._looked_up:
            found = await repo.officer_for_identity(
                self.conn, channel=self.msg.channel, external_id=self.msg.user_id
            )
            self._officer = (
                found if found is not None and found.agency == self.desk.agency else None
            )
            self._looked_up = True
        return self._officer


Handler = Callable[[Request], Awaitable[Step | None]]


def parse_command(text: str) -> tuple[str, str] | None:
    """ "/status@SomeBot ABC-1" → ("status", "ABC-1"); None when `text` is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, _, rest = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].casefold()
    return name, rest.strip()


def is_cancel(text: str) -> bool:
    """True for /batal or /cancel."""
    parsed = parse_command(text)
    return parsed is not None and parsed[0] in ("batal", "cancel")


def keep_turn(turn: Turn, ctx: Context, *replies: Outbound) -> Step:
    """Reply without touching the conversation; mid-request, ask its pending question again.

    A handler's own form (a complaint, a walk-in) is kept as it is: its next answer continues it.
    """
    out = list(replies)
    if turn.state is not State.IDLE and turn.state not in HANDLER_STATES:
        out.append(intake.question_for(turn, ctx))
    return Step(state=turn.state, data=turn.data, locale=turn.locale, replies=out)


def keep(req: Request, *replies: Outbound | str) -> Step:
    """`keep_turn` for this request; plain strings are text replies."""
    return keep_turn(req.turn, req.ctx, *_outbound(replies))


def idle(req: Request, *replies: Outbound | str) -> Step:
    """Reply and leave the conversation with nothing in progress."""
    return Step(state=State.IDLE, data={}, locale=req.turn.locale, replies=_outbound(replies))


def _outbound(replies: tuple[Outbound | str, ...]) -> list[Outbound]:
    return [Outbound(text=r) if isinstance(r, str) else r for r in replies]
