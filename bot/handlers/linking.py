"""/tautkan: one requester across channels. Without a code it gives one (valid a short while);
sent from another chat (Telegram, WhatsApp, the web chat on another device) with the code, it
makes that chat the same requester, so /status and the remembered details follow the person."""

from __future__ import annotations

from datetime import timedelta

from bot.dialogs.state import Step
from bot.handlers.base import Request, keep
from core.officers import hash_invite_code, new_invite_code, normalize_invite_code
from storage import repositories as repo

LINK_MINUTES = 15


async def link(req: Request) -> Step:
    """/tautkan [KODE]: a code to join another chat of yours, or join this chat with one."""
    t = req.t
    if not req.argument:
        code = new_invite_code()
        await repo.create_link_code(
            req.conn,
            requester_id=req.requester_id,
            code_hash=hash_invite_code(code),
            at=req.desk.now,
            expires_at=req.desk.now + timedelta(minutes=LINK_MINUTES),
        )
        return keep(
            req,
            t(
                "Kode penautan akun Bapak/Ibu: {code}\nKirim /tautkan {code} dari akun chat "
                "Bapak/Ibu yang lain (Telegram, WhatsApp, atau web chat) dalam {minutes} menit. "
                "Setelah itu tiket dan data Bapak/Ibu terlihat dari kedua akun."
            ).format(code=code, minutes=LINK_MINUTES),
        )
    typed = normalize_invite_code(req.argument)
    owner = None
    if typed is not None:
        owner = await repo.redeem_link_code(
            req.conn, code_hash=hash_invite_code(typed), at=req.desk.now
        )
    if owner is None:
        return keep(
            req,
            t(
                "Kode penautan tersebut tidak berlaku (salah, sudah dipakai, atau sudah "
                "kedaluwarsa). Ketik /tautkan di akun yang lain untuk mendapatkan kode baru."
            ),
        )
    if owner != req.requester_id:
        await repo.merge_requester(req.conn, source=req.requester_id, into=owner)
        req.requester_id = owner  # this conversation is saved under the person it joined
    return keep(
        req,
        t(
            "Akun chat ini sekarang tertaut dengan akun Bapak/Ibu yang lain. Ketik /status untuk "
            "melihat semua tiket Bapak/Ibu."
        ),
    )
