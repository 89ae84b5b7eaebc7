"""What one authenticated webhook batch does: each message becomes an `Inbound` for the
pipeline, in order; statuses are only logged.

A few messages are answered here without the dialog engine, each in one transaction that
records the message in the inbox (so a redelivery changes nothing) and stamps the contact's
last inbound time (the 24-hour window): the "Lainnya…" row of a long list, message kinds the
desk cannot use (voice notes, stickers, locations...), and files too big or impossible to fetch.
"""

from __future__ import annotations

import logging
import math
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import metrics, outbox_keys
from bot.messages import Inbound, InboundAttachment, Outbound
from bot.pipeline import DurableWriteError, Pipeline
from bot.replies import record_and_reply
from bot.whatsapp import media as wmedia
from bot.whatsapp import render as wrender
from bot.whatsapp.payload import MEDIA_KINDS, SILENT_KINDS, Batch, WaMessage, WaStatus
from core.settings import Settings
from locales import Translator, normalize
from storage import repositories as repo
from storage.db import STORAGE_FAILURES, Database

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
TEXT_KINDS = ("text", "button")
# How far back a "Lainnya…" tap looks for the list it belongs to.
RECENT_LISTS = 50

Reply = Callable[[Translator], Outbound]


@dataclass
class WebhookContext:
    """What handling a batch needs from the running app."""

    settings: Settings
    db: Database
    pipeline: Pipeline
    client: httpx.AsyncClient
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


async def handle_batch(ctx: WebhookContext, batch: Batch) -> None:
    """Handle every event in order. Raises `DurableWriteError` only (then Meta redelivers)."""
    if batch.skipped:
        metrics.count_error(CHANNEL, "unprocessable")
        log.warning("whatsapp webhook: skipped %d unreadable item(s)", batch.skipped)
    for event in batch.events:
        try:
            if isinstance(event, WaStatus):
                _note_status(event)
            else:
                await handle_message(ctx, event)
        except DurableWriteError:
            raise
        except STORAGE_FAILURES as exc:
            metrics.count_error(CHANNEL, "storage")
            raise DurableWriteError(type(exc).__name__) from exc
        except Exception as exc:
            # A bug with this one input: keep going, so one bad message cannot block the rest
            # (Meta would redeliver the whole batch for days). Only the class name and frames
            # are logged: exception texts may quote the message.
            metrics.count_error(CHANNEL, "dialog")
            log.error(
                "whatsapp message not handled (%s)\n%s",
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )


async def handle_message(ctx: WebhookContext, message: WaMessage) -> None:
    """One message: to the pipeline, or answered here (see the module docstring)."""
    configured = ctx.settings.whatsapp_phone_number_id
    if configured and message.phone_number_id and message.phone_number_id != configured:
        log.info("whatsapp message for another phone number id ignored")
        return
    if message.kind in SILENT_KINDS:
        return
    if message.choice is not None:
        digest = wrender.parse_more_choice(message.choice)
        if digest is not None:
            await _reply_with_more(ctx, message, digest)
            return
        await ctx.pipeline.process(_inbound(ctx, message, choice=message.choice))
        return
    if message.kind in TEXT_KINDS:
        if message.text is None:
            log.info("whatsapp %s message without text ignored", message.kind)
            return
        await ctx.pipeline.process(_inbound(ctx, message, text=message.text))
        return
    if message.kind in MEDIA_KINDS and message.media is not None:
        await _handle_media(ctx, message)
        return
    await reply_directly(ctx, message, _unsupported)


async def _handle_media(ctx: WebhookContext, message: WaMessage) -> None:
    """Download the file through the Graph API, then hand it to the pipeline."""
    assert message.media is not None
    media = message.media
    try:
        data, mime = await wmedia.download(ctx.client, ctx.settings, media.media_id)
    except wmedia.MediaTooLarge:
        limit = ctx.settings.max_attachment_bytes
        await reply_directly(ctx, message, lambda t: _too_large(t, limit))
        return
    except wmedia.MediaUnavailable as exc:
        metrics.count_error(CHANNEL, "media")
        log.warning("whatsapp media not downloaded: %s", exc)
        await reply_directly(ctx, message, _unavailable)
        return
    attachment = InboundAttachment(
        data=data,
        filename=media.filename[:255] if media.filename else None,
        mime_hint=media.mime_type or mime,
    )
    await ctx.pipeline.process(_inbound(ctx, message, text=media.caption, attachment=attachment))


def _inbound(
    ctx: WebhookContext,
    message: WaMessage,
    *,
    text: str | None = None,
    choice: str | None = None,
    attachment: InboundAttachment | None = None,
) -> Inbound:
    """The pipeline's view of a WhatsApp message (wa_id is both the chat and the speaker)."""
    return Inbound(
        channel=CHANNEL,
        chat_id=message.sender,
        user_id=message.sender,
        update_id=message.message_id,
        text=text,
        choice=choice,
        attachment=attachment,
        display_name=message.display_name,
        received_at=_received_at(ctx, message),
    )


def _received_at(ctx: WebhookContext, message: WaMessage) -> datetime:
    """When the contact wrote: Meta's timestamp, but never in our future."""
    now = ctx.clock()
    if message.timestamp is None:
        return now
    return min(message.timestamp, now)


async def reply_directly(ctx: WebhookContext, message: WaMessage, reply: Reply) -> None:
    """Record `message` and queue `reply` in one transaction, then send it right away."""
    metrics.UPDATES_IN.labels(channel=CHANNEL).inc()
    now = ctx.clock()
    try:
        async with ctx.db.transaction() as conn:
            outbox_id = await _record_and_queue(conn, ctx, message, reply, now)
    except STORAGE_FAILURES as exc:
        metrics.count_error(CHANNEL, "storage")
        raise DurableWriteError(type(exc).__name__) from exc
    if outbox_id is not None:
        await ctx.pipeline.deliver(CHANNEL, [outbox_id])


async def _record_and_queue(
    conn: AsyncConnection, ctx: WebhookContext, message: WaMessage, reply: Reply, now: datetime
) -> int | None:
    """The inbox row, the window stamp and the queued reply; None for a redelivery."""
    recorded = await record_and_reply(
        conn,
        channel=CHANNEL,
        update_id=message.message_id,
        chat_id=message.sender,
        key=outbox_keys.direct(CHANNEL, message.message_id, "direct"),
        reply=reply,
        at=now,
        fallback_locale=ctx.settings.locale,
    )
    if not recorded.fresh:
        metrics.DUPLICATES.labels(channel=CHANNEL).inc()
        return None
    # The requester's last message opens WhatsApp's 24-hour window: stamp it.
    await repo.get_or_create_requester(
        conn,
        channel=CHANNEL,
        external_id=message.sender,
        display_name=message.display_name,
        at=now,
        locale=normalize(ctx.settings.locale),
    )
    return recorded.outbox_id


async def _reply_with_more(ctx: WebhookContext, message: WaMessage, digest: str) -> None:
    """Answer a "Lainnya…" tap with the rest of the list it was under."""
    now = ctx.clock()
    metrics.UPDATES_IN.labels(channel=CHANNEL).inc()
    try:
        async with ctx.db.transaction() as conn:
            original = await _find_list(conn, message.sender, digest)
            rest = (
                wrender.rest_after_first_page(wrender.unique_choices(original.choices))
                if original
                else []
            )

            def reply(t: Translator) -> Outbound:
                if not rest:
                    return Outbound(
                        text=t(
                            "Daftar pilihan itu sudah tidak berlaku. "
                            "Silakan pilih dari pesan kami yang terbaru."
                        )
                    )
                return Outbound(text=t("Pilihan lainnya:"), choices=tuple(rest))

            outbox_id = await _record_and_queue(conn, ctx, message, reply, now)
    except STORAGE_FAILURES as exc:
        metrics.count_error(CHANNEL, "storage")
        raise DurableWriteError(type(exc).__name__) from exc
    if outbox_id is not None:
        await ctx.pipeline.deliver(CHANNEL, [outbox_id])


async def _find_list(conn: AsyncConnection, recipient: str, digest: str) -> Outbound | None:
    """The recent message to `recipient` whose long choice list has fingerprint `digest`."""
    payloads = await repo.recent_outbox_payloads(
        conn, channel=CHANNEL, recipient=recipient, limit=RECENT_LISTS
    )
    for payload in payloads:
        if len(payload.get("choices") or ()) <= wrender.MAX_ROWS:
            continue
        try:
            candidate = Outbound.from_payload(payload)
        except (KeyError, TypeError, ValueError):
            continue
        if wrender.fingerprint(wrender.unique_choices(candidate.choices)) == digest:
            return candidate
    return None


def _note_status(status: WaStatus) -> None:
    """Log a delivery status (they may arrive before, after or without their message)."""
    if status.status == "failed":
        metrics.count_error(CHANNEL, "delivery_status")
        log.warning(
            "whatsapp message delivery failed, Meta error codes %s", list(status.error_codes)
        )
    else:
        log.debug("whatsapp message %s", status.status)


def _unsupported(t: Translator) -> Outbound:
    """The answer to voice notes, stickers, locations, contacts..."""
    return Outbound(
        text=t(
            "Mohon maaf, jenis pesan ini belum dapat kami proses. "
            "Silakan kirim pesan teks, foto, atau dokumen."
        )
    )


def _too_large(t: Translator, limit: int) -> Outbound:
    """The answer to a file over the size limit (in MB, e.g. "10" or "0,5")."""
    # Rounded down: the limit shown must never be more than what is accepted.
    size = format_decimal(math.floor(limit * 10 / (1024 * 1024)) / 10, locale=t.locale)
    return Outbound(
        text=t("Mohon maaf, berkas terlalu besar. Ukuran maksimal {size} MB.").format(size=size)
    )


def _unavailable(t: Translator) -> Outbound:
    """The answer when WhatsApp would not give us the file."""
    return Outbound(
        text=t("Mohon maaf, berkas tidak dapat kami ambil dari WhatsApp. Silakan kirim ulang.")
    )
