"""Names and answers with characters people cannot see, on every channel and both databases: a
right-to-left override or a zero-width space never reaches an officer, a lone surrogate (SQLite)
or a NUL (PostgreSQL) in a profile name never turns every answer into the apology."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest

from bot.engine import DialogEngine, HandleResult
from storage.db import Database
from storage.models import requesters, tickets
from tests.support.dialog import PDF, Chat, add_officer, conversation, make_engine, rows

APOLOGY = "silakan kirim ulang"
# What each answer looks like on the requester's screen, and what it carries underneath.
SPOOFED = {
    "opd": "Dinas \u202esikitamrofnI\u202c Pendidikan",  # the override reverses the middle word
    "penanggung_jawab": "Hendra\u200b Wij\u2066aya\u2069",
    "kontak": "0812\u200b3456\u200b7890",
    "lokasi": "Gedung\u00ad Dinas Pendidikan\ufeff lt. 2",
    "uraian": "Internet mati\x00 sejak pagi\ud800 👩🏽\u200d💻",
}
PROFILE_NAME = "Budi\ud800 Santoso\x00\u202e"


def invisible(text: str) -> set[str]:
    """The format, surrogate and control characters in `text` (tabs and line breaks allowed;
    a joiner inside an emoji too)."""
    found = {ch for ch in text if unicodedata.category(ch) in ("Cf", "Cs", "Cc")}
    return found - {"\n", "\t", "\u200d"}


def said(result: HandleResult) -> str:
    return "\n".join(reply.text for reply in result.replies)


async def file_repair(engine: DialogEngine, chat: Chat) -> list[str]:
    """The requester files a babel network repair with the spoofed answers, from a profile
    with `PROFILE_NAME`; returns every text the bot answered."""

    async def send(**content: Any) -> HandleResult:
        result = await engine.handle(chat.inbound(display_name=PROFILE_NAME, **content))
        texts.append(said(result))
        return result

    texts: list[str] = []
    result = await send(choice="svc:jaringan-intra")
    for _ in range(12):
        state = await conversation(engine.db, f"chat-{chat.user}")
        buttons = [c.data for reply in result.replies for c in reply.choices]
        if state["state"] == "choose_product":
            result = await send(choice="prd:perbaikan")
        elif state["state"] == "ask_field" and state["data"]["field"] in SPOOFED:
            result = await send(text=SPOOFED[state["data"]["field"]])
        elif state["state"] == "ask_field":  # a question of the catalog's own, not spoofed
            result = await send(choice=buttons[0]) if buttons else await send(text="Tidak ada")
        elif state["state"] == "ask_document":
            await engine.handle(chat.inbound(display_name=PROFILE_NAME))  # a bare name update
            result = await chat.send_file(PDF, "surat\u202efdp.exe")
            texts.append(said(result))
        elif state["state"] == "confirm":
            await send(choice="sum:send")
            return texts
    raise AssertionError("the dialog never reached its summary:\n" + "\n".join(texts))


@pytest.mark.parametrize("channel", ["telegram", "whatsapp", "web"])
async def test_officers_never_see_invisible_characters_and_the_requester_is_answered(
    db: Database, tmp_path: Path, channel: str
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    requester = Chat(engine, "warga", channel=channel)
    coordinator = Chat(engine, "koordinator")
    await add_officer(db, coordinator, name="Maya Lestari", roles=["coordinator"])

    texts = await file_repair(engine, requester)

    assert not any(APOLOGY in text for text in texts), texts
    summary = next(text for text in texts if "Kirim permohonan ini?" in text)
    assert invisible(summary) == set() and "Hendra Wijaya" in summary
    (ticket,) = await rows(db, tickets)
    assert ticket["fields"]["penanggung_jawab"] == "Hendra Wijaya"
    assert ticket["fields"]["kontak"] == "+6281234567890"
    assert ticket["fields"]["opd"] == "Dinas sikitamrofnI Pendidikan"
    assert all(invisible(str(value)) == set() for value in ticket["fields"].values())
    details = said(await coordinator.say(f"/tiket {ticket['ref']}"))
    assert "Hendra Wijaya" in details and "Gedung Dinas Pendidikan lt. 2" in details
    assert invisible(details) == set()
    (person,) = await rows(db, requesters, requesters.c.id == ticket["requester_id"])
    assert person["display_name"] == "Budi Santoso"
