"""The requester's rights over their personal data (UU PDP 27/2022): /privasi shows the privacy
notice again; /dataku shows everything held about them, in chat and as a JSON file."""

from __future__ import annotations

import json

from bot.dialogs.privacy import privacy_notice
from bot.dialogs.state import Step
from bot.handlers.base import Request, keep
from bot.messages import Outbound, OutboundDocument
from storage.repositories import privacy

MAX_REFS = 10


async def notice(req: Request) -> Step:
    """/privasi: the privacy notice."""
    return keep(req, privacy_notice(req.desk.catalog.agency, req.t))


async def my_data(req: Request) -> Step:
    """/dataku: a summary of what is held about this requester, and all of it as JSON."""
    t = req.t
    held = await privacy.requester_data(req.conn, requester_id=req.requester_id)
    profile = (held["requesters"][0].get("profile") if held["requesters"] else None) or {}
    chats = sorted({c["channel"] for c in held["channel_identities"]})
    refs = [ticket["ref"] for ticket in held["tickets"]]
    lines = [t("Data Bapak/Ibu yang kami simpan:")]
    if profile:
        lines.append(
            t("Data diri: {details}").format(
                details="; ".join(f"{k}: {v}" for k, v in profile.items() if v)
            )
        )
    lines += [
        t("Akun chat: {channels}").format(channels=", ".join(chats) or "-"),
        t("Tiket: {count}{refs}").format(
            count=len(refs),
            refs=f" ({', '.join(refs[-MAX_REFS:])})" if refs else "",
        ),
        t("Berkas terunggah: {count}").format(count=len(held["attachments"])),
        t("Jawaban survei kepuasan: {count}").format(count=len(held["survey_responses"])),
        t("Catatan akses petugas atas data Bapak/Ibu: {count}").format(
            count=len(held["access_log"])
        ),
        "",
        t(
            "Semua data terlampir dalam berkas JSON. Untuk perbaikan atau penghapusan data, "
            "hubungi kami melalui kontak pada /privasi."
        ),
    ]
    body = json.dumps(held, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    document = OutboundDocument("dataku.json", "application/json", body)
    return keep(
        req, Outbound("\n".join(lines)), Outbound(t("Data Bapak/Ibu (JSON)"), document=document)
    )
