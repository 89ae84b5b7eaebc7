"""Uploads that never reach a ticket do not pile up: the one a document sent again replaces is
deleted at once, those of dialogs abandoned for long are deleted by the sweep, and a chat (and
everybody together) may keep only so much on disk before a ticket is filed.

Babel network repairs (one document: the signed request letter), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.engine import DialogEngine, HandleResult
from bot.sweeps import sweep_abandoned_uploads
from core.settings import Settings
from storage.attachments import AttachmentStore
from storage.db import Database
from storage.models import attachments
from storage.sweeps import try_lock_sweep
from tests.support.dialog import NOW, PDF, Chat, conversation, rows

GRACE = timedelta(hours=72)
REPAIR = {
    "opd": "Dinas Pendidikan",
    "penanggung_jawab": "Hendra Wijaya",
    "nip": "19850101 201001 1 003",
    "kontak": "081234567890",
    "lokasi": "Gedung Dinas Pendidikan lt. 2",
    "uraian": "Internet di ruang rapat mati sejak pagi",
}


class Clock:
    """The engine's clock, moved by the test."""

    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def engine_for(
    db: Database, tmp_path: Path, clock: Callable[[], datetime], **extra: Any
) -> DialogEngine:
    settings = Settings(agency="babel", data_dir=tmp_path / "data", **extra)
    return DialogEngine(db=db, settings=settings, clock=clock)


def letter(n: int) -> bytes:
    """A distinct signed letter each time (another scan of it)."""
    return PDF + f"% scan {n}\n".encode()


def said(result: HandleResult) -> str:
    return "\n".join(reply.text for reply in result.replies)


async def to_the_letter(chat: Chat) -> None:
    """Walk a network repair up to the question for its request letter."""
    result = await chat.tap("svc:jaringan-intra")
    for _ in range(12):
        state = await conversation(chat.engine.db, f"chat-{chat.user}")
        offered = [c.data for r in result.replies for c in r.choices if c.data[:4] == "fld:"]
        if state["state"] == "ask_document":
            return
        if state["state"] == "choose_product":
            result = await chat.tap("prd:perbaikan")
        elif state["state"] == "ask_field" and offered:
            result = await chat.tap(offered[0])
        elif state["state"] == "ask_field":
            result = await chat.say(REPAIR[state["data"]["field"]])
        else:
            raise AssertionError(state["state"])
    raise AssertionError("the dialog never asked for the letter")


async def send_letter_again(chat: Chat, data: bytes) -> HandleResult:
    """From the summary: "Ubah", the letter, and a new file."""
    state = await conversation(chat.engine.db, f"chat-{chat.user}")
    assert state["state"] == "confirm"
    [code] = state["data"]["docs"]
    await chat.tap("sum:edit")
    await chat.tap(f"edit:doc:{code}")
    return await chat.send_file(data)


async def pending(db: Database) -> list[Any]:
    """Uploads on no ticket yet."""
    return await rows(db, attachments, attachments.c.ticket_id.is_(None))


def on_disk(store: AttachmentStore) -> set[str]:
    """The stored files (their content hashes)."""
    return {p.name for p in store.root.glob("??/*") if p.is_file()}


# --- replaced ------------------------------------------------------------------------------


async def test_a_letter_sent_again_ten_times_leaves_only_the_last_one_on_disk(
    db: Database, tmp_path: Path
) -> None:
    engine = engine_for(db, tmp_path, Clock())
    chat = Chat(engine, "warga")
    await to_the_letter(chat)
    await chat.send_file(letter(0))

    for n in range(1, 11):
        result = await send_letter_again(chat, letter(n))
        assert "surat.pdf" in said(result)

    [kept] = await pending(db)
    assert on_disk(engine.store) == {kept["sha256"]}
    state = await conversation(db, "chat-warga")
    assert [d["attachment_id"] for d in state["data"]["docs"].values()] == [kept["id"]]


async def test_the_same_file_sent_again_stays_on_disk(db: Database, tmp_path: Path) -> None:
    engine = engine_for(db, tmp_path, Clock())
    chat = Chat(engine, "warga")
    await to_the_letter(chat)
    await chat.send_file(letter(1))

    await send_letter_again(chat, letter(1))

    [kept] = await pending(db)
    assert on_disk(engine.store) == {kept["sha256"]}
    assert engine.store.read(kept["path"]) == letter(1)


# --- abandoned -----------------------------------------------------------------------------


async def test_uploads_of_dialogs_abandoned_for_long_are_deleted_by_the_sweep(
    db: Database, tmp_path: Path
) -> None:
    clock = Clock()
    engine = engine_for(db, tmp_path, clock)
    gone, filed, busy, twin = (Chat(engine, u) for u in ("gone", "filed", "busy", "twin"))
    for chat, data in ((gone, letter(1)), (filed, letter(2)), (busy, letter(3)), (twin, letter(2))):
        await to_the_letter(chat)
        await chat.send_file(data)
    await filed.tap("sum:send")
    clock.at = NOW + GRACE  # "busy" is still at it three days later
    await busy.say("Gedung B")

    swept = await sweep_abandoned_uploads(
        db, engine.store, now=NOW + GRACE + timedelta(hours=1), grace=GRACE
    )

    assert swept.deleted == 2  # "gone" and "twin"
    left = await rows(db, attachments)
    assert sorted(r["owner_chat_id"] for r in left) == ["chat-busy", "chat-filed"]
    # "twin" sent the same bytes as "filed": its row went, the file stays for the ticket.
    assert on_disk(engine.store) == {r["sha256"] for r in left}


async def test_a_recent_upload_is_left_alone(db: Database, tmp_path: Path) -> None:
    engine = engine_for(db, tmp_path, Clock())
    chat = Chat(engine, "warga")
    await to_the_letter(chat)
    await chat.send_file(letter(1))

    swept = await sweep_abandoned_uploads(db, engine.store, now=NOW + GRACE / 2, grace=GRACE)

    assert swept.deleted == 0
    assert len(await pending(db)) == 1


async def test_files_a_crash_left_half_received_are_deleted(db: Database, tmp_path: Path) -> None:
    engine = engine_for(db, tmp_path, Clock())
    folder = engine.store.root / ".incoming"
    folder.mkdir(parents=True)
    stale, fresh = folder / "upload-stale", folder / "upload-fresh"
    stale.write_bytes(b"half a letter")
    fresh.write_bytes(b"arriving now")
    two_hours_ago = stale.stat().st_mtime - 2 * 3600
    os.utime(stale, (two_hours_ago, two_hours_ago))

    swept = await sweep_abandoned_uploads(db, engine.store, now=NOW, grace=GRACE)

    assert swept.leftovers == 1
    assert not stale.exists() and fresh.exists()


@pytest.mark.postgres
async def test_two_replicas_sweeping_together_delete_each_abandoned_upload_once(
    postgres_db: Database, tmp_path: Path
) -> None:
    engine = engine_for(postgres_db, tmp_path, Clock())
    for n in range(6):
        chat = Chat(engine, f"warga-{n}")
        await to_the_letter(chat)
        await chat.send_file(letter(n))
    other = Database(postgres_db.url.render_as_string(hide_password=False))
    later = NOW + GRACE + timedelta(hours=1)
    try:
        first, second = await asyncio.gather(
            sweep_abandoned_uploads(
                postgres_db, engine.store, now=later, grace=GRACE, batch_size=2
            ),
            sweep_abandoned_uploads(other, engine.store, now=later, grace=GRACE, batch_size=2),
        )
        async with other.transaction() as conn:
            assert await try_lock_sweep(conn, name="uploads")
            meanwhile = await sweep_abandoned_uploads(
                postgres_db, engine.store, now=later, grace=GRACE
            )
    finally:
        await other.dispose()

    assert first.deleted + second.deleted == 6
    assert await rows(postgres_db, attachments) == []
    assert on_disk(engine.store) == set()
    assert meanwhile.busy


# --- quotas --------------------------------------------------------------------------------


async def test_a_requester_over_their_share_of_unfiled_uploads_is_told_in_their_language(
    db: Database, tmp_path: Path
) -> None:
    engine = engine_for(db, tmp_path, Clock(), upload_pending_bytes_per_requester=len(PDF) * 3)
    chat = Chat(engine, "warga")
    await chat.say("/bahasa en")
    await to_the_letter(chat)
    await chat.send_file(letter(1))
    await chat.say("/batal")  # that letter waits for the sweep, and counts until then
    await to_the_letter(chat)
    await chat.send_file(letter(2))
    await chat.say("/batal")
    await to_the_letter(chat)

    refused = await chat.send_file(letter(3))

    assert "reached the limit of files" in said(refused)
    assert len(await pending(db)) == 2
    assert (await conversation(db, "chat-warga"))["state"] == "ask_document"


async def test_a_document_sent_again_does_not_count_against_the_share(
    db: Database, tmp_path: Path
) -> None:
    engine = engine_for(db, tmp_path, Clock(), upload_pending_files_per_requester=1)
    chat = Chat(engine, "warga")
    await to_the_letter(chat)
    await chat.send_file(letter(1))

    again = await send_letter_again(chat, letter(2))

    assert "kami terima" in said(again)
    [kept] = await pending(db)
    assert engine.store.read(kept["path"]) == letter(2)


async def test_when_unfiled_uploads_of_everybody_reach_the_total_new_ones_wait(
    db: Database, tmp_path: Path
) -> None:
    engine = engine_for(db, tmp_path, Clock(), upload_pending_bytes_total=len(PDF) * 2)
    first, second = Chat(engine, "pertama"), Chat(engine, "kedua")
    for chat in (first, second):
        await to_the_letter(chat)
    await first.send_file(letter(1))

    refused = await second.send_file(letter(2))

    assert "belum dapat menyimpan berkas baru" in said(refused)
    assert [r["owner_chat_id"] for r in await pending(db)] == ["chat-pertama"]


async def test_uploads_wait_while_the_disk_is_short_of_space(db: Database, tmp_path: Path) -> None:
    engine = engine_for(db, tmp_path, Clock(), min_free_disk_bytes=1 << 62)
    chat = Chat(engine, "warga")
    await to_the_letter(chat)

    refused = await chat.send_file(letter(1))

    assert "belum dapat menyimpan berkas baru" in said(refused)
    assert await pending(db) == []
    assert on_disk(engine.store) == set()
