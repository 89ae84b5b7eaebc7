"""An update answered with one message of our own instead of the dialog's: the engine's apology
after a failed dialog, a channel's "file too large" or "more choices". Recorded in the inbox and
queued in the same transaction, so a redelivered update is answered once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.messages import Outbound
from locales import Translator, normalize, translator
from storage import repositories as repo


class Recorded(NamedTuple):
    """What `record_and_reply` did: `fresh` False for a redelivered update (nothing queued)."""

    fresh: bool
    outbox_id: int | None = None
    message: Outbound | None = None  # the reply as queued


async def record_and_reply(
    conn: AsyncConnection,
    *,
    channel: str,
    update_id: str | None,
    chat_id: str,
    key: str,
    reply: Callable[[Translator], Outbound],
    at: datetime,
    fallback_locale: str | None,
) -> Recorded:
    """Record the update as handled and queue `reply` in the chat's language (the stored
    conversation's, else `fallback_locale`); nothing when the update was handled already."""
    if update_id is not None and not await repo.record_inbound(
        conn, channel=channel, update_id=update_id, at=at
    ):
        return Recorded(fresh=False)
    conversation = await repo.load_conversation(conn, channel=channel, chat_id=chat_id)
    locale = normalize(conversation.locale if conversation else fallback_locale)
    message = reply(translator(locale))
    outbox_id = await repo.enqueue(
        conn, key=key, channel=channel, recipient=chat_id, payload=message.to_payload(), at=at
    )
    return Recorded(fresh=True, outbox_id=outbox_id, message=message)
