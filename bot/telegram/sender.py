"""Sends `Outbound` messages through the Bot API, translating Telegram's errors into the outbox's:
429 becomes `RetryAfter` (only that chat's row waits; other chats carry on), a blocked bot, a
missing chat or text that cannot be encoded becomes `PermanentFailure`, and network trouble is
left to the outbox's backoff. A message of several calls that failed part way is sent on from
where it stopped (`bot.half_sent`)."""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial

from telegram import Bot, InputFile
from telegram import error as tg_error

from bot.delivery import PermanentFailure, RetryAfter
from bot.half_sent import HalfSent
from bot.handlers.commands import Audience
from bot.messages import Outbound
from bot.telegram import lean
from bot.telegram.commands import set_chat_menu
from bot.telegram.render import keyboard, split_text


class TelegramSender:
    """The outbox `Sender` for the "telegram" channel; `recipient` is the chat id."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._half_sent = HalfSent()

    async def send(self, recipient: str, message: Outbound) -> None:
        """Send the text (split as needed, keyboard on the last part), then any document."""
        chat_id = _chat_id(recipient)
        chunks = split_text(message.text) if message.text.strip() else []
        markup = keyboard(message.choices)
        calls: list[Callable[[], Awaitable[object]]] = [
            partial(
                lean.call,
                self.bot,
                "sendMessage",
                chat_id=chat_id,
                text=chunk,
                reply_markup=markup.to_dict() if last and markup is not None else None,
            )
            for chunk, last in zip(chunks, _lasts(len(chunks)), strict=True)
        ]
        if message.document is not None:
            document = message.document
            calls.append(
                partial(
                    self.bot.send_document,
                    chat_id=chat_id,
                    document=InputFile(document.data, filename=document.filename),
                )
            )
        key = (recipient, _digest(message)) if len(calls) > 1 else None
        done = self._half_sent.take(key) if key is not None else 0
        try:
            await self._send_calls(message, chat_id, calls, key, done)
        except tg_error.RetryAfter as exc:
            raise RetryAfter(retry_after_seconds(exc)) from exc
        except (tg_error.Forbidden, tg_error.BadRequest, tg_error.ChatMigrated) as exc:
            raise PermanentFailure(f"{type(exc).__name__}: {exc.message[:200]}") from exc
        except tg_error.NetworkError as exc:
            # PTB reports text that cannot be encoded (a lone surrogate) as a network error; it
            # would fail the same way on every retry. Its message quotes the text: not kept.
            if isinstance(exc.__cause__, UnicodeError):
                raise PermanentFailure(f"{type(exc.__cause__).__name__} in the request") from exc
            raise

    async def _send_calls(
        self,
        message: Outbound,
        chat_id: int | str,
        calls: list[Callable[[], Awaitable[object]]],
        key: tuple[str, str] | None,
        done: int,
    ) -> None:
        """The menu, then the calls from `done` on, remembering how far a failure got."""
        try:
            if message.menu in _MENUS and isinstance(chat_id, int):
                await set_chat_menu(self.bot, chat_id, _MENUS[message.menu])
            for index, call in enumerate(calls):
                if index >= done:
                    await call()
                    done = index + 1
        except (tg_error.Forbidden, tg_error.BadRequest, tg_error.ChatMigrated):
            raise  # never retried: nothing to remember
        except BaseException:
            if key is not None and 0 < done < len(calls):
                self._half_sent.remember(key, done)
            raise


# Menus a message may ask for (Outbound.menu), by name.
_MENUS = {audience.value: audience for audience in Audience}


def _lasts(count: int) -> list[bool]:
    """[False, ..., False, True]: which of `count` parts is the last (it carries the keyboard)."""
    return [index == count - 1 for index in range(count)]


def _digest(message: Outbound) -> str:
    """A digest naming a message (its document by the bytes' checksum)."""
    payload = message.to_payload()
    if message.document is not None:
        payload["document"] = hashlib.sha256(message.document.data).hexdigest()
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _chat_id(recipient: str) -> int | str:
    """Telegram chat ids are integers; "@channel" usernames are passed through."""
    if recipient.startswith("@"):
        return recipient
    try:
        return int(recipient)
    except ValueError as exc:
        raise PermanentFailure("recipient is not a Telegram chat id") from exc


def retry_after_seconds(exc: tg_error.RetryAfter) -> float:
    """Seconds to wait, whichever type this PTB version reports (int now, timedelta later)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)
