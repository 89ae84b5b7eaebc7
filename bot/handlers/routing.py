"""Which handler answers a message that is not the requester's intake dialog.

The engine asks `route` first. A message goes, in this order, to:
1. the handler of its button's prefix (`of:ambil:BABEL-2026-00001` → officer actions),
2. the handler of its command (`/disposisi ...`), for the commands listed here,
3. the handler of the conversation's state (an officer's /selesai form, a requester answering
   /lengkapi, a complaint being filed).
A handler returns a `Step`, or None to let the requester side (intake and its commands) answer,
starting from a clean conversation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.desk import Desk
from bot.dialogs.intake import Context, State, Step, Turn
from bot.dialogs.messages import Inbound
from bot.handlers import complaints, completion, coordinator, officer, walkin
from bot.handlers.requester import parse_command
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

    async def officer(self) -> repo.OfficerRecord | None:
        """The active officer behind this chat, or None (looked up once, only when asked)."""
        if not self._looked_up:
            self._officer = await repo.officer_for_identity(
                self.conn, channel=self.msg.channel, external_id=self.msg.user_id
            )
            self._looked_up = True
        return self._officer


Handler = Callable[[Request], Awaitable[Step | None]]

# Each handler module lists what it answers; names are lower-case command names.
_MODULES = (officer, coordinator, walkin, complaints, completion)
COMMANDS: dict[str, Handler] = {k: v for m in _MODULES for k, v in m.COMMANDS.items()}
CHOICES: dict[str, Handler] = {k: v for m in _MODULES for k, v in m.CHOICES.items()}
STATES: dict[State, Handler] = {k: v for m in _MODULES for k, v in m.STATES.items()}


async def route(req: Request) -> Step | None:
    """The handler's answer, or None when the requester side should answer."""
    msg = req.msg
    if msg.choice is not None:
        handler = CHOICES.get(msg.choice.split(":", 1)[0])
        if handler is not None:
            return await handler(req)
    elif msg.attachment is None:
        parsed = parse_command(req.text)
        if parsed is not None:
            req.command, req.argument = parsed
            handler = COMMANDS.get(req.command)
            if handler is not None:
                found = await handler(req)
                if found is not None:
                    return found
    state_handler = STATES.get(req.turn.state)
    if state_handler is not None:
        return await state_handler(req)
    return None
