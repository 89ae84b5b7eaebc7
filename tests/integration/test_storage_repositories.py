"""Requesters, dedupe, dialog state, tickets and their history, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import inspect
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.tickets import TicketStatus
from storage import repositories as repo
from storage.db import Database

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


async def _requester(db: Database, external_id: str = "u1", channel: str = "telegram") -> int:
    async with db.transaction() as conn:
        return await repo.get_or_create_requester(
            conn, channel=channel, external_id=external_id, display_name="Budi", at=T0
        )


def _ticket_args(requester_id: int, **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "agency": "babel",
        "prefix": "BABEL",
        "year": 2026,
        "service": "hosting",
        "product": None,
        "requester_id": requester_id,
        "channel": "telegram",
        "chat_id": "c1",
        "fields": {"domain": "dinas.babelprov.go.id"},
        "requirements": {"surat": {"srikandi": "B/123/2026"}},
        "created_at": T0,
        "start_at": T0,
        "target_at": T0 + timedelta(days=1),
        "due_at": T0 + timedelta(days=3),
        "step": "verifikasi",
        "assigned_role": "operator",
        "step_due_at": T0 + timedelta(hours=4),
    }
    args.update(overrides)
    return args


async def _create(db: Database, requester_id: int, **overrides: Any) -> repo.TicketRecord:
    async with db.transaction() as conn:
        return await repo.create_ticket(conn, **_ticket_args(requester_id, **overrides))


# --------------------------------------------------------------------------- inbound


async def test_an_update_delivered_twice_is_processed_once(db: Database) -> None:
    async with db.transaction() as conn:
        first = await repo.record_inbound(conn, channel="telegram", update_id="100", at=T0)
    async with db.transaction() as conn:
        again = await repo.record_inbound(conn, channel="telegram", update_id="100", at=T0)
        other_channel = await repo.record_inbound(conn, channel="whatsapp", update_id="100", at=T0)
    assert (first, again, other_channel) == (True, False, True)


async def test_the_same_person_writing_again_is_the_same_requester(db: Database) -> None:
    first = await _requester(db, "u1")
    later = T0 + timedelta(hours=2)
    async with db.transaction() as conn:
        again = await repo.get_or_create_requester(
            conn, channel="telegram", external_id="u1", display_name="Budi", at=later
        )
        seen = await repo.get_last_inbound_at(conn, channel="telegram", external_id="u1")
    assert again == first
    assert seen == later
    assert await _requester(db, "u2") != first
    assert await _requester(db, "u1", channel="whatsapp") != first


async def test_someone_who_never_wrote_has_no_last_inbound_time(db: Database) -> None:
    async with db.transaction() as conn:
        assert await repo.get_last_inbound_at(conn, channel="whatsapp", external_id="62811") is None


# --------------------------------------------------------------------------- conversations


async def test_dialog_state_is_saved_replaced_and_versioned(db: Database) -> None:
    requester_id = await _requester(db)
    async with db.transaction() as conn:
        assert await repo.load_conversation(conn, channel="telegram", chat_id="c1") is None
        await repo.save_conversation(
            conn,
            channel="telegram",
            chat_id="c1",
            requester_id=requester_id,
            agency="babel",
            state="ask_field",
            data={"service": "hosting", "answers": {"a": 1}},
            locale="id",
            at=T0,
        )
    async with db.transaction() as conn:
        first = await repo.load_conversation(
            conn, channel="telegram", chat_id="c1", for_update=True
        )
        await repo.save_conversation(
            conn,
            channel="telegram",
            chat_id="c1",
            requester_id=requester_id,
            agency="babel",
            state="idle",
            data={},
            locale="en",
            at=T0 + timedelta(minutes=1),
        )
        second = await repo.load_conversation(conn, channel="telegram", chat_id="c1")
    assert first is not None and second is not None
    assert (first.state, first.data, first.version) == (
        "ask_field",
        {"service": "hosting", "answers": {"a": 1}},
        1,
    )
    assert (second.state, second.data, second.locale, second.version) == ("idle", {}, "en", 2)
    assert second.updated_at == T0 + timedelta(minutes=1)


# --------------------------------------------------------------------------- tickets


async def test_a_new_ticket_gets_the_next_reference_and_a_created_event(db: Database) -> None:
    requester_id = await _requester(db)
    first = await _create(db, requester_id)
    second = await _create(db, requester_id, service="email", product="akun-baru")
    assert (first.ref, second.ref) == ("BABEL-2026-00001", "BABEL-2026-00002")
    assert second.status is TicketStatus.BARU
    assert (second.service, second.product, second.step) == ("email", "akun-baru", "verifikasi")
    assert second.requirements == {"surat": {"srikandi": "B/123/2026"}}
    assert second.due_at == T0 + timedelta(days=3)
    assert second.paused_seconds == 0 and second.closed_at is None
    async with db.transaction() as conn:
        events = await repo.list_events(conn, ticket_id=second.id)
    assert [(e.kind, e.actor_kind, e.actor_id) for e in events] == [("created", "requester", None)]
    assert events[0].data["ref"] == "BABEL-2026-00002"


async def test_each_agency_and_year_counts_from_one(db: Database) -> None:
    requester_id = await _requester(db)
    await _create(db, requester_id)
    next_year = await _create(db, requester_id, year=2027)
    other_agency = await _create(db, requester_id, agency="bangka", prefix="bgk")
    assert next_year.ref == "BABEL-2027-00001"
    assert other_agency.ref == "BGK-2026-00001"


async def test_fifty_simultaneous_submissions_get_fifty_consecutive_numbers(db: Database) -> None:
    requester_ids = [await _requester(db, f"u{i}") for i in range(5)]

    async def submit(i: int) -> repo.TicketRecord:
        return await _create(db, requester_ids[i % 5], chat_id=f"c{i}")

    tickets = await asyncio.gather(*(submit(i) for i in range(50)))
    assert sorted(t.seq for t in tickets) == list(range(1, 51))
    assert len({t.ref for t in tickets}) == 50
    assert {t.ref for t in tickets} == {f"BABEL-2026-{n:05d}" for n in range(1, 51)}


@pytest.mark.parametrize(
    "typed", ["babel-2026-00001", " BABEL 2026 1 ", "babel/2026/1", "#Babel2026 00001"]
)
async def test_a_ticket_is_found_however_the_ref_is_typed(db: Database, typed: str) -> None:
    ticket = await _create(db, await _requester(db))
    async with db.transaction() as conn:
        found = await repo.get_ticket(conn, ref=typed)
    assert found == ticket


async def test_an_unknown_or_malformed_ref_finds_nothing(db: Database) -> None:
    await _create(db, await _requester(db))
    async with db.transaction() as conn:
        assert await repo.get_ticket(conn, ref="BABEL-2026-00002") is None
        assert await repo.get_ticket(conn, ref="tolong cek tiket saya") is None


async def test_a_requester_cannot_read_another_requesters_ticket(db: Database) -> None:
    owner = await _requester(db, "owner")
    stranger = await _requester(db, "stranger")
    ticket = await _create(db, owner)
    async with db.transaction() as conn:
        mine = await repo.get_ticket_for_requester(conn, ref="babel 2026 1", requester_id=owner)
        theirs = await repo.get_ticket_for_requester(conn, ref=ticket.ref, requester_id=stranger)
        missing = await repo.get_ticket_for_requester(
            conn, ref="BABEL-2026-00099", requester_id=stranger
        )
    assert mine == ticket
    assert theirs is None and missing is None


async def test_a_requester_sees_only_their_own_tickets_newest_first(db: Database) -> None:
    me = await _requester(db, "me")
    other = await _requester(db, "other")
    for day in range(7):
        await _create(db, me, created_at=T0 + timedelta(days=day))
    await _create(db, other, created_at=T0 + timedelta(days=30))
    async with db.transaction() as conn:
        recent = await repo.list_tickets_for_requester(conn, requester_id=me)
        three = await repo.list_tickets_for_requester(conn, requester_id=me, limit=3)
    assert [t.seq for t in recent] == [7, 6, 5, 4, 3]
    assert [t.seq for t in three] == [7, 6, 5]
    assert all(t.requester_id == me for t in recent)


# --------------------------------------------------------------------------- events


async def test_history_only_grows_and_keeps_its_order(db: Database) -> None:
    ticket = await _create(db, await _requester(db))
    async with db.transaction() as conn:
        before = await repo.list_events(conn, ticket_id=ticket.id)
        await repo.add_event(
            conn,
            ticket_id=ticket.id,
            at=T0 + timedelta(hours=1),
            actor_kind="officer",
            actor_id=7,
            kind="status",
            data={"from": "baru", "to": "diproses"},
        )
        await repo.add_event(
            conn,
            ticket_id=ticket.id,
            at=T0 + timedelta(hours=1),
            actor_kind="system",
            actor_id=None,
            kind="sla_warning",
            data={},
        )
        after = await repo.list_events(conn, ticket_id=ticket.id)
    assert after[: len(before)] == before
    assert [e.kind for e in after] == ["created", "status", "sla_warning"]
    assert after[1].data == {"from": "baru", "to": "diproses"} and after[1].actor_id == 7
    # Nothing in the storage API can rewrite or remove history.
    event_functions = {
        name
        for name, value in vars(repo).items()
        if inspect.iscoroutinefunction(value) and "event" in name
    }
    assert event_functions == {"add_event", "list_events"}


async def test_an_event_needs_a_known_kind_of_actor(db: Database) -> None:
    ticket = await _create(db, await _requester(db))
    async with db.transaction() as conn:
        with pytest.raises(ValueError):
            await repo.add_event(
                conn,
                ticket_id=ticket.id,
                at=T0,
                actor_kind="robot",
                actor_id=None,
                kind="status",
                data={},
            )
