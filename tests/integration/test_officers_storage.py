"""Officers, their chats and invites, and the step-alert bookkeeping, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy.engine import Connection

from core.officers import hash_invite_code
from storage import repositories as repo
from storage.db import Database, alembic_config

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CODE = "K7QF-M2PX"


async def _officer(
    db: Database, name: str = "Budi", roles: tuple[str, ...] = ("service-desk",), **kw: Any
) -> repo.OfficerRecord:
    async with db.transaction() as conn:
        return await repo.add_officer(
            conn, agency=kw.pop("agency", "babel"), name=name, roles=roles, at=T0, **kw
        )


async def _bind(db: Database, officer_id: int, external_id: str, channel: str = "telegram") -> None:
    async with db.transaction() as conn:
        await repo.bind_officer_identity(
            conn, officer_id=officer_id, channel=channel, external_id=external_id, at=T0
        )


async def _behind(db: Database, external_id: str, channel: str = "telegram") -> int | None:
    async with db.transaction() as conn:
        found = await repo.officer_for_identity(conn, channel=channel, external_id=external_id)
    return None if found is None else found.id


async def _invite(db: Database, officer_id: int, code: str = CODE, hours: int = 72) -> None:
    async with db.transaction() as conn:
        await repo.create_invite(
            conn,
            officer_id=officer_id,
            code_hash=hash_invite_code(code),
            at=T0,
            expires_at=T0 + timedelta(hours=hours),
        )


async def _redeem(
    db: Database, typed: str, external_id: str, at: datetime = T0 + timedelta(hours=1)
) -> repo.OfficerRecord | None:
    async with db.transaction() as conn:
        return await repo.redeem_invite(
            conn,
            code_hash=hash_invite_code(typed),
            channel="telegram",
            external_id=external_id,
            at=at,
        )


async def _ticket(db: Database, n: int, next_alert_at: datetime | None) -> repo.TicketRecord:
    async with db.transaction() as conn:
        requester = await repo.get_or_create_requester(
            conn, channel="web", external_id=f"r{n}", display_name=None, at=T0
        )
        return await repo.create_ticket(
            conn,
            agency="babel",
            prefix="BABEL",
            year=2026,
            service="perbaikan-jaringan",
            product=None,
            requester_id=requester,
            channel="web",
            chat_id=f"r{n}",
            fields={},
            requirements={},
            created_at=T0,
            start_at=T0,
            target_at=None,
            due_at=T0 + timedelta(days=3),
            step="disposisi-kadis",
            assigned_role="kadis",
            step_due_at=T0 + timedelta(minutes=30),
            step_started_at=T0,
            next_alert_at=next_alert_at,
        )


# --------------------------------------------------------------------------- officers


async def test_an_officer_is_listed_with_roles_and_nip(db: Database) -> None:
    budi = await _officer(db, "Budi", ("pranata-komputer", "coordinator"), nip="198001012005011001")
    await _officer(db, "Ani", ("kadis",))
    await _officer(db, "Ketut", ("aptika",), agency="kalbar")
    async with db.transaction() as conn:
        everyone = await repo.list_officers(conn, agency="babel")
        coordinators = await repo.list_officers(conn, agency="babel", role="coordinator")
    assert [o.name for o in everyone] == ["Ani", "Budi"]
    assert coordinators == [budi]
    assert budi.roles == ("coordinator", "pranata-komputer")
    assert (budi.nip, budi.active, budi.created_at) == ("198001012005011001", True, T0)


async def test_roles_can_be_replaced(db: Database) -> None:
    budi = await _officer(db, roles=("service-desk",))
    async with db.transaction() as conn:
        await repo.set_roles(conn, officer_id=budi.id, roles=["kabid", "coordinator", "kabid"])
        roles = await repo.officer_roles(conn, officer_id=budi.id)
        desk = await repo.officers_with_role(conn, agency="babel", role="service-desk")
    assert roles == ["coordinator", "kabid"]
    assert desk == []


async def test_a_removed_officer_keeps_their_record_but_no_longer_acts(db: Database) -> None:
    budi = await _officer(db)
    await _bind(db, budi.id, "111")
    async with db.transaction() as conn:
        first = await repo.remove_officer(conn, officer_id=budi.id)
        again = await repo.remove_officer(conn, officer_id=budi.id)
        kept = await repo.get_officer(conn, officer_id=budi.id)
        listed = await repo.list_officers(conn, agency="babel")
        with_removed = await repo.list_officers(conn, agency="babel", include_inactive=True)
        on_duty = await repo.officers_with_role(conn, agency="babel", role="service-desk")
    assert (first, again) == (True, False)
    assert kept is not None and not kept.active and kept.roles == ("service-desk",)
    assert listed == [] and on_duty == []
    assert [o.id for o in with_removed] == [budi.id]
    assert await _behind(db, "111") is None


# --------------------------------------------------------------------------- chats


async def test_an_officer_is_recognised_by_their_chat(db: Database) -> None:
    budi = await _officer(db)
    await _bind(db, budi.id, "111")
    await _bind(db, budi.id, "6281234567890", channel="whatsapp")
    assert await _behind(db, "111") == budi.id
    assert await _behind(db, "6281234567890", channel="whatsapp") == budi.id
    assert await _behind(db, "111", channel="whatsapp") is None
    assert await _behind(db, "222") is None
    async with db.transaction() as conn:
        chats = await repo.officer_identities(conn, officer_id=budi.id)
    assert [(c.channel, c.external_id, c.bound_at) for c in chats] == [
        ("telegram", "111", T0),
        ("whatsapp", "6281234567890", T0),
    ]


async def test_a_chat_cannot_be_bound_to_two_officers(db: Database) -> None:
    budi = await _officer(db, "Budi")
    ani = await _officer(db, "Ani")
    await _bind(db, budi.id, "111")
    with pytest.raises(repo.IdentityTaken) as raised:
        await _bind(db, ani.id, "111")
    assert raised.value.officer_id == budi.id
    assert await _behind(db, "111") == budi.id


async def test_binding_a_new_chat_replaces_the_officers_old_one_on_that_channel(
    db: Database,
) -> None:
    budi = await _officer(db)
    await _bind(db, budi.id, "111")
    await _bind(db, budi.id, "111")  # again: nothing changes
    await _bind(db, budi.id, "999")
    assert await _behind(db, "111") is None
    assert await _behind(db, "999") == budi.id


async def test_an_officer_who_already_wrote_as_a_requester_keeps_that_requester(
    db: Database,
) -> None:
    async with db.transaction() as conn:
        requester = await repo.get_or_create_requester(
            conn, channel="telegram", external_id="111", display_name=None, at=T0
        )
    budi = await _officer(db)
    await _bind(db, budi.id, "111")
    async with db.transaction() as conn:
        again = await repo.get_or_create_requester(
            conn, channel="telegram", external_id="111", display_name=None, at=T0
        )
    assert again == requester
    assert await _behind(db, "111") == budi.id


async def test_a_successor_can_take_over_the_chat_of_a_removed_officer(db: Database) -> None:
    budi = await _officer(db, "Budi")
    ani = await _officer(db, "Ani")
    await _bind(db, budi.id, "6281234567890", channel="whatsapp")
    async with db.transaction() as conn:
        await repo.remove_officer(conn, officer_id=budi.id)
    await _bind(db, ani.id, "6281234567890", channel="whatsapp")
    assert await _behind(db, "6281234567890", channel="whatsapp") == ani.id


# --------------------------------------------------------------------------- invites


async def test_an_invite_binds_the_chat_that_sends_it_once(db: Database) -> None:
    budi = await _officer(db)
    await _invite(db, budi.id)
    redeemed = await _redeem(db, "k7qf m2px", "111")
    reused = await _redeem(db, CODE, "222")
    assert redeemed is not None and redeemed.id == budi.id
    assert reused is None
    assert await _behind(db, "111") == budi.id
    assert await _behind(db, "222") is None


async def test_an_expired_invite_binds_nothing(db: Database) -> None:
    budi = await _officer(db)
    await _invite(db, budi.id, hours=72)
    assert await _redeem(db, CODE, "111", at=T0 + timedelta(hours=72)) is None
    assert await _behind(db, "111") is None


async def test_a_wrong_code_binds_nothing(db: Database) -> None:
    budi = await _officer(db)
    await _invite(db, budi.id)
    assert await _redeem(db, "K7QF-M2PY", "111") is None
    assert await _redeem(db, "hello", "111") is None


async def test_a_new_invite_cancels_the_officers_unused_one(db: Database) -> None:
    budi = await _officer(db)
    await _invite(db, budi.id, "AAAA-BBBB")
    await _invite(db, budi.id, "CCCC-DDDD")
    assert await _redeem(db, "AAAA-BBBB", "111") is None
    assert await _redeem(db, "CCCC-DDDD", "111") is not None


async def test_the_invite_of_a_removed_officer_no_longer_works(db: Database) -> None:
    budi = await _officer(db)
    await _invite(db, budi.id)
    async with db.transaction() as conn:
        await repo.remove_officer(conn, officer_id=budi.id)
    assert await _redeem(db, CODE, "111") is None


async def test_an_invite_sent_from_another_officers_chat_stays_usable(db: Database) -> None:
    budi = await _officer(db, "Budi")
    ani = await _officer(db, "Ani")
    await _bind(db, budi.id, "111")
    await _invite(db, ani.id)
    with pytest.raises(repo.IdentityTaken):
        await _redeem(db, CODE, "111")
    redeemed = await _redeem(db, CODE, "222")
    assert redeemed is not None and redeemed.id == ani.id


async def test_two_chats_sending_one_code_at_once_bind_only_one(db: Database) -> None:
    budi = await _officer(db)
    await _invite(db, budi.id)
    results = await asyncio.gather(*(_redeem(db, CODE, f"chat{i}") for i in range(5)))
    assert sum(r is not None for r in results) == 1
    bound = [i for i in range(5) if await _behind(db, f"chat{i}") == budi.id]
    assert len(bound) == 1


# --------------------------------------------------------------------------- alerts


async def test_an_alert_is_recorded_once(db: Database) -> None:
    ticket = await _ticket(db, 1, next_alert_at=T0)
    async with db.transaction() as conn:
        first = await repo.record_alert(conn, ticket_id=ticket.id, key="disposisi:warn-75", at=T0)
        again = await repo.record_alert(conn, ticket_id=ticket.id, key="disposisi:warn-75", at=T0)
        other = await repo.record_alert(conn, ticket_id=ticket.id, key="disposisi:breach", at=T0)
        sent = await repo.alerts_sent(conn, ticket_id=ticket.id)
    assert (first, again, other) == (True, False, True)
    assert sent == {"disposisi:warn-75", "disposisi:breach"}


async def test_the_sweep_reads_only_tickets_whose_alert_is_due(db: Database) -> None:
    now = T0 + timedelta(hours=1)
    late = await _ticket(db, 1, next_alert_at=now - timedelta(minutes=30))
    exactly = await _ticket(db, 2, next_alert_at=now)
    await _ticket(db, 3, next_alert_at=now + timedelta(seconds=1))
    await _ticket(db, 4, next_alert_at=None)
    async with db.transaction() as conn:
        due = await repo.tickets_due_for_alert(conn, now=now, limit=10)
        first_only = await repo.tickets_due_for_alert(conn, now=now, limit=1)
    assert [t.id for t in due] == [late.id, exactly.id]
    assert [t.id for t in first_only] == [late.id]
    assert (due[0].step_started_at, due[0].next_alert_at) == (T0, now - timedelta(minutes=30))


async def test_a_ticket_with_its_next_alert_moved_later_is_no_longer_due(db: Database) -> None:
    ticket = await _ticket(db, 1, next_alert_at=T0)
    async with db.transaction() as conn:
        await repo.set_next_alert_at(conn, ticket_id=ticket.id, at=T0 + timedelta(hours=2))
        later = await repo.tickets_due_for_alert(conn, now=T0 + timedelta(hours=1), limit=10)
        await repo.set_next_alert_at(conn, ticket_id=ticket.id, at=None)
        never = await repo.tickets_due_for_alert(conn, now=T0 + timedelta(days=30), limit=10)
    assert later == [] and never == []


@pytest.mark.postgres
async def test_concurrent_sweeps_on_postgresql_never_claim_the_same_ticket(
    postgres_db: Database,
) -> None:
    db = postgres_db
    ids = {(await _ticket(db, n, next_alert_at=T0)).id for n in range(10)}
    sweeps = 5
    everyone_holds = asyncio.Barrier(sweeps)

    async def sweep() -> list[int]:
        async with db.transaction() as conn:
            claimed = await repo.tickets_due_for_alert(conn, now=T0, limit=3)
            # Keep the rows locked until every sweep has claimed its share.
            await asyncio.wait_for(everyone_holds.wait(), timeout=30)
        return [t.id for t in claimed]

    batches = await asyncio.gather(*(sweep() for _ in range(sweeps)))
    claimed = [id for batch in batches for id in batch]
    assert len(claimed) == len(set(claimed))
    assert set(claimed) == ids


# --------------------------------------------------------------------------- migration


def _migrate(connection: Connection, command_name: str, revision: str) -> None:
    getattr(command, command_name)(alembic_config(connection), revision)


async def test_the_officers_migration_can_be_undone_and_redone_keeping_tickets(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        await db.upgrade()
        ticket = await _ticket(db, 1, next_alert_at=T0)
        async with db.transaction() as conn:
            await conn.run_sync(_migrate, "downgrade", "0001")
        assert await db.current() == "0001"
        await db.upgrade()
        async with db.transaction() as conn:
            kept = await repo.get_ticket(conn, ref=ticket.ref)
        assert kept is not None
        assert (kept.id, kept.step_started_at, kept.next_alert_at) == (ticket.id, None, None)
    finally:
        await db.dispose()
