"""Officer commands, one module per family (the command table is bot.handlers.commands):

- registration: /daftar; queue: /antrian; ticket_view: /tiket;
- take_assign: /ambil, /tugaskan; dispose: /disposisi; remarks: /lengkapi, /tolak, /catatan;
- berita_acara: /selesai and its form (ba_form words the form's questions);
- taps: the officers' buttons and open forms; permissions: who may do what;
- common: refusals, finding tickets, running transitions, replies; usage: /bantuan's lines.

Every command here but /daftar is for active officers of this agency only (`for_officers`).
"""

from __future__ import annotations

from bot.handlers.officer.berita_acara import finish_command
from bot.handlers.officer.common import for_officers, role_names, say, with_ref
from bot.handlers.officer.dispose import dispose_command
from bot.handlers.officer.queue import show_queue as _show_queue
from bot.handlers.officer.registration import register
from bot.handlers.officer.remarks import note_command, reject_command, request_completion_command
from bot.handlers.officer.search import search_command
from bot.handlers.officer.take_assign import assign_command
from bot.handlers.officer.take_assign import take_ticket as _take_ticket
from bot.handlers.officer.taps import on_form
from bot.handlers.officer.taps import on_tap as _on_tap
from bot.handlers.officer.ticket_view import show_ticket as _show_ticket
from bot.handlers.officer.usage import usage

show_queue = for_officers(_show_queue)
show_ticket = for_officers(with_ref(_show_ticket))
search_tickets = for_officers(search_command)
take_ticket = for_officers(with_ref(_take_ticket))
dispose_ticket = for_officers(dispose_command)
assign_ticket = for_officers(assign_command)
request_completion = for_officers(request_completion_command)
reject_ticket = for_officers(reject_command)
note_ticket = for_officers(note_command)
finish_ticket = for_officers(with_ref(finish_command))
on_tap = for_officers(_on_tap)

__all__ = [
    "assign_ticket",
    "dispose_ticket",
    "finish_ticket",
    "note_ticket",
    "on_form",
    "on_tap",
    "register",
    "reject_ticket",
    "request_completion",
    "role_names",
    "say",
    "search_tickets",
    "show_queue",
    "show_ticket",
    "take_ticket",
    "usage",
]
