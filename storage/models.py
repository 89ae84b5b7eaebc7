"""Table definitions (SQLAlchemy 2 declarative). The migrations must match these exactly.

Repositories use the Core tables (`Ticket.__table__`, exported below as `tickets` etc.) for
speed; the ORM classes exist for metadata, Alembic and readable definitions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

# Deterministic constraint names, so later migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Requester(Base):
    __tablename__ = "requesters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    # Name, NIP, OPD and phone as last answered: offered back on the next request.
    profile: Mapped[dict[str, Any] | None]


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    nip: Mapped[str | None] = mapped_column(String(30))  # civil-servant number, for the BA


class OfficerRole(Base):
    __tablename__ = "officer_roles"

    officer_id: Mapped[int] = mapped_column(
        ForeignKey("officers.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(40), primary_key=True)


class ChannelIdentity(Base):
    __tablename__ = "channel_identities"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        # One chat per channel per officer (NULLs never clash, so requesters are unaffected).
        Index("uq_channel_identities_officer_id_channel", "officer_id", "channel", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(128))
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("requesters.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), index=True)
    # WhatsApp only allows free-form replies within 24 hours of the user's last message.
    last_inbound_at: Mapped[datetime | None]
    officer_bound_at: Mapped[datetime | None]  # when officer_id was set (CLI or /daftar)


class TicketCounter(Base):
    __tablename__ = "ticket_counters"

    agency: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer)


# Tickets still holding personal data (storage.repositories.privacy marks anonymised ones).
NOT_ANONYMISED = "chat_id <> 'anonim'"


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("agency", "year", "seq"),
        Index("ix_tickets_requester_id_created_at", "requester_id", "created_at"),
        # The coordinators' SLA report reads the open tickets and those closed yesterday.
        Index("ix_tickets_agency_status", "agency", "status"),
        Index("ix_tickets_agency_next_alert_at", "agency", "next_alert_at"),
        # The API pages an agency's tickets in (updated_at, id) order; reports read by creation.
        Index("ix_tickets_agency_updated_at_id", "agency", "updated_at", "id"),
        Index("ix_tickets_agency_created_at", "agency", "created_at"),
        # Retention reads only the closed tickets not anonymised yet, oldest first.
        Index(
            "ix_tickets_closed_at_not_anonymised",
            "closed_at",
            sqlite_where=text(NOT_ANONYMISED),
            postgresql_where=text(NOT_ANONYMISED),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    agency: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(40))
    product: Mapped[str | None] = mapped_column(String(40))
    requester_id: Mapped[int] = mapped_column(ForeignKey("requesters.id"))
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(128))
    fields: Mapped[dict[str, Any]]
    requirements: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20))
    step: Mapped[str | None] = mapped_column(String(40))
    assigned_role: Mapped[str | None] = mapped_column(String(40))
    assigned_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    created_at: Mapped[datetime]
    start_at: Mapped[datetime]
    target_at: Mapped[datetime | None]
    # Sweeps for overdue tickets read these indexes, so their cost follows what is due.
    due_at: Mapped[datetime] = mapped_column(index=True)
    step_due_at: Mapped[datetime | None] = mapped_column(index=True)
    paused_at: Mapped[datetime | None]
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    step_started_at: Mapped[datetime | None]  # times the step's warnings (core.workflow_alerts)
    # The scheduler selects `next_alert_at <= now`, so a sweep reads only what is due.
    next_alert_at: Mapped[datetime | None] = mapped_column(index=True)
    event_at: Mapped[datetime | None] = mapped_column(index=True)  # the event's start, if any
    priority: Mapped[int | None] = mapped_column(SmallInteger)  # 0 high, 1 medium, 2 low


class TicketAlert(Base):
    """A warning or escalation already sent (its key is unique within the ticket)."""

    __tablename__ = "ticket_alerts"
    __table_args__ = (UniqueConstraint("ticket_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    key: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[datetime]


class OfficerInvite(Base):
    """A one-time code an officer sends to the bot (`/daftar CODE`) to bind their chat."""

    __tablename__ = "officer_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # sha256 of the normalised code: a leaked database does not leak usable codes.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RequesterLink(Base):
    """A one-time code (`/tautkan`) that joins another chat of the same person to a requester."""

    __tablename__ = "requester_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # sha256 of the normalised code, as for officer invites.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requesters.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]]


class Attachment(Base):
    __tablename__ = "attachments"
    # The upload quota sums one chat's files that are not on a ticket yet.
    __table_args__ = (
        Index("ix_attachments_owner_channel_owner_chat_id", "owner_channel", "owner_chat_id"),
        # A discarded upload's file is deleted only when no other row has the same content.
        Index("ix_attachments_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    owner_channel: Mapped[str] = mapped_column(String(20))
    owner_chat_id: Mapped[str] = mapped_column(String(128))
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(128))
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("requesters.id"))
    agency: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]]
    locale: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer)


class InboxEntry(Base):
    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    update_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(index=True)


_UNREPORTED_FAILURE = "status = 'failed' AND failure_reported_at IS NULL"


class OutboxEntry(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        # Keeps a chat's messages in order: later rows wait while an earlier one is deferred.
        Index("ix_outbox_channel_recipient_status", "channel", "recipient", "status"),
        # Retention deletes messages older than the agency keeps personal data.
        Index("ix_outbox_created_at", "created_at"),
        # The failure report reads only the failures not yet told to the coordinators.
        Index(
            "ix_outbox_unreported_failures",
            "id",
            sqlite_where=text(_UNREPORTED_FAILURE),
            postgresql_where=text(_UNREPORTED_FAILURE),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # When the coordinators were told that this message failed for good (bot.sweeps).
    failure_reported_at: Mapped[datetime | None] = mapped_column(index=True)
    # The server (storage.replica) that claimed the message and has not marked it yet.
    lease_holder: Mapped[str | None] = mapped_column(String(100), index=True)


class ScheduledRun(Base):
    """A periodic job's run for one period (e.g. a day's digest), so replicas run it once."""

    __tablename__ = "scheduled_runs"

    job: Mapped[str] = mapped_column(String(60), primary_key=True)
    period: Mapped[str] = mapped_column(String(20), primary_key=True)
    done_at: Mapped[datetime]


class SurveyResponse(Base):
    """One requester's satisfaction survey (SKM, PermenPANRB 14/2017) about one ticket.

    The row is the invitation, made once when the ticket is finished; each element's answer
    (1-4, NULL: skipped or not yet answered) is written as the requester taps it, so nothing is
    recorded without the requester's own tap and an abandoned survey keeps what was given.
    """

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requesters.id"), index=True)
    agency: Mapped[str] = mapped_column(String(40))
    service: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # invited, started, answered, cancelled
    invited_at: Mapped[datetime]
    answered_at: Mapped[datetime | None] = mapped_column(index=True)  # the last answer's time
    u1: Mapped[int | None] = mapped_column(SmallInteger)
    u2: Mapped[int | None] = mapped_column(SmallInteger)
    u3: Mapped[int | None] = mapped_column(SmallInteger)
    u4: Mapped[int | None] = mapped_column(SmallInteger)
    u5: Mapped[int | None] = mapped_column(SmallInteger)
    u6: Mapped[int | None] = mapped_column(SmallInteger)
    u7: Mapped[int | None] = mapped_column(SmallInteger)
    u8: Mapped[int | None] = mapped_column(SmallInteger)
    u9: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    # The regulation's optional respondent profile, as the codes of the choices offered.
    usia: Mapped[str | None] = mapped_column(String(20))
    jenis_kelamin: Mapped[str | None] = mapped_column(String(20))
    pendidikan: Mapped[str | None] = mapped_column(String(20))
    pekerjaan: Mapped[str | None] = mapped_column(String(20))


class AppSecret(Base):
    """A secret the app generated once and every replica shares (e.g. the web cookie key)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class ApiToken(Base):
    """A token of the read-only REST API (bot.api): one agency's data, some scopes."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))  # who uses it, e.g. "dasbor-kantor"
    scopes: Mapped[str] = mapped_column(String(200))  # comma list, e.g. "tickets:read"
    # sha256 of the token: a leaked database holds no usable token (core.api_tokens).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]  # updated at most once a minute


class AccessLogEntry(Base):
    """Who read what personal data, through which channel (append-only: no update, no delete).

    `ticket_id` has no foreign key on purpose: the record of a read must outlive the ticket.
    `detail` is short and never holds personal data itself.
    """

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_actor_kind_actor_id", "actor_kind", "actor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    agency: Mapped[str] = mapped_column(String(40))
    actor_kind: Mapped[str] = mapped_column(String(20))  # "officer", "token" or "cli"
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))  # api, telegram, whatsapp, web, cli
    action: Mapped[str] = mapped_column(String(60))  # e.g. "ticket.view", "tickets.list"
    ticket_id: Mapped[int | None] = mapped_column(Integer, index=True)
    ticket_ref: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(200))


metadata = Base.metadata

requesters: Table = Requester.__table__  # type: ignore[assignment]
requester_links: Table = RequesterLink.__table__  # type: ignore[assignment]
officers: Table = Officer.__table__  # type: ignore[assignment]
officer_roles: Table = OfficerRole.__table__  # type: ignore[assignment]
channel_identities: Table = ChannelIdentity.__table__  # type: ignore[assignment]
ticket_counters: Table = TicketCounter.__table__  # type: ignore[assignment]
tickets: Table = Ticket.__table__  # type: ignore[assignment]
ticket_events: Table = TicketEvent.__table__  # type: ignore[assignment]
attachments: Table = Attachment.__table__  # type: ignore[assignment]
conversations: Table = Conversation.__table__  # type: ignore[assignment]
inbox: Table = InboxEntry.__table__  # type: ignore[assignment]
outbox: Table = OutboxEntry.__table__  # type: ignore[assignment]
ticket_alerts: Table = TicketAlert.__table__  # type: ignore[assignment]
officer_invites: Table = OfficerInvite.__table__  # type: ignore[assignment]
scheduled_runs: Table = ScheduledRun.__table__  # type: ignore[assignment]
app_secrets: Table = AppSecret.__table__  # type: ignore[assignment]
survey_responses: Table = SurveyResponse.__table__  # type: ignore[assignment]
api_tokens: Table = ApiToken.__table__  # type: ignore[assignment]
access_log: Table = AccessLogEntry.__table__  # type: ignore[assignment]
