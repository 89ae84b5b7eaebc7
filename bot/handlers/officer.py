"""Officer commands: /daftar, /antrian, /tiket, /disposisi, /tugaskan, /lengkapi, /tolak,
/catatan, /selesai (with the Berita Acara form), /ambil, and walk-in tickets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogs.intake import State

if TYPE_CHECKING:
    from bot.handlers.routing import Handler

COMMANDS: dict[str, Handler] = {}
CHOICES: dict[str, Handler] = {}
STATES: dict[State, Handler] = {}
