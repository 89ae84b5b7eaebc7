"""Long polling (`getUpdates`) for servers without a public HTTPS URL.

An update is confirmed to Telegram (by asking for the next offset) only after it was handled
durably, so a crash or a database outage makes Telegram deliver it again; the inbox turns that
redelivery into a no-op.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot
from telegram import error as tg_error

from bot import metrics
from bot.pipeline import DurableWriteError
from bot.telegram.adapter import CHANNEL
from bot.telegram.sender import retry_after_seconds
from bot.telegram.service import TelegramService

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
# Raw updates, so one odd update cannot make a whole batch unreadable. Bot API method names are
# case-insensitive; the lower-case name keeps PTB from warning that `Bot.get_updates` exists.
_GET_UPDATES = "getupdates"


async def poll_forever(
    bot: Bot,
    service: TelegramService,
    *,
    poll_seconds: int = 30,
    max_backoff: float = 60.0,
) -> None:
    """Fetch and handle updates until cancelled."""
    offset: int | None = None
    backoff = 1.0
    while True:
        try:
            batch = await _get_updates(bot, offset, poll_seconds)
        except asyncio.CancelledError:
            raise
        except tg_error.RetryAfter as exc:
            await asyncio.sleep(retry_after_seconds(exc))
            continue
        except tg_error.Conflict:
            # Another instance polls, or a webhook is set: wait and try again.
            log.warning("getUpdates conflict: another poller or a webhook is active")
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)
            continue
        except Exception as exc:
            metrics.count_error(CHANNEL, "polling")
            log.warning("getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)
            continue
        backoff = 1.0
        for raw in batch:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            await _handle_until_stored(service, raw, max_backoff)
            if isinstance(update_id, int) and not isinstance(update_id, bool):
                offset = update_id + 1


async def _get_updates(bot: Bot, offset: int | None, poll_seconds: int) -> list[Any]:
    """One long-poll request, returning the raw JSON updates."""
    kwargs: dict[str, Any] = {"timeout": poll_seconds, "allowed_updates": ALLOWED_UPDATES}
    if offset is not None:
        kwargs["offset"] = offset
    result = await bot.do_api_request(
        _GET_UPDATES, api_kwargs=kwargs, read_timeout=poll_seconds + 10
    )
    return result if isinstance(result, list) else []


async def _handle_until_stored(service: TelegramService, raw: Any, max_backoff: float) -> None:
    """Handle one update, retrying while the database is down (never skipping it)."""
    backoff = 1.0
    while True:
        try:
            await service.handle_json(raw)
            return
        except DurableWriteError:
            log.warning("could not store a Telegram update; retrying in %.0f s", backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)
        except Exception as exc:
            # A bug on this one update must not stop polling for everyone: skip it.
            metrics.count_error(CHANNEL, "unprocessable")
            log.error("skipped a Telegram update that failed (%s)", type(exc).__name__)
            return
