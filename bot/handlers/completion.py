"""A requester answering an officer's /lengkapi request: the answer joins the ticket and its
SLA clock runs again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogs.intake import State

if TYPE_CHECKING:
    from bot.handlers.routing import Handler

COMMANDS: dict[str, Handler] = {}
CHOICES: dict[str, Handler] = {}
STATES: dict[State, Handler] = {}
