"""The satisfaction survey (SKM) a requester answers after a ticket is finished: invited once,
opened only by their tap, nine elements in the regulation's order, each skippable, answers kept
as they are given."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.engine import DialogEngine, HandleResult
from core.settings import get_settings
from storage import repositories as repo
from storage.db import Database
from storage.models import outbox, survey_responses
from tests.support.dialog import Chat, add_officer, conversation, make_engine, rows

BERITA_ACARA = ["Hosting disiapkan", "Tidak ada", "Tidak ada", "Ruang server", "Petugas"]


def said(result: HandleResult) -> str:
    return "\n".join(reply.text for reply in result.replies)


def buttons(result: HandleResult) -> dict[str, str]:
    """label → data of the last reply's buttons."""
    return {c.label: c.data for c in result.replies[-1].choices}


async def finished_ticket(engine: DialogEngine, requester: Chat, coordinator: Chat) -> str:
    """A kalbar hosting request filed by `requester` and closed by `coordinator`; its ref."""
    await requester.say("mau hosting aplikasi sekolah")
    await requester.fill_to_summary("hosting")
    found = re.search(r"nomor tiket (\S+)\.", said(await requester.tap("sum:send")))
    assert found is not None
    ref = found[1]
    service = engine.catalog.service("hosting")
    assert service is not None
    for _ in range(len(service.procedure) - 1):
        await coordinator.say(f"/disposisi {ref}")
    await coordinator.say(f"/selesai {ref}")
    for answer in BERITA_ACARA:
        await coordinator.say(answer)
    await coordinator.tap("of:ba:send")
    return ref


async def invitations(db: Database, chat_id: str) -> list[dict[str, Any]]:
    found = await rows(db, outbox, outbox.c.recipient == chat_id)
    return [r["payload"] for r in found if r["key"].startswith("skm:")]


async def survey_row(db: Database) -> dict[str, Any]:
    (row,) = await rows(db, survey_responses)
    return dict(row)


@pytest.fixture
async def world(sqlite_db: Database, tmp_path: Path) -> tuple[DialogEngine, Chat, Chat, str]:
    engine = make_engine(sqlite_db, tmp_path, "kalbar")
    coordinator = Chat(engine, "koor")
    await add_officer(sqlite_db, coordinator, name="Koordinator", roles=["coordinator"])
    requester = Chat(engine, "warga")
    ref = await finished_ticket(engine, requester, coordinator)
    return engine, requester, coordinator, ref


async def test_a_finished_ticket_invites_its_requester_once_and_records_nothing_yet(
    world: tuple[DialogEngine, Chat, Chat, str],
) -> None:
    engine, _, _, ref = world
    (invitation,) = await invitations(engine.db, "chat-warga")
    assert ref in invitation["text"]
    assert [c["label"] for c in invitation["choices"]] == ["Isi survei", "Lain kali"]
    row = await survey_row(engine.db)
    assert row["status"] == "invited"
    assert all(row[f"u{i}"] is None for i in range(1, 10)) and row["answered_at"] is None


async def test_the_nine_elements_come_in_order_one_tap_each_then_comment_and_profile(
    world: tuple[DialogEngine, Chat, Chat, str],
) -> None:
    engine, requester, _, ref = world
    question = await requester.tap(f"skm:go:{ref}")
    asked = []
    for index in range(1, 10):
        text = said(question)
        asked.append(text)
        assert f"Pertanyaan {index} dari 9" in text
        options = buttons(question)
        assert len(options) == 5 and list(options)[-1] == "Lewati"
        # The scores 1-4 are the buttons' order, so a numbered list's numbers are the scores.
        assert [d.rsplit(":", 1)[-1] for d in options.values()] == ["1", "2", "3", "4", "0"]
        choice = list(options.values())[3 if index != 4 else 4]  # skips "biaya"
        question = await requester.tap(choice)
    assert "persyaratan" in asked[0].lower() and "sarana" in asked[8].lower()
    assert "saran atau komentar" in said(question)
    question = await requester.say("Petugasnya cepat dan ramah, terima kasih.")
    assert "data responden" in said(question)
    question = await requester.say("ya")
    for label in ("30–39", "Perempuan", "D4/S1", "PNS/ASN"):
        question = await requester.tap(buttons(question)[label])
    assert "Terima kasih" in said(question)
    row = await survey_row(engine.db)
    assert [row[f"u{i}"] for i in range(1, 10)] == [4, 4, 4, None, 4, 4, 4, 4, 4]
    assert row["comment"] == "Petugasnya cepat dan ramah, terima kasih."
    assert (row["usia"], row["jenis_kelamin"], row["pendidikan"], row["pekerjaan"]) == (
        "30-39",
        "p",
        "s1",
        "pns",
    )
    assert row["status"] == "answered"
    assert (await conversation(engine.db, "chat-warga"))["state"] == "idle"


@pytest.mark.parametrize(
    ("typed", "score"), [("4", 4), ("sangat sesuai", 4), ("kurang sesuai", 2), ("1", 1)]
)
async def test_a_typed_answer_counts_as_its_button(
    world: tuple[DialogEngine, Chat, Chat, str], typed: str, score: int
) -> None:
    engine, requester, _, ref = world
    await requester.tap(f"skm:go:{ref}")
    nxt = await requester.say(typed)
    assert "Pertanyaan 2 dari 9" in said(nxt)
    assert (await survey_row(engine.db))["u1"] == score


async def test_a_survey_left_halfway_keeps_what_was_given_and_can_be_resumed(
    world: tuple[DialogEngine, Chat, Chat, str],
) -> None:
    engine, requester, _, ref = world
    await requester.tap(f"skm:go:{ref}")
    await requester.say("3")
    await requester.say("/batal")
    row = await survey_row(engine.db)
    assert row["u1"] == 3 and row["status"] == "started"
    again = await requester.tap(f"skm:go:{ref}")
    assert "Pertanyaan 2 dari 9" in said(again)


async def test_another_requester_cannot_open_or_answer_the_survey(
    world: tuple[DialogEngine, Chat, Chat, str],
) -> None:
    engine, _, _, ref = world
    stranger = Chat(engine, "orang-lain")
    refused = await stranger.tap(f"skm:go:{ref}")
    assert "tidak berlaku" in said(refused)
    await stranger.tap("skm:a:u1:1")
    assert (await survey_row(engine.db))["u1"] is None


async def test_a_tap_on_an_older_question_does_not_answer_the_current_one(
    world: tuple[DialogEngine, Chat, Chat, str],
) -> None:
    engine, requester, _, ref = world
    first = await requester.tap(f"skm:go:{ref}")
    old = buttons(first)
    await requester.tap(list(old.values())[2])  # u1 = 3
    again = await requester.tap(next(iter(old.values())))  # u1's button, tapped again
    assert "Pertanyaan 2 dari 9" in said(again)
    row = await survey_row(engine.db)
    assert (row["u1"], row["u2"]) == (3, None)


async def test_declining_keeps_the_invitation_open(
    world: tuple[DialogEngine, Chat, Chat, str],
) -> None:
    engine, requester, _, ref = world
    await requester.tap(f"skm:no:{ref}")
    assert (await survey_row(engine.db))["status"] == "invited"
    assert "Pertanyaan 1 dari 9" in said(await requester.tap(f"skm:go:{ref}"))


async def test_answers_are_listed_for_the_period_they_were_given_in(
    world: tuple[DialogEngine, Chat, Chat, str],
) -> None:
    engine, requester, _, ref = world
    await requester.tap(f"skm:go:{ref}")
    await requester.say("4")
    async with engine.db.transaction() as conn:
        from tests.support.dialog import NOW

        found = await repo.surveys_answered_between(
            conn, agency="kalbar", start=NOW.replace(hour=0), end=NOW.replace(hour=23)
        )
    assert [s.answers[0] for s in found] == [4]


async def test_the_coordinator_reads_the_index_of_the_answers_in_chat(
    world: tuple[DialogEngine, Chat, Chat, str],
) -> None:
    _, requester, coordinator, ref = world
    await requester.tap(f"skm:go:{ref}")
    for typed in ("4", "3", "4", "lewati", "4", "4", "4", "4", "4", "Pelayanan cepat"):
        await requester.say(typed)
    await requester.say("lewati")  # no respondent profile

    text = said(await coordinator.say("/laporan ikm bulan"))

    # NRR 4 for seven elements, 3 for one, "biaya" skipped: (31/8) x 25 = 96.875 -> 96,88.
    assert "Seluruh layanan: IKM 96,88 — mutu A (Sangat Baik), 1 responden" in text
    assert "Sampel cukup: 1 responden dari 1 tiket selesai (minimal 1)." in text
    assert "- Pelayanan cepat" in text
    refused = said(await requester.say("/laporan ikm"))
    assert "IKM" not in refused


async def test_the_command_line_scores_the_same_answers_per_service_as_json(
    world: tuple[DialogEngine, Chat, Chat, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine, requester, _, ref = world
    await requester.tap(f"skm:go:{ref}")
    for typed in ("4", "4", "3", "4", "4", "4", "4", "4", "4", "lewati", "lewati"):
        await requester.say(typed)
    monkeypatch.setenv("DATABASE_URL", str(engine.db.url))
    monkeypatch.setenv("AGENCY", "kalbar")
    get_settings.cache_clear()
    args = ["report", "ikm", "--from", "2026-11-01", "--to", "2026-11-30", "-f", "json", "-o", "-"]
    try:
        run = await asyncio.to_thread(CliRunner().invoke, app, args)
    finally:
        get_settings.cache_clear()

    assert run.exit_code == 0, run.output
    scored = json.loads(run.stdout)
    # (8 x 4 + 3) / 9 x 25 = 97.22 (97.2222...)
    assert scored["total"]["ikm"] == 97.22 and scored["total"]["grade"] == "A"
    assert [s["service"] for s in scored["services"]] == ["hosting"]
    assert scored["total"]["nrr"][2] == 3.0 and scored["total"]["respondents"] == 1


async def test_survei_opens_the_latest_open_survey_without_the_invitation(
    world: tuple[DialogEngine, Chat, Chat, str],
) -> None:
    engine, requester, _, _ref = world
    opened = await requester.say("/survei")
    assert "Pertanyaan 1 dari 9" in said(opened)
    for typed in ("4",) * 9 + ("lewati", "lewati"):
        await requester.say(typed)
    assert (await survey_row(engine.db))["status"] == "answered"
    nothing = said(await requester.say("/survei"))
    assert "Belum ada survei kepuasan yang menunggu" in nothing


@pytest.mark.parametrize("forged", ["skm:a:u1:9", "skm:a:u1:-3", "skm:a:u1:abc", "skm:a:u1:"])
async def test_a_forged_answer_is_asked_again_and_nothing_is_recorded(
    world: tuple[DialogEngine, Chat, Chat, str], forged: str
) -> None:
    engine, requester, coordinator, ref = world
    await requester.tap(f"skm:go:{ref}")
    again = said(await requester.tap(forged))
    assert "Mohon pilih salah satu jawaban" in again and "Pertanyaan 1 dari 9" in again
    row = await survey_row(engine.db)
    assert row["u1"] is None and row["answered_at"] is None  # opening is not answering
    assert "Belum ada jawaban survei" in said(await coordinator.say("/laporan ikm bulan"))


async def test_a_forged_profile_answer_is_not_stored(
    world: tuple[DialogEngine, Chat, Chat, str],
) -> None:
    engine, requester, _, ref = world
    await requester.tap(f"skm:go:{ref}")
    for typed in ("4",) * 9 + ("lewati", "ya"):
        await requester.say(typed)
    await requester.tap("skm:a:usia:" + "X" * 40)
    assert (await survey_row(engine.db))["usia"] is None
