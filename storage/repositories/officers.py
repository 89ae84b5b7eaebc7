"""Officers, their roles, the chats bound to them and their invite codes; and the step alerts
they are sent about tickets (which alerts went out, and when the alert sweep looks next).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import (
    channel_identities,
    officer_invites,
    officers,
    ticket_alerts,
    tickets,
)
from storage.models import (
    officer_roles as roles_table,  # `officer_roles` is the function below
)
from storage.repositories._rows import TicketRecord, _ticket, insert_for


@dataclass(frozen=True, slots=True)
class OfficerRecord:
    id: int
    agency: str
    name: str
    nip: str | None
    active: bool
    created_at: datetime
    roles: tuple[str, ...]  # sorted


@dataclass(frozen=True, slots=True)
class OfficerIdentity:
    channel: str
    external_id: str
    bound_at: datetime | None


class IdentityTaken(Exception):
    """The chat is already bound to another officer (roll the transaction back)."""

    def __init__(self, *, channel: str, officer_id: int) -> None:
        # No external id in the text: it is a phone number on WhatsApp.
        super().__init__(f"this {channel} identity is bound to officer {officer_id}")
        self.channel = channel
        self.officer_id = officer_id


async def add_officer(
    conn: AsyncConnection,
    *,
    agency: str,
    name: str,
    roles: Collection[str],
    nip: str | None = None,
    at: datetime,
) -> OfficerRecord:
    """Create an active officer holding `roles` (validate them first: core.officers)."""
    officer_id = (
        await conn.execute(
            officers.insert()
            .values(agency=agency, name=name, nip=nip, active=True, created_at=at)
            .returning(officers.c.id)
        )
    ).scalar_one()
    await set_roles(conn, officer_id=int(officer_id), roles=roles)
    officer = await get_officer(conn, officer_id=int(officer_id))
    assert officer is not None  # inserted just above
    return officer


async def get_officer(conn: AsyncConnection, *, officer_id: int) -> OfficerRecord | None:
    """One officer, active or removed; None if there is no such id."""
    rows = (await conn.execute(select(officers).where(officers.c.id == officer_id))).all()
    found = await _officers(conn, rows)
    return found[0] if found else None


async def list_officers(
    conn: AsyncConnection,
    *,
    agency: str,
    role: str | None = None,
    include_inactive: bool = False,
) -> list[OfficerRecord]:
    """The agency's officers (only those holding `role` if given), by name."""
    stmt = select(officers).where(officers.c.agency == agency)
    if not include_inactive:
        stmt = stmt.where(officers.c.active.is_(True))
    if role is not None:
        stmt = stmt.where(
            exists().where(roles_table.c.officer_id == officers.c.id, roles_table.c.role == role)
        )
    stmt = stmt.order_by(officers.c.name, officers.c.id)
    return await _officers(conn, (await conn.execute(stmt)).all())


async def officers_with_role(
    conn: AsyncConnection, *, agency: str, role: str
) -> list[OfficerRecord]:
    """The active officers who may act on a step of `role` (everyone to notify about it)."""
    return await list_officers(conn, agency=agency, role=role)


async def remove_officer(conn: AsyncConnection, *, officer_id: int) -> bool:
    """Deactivate an officer; False if they were not active.

    The row and roles stay (the ticket history names them), but their chats are unbound, so
    they stop receiving officer messages and a successor can bind the same phone.
    """
    stmt = (
        update(officers)
        .where(officers.c.id == officer_id, officers.c.active.is_(True))
        .values(active=False)
        .returning(officers.c.id)
    )
    if (await conn.execute(stmt)).first() is None:
        return False
    await conn.execute(
        update(channel_identities)
        .where(channel_identities.c.officer_id == officer_id)
        .values(officer_id=None, officer_bound_at=None)
    )
    return True


async def officer_roles(conn: AsyncConnection, *, officer_id: int) -> list[str]:
    """The officer's role codes, sorted."""
    stmt = (
        select(roles_table.c.role)
        .where(roles_table.c.officer_id == officer_id)
        .order_by(roles_table.c.role)
    )
    return [str(role) for role in (await conn.execute(stmt)).scalars()]


async def set_roles(conn: AsyncConnection, *, officer_id: int, roles: Collection[str]) -> None:
    """Replace the officer's roles."""
    await conn.execute(delete(roles_table).where(roles_table.c.officer_id == officer_id))
    wanted = sorted(set(roles))
    if wanted:
        await conn.execute(
            roles_table.insert(), [{"officer_id": officer_id, "role": r} for r in wanted]
        )


async def bind_officer_identity(
    conn: AsyncConnection, *, officer_id: int, channel: str, external_id: str, at: datetime
) -> None:
    """Make this chat the officer's one chat on `channel` (their previous one there is released).

    Raises `IdentityTaken` when another officer holds the chat; the caller must then let the
    transaction roll back. A chat the same person already uses as a requester is shared: an
    officer may file requests too.
    """
    ci = channel_identities
    chat = and_(ci.c.channel == channel, ci.c.external_id == external_id)
    current = select(ci.c.officer_id).where(chat)
    if conn.dialect.name == "postgresql":
        current = current.with_for_update()
    holder = (await conn.execute(current)).scalar_one_or_none()
    if holder == officer_id:
        return
    if holder is not None:
        raise IdentityTaken(channel=channel, officer_id=int(holder))
    await conn.execute(
        update(ci)
        .where(ci.c.officer_id == officer_id, ci.c.channel == channel)
        .values(officer_id=None, officer_bound_at=None)
    )
    upsert = insert_for(conn, ci).values(
        channel=channel, external_id=external_id, officer_id=officer_id, officer_bound_at=at
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=["channel", "external_id"],
        set_={"officer_id": upsert.excluded.officer_id, "officer_bound_at": at},
        # A concurrent bind may have won since the check above (PostgreSQL re-checks this).
        where=or_(ci.c.officer_id.is_(None), ci.c.officer_id == officer_id),
    ).returning(ci.c.officer_id)
    if (await conn.execute(upsert)).first() is None:
        winner = (await conn.execute(select(ci.c.officer_id).where(chat))).scalar_one()
        raise IdentityTaken(channel=channel, officer_id=int(winner))


async def officer_for_identity(
    conn: AsyncConnection, *, channel: str, external_id: str
) -> OfficerRecord | None:
    """The active officer behind a chat, or None (a requester, or a removed officer)."""
    stmt = (
        select(officers)
        .join(channel_identities, channel_identities.c.officer_id == officers.c.id)
        .where(
            channel_identities.c.channel == channel,
            channel_identities.c.external_id == external_id,
            officers.c.active.is_(True),
        )
    )
    found = await _officers(conn, (await conn.execute(stmt)).all())
    return found[0] if found else None


async def officer_identities(conn: AsyncConnection, *, officer_id: int) -> list[OfficerIdentity]:
    """The chats an officer is reached on (at most one per channel), by channel."""
    ci = channel_identities
    stmt = (
        select(ci.c.channel, ci.c.external_id, ci.c.officer_bound_at)
        .where(ci.c.officer_id == officer_id)
        .order_by(ci.c.channel)
    )
    return [
        OfficerIdentity(channel=channel, external_id=external_id, bound_at=bound_at)
        for channel, external_id, bound_at in await conn.execute(stmt)
    ]


async def create_invite(
    conn: AsyncConnection, *, officer_id: int, code_hash: str, at: datetime, expires_at: datetime
) -> None:
    """Store a one-time code's hash (core.officers.hash_invite_code), never the code.

    Codes the officer was given before and has not used stop working: only the newest counts.
    """
    await conn.execute(
        update(officer_invites)
        .where(
            officer_invites.c.officer_id == officer_id,
            officer_invites.c.used_at.is_(None),
            officer_invites.c.expires_at > at,
        )
        .values(expires_at=at)
    )
    await conn.execute(
        officer_invites.insert().values(
            code_hash=code_hash,
            officer_id=officer_id,
            created_at=at,
            expires_at=expires_at,
            used_at=None,
        )
    )


async def redeem_invite(
    conn: AsyncConnection, *, code_hash: str, channel: str, external_id: str, at: datetime
) -> OfficerRecord | None:
    """Use a code: bind the chat to its (active) officer; None if unknown, used or expired.

    The conditional UPDATE makes the code single-use even when two chats send it at once.
    Raises `IdentityTaken` (roll back: the code stays unused) if the chat is another officer's.
    """
    still_active = exists().where(
        officers.c.id == officer_invites.c.officer_id, officers.c.active.is_(True)
    )
    stmt = (
        update(officer_invites)
        .where(
            officer_invites.c.code_hash == code_hash,
            officer_invites.c.used_at.is_(None),
            officer_invites.c.expires_at > at,
            still_active,
        )
        .values(used_at=at)
        .returning(officer_invites.c.officer_id)
    )
    officer_id = (await conn.execute(stmt)).scalar_one_or_none()
    if officer_id is None:
        return None
    await bind_officer_identity(
        conn, officer_id=int(officer_id), channel=channel, external_id=external_id, at=at
    )
    return await get_officer(conn, officer_id=int(officer_id))


async def _officers(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[OfficerRecord]:
    """Records for officer rows, with their roles (one query for all of them)."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    roles: dict[int, list[str]] = {i: [] for i in ids}
    stmt = select(roles_table.c.officer_id, roles_table.c.role).where(
        roles_table.c.officer_id.in_(ids)
    )
    for officer_id, role in await conn.execute(stmt):
        roles[officer_id].append(role)
    return [
        OfficerRecord(
            id=row.id,
            agency=row.agency,
            name=row.name,
            nip=row.nip,
            active=row.active,
            created_at=row.created_at,
            roles=tuple(sorted(roles[row.id])),
        )
        for row in rows
    ]


# --------------------------------------------------------------------------- step alerts


async def record_alert(conn: AsyncConnection, *, ticket_id: int, key: str, at: datetime) -> bool:
    """Remember that an alert was sent; False when it already was (then do not send it)."""
    stmt = (
        insert_for(conn, ticket_alerts)
        .values(ticket_id=ticket_id, key=key, sent_at=at)
        .on_conflict_do_nothing(index_elements=["ticket_id", "key"])
        .returning(ticket_alerts.c.id)
    )
    return (await conn.execute(stmt)).first() is not None


async def alerts_sent(conn: AsyncConnection, *, ticket_id: int) -> set[str]:
    """Keys of the ticket's alerts already sent (core.workflow_alerts' `already_sent`)."""
    stmt = select(ticket_alerts.c.key).where(ticket_alerts.c.ticket_id == ticket_id)
    return {str(key) for key in (await conn.execute(stmt)).scalars()}


async def set_next_alert_at(conn: AsyncConnection, *, ticket_id: int, at: datetime | None) -> None:
    """When the scheduler should next look at the ticket (None: never, e.g. closed or paused)."""
    await conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(next_alert_at=at))


async def tickets_due_for_alert(
    conn: AsyncConnection, *, now: datetime, limit: int, agency: str | None = None
) -> list[TicketRecord]:
    """Up to `limit` tickets (of `agency` if given) whose next alert time has come, earliest first.

    Reads the `next_alert_at` indexes only, so a database shared by several agencies never hands
    one agency's tickets to another's sweep. On PostgreSQL the rows stay locked until the
    transaction ends and rows another sweep holds are skipped, so concurrent replicas never
    work on one ticket; set each ticket's next `next_alert_at` in the same transaction.
    """
    stmt = select(tickets).where(tickets.c.next_alert_at <= now)
    if agency is not None:
        stmt = stmt.where(tickets.c.agency == agency)
    stmt = stmt.order_by(tickets.c.next_alert_at, tickets.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return [_ticket(row) for row in await conn.execute(stmt)]


async def officer_chats(conn: AsyncConnection, *, channel: str, agency: str) -> list[str]:
    """The chats on `channel` bound to active officers of `agency` (for their command menus)."""
    ci = channel_identities
    stmt = (
        select(ci.c.external_id)
        .join(officers, officers.c.id == ci.c.officer_id)
        .where(ci.c.channel == channel, officers.c.agency == agency, officers.c.active)
        .order_by(ci.c.external_id)
    )
    return [row.external_id for row in (await conn.execute(stmt)).all()]
