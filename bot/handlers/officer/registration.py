"""/daftar KODE: a chat becomes an officer's with a one-time code from the coordinator."""

from __future__ import annotations

from bot.dialogs.state import Step
from bot.handlers.base import Request
from bot.handlers.officer.common import answer, role_names, say
from bot.messages import Outbound
from core.officers import hash_invite_code, normalize_invite_code
from storage import repositories as repo

OFFICER_MENU = "officer"  # bot.handlers.commands.Audience.OFFICER


class _WrongAgency(Exception):
    """An invite of another agency's officer: undo the redemption."""


async def register(req: Request) -> Step:
    """/daftar KODE: bind this chat to the officer the one-time code was made for."""
    t = req.t
    if not req.argument:
        return say(
            req,
            t(
                "Perintah /daftar untuk petugas: ketik /daftar diikuti kode dari koordinator, "
                "misalnya /daftar K7QF-M2PX. Untuk melihat layanan kami, ketik /layanan."
            ),
        )
    code = normalize_invite_code(req.argument)
    if code is None:
        return say(
            req,
            t(
                "Kode tersebut tidak sesuai. Kode pendaftaran terdiri dari 8 huruf/angka, "
                "misalnya K7QF-M2PX. Mohon periksa kembali."
            ),
        )
    try:
        # A savepoint: a refused binding must leave the code unused.
        async with req.conn.begin_nested():
            officer = await repo.redeem_invite(
                req.conn,
                code_hash=hash_invite_code(code),
                channel=req.msg.channel,
                external_id=req.msg.user_id,
                at=req.desk.now,
            )
            if officer is not None and officer.agency != req.desk.agency:
                raise _WrongAgency
    except repo.IdentityTaken:
        return say(
            req,
            t(
                "Mohon maaf, akun chat ini sudah terdaftar untuk petugas lain. Mohon hubungi "
                "koordinator."
            ),
        )
    except _WrongAgency:
        officer = None
    if officer is None:
        return say(
            req,
            t(
                "Mohon maaf, kode tersebut tidak berlaku (salah, sudah dipakai, atau sudah "
                "kedaluwarsa). Mohon minta kode baru kepada koordinator."
            ),
        )
    welcome = t(
        "Selamat datang, {name}. Akun chat ini sekarang terdaftar sebagai petugas dengan "
        "peran: {roles}.\nKetik /bantuan untuk melihat perintah petugas."
    ).format(name=officer.name, roles=role_names(req, officer.roles))
    # The chat's command menu becomes the officers' one (where the channel has a menu).
    return answer(req, Outbound(welcome, menu=OFFICER_MENU))
