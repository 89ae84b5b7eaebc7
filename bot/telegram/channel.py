"""The Telegram channel's life inside the server: build the bot from the settings, register its
sender, then (in the background, retrying while Telegram is unreachable) check the token,
publish the command menu, and either register the webhook or start long polling."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

import httpx
from telegram import Bot
from telegram import error as tg_error
from telegram.request import HTTPXRequest

from bot.deps import Runtime
from bot.telegram.adapter import CHANNEL
from bot.telegram.aiohttp_request import AiohttpRequest
from bot.telegram.commands import register_commands
from bot.telegram.files import FileFetcher
from bot.telegram.pacing import paced, telegram_pacer
from bot.telegram.polling import ALLOWED_UPDATES, poll_forever
from bot.telegram.sender import TelegramSender
from bot.telegram.service import TelegramService
from core.settings import Settings
from storage import repositories as repo
from storage.db import STORAGE_FAILURES

log = logging.getLogger(__name__)

MODES = ("polling", "webhook")
# What Telegram accepts as a webhook secret_token.
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(eq=False)
class TelegramRuntime:
    """What the webhook route and tests need from the running channel."""

    bot: Bot
    service: TelegramService
    mode: str
    webhook_secret: str
    # Set once the token was checked, the commands published and the webhook/polling set up.
    ready: asyncio.Event = field(default_factory=asyncio.Event)


def telegram_mode(settings: Settings) -> str:
    """`TELEGRAM_MODE`, polling by default (no public URL needed)."""
    mode = settings.telegram_mode.strip().lower() or "polling"
    if mode not in MODES:
        raise ValueError(f"TELEGRAM_MODE must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def webhook_secret(settings: Settings) -> str:
    """`TELEGRAM_WEBHOOK_SECRET`, or one derived from the token so a webhook is never unsigned."""
    secret = settings.telegram_webhook_secret.strip()
    if secret:
        if not _SECRET_SHAPE.match(secret):
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET may only hold 1-256 of A-Z, a-z, 0-9, _ and -"
            )
        return secret
    if not settings.telegram_bot_token:
        return ""
    key = settings.telegram_bot_token.encode("utf-8")
    return hmac.new(key, b"servicedesk telegram webhook", hashlib.sha256).hexdigest()


def make_bot(settings: Settings) -> Bot:
    """A Bot talking to `TELEGRAM_API_BASE_URL` (Telegram's, or a fake one in tests)."""
    return Bot(
        settings.telegram_bot_token,
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
        request=AiohttpRequest(
            connection_pool_size=32,
            connect_timeout=10.0,
            read_timeout=20.0,
            write_timeout=20.0,
            pool_timeout=10.0,
            media_write_timeout=60.0,
        ),
        get_updates_request=HTTPXRequest(connection_pool_size=1, connect_timeout=10.0),
    )


@asynccontextmanager
async def telegram_lifespan(runtime: Runtime) -> AsyncIterator[None]:
    """Run the channel while the app runs; does nothing without `TELEGRAM_BOT_TOKEN`."""
    settings = runtime.settings
    if not settings.telegram_bot_token:
        yield
        return
    mode = telegram_mode(settings)
    bot = make_bot(settings)
    http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))
    fetcher = FileFetcher(bot, http, max_bytes=settings.max_attachment_bytes)
    service = TelegramService(bot=bot, db=runtime.db, pipeline=runtime.pipeline, fetcher=fetcher)
    telegram = TelegramRuntime(
        bot=bot, service=service, mode=mode, webhook_secret=webhook_secret(settings)
    )
    runtime.services[CHANNEL] = telegram
    runtime.add_sender(
        CHANNEL, paced(TelegramSender(bot), telegram_pacer(processes=settings.workers))
    )
    task = asyncio.create_task(_run(telegram, settings), name="telegram")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        runtime.services.pop(CHANNEL, None)
        await http.aclose()
        await bot.shutdown()
        # PTB skips that when the bot never finished `initialize` (Telegram unreachable at
        # start), yet replies may have opened the Bot API connections since.
        await bot.request.shutdown()


async def _officer_chats(telegram: TelegramRuntime, settings: Settings) -> list[str]:
    """The Telegram chats bound to this agency's officers (they get the officers' menu)."""
    try:
        async with telegram.service.pipeline.db.transaction() as conn:
            return await repo.officer_chats(conn, channel=CHANNEL, agency=settings.agency)
    except STORAGE_FAILURES:
        log.warning("officer chats unreadable; the officers' menu waits for the next start")
        return []


async def _run(telegram: TelegramRuntime, settings: Settings) -> None:
    """Set the bot up, then poll (polling mode) or wait for the webhook's POSTs."""
    bot = telegram.bot
    try:
        await _retrying("getMe", bot.initialize)
        officers = await _officer_chats(telegram, settings)
        await _retrying("setMyCommands", lambda: register_commands(bot, officers))
        if telegram.mode == "webhook":
            if settings.telegram_webhook_url:
                await _retrying("setWebhook", lambda: _set_webhook(telegram, settings))
            else:
                log.info("Telegram webhook mode; TELEGRAM_WEBHOOK_URL unset, setWebhook skipped")
            telegram.ready.set()
            return
        # getUpdates is refused while a webhook is set; keep its pending updates.
        await _retrying("deleteWebhook", lambda: bot.delete_webhook(drop_pending_updates=False))
        telegram.ready.set()
        log.info("Telegram long polling started")
        await poll_forever(bot, telegram.service)
    except tg_error.InvalidToken:
        log.error("Telegram rejected TELEGRAM_BOT_TOKEN; the Telegram channel is off")


async def _set_webhook(telegram: TelegramRuntime, settings: Settings) -> None:
    """Point Telegram at our webhook, signed with the secret; pending updates are kept."""
    await telegram.bot.set_webhook(
        url=settings.telegram_webhook_url,
        secret_token=telegram.webhook_secret,
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=False,
    )
    log.info("Telegram webhook registered")


async def _retrying(
    what: str, call: Callable[[], Awaitable[object]], *, max_backoff: float = 60.0
) -> None:
    """Call until it succeeds, backing off while Telegram is unreachable or busy."""
    backoff = 1.0
    while True:
        try:
            await call()
            return
        except tg_error.InvalidToken:
            raise
        except tg_error.TelegramError as exc:
            log.warning(
                "Telegram %s failed (%s); retrying in %.0f s", what, type(exc).__name__, backoff
            )
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, max_backoff)
