"""The dialog engine: one inbound message → one database transaction.

Inside that transaction: dedupe the update, find the requester, load the conversation, run the
intake dialog (or a command), create the ticket when confirmed, save the conversation and queue
every reply in the outbox. Either all of it is committed or none of it, so a crash never leaves
a ticket without its state (or the reverse), and a redelivered update changes nothing.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import outbox_keys
from bot.desk import file_ticket, first_free_start
from bot.dialogs import intake
from bot.dialogs.state import (
    PROFILE_FIELDS,
    Context,
    FileTicket,
    State,
    Step,
    StoredUpload,
    Turn,
    UploadProblem,
)
from bot.handlers.base import Request
from bot.handlers.commands import route
from bot.messages import Inbound, Outbound
from bot.notify import WHATSAPP, deferred_survey_invitation
from bot.office import Desk
from bot.replies import record_and_reply
from core.catalog.loader import load_catalog
from core.catalog.matching import matcher_for
from core.catalog.schema import Catalog
from core.clock import utcnow
from core.settings import Settings
from core.sla.calendar import WorkingCalendar, calendar_for
from locales import Translator, normalize, translator
from storage import repositories as repo
from storage.attachments import (
    AttachmentRejected,
    AttachmentStore,
    AttachmentTooLarge,
    UploadQuota,
)
from storage.db import Database, can_retry

log = logging.getLogger(__name__)

_STATES = frozenset(state.value for state in State)
# Before a request's first questions (service, product): only then are the requester's
# remembered details read, to be offered where those questions start.
_CHOOSING = frozenset(
    {State.IDLE, State.CHOOSE_SERVICE, State.CONFIRM_SERVICE, State.CHOOSE_PRODUCT}
)


@dataclass
class HandleResult:
    duplicate: bool
    replies: list[Outbound] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    # The rows claimed for sending in the update's transaction (`Claim`), in id order; None
    # when no claim was made there (none asked, or the apology after a rollback).
    claimed: list[repo.OutboxRecord] | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """Claim the replies for immediate sending inside the update's own transaction: one
    transaction per update instead of two, and no sweep can take them in between."""

    channels: tuple[str, ...]
    holder: str | None = None


class DialogEngine:
    """Runs the intake dialog for one agency on one database."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        catalog: Catalog | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.catalog = catalog or load_catalog(settings.agency, extra_dir=settings.catalog_dir)
        self.agency = self.catalog.agency.code
        self.calendar = calendar or calendar_for(
            self.catalog.agency, extra_dir=settings.calendar_dir
        )
        self.matcher = matcher_for(self.catalog)
        self.store = AttachmentStore.from_settings(settings)
        self.default_locale = normalize(settings.locale)
        self._capacity_services = [s for s in self.catalog.services if s.daily_capacity]

    async def handle(self, msg: Inbound, *, claim: Claim | None = None) -> HandleResult:
        """Process one inbound message; replies are queued in the outbox (their ids returned)
        and, with `claim`, claimed for the caller to send."""
        now = self.clock()
        try:
            async with self.db.transaction() as conn:
                result = await self._handle(conn, msg, now)
                if claim is not None and not result.duplicate:
                    result.claimed = await repo.claim_outbox(
                        conn,
                        now=now,
                        limit=len(result.outbox_ids),
                        ids=result.outbox_ids,
                        channels=claim.channels,
                        holder=claim.holder,
                    )
                return result
        except Exception as exc:
            if can_retry(exc):
                # Nothing was recorded (not even the inbox row): the channel answers non-2xx and
                # the platform delivers the update again, instead of the user being asked to
                # resend.
                raise
            # Texts of exceptions may quote the message or bound SQL parameters: log frames only.
            log.error(
                "dialog failed on %s (%s); rolled back\n%s",
                msg.channel,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            return await self._apologise(msg, now, exc)

    async def _handle(self, conn: AsyncConnection, msg: Inbound, now: datetime) -> HandleResult:
        if msg.update_id is not None and not await repo.record_inbound(
            conn, channel=msg.channel, update_id=msg.update_id, at=now
        ):
            return HandleResult(duplicate=True)
        requester_id = await repo.get_or_create_requester(
            conn,
            channel=msg.channel,
            external_id=msg.user_id,
            display_name=msg.display_name,
            at=now,
            locale=self.default_locale,
        )
        record = await repo.load_conversation(
            conn, channel=msg.channel, chat_id=msg.chat_id, for_update=True
        )
        turn = self._turn(record)
        upload = await self._store_upload(conn, msg, turn, now)
        desk = self.desk(now)
        ctx = Context(
            catalog=self.catalog,
            calendar=self.calendar,
            now=now,
            match=self.matcher.match,
            upload=upload,
            first_contact=record is None,
            starts=await self._capacity_starts(conn, desk),
            profile=await self._profile(conn, turn, requester_id),
        )
        step, requester_id = await self._run(conn, msg, turn, ctx, requester_id, desk)
        replies = list(step.replies)
        for ticket in step.effects:
            filed, ref = await self._file(conn, msg, ticket, requester_id, desk)
            replies += intake.filed_replies(
                filed, ref, Turn(step.state, step.data, step.locale), ctx
            )
        await repo.save_conversation(
            conn,
            channel=msg.channel,
            chat_id=msg.chat_id,
            requester_id=requester_id,
            agency=self.agency,
            state=str(step.state),
            data=step.data,
            locale=step.locale,
            at=now,
        )
        ids = await self._enqueue(conn, msg, replies, now)
        return HandleResult(duplicate=False, replies=replies, outbox_ids=ids + desk.queued)

    def _turn(self, record: repo.ConversationRecord | None) -> Turn:
        """The stored conversation; a dialog from another agency's catalog starts over."""
        if record is None:
            return Turn(State.IDLE, {}, self.default_locale)
        locale = normalize(record.locale)
        if record.agency != self.agency or record.state not in _STATES:
            return Turn(State.IDLE, {}, locale)
        return intake.repair(
            Turn(State(record.state), dict(record.data or {}), locale), self.catalog
        )

    async def _profile(
        self, conn: AsyncConnection, turn: Turn, requester_id: int
    ) -> dict[str, str]:
        """The requester's remembered details, read only where a service may be chosen next."""
        if turn.state not in _CHOOSING:
            return {}
        return await repo.load_profile(conn, requester_id=requester_id)

    async def _capacity_starts(self, conn: AsyncConnection, desk: Desk) -> dict[str, datetime]:
        """For services with a daily capacity: when a request made now starts (no query at all
        when the catalog sets none)."""
        if not self._capacity_services:
            return {}
        return {
            service.code: await first_free_start(conn, desk=desk, service=service, at=desk.now)
            for service in self._capacity_services
        }

    def desk(self, now: datetime) -> Desk:
        """The officer side's view of this agency at `now`."""
        return Desk(
            catalog=self.catalog,
            calendar=self.calendar,
            default_locale=self.default_locale,
            now=now,
            store=self.store,
        )

    async def _run(
        self,
        conn: AsyncConnection,
        msg: Inbound,
        turn: Turn,
        ctx: Context,
        requester_id: int,
        desk: Desk,
    ) -> tuple[Step, int]:
        """The answer, and the requester the conversation belongs to after it (/tautkan may
        have joined this chat to another requester)."""
        request = Request(
            conn=conn,
            desk=desk,
            ctx=ctx,
            msg=msg,
            turn=turn,
            requester_id=requester_id,
        )
        step = await route(request)
        if msg.channel == WHATSAPP and step.state is State.IDLE:
            # The requester wrote, so WhatsApp's window is open again: a survey invitation that
            # waited for it goes out now, with its buttons.
            invitation = await deferred_survey_invitation(
                conn, requester_id=request.requester_id, at=desk.now, t=translator(step.locale)
            )
            if invitation is not None:
                step = replace(step, replies=[*step.replies, invitation])
        return step, request.requester_id

    async def _store_upload(
        self, conn: AsyncConnection, msg: Inbound, turn: Turn, now: datetime
    ) -> StoredUpload | UploadProblem | None:
        """Store a file only when it answers the current question (a document), within the
        quota of files on no ticket yet; the upload it replaces (the same document sent again,
        e.g. after "Ubah") is deleted."""
        if msg.attachment is None or not intake.wants_upload(turn):
            return None
        replaced = _replaced_upload(turn)
        refusal = await repo.upload_refusal(
            conn,
            store=self.store,
            quota=UploadQuota.from_settings(self.settings),
            channel=msg.channel,
            chat_id=msg.chat_id,
            size=msg.attachment.size,
            replacing=replaced,
        )
        if refusal is not None:
            return UploadProblem(refusal)
        try:
            saved = await repo.save_attachment(
                conn,
                store=self.store,
                data=msg.attachment.content,
                filename=msg.attachment.filename,
                mime_hint=msg.attachment.mime_hint,
                channel=msg.channel,
                chat_id=msg.chat_id,
                at=now,
            )
        except AttachmentTooLarge:
            return UploadProblem("too_large", self.store.max_bytes)
        except AttachmentRejected:
            return UploadProblem("rejected")
        if replaced is not None:
            await repo.discard_upload(
                conn, store=self.store, id=replaced, channel=msg.channel, chat_id=msg.chat_id
            )
        return StoredUpload(attachment_id=saved.id, filename=saved.filename, size=saved.size)

    async def _file(
        self,
        conn: AsyncConnection,
        msg: Inbound,
        ticket: FileTicket,
        requester_id: int,
        desk: Desk,
    ) -> tuple[FileTicket, str]:
        """Create the ticket at its procedure's first step and link its files; the request as
        stored (its times are what the requester is told) and the ticket's ref."""
        created = await file_ticket(
            conn,
            desk=desk,
            service=ticket.service,
            product=ticket.product,
            fields=ticket.fields,
            requirements=ticket.requirements,
            requester_id=requester_id,
            channel=msg.channel,
            chat_id=msg.chat_id,
            attachment_ids=ticket.attachment_ids,
        )
        # Their details are offered back on the next request (PROFILE_FIELDS).
        remembered = {
            PROFILE_FIELDS[code]: str(value)
            for code, value in ticket.fields.items()
            if code in PROFILE_FIELDS and isinstance(value, str) and value
        }
        if remembered:
            await repo.save_profile(conn, requester_id=requester_id, profile=remembered)
        stored = ticket.stored_as(
            start=created.start_at,
            target=created.target_at,
            due=created.due_at,
            step=created.step,
            role=created.assigned_role,
            step_due=created.step_due_at,
        )
        return stored, created.ref

    async def _enqueue(
        self, conn: AsyncConnection, msg: Inbound, replies: list[Outbound], now: datetime
    ) -> list[int]:
        """Queue the replies in order; a redelivered update cannot queue them twice."""
        update = msg.update_id or uuid.uuid4().hex
        ids: list[int] = []
        for index, reply in enumerate(replies):
            queued = await repo.enqueue(
                conn,
                key=outbox_keys.reply(msg.channel, update, index),
                channel=msg.channel,
                recipient=msg.chat_id,
                payload=reply.to_payload(),
                at=now,
            )
            if queued is not None:
                ids.append(queued)
        return ids

    async def _apologise(self, msg: Inbound, now: datetime, error: Exception) -> HandleResult:
        """After a rollback: queue a polite apology; the conversation stays as it was."""
        try:
            async with self.db.transaction() as conn:
                recorded = await record_and_reply(
                    conn,
                    channel=msg.channel,
                    update_id=msg.update_id,
                    chat_id=msg.chat_id,
                    key=outbox_keys.reply(msg.channel, msg.update_id or uuid.uuid4().hex, 0),
                    reply=_apology,
                    at=now,
                    fallback_locale=self.default_locale,
                )
        except Exception:
            # Not even the apology could be stored: let the caller ask for a redelivery.
            raise error from None
        if not recorded.fresh:
            return HandleResult(duplicate=True)
        return HandleResult(
            duplicate=False,
            replies=[recorded.message] if recorded.message else [],
            outbox_ids=[recorded.outbox_id] if recorded.outbox_id is not None else [],
        )


def _replaced_upload(turn: Turn) -> int | None:
    """The upload already answering the document being asked (intake keeps answers in
    `docs[code]`, the code asked in `doc`), which a new upload replaces."""
    docs = turn.data.get("docs")
    answer = docs.get(turn.data.get("doc")) if isinstance(docs, dict) else None
    if isinstance(answer, dict) and isinstance(answer.get("attachment_id"), int):
        return int(answer["attachment_id"])
    return None


def _apology(t: Translator) -> Outbound:
    return Outbound(
        text=t(
            "Maaf, terjadi gangguan saat memproses pesan Bapak/Ibu. Jawaban sebelumnya tetap "
            "tersimpan; silakan kirim ulang pesan terakhir sebentar lagi."
        )
    )
