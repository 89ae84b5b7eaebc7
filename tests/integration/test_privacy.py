"""Personal data as UU PDP 27/2022 asks: the notice at first contact and on /privasi, /dataku
covering every table that holds a requester's data, and anonymisation after the retention that
keeps every report figure."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.engine import HandleResult
from bot.reports import period_report
from bot.sweeps import sweep_retention
from core.settings import get_settings
from storage.db import Database
from storage.models import attachments, channel_identities, metadata, ticket_events, tickets
from storage.repositories import privacy
from tests.support.dialog import NOW, Chat, add_officer, make_engine, rows

BERITA_ACARA = ["Hosting disiapkan", "Tidak ada", "Tidak ada", "Ruang server", "Petugas"]


def said(result: HandleResult) -> str:
    return "\n".join(reply.text for reply in result.replies)


def test_every_table_is_classified_as_holding_requester_data_or_not() -> None:
    tables = set(metadata.tables)
    assert not privacy.REQUESTER_TABLES & privacy.NO_REQUESTER_DATA
    unclassified = tables - privacy.REQUESTER_TABLES - privacy.NO_REQUESTER_DATA
    assert unclassified == set(), "classify each new table in storage/repositories/privacy.py"


async def test_the_first_message_on_a_channel_carries_the_privacy_notice(
    sqlite_db: Database, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_db, tmp_path, "kalbar")
    first = said(await Chat(engine, "warga").say("halo"))
    assert "Perlindungan data pribadi" in first
    assert "2 tahun" in first and "diskominfo@kalbarprov.go.id" in first and "/dataku" in first
    assert "Perlindungan data pribadi" not in said(await Chat(engine, "warga").say("halo lagi"))
    again = said(await Chat(engine, "warga").say("/privasi"))
    assert "Perlindungan data pribadi" in again


async def filed_and_finished(sqlite_db: Database, tmp_path: Path) -> tuple[Chat, Chat, str]:
    engine = make_engine(sqlite_db, tmp_path, "kalbar")
    coordinator = Chat(engine, "koor")
    await add_officer(sqlite_db, coordinator, name="Koordinator", roles=["coordinator"])
    requester = Chat(engine, "warga")
    await requester.say("mau hosting aplikasi sekolah")
    await requester.fill_to_summary("hosting")
    found = re.search(r"nomor tiket (\S+)\.", said(await requester.tap("sum:send")))
    assert found is not None
    ref = found[1]
    service = engine.catalog.service("hosting")
    assert service is not None
    await coordinator.say(f"/catatan {ref} pemohon ini rewel, kirim ke Sari saja")
    for _ in range(len(service.procedure) - 1):
        await coordinator.say(f"/disposisi {ref}")
    await coordinator.say(f"/selesai {ref}")
    for answer in BERITA_ACARA:
        await coordinator.say(answer)
    await coordinator.tap("of:ba:send")
    await requester.tap(f"skm:go:{ref}")
    await requester.say("4")
    await requester.say("/tautkan")
    return requester, coordinator, ref


async def test_dataku_shows_everything_held_about_the_requester_and_nobody_else(
    sqlite_db: Database, tmp_path: Path
) -> None:
    requester, _, ref = await filed_and_finished(sqlite_db, tmp_path)
    other = Chat(requester.engine, "orang-lain")
    await other.say("halo")

    result = await requester.say("/dataku")

    summary, attached = result.replies
    assert "Tiket: 1" in summary.text and ref in summary.text
    assert attached.document is not None and attached.document.filename == "dataku.json"
    held = json.loads(attached.document.data)
    assert set(held) == privacy.REQUESTER_TABLES
    for table in privacy.REQUESTER_TABLES - {"access_log"}:
        assert held[table], f"{table} holds this requester's data but the export has none"
    assert {c["external_id"] for c in held["channel_identities"]} == {"warga"}
    assert all(m["recipient"] == "chat-warga" for m in held["outbox"])
    assert "path" not in held["attachments"][0]  # where files lie on disk is ours


async def test_anonymising_after_retention_keeps_every_figure_and_removes_the_person(
    sqlite_db: Database, tmp_path: Path
) -> None:
    requester, _, ref = await filed_and_finished(sqlite_db, tmp_path)
    engine = requester.engine
    files = await rows(sqlite_db, attachments)
    assert files and all(engine.store.full_path(f["path"]).exists() for f in files)

    async def figures() -> object:
        async with sqlite_db.transaction() as conn:
            return await period_report(
                conn,
                catalog=engine.catalog,
                calendar=engine.calendar,
                first=NOW.date().replace(day=1),
                last=NOW.date(),
                now=NOW + timedelta(days=1),
            )

    before = await figures()
    assert await sweep_retention(sqlite_db, engine.desk(NOW + timedelta(days=365))) == 0
    later = NOW + timedelta(days=731)
    assert await sweep_retention(sqlite_db, engine.desk(later)) == 1
    assert await sweep_retention(sqlite_db, engine.desk(later)) == 0  # once

    assert await figures() == before
    (ticket,) = await rows(sqlite_db, tickets)
    assert ticket["ref"] == ref and ticket["status"] == "selesai"
    assert set(ticket["fields"].values()) == {None} and ticket["chat_id"] == "anonim"
    assert await rows(sqlite_db, attachments, attachments.c.ticket_id == ticket["id"]) == []
    assert not any(engine.store.full_path(f["path"]).exists() for f in files if f["ticket_id"])
    document = (await requester.say("/dataku")).replies[1].document
    assert document is not None
    held = json.loads(document.data)
    assert "Dinas Pendidikan" not in json.dumps(held["tickets"])
    assert all(set(e["data"]) <= {"step", "from_step", "to_step", "role", "officer",
                                  "step_due_at", "due_at", "start_at", "paused_seconds",
                                  "late", "class", "class_code", "limit_at", "alert"}
               for e in held["ticket_events"])  # fmt: skip


async def test_a_formal_export_and_erasure_from_the_command_line(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _requester, _, ref = await filed_and_finished(sqlite_db, tmp_path)
    monkeypatch.setenv("DATABASE_URL", str(sqlite_db.url))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        exported = await asyncio.to_thread(
            runner.invoke, app, ["privacy", "export", "--requester", "test:warga"]
        )
        missing = await asyncio.to_thread(
            runner.invoke, app, ["privacy", "export", "--requester", "test:nobody"]
        )
        erased = await asyncio.to_thread(
            runner.invoke, app, ["privacy", "erase", "--ticket", ref, "--yes"]
        )
    finally:
        get_settings.cache_clear()

    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["tickets"][0]["ref"] == ref
    assert missing.exit_code == 2 and "tidak ditemukan" in missing.stderr
    assert erased.exit_code == 0, erased.output
    assert "1 tiket dianonimkan" in erased.stdout
    (ticket,) = await rows(sqlite_db, tickets)
    assert ticket["status"] == "selesai" and ticket["chat_id"] == "anonim"
    assert (
        await rows(sqlite_db, channel_identities, channel_identities.c.external_id == "warga") == []
    )


async def test_after_the_retention_no_table_holds_the_persons_data(
    sqlite_db: Database, tmp_path: Path
) -> None:
    requester, coordinator, ref = await filed_and_finished(sqlite_db, tmp_path)
    await coordinator.say(f"/tiket {ref}")  # an officer's answer quoting the requester
    engine = requester.engine
    assert await sweep_retention(sqlite_db, engine.desk(NOW + timedelta(days=731))) == 1

    personal = ("Dinas Pendidikan", "081234567890", "6281234567890", "sekolah.kalbarprov")
    async with sqlite_db.transaction() as conn:
        for name, table in metadata.tables.items():
            for row in (await conn.execute(table.select())).mappings():
                text = json.dumps({k: str(v) for k, v in row.items()})
                found = [p for p in personal if p in text]
                assert not found, f"{name} still holds {found}"


async def test_dataku_shows_what_was_said_to_the_requester_not_the_officers_notes(
    sqlite_db: Database, tmp_path: Path
) -> None:
    requester, _, _ref = await filed_and_finished(sqlite_db, tmp_path)
    notes = await rows(sqlite_db, ticket_events, ticket_events.c.kind == "note")
    assert notes and "rewel" in notes[0]["data"]["text"]  # the note is there to be hidden
    document = (await requester.say("/dataku")).replies[1].document
    assert document is not None
    assert "rewel" not in document.data.decode()
