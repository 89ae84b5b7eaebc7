"""One Telegram update from either the webhook or long polling, handled the same way:
convert → pipeline (durable) → acknowledge the tap.

Only a failed durable write escapes as `DurableWriteError` (the webhook answers 503 and polling
does not advance its offset, so Telegram delivers the update again). Everything else is logged
without personal data and acknowledged, with a polite notice to the requester when a person is
waiting for an answer.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime

from telegram import Bot, Message, Update
from telegram import error as tg_error

from bot import metrics, outbox_keys
from bot.messages import Outbound
from bot.pipeline import DurableWriteError, Pipeline
from bot.replies import record_and_reply
from bot.telegram import lean
from bot.telegram.adapter import CHANNEL, Origin, Unprocessable, origin_of, to_inbound
from bot.telegram.files import FetchFailed, FileFetcher, FileTooLarge
from core.clock import utcnow
from locales import Translate
from storage.db import STORAGE_FAILURES, Database

log = logging.getLogger(__name__)

Notice = Callable[[Translate], str]


class TelegramService:
    """Handles Telegram updates for one bot."""

    def __init__(
        self,
        *,
        bot: Bot,
        db: Database,
        pipeline: Pipeline,
        fetcher: FileFetcher,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.bot = bot
        self.db = db
        self.pipeline = pipeline
        self.fetcher = fetcher
        self.clock = clock

    async def handle_json(self, data: object) -> None:
        """Handle one update as the Bot API sent it (already JSON-decoded)."""
        if not isinstance(data, dict):
            _unprocessable("the body is not a JSON object")
            return
        try:
            update = Update.de_json(data, self.bot)
        except Exception as exc:
            _unprocessable(f"not an Update ({type(exc).__name__})")
            return
        await self.handle_update(update)

    async def handle_update(self, update: Update) -> None:
        """Handle one parsed update; raises only `DurableWriteError`."""
        try:
            origin = origin_of(update)
        except Exception as exc:
            _unprocessable(_reason(exc))
            return
        if origin is None:
            log.info("ignored a Telegram update of a kind the service does not handle")
            return
        try:
            await self._process(update, origin)
        finally:
            if update.callback_query is not None:
                await self._acknowledge_tap(update)

    async def _process(self, update: Update, origin: Origin) -> None:
        """Convert and run the pipeline, turning every failure but storage into a notice."""
        try:
            inbound = await to_inbound(update, origin, self.fetcher.fetch)
        except FileTooLarge as exc:
            await self._notify(origin, "too-large", _too_large_notice(exc))
            return
        except FetchFailed:
            metrics.count_error(CHANNEL, "download")
            log.warning("could not download a Telegram file (update %s)", origin.update_id)
            await self._notify(origin, "download-failed", _download_failed_notice)
            return
        except Exception as exc:
            _unprocessable(_reason(exc))
            return
        try:
            await self.pipeline.process(inbound)
        except DurableWriteError:
            raise
        except Exception:
            # A bug with this particular input: redelivery would fail the same way.
            log.exception("the dialog failed on Telegram update %s", origin.update_id)
            await self._notify(origin, "failed", _failed_notice)

    async def _notify(self, origin: Origin, kind: str, notice: Notice) -> None:
        """Record the update as handled and queue `notice` in the chat's language, durably."""
        now = self.clock()
        try:
            async with self.db.transaction() as conn:
                recorded = await record_and_reply(
                    conn,
                    channel=CHANNEL,
                    update_id=origin.update_id,
                    chat_id=origin.chat_id,
                    key=outbox_keys.direct(CHANNEL, origin.update_id, kind),
                    reply=lambda t: Outbound(text=notice(t)),
                    at=now,
                    fallback_locale=origin.language_code,
                )
        except STORAGE_FAILURES as exc:
            metrics.count_error(CHANNEL, "storage")
            raise DurableWriteError(type(exc).__name__) from exc
        if recorded.outbox_id is not None:
            await self.pipeline.deliver(CHANNEL, [recorded.outbox_id])

    async def _acknowledge_tap(self, update: Update) -> None:
        """Stop the button's spinner and remove the tapped keyboard (best effort, never raises)."""
        try:
            await self._answer_and_clear(update)
        except Exception as exc:
            log.warning("could not acknowledge a button tap: %s", type(exc).__name__)

    async def _answer_and_clear(self, update: Update) -> None:
        """answerCallbackQuery, then editMessageReplyMarkup without a keyboard."""
        query = update.callback_query
        if query is None or not isinstance(query.id, str):
            return
        try:
            await lean.call(self.bot, "answerCallbackQuery", callback_query_id=query.id)
        except tg_error.TelegramError as exc:
            # Usually a redelivered or very old tap ("query is too old"): nothing to do.
            log.info("answerCallbackQuery failed: %s", type(exc).__name__)
        message = query.message
        if isinstance(message, Message) and isinstance(message.message_id, int):
            try:
                await lean.call(
                    self.bot,
                    "editMessageReplyMarkup",
                    chat_id=message.chat.id,
                    message_id=message.message_id,
                )
            except tg_error.TelegramError as exc:
                log.info("could not remove a tapped keyboard: %s", type(exc).__name__)


def _unprocessable(reason: str) -> None:
    """Log and count an authentic update that cannot be used (the reason holds no user data)."""
    metrics.count_error(CHANNEL, "unprocessable")
    log.warning("acknowledged an unprocessable Telegram update: %s", reason)


def _reason(exc: Exception) -> str:
    """A loggable reason: our own messages are safe, others are reduced to the type name."""
    return str(exc) if isinstance(exc, Unprocessable) else type(exc).__name__


def _megabytes(size: int) -> int:
    """Whole megabytes, rounded up (so a file "over 20 MB" never reads as "20 MB")."""
    return max(1, math.ceil(size / (1024 * 1024)))


def _too_large_notice(exc: FileTooLarge) -> Notice:
    """The polite explanation for a file over a limit."""
    limit = _megabytes(exc.limit)

    def notice(t: Translate) -> str:
        if exc.telegram_limit:
            return t(
                "Mohon maaf, Telegram hanya mengizinkan bot menerima berkas sampai {limit} MB, "
                "sehingga berkas Bapak/Ibu belum dapat kami terima. Mohon perkecil berkasnya "
                "(misalnya pindai ulang dengan resolusi lebih rendah atau kompres PDF-nya), "
                "lalu kirim kembali."
            ).format(limit=limit)
        return t(
            "Mohon maaf, berkas Bapak/Ibu melebihi batas {limit} MB yang dapat kami terima. "
            "Mohon perkecil berkasnya, lalu kirim kembali."
        ).format(limit=limit)

    return notice


def _download_failed_notice(t: Translate) -> str:
    """The polite request to send a file again after a failed download."""
    return t("Mohon maaf, berkas Bapak/Ibu belum berhasil kami terima. Mohon kirim kembali.")


def _failed_notice(t: Translate) -> str:
    """The polite apology when the dialog could not handle a message."""
    return t(
        "Mohon maaf, terjadi kendala saat memproses pesan Bapak/Ibu. "
        "Silakan coba lagi, atau ketik /bantuan."
    )
