"""The officers' buttons (`of:...`) and their open forms, each to the command it belongs to."""

from __future__ import annotations

from typing import assert_never

from bot.callbacks import BeritaAcaraTap, OfficerAction, read_officer_tap
from bot.dialogs.state import Step
from bot.handlers.base import Request
from bot.handlers.officer.berita_acara import berita_acara_tap, berita_acara_text, finish_command
from bot.handlers.officer.common import guarded, say
from bot.handlers.officer.dispose import dispose_tap, pending_dispose_text
from bot.handlers.officer.take_assign import assign_tap, take_ticket
from bot.handlers.officer.ticket_view import send_attachment, show_ticket
from storage import repositories as repo


async def on_tap(req: Request, officer: repo.OfficerRecord) -> Step:
    """Officer buttons: "of:ACTION:REF[:TARGET]" and the Berita Acara form's "of:ba:..."."""
    tap = read_officer_tap(req.msg.choice or "")
    if tap is None:
        t = req.t
        return say(req, t("Tombol ini sudah tidak berlaku. Ketik /antrian untuk melanjutkan."))
    if isinstance(tap, BeritaAcaraTap):
        return await berita_acara_tap(req, officer, tap)
    match tap.action:
        case OfficerAction.VIEW:
            return await show_ticket(req, officer, tap.ref)
        case OfficerAction.TAKE:
            return await take_ticket(req, officer, tap.ref)
        case OfficerAction.DISPOSE:
            return await dispose_tap(req, officer, tap.ref, tap.target)
        case OfficerAction.ASSIGN:
            return await assign_tap(req, officer, tap.ref, tap.target)
        case OfficerAction.FINISH:
            return await finish_command(req, officer, tap.ref)
        case OfficerAction.FILE:
            return await send_attachment(req, officer, tap.ref, tap.target)
        case _:
            assert_never(tap.action)


async def on_form(req: Request) -> Step | None:
    """Messages while an officer form is open; None lets go of a form that no longer applies."""
    officer = await req.officer()
    form = req.turn.data.get("form")
    if officer is None:
        return None
    if form == "selesai":
        return await guarded(req, lambda: berita_acara_text(req, officer))
    if form == "disposisi":
        return await pending_dispose_text(req, officer)
    return None
