"""Coordinator commands: SLA reports (/laporan) and the outbox's failed deliveries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogs.intake import State

if TYPE_CHECKING:
    from bot.handlers.routing import Handler

COMMANDS: dict[str, Handler] = {}
CHOICES: dict[str, Handler] = {}
STATES: dict[State, Handler] = {}
