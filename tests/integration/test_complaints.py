"""Public complaints (/pengaduan): filed one question at a time, routed to the complaints
procedure with the agency's own complaints standard (kalbar: 8 working days) or else the shortest
class's limit, and classified by an officer (/klasifikasi), which sets the due time from the
agency's limits and tells the requester."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.engine import DialogEngine
from core.sla.duration import parse_sla
from storage import repositories as repo
from storage.db import Database
from storage.models import outbox, tickets
from tests.support.dialog import NOW, Chat, add_officer, conversation, make_engine, rows

COMPLAINT = "Wifi publik di taman kota tidak bisa diakses sejak seminggu lalu."


async def complain(chat: Chat, about: str = "-", contact: str | None = "081234567890") -> str:
    """File a complaint through the dialog; returns the confirmation's text."""
    await chat.say("/pengaduan")
    await chat.tap(f"pg:about:{about}")
    await chat.say(COMPLAINT)
    if contact is None:
        await chat.tap("pg:skip")
    else:
        await chat.say(contact)
    result = await chat.tap("pg:send")
    return result.replies[0].text


async def the_ticket(db: Database) -> repo.TicketRecord:
    (row,) = await rows(db, tickets)
    async with db.transaction() as conn:
        found = await repo.get_ticket(conn, ref=row["ref"])
    assert found is not None
    return found


async def event_kinds(db: Database, ticket_id: int) -> list[str]:
    async with db.transaction() as conn:
        return [e.kind for e in await repo.list_events(conn, ticket_id=ticket_id)]


def due_in(engine: DialogEngine, limit: str) -> datetime:
    return engine.calendar.due(NOW, parse_sla(limit)).due


async def test_a_kalbar_complaint_gets_its_pengaduan_services_own_eight_days_until_classified(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    reply = await complain(Chat(engine, "warga"))
    ticket = await the_ticket(db)
    assert ticket.service == "pengaduan" and ticket.step == "terima-pengaduan"
    assert ticket.assigned_role == "petugas-informasi"
    assert ticket.fields == {
        "tentang": None,
        "isi_pengaduan": COMPLAINT,
        "kontak": "+6281234567890",
    }
    # kalbar publishes Pengaduan Masyarakat as a service of 8 working days.
    assert ticket.due_at == due_in(engine, "8 hari kerja")
    assert ticket.ref in reply and "dapat berubah" in reply
    assert "complaint-limit" not in await event_kinds(db, ticket.id)
    assert (await conversation(db, "chat-warga"))["state"] == "idle"


async def test_a_kalbar_press_conference_complaint_classified_light_has_two_days(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    officer = Chat(engine, "pengaduan")
    await add_officer(db, officer, name="Petugas Pengaduan", roles=["pengelola-pengaduan"])
    await complain(Chat(engine, "wartawan"), about="konferensi-pers", contact=None)
    ticket = await the_ticket(db)
    assert ticket.fields["tentang"] == "konferensi-pers" and ticket.fields["kontak"] is None
    assert ticket.due_at == due_in(engine, "8 hari kerja")
    await officer.tap(f"kl:{ticket.ref}:ringan")
    assert (await the_ticket(db)).due_at == due_in(engine, "2 hari kerja")


async def test_an_agency_without_a_complaints_service_starts_at_its_shortest_class(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    reply = await complain(Chat(engine, "warga"))
    ticket = await the_ticket(db)
    assert ticket.due_at == due_in(engine, "5 hari kerja")
    assert "5 hari kerja" in reply
    assert "complaint-limit" in await event_kinds(db, ticket.id)


async def test_the_dialog_asks_one_thing_at_a_time_with_buttons(
    db: Database, tmp_path: Path
) -> None:
    chat = Chat(make_engine(db, tmp_path, agency="purbalingga"), "warga")
    about = (await chat.say("/aduan")).replies[0]
    assert [c.data for c in about.choices] == [
        "pg:about:internet-jaringan",
        "pg:about:-",
        "pg:cancel",
    ]
    text = (await chat.tap("pg:about:internet-jaringan")).replies[0]
    assert "isi pengaduan" in text.text
    contact = (await chat.say(COMPLAINT)).replies[0]
    assert "pg:skip" in [c.data for c in contact.choices]
    summary = (await chat.say("warga@contoh.id")).replies[0]
    assert COMPLAINT in summary.text and "warga@contoh.id" in summary.text
    assert [c.data for c in summary.choices] == ["pg:send", "pg:cancel"]


async def test_a_too_short_complaint_and_a_wrong_contact_are_asked_again(
    db: Database, tmp_path: Path
) -> None:
    chat = Chat(make_engine(db, tmp_path), "warga")
    await chat.say("/pengaduan")
    await chat.tap("pg:about:-")
    short = await chat.say("jelek")
    assert "lebih lengkap" in short.replies[0].text
    assert (await conversation(db, "chat-warga"))["data"]["stage"] == "text"
    await chat.say(COMPLAINT)
    wrong = await chat.say("nomor saya rahasia")
    assert "belum benar" in wrong.replies[0].text
    assert (await conversation(db, "chat-warga"))["data"]["stage"] == "contact"
    assert await rows(db, tickets) == []


async def test_a_complaint_cancelled_before_sending_creates_nothing(
    db: Database, tmp_path: Path
) -> None:
    chat = Chat(make_engine(db, tmp_path), "warga")
    await chat.say("/pengaduan")
    await chat.tap("pg:about:-")
    result = await chat.say("/batal")
    assert "dibatalkan" in result.replies[0].text
    assert await rows(db, tickets) == []
    assert (await conversation(db, "chat-warga"))["state"] == "idle"


async def test_babel_complaints_go_to_its_coordinators_on_a_one_step_procedure(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    coordinator = Chat(engine, "koordinator")
    await add_officer(db, coordinator, name="Koordinator", roles=["coordinator"])
    await complain(Chat(engine, "warga"), about="jaringan-intra")
    ticket = await the_ticket(db)
    assert ticket.step == "tangani-pengaduan" and ticket.assigned_role == "coordinator"
    assert ticket.due_at == ticket.step_due_at == due_in(engine, "5 hari kerja")
    (notice,) = await rows(db, outbox, outbox.c.recipient == "koordinator")
    assert ticket.ref in notice["payload"]["text"]
    assert "Pengaduan Layanan" in notice["payload"]["text"]


async def test_classifying_a_complaint_sets_its_limit_and_tells_the_requester(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path, agency="babel")
    coordinator = Chat(engine, "koordinator")
    await add_officer(db, coordinator, name="Koordinator", roles=["coordinator"])
    await complain(Chat(engine, "warga"))
    ref = (await the_ticket(db)).ref
    shown = (await coordinator.say(f"/klasifikasi {ref}")).replies[0]
    assert COMPLAINT in shown.text
    assert [c.data for c in shown.choices] == [
        f"kl:{ref}:ringan",
        f"kl:{ref}:normatif",
        f"kl:{ref}:tidak-berkadar-pengawasan",
        f"kl:{ref}:berkadar-pengawasan",
    ]
    assert all(len(c.data.encode()) <= 64 for c in shown.choices)
    done = await coordinator.tap(f"kl:{ref}:berkadar-pengawasan")
    ticket = await the_ticket(db)
    assert ticket.due_at == ticket.step_due_at == due_in(engine, "60 hari kerja")
    assert ref in done.replies[0].text
    assert (await event_kinds(db, ticket.id))[-1] == "complaint-classified"
    told = await rows(db, outbox, outbox.c.recipient == "chat-warga")
    assert "60 hari kerja" in told[-1]["payload"]["text"]
    again = (await coordinator.say(f"/klasifikasi {ref}")).replies[0]
    assert "Klasifikasi: Berkadar pengawasan" in again.text


async def test_the_complaints_officer_may_classify_while_other_officers_and_the_public_may_not(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    await complain(Chat(engine, "warga"))
    ticket = await the_ticket(db)
    aptika = Chat(engine, "aptika")
    await add_officer(db, aptika, name="Petugas Aptika", roles=["aptika"])
    refused = await aptika.tap(f"kl:{ticket.ref}:normatif")
    assert "koordinator" in refused.replies[0].text
    public = await Chat(engine, "warga2").say(f"/klasifikasi {ticket.ref}")
    assert "hanya untuk petugas" in public.replies[0].text
    assert (await the_ticket(db)).due_at == ticket.due_at
    handler = Chat(engine, "pengelola")
    await add_officer(db, handler, name="Pengelola", roles=["pengelola-pengaduan"])
    await handler.tap(f"kl:{ticket.ref}:tidak-berkadar-pengawasan")
    classified = await the_ticket(db)
    assert classified.due_at == due_in(engine, "14 hari kerja")
    # Kalbar's procedure keeps each step's own time; only the complaint's limit moves.
    assert classified.step_due_at == ticket.step_due_at


async def test_klasifikasi_explains_when_a_ticket_is_not_a_complaint(
    db: Database, tmp_path: Path
) -> None:
    engine = make_engine(db, tmp_path)
    requester = Chat(engine, "ani")
    await requester.fill_to_summary("hosting")
    await requester.tap("sum:send")
    coordinator = Chat(engine, "koordinator")
    await add_officer(db, coordinator, name="Koordinator", roles=["coordinator"])
    ref = (await the_ticket(db)).ref
    result = await coordinator.say(f"/klasifikasi {ref}")
    assert "bukan pengaduan" in result.replies[0].text
    missing = await coordinator.say("/klasifikasi KALBAR-2026-00099")
    assert "tidak ditemukan" in missing.replies[0].text


async def test_text_typed_after_the_command_is_taken_as_the_complaint(
    db: Database, tmp_path: Path
) -> None:
    chat = Chat(make_engine(db, tmp_path), "warga")
    await chat.say(f"/pengaduan {COMPLAINT}")
    asked = (await chat.tap("pg:about:-")).replies[0]
    assert "pg:skip" in [c.data for c in asked.choices]
    summary = (await chat.say("lewati")).replies[0]
    assert COMPLAINT in summary.text
