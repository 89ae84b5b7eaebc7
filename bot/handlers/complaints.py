"""Public complaints about the service (/pengaduan): filed, classified and routed to the
complaints officer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogs.intake import State

if TYPE_CHECKING:
    from bot.handlers.routing import Handler

COMMANDS: dict[str, Handler] = {}
CHOICES: dict[str, Handler] = {}
STATES: dict[State, Handler] = {}
