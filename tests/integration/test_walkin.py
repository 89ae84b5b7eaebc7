"""Walk-in requests (/datang): an officer files a ticket for a requester at the counter, with the
service's own fields validated as in the intake dialog; nobody else may."""

from __future__ import annotations

from pathlib import Path

from bot.engine import DialogEngine
from storage import repositories as repo
from storage.db import Database
from storage.models import channel_identities, outbox, tickets
from tests.support.dialog import Chat, add_officer, conversation, make_engine, rows


async def counter_officer(engine: DialogEngine, roles: list[str] | None = None) -> Chat:
    chat = Chat(engine, "loket")
    await add_officer(engine.db, chat, name="Petugas Loket", roles=roles or ["petugas-informasi"])
    return chat


async def file_hosting(officer: Chat, phone: str | None = "0812 3456 7890") -> str:
    """Walk a hosting request through the form; returns the final reply's text."""
    await officer.say("/datang")
    await officer.tap("wi:svc:hosting")
    await officer.say("Ibu Sari Wulandari")
    if phone is None:
        await officer.tap("wi:skip")
        await officer.say("Dinas Pendidikan")
        await officer.say("0813 1111 2222")  # the service's own contact field, asked instead
    else:
        await officer.say(phone)
        await officer.say("Dinas Pendidikan")
    await officer.say("SIPINTAR")
    await officer.say("sipintar.kalbarprov.go.id")
    await officer.tap("wi:skip")
    await officer.tap("wi:doc:yes")
    result = await officer.tap("wi:send")
    return result.replies[0].text


async def test_an_officer_files_a_walk_in_ticket_on_the_counter_channel(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    officer = await counter_officer(engine)
    reply = await file_hosting(officer)
    (ticket,) = await rows(db, tickets)
    assert ticket["ref"] in reply and "Batas waktu penyelesaian" in reply
    assert ticket["channel"] == "loket" and ticket["chat_id"] == "+6281234567890"
    assert ticket["fields"] == {
        "opd": "Dinas Pendidikan",
        "kontak": "+6281234567890",
        "nama_aplikasi": "SIPINTAR",
        "domain": "sipintar.kalbarprov.go.id",
        "spesifikasi": None,
        "nama": "Ibu Sari Wulandari",
    }
    assert ticket["requirements"] == {"surat-permintaan": {"kind": "loket"}}
    async with db.transaction() as conn:
        events = await repo.list_events(conn, ticket_id=ticket["id"])
        officer_record = await repo.officer_for_identity(conn, channel="test", external_id="loket")
    assert officer_record is not None
    opened = next(e for e in events if e.kind == "opened")
    assert (opened.actor_kind, opened.actor_id) == ("officer", officer_record.id)
    assert (await conversation(db, "chat-loket"))["state"] == "idle"
    # The requester has no chat: nothing is queued for the counter channel.
    assert await rows(db, outbox, outbox.c.channel == "loket") == []


async def test_the_summary_shows_every_answer_before_anything_is_filed(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    officer = await counter_officer(engine)
    await officer.say("/walkin")
    await officer.tap("wi:svc:hosting")
    for answer in ("Ibu Sari", "081234567890", "Dinas Pendidikan", "SIPINTAR"):
        await officer.say(answer)
    await officer.say("sipintar.kalbarprov.go.id")
    await officer.tap("wi:skip")
    summary = (await officer.tap("wi:doc:no")).replies[0]
    assert "Ibu Sari" in summary.text and "sipintar.kalbarprov.go.id" in summary.text
    assert "belum ada" in summary.text
    assert [c.data for c in summary.choices] == ["wi:send", "wi:cancel"]
    assert await rows(db, tickets) == []


async def test_a_wrong_value_is_asked_again_with_the_intake_dialogs_reason(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    officer = await counter_officer(engine)
    await officer.say("/datang")
    await officer.tap("wi:svc:hosting")
    await officer.say("Ibu Sari")
    wrong_phone = await officer.say("12345")
    assert "belum benar" in wrong_phone.replies[0].text
    await officer.say("081234567890")
    await officer.say("Dinas Pendidikan")
    await officer.say("SIPINTAR")
    wrong_domain = await officer.say("bukan sebuah domain")
    assert "Nama domain tersebut belum benar" in wrong_domain.replies[0].text
    state = await conversation(db, "chat-loket")
    assert state["state"] == "walkin" and state["data"]["field"] == "domain"


async def test_without_a_phone_the_services_own_contact_field_is_asked(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    officer = await counter_officer(engine)
    await file_hosting(officer, phone=None)
    (ticket,) = await rows(db, tickets)
    assert ticket["fields"]["kontak"] == "+6281311112222"
    assert ticket["chat_id"].startswith("walkin-")


async def test_the_same_phone_on_two_visits_is_the_same_requester(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    officer = await counter_officer(engine)
    await file_hosting(officer)
    await file_hosting(officer)
    first, second = await rows(db, tickets)
    assert first["requester_id"] == second["requester_id"]
    assert len(await rows(db, channel_identities, channel_identities.c.channel == "loket")) == 1


async def test_products_are_chosen_before_the_requesters_name(db: Database, tmp_path: Path) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    officer = await counter_officer(engine, roles=["service-desk"])
    await officer.say("/datang")
    asked = (await officer.tap("wi:svc:jaringan-intra")).replies[0]
    assert "wi:prd:perbaikan" in [c.data for c in asked.choices]
    name = (await officer.say("perbaikan")).replies[0]
    assert "nama pemohon" in name.text


async def test_a_requester_is_refused_datang_politely_and_nothing_changes(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    requester = Chat(engine, "ani")
    await requester.say("halo")
    result = await requester.say("/datang")
    assert "hanya untuk petugas" in result.replies[0].text
    assert (await conversation(db, "chat-ani"))["state"] != "walkin"


async def test_an_officer_of_another_agency_is_refused(db: Database, tmp_path: Path) -> None:
    engine = make_engine(db, tmp_path)
    visitor = Chat(engine, "tamu")
    await add_officer(db, visitor, name="Petugas Babel", roles=["service-desk"], agency="babel")
    result = await visitor.say("/datang")
    assert "hanya untuk petugas" in result.replies[0].text


async def test_cancelling_the_form_files_nothing(db: Database, tmp_path: Path) -> None:
    engine = make_engine(db, tmp_path)
    officer = await counter_officer(engine)
    await officer.say("/datang")
    await officer.tap("wi:svc:hosting")
    result = await officer.tap("wi:cancel")
    assert "dibatalkan" in result.replies[0].text
    assert await rows(db, tickets) == []
    assert (await conversation(db, "chat-loket"))["state"] == "idle"
