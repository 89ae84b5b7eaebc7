"""Telegram updates → `Inbound` messages: text and commands, callback queries (taps on inline
buttons), documents and photos.

PTB's `Update.de_json` builds objects without checking value types, so the few fields the
pipeline relies on are checked here: an update that fails these checks is "unprocessable"
(logged and acknowledged), never a 500 or a database error.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from telegram import CallbackQuery, Message, Update, User

from bot.messages import Inbound, InboundAttachment
from bot.telegram.render import MAX_CALLBACK_DATA

CHANNEL = "telegram"

# "/status@DeskBot BABEL-2026-00001" → "/status BABEL-2026-00001" (commands in group chats).
_COMMAND_MENTION = re.compile(r"^(/[A-Za-z0-9_]{1,64})@[A-Za-z0-9_]{1,64}\b")
# Inbox ids and chat ids are stored as short strings; Telegram's ids are 64-bit integers.
_MAX_ID = 2**63

Fetch = Callable[[str, int | None], Awaitable[bytes]]


class Unprocessable(Exception):
    """An authentic update the pipeline cannot use; the message names the reason, no user data."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an update came from and where replies go, known before any download."""

    update_id: str
    chat_id: str
    user_id: str
    language_code: str | None


def origin_of(update: Update) -> Origin | None:
    """The update's chat and user, or None for kinds the service does not handle.

    Raises `Unprocessable` when a field has the wrong type.
    """
    update_id = _int_id(update.update_id, "update_id")
    query = update.callback_query
    message = update.message
    if query is not None:
        user = _user(query.from_user)
        chat = query.message.chat if query.message is not None else None
        chat_id = _int_id(chat.id, "chat.id") if chat is not None else _int_id(user.id, "from.id")
    elif message is not None:
        if message.from_user is None:
            return None  # anonymous group admins and channel posts have no requester
        user = _user(message.from_user)
        chat_id = _int_id(message.chat.id, "chat.id")
    else:
        return None  # edited messages, channel posts, member updates...
    language = user.language_code if isinstance(user.language_code, str) else None
    return Origin(
        update_id=str(update_id),
        chat_id=str(chat_id),
        user_id=str(_int_id(user.id, "from.id")),
        language_code=language,
    )


async def to_inbound(update: Update, origin: Origin, fetch: Fetch) -> Inbound:
    """The `Inbound` for an update `origin_of` accepted; downloads any attachment with `fetch`."""
    query = update.callback_query
    if query is not None:
        return _base(origin, query.from_user, choice=_choice_data(query))
    message = update.message
    if message is None or message.from_user is None:
        raise Unprocessable("neither a message nor a callback query")
    attachment = await _attachment(message, fetch)
    text = message.text if message.text is not None else message.caption
    if text is not None and not isinstance(text, str):
        raise Unprocessable("text is not a string")
    return _base(
        origin,
        message.from_user,
        text=_strip_bot_mention(text) if text is not None else None,
        attachment=attachment,
        received_at=message.date if isinstance(message.date, datetime) else None,
    )


def _base(
    origin: Origin,
    user: User,
    *,
    text: str | None = None,
    choice: str | None = None,
    attachment: InboundAttachment | None = None,
    received_at: datetime | None = None,
) -> Inbound:
    """An `Inbound` from this origin with the speaker's name and language."""
    name = user.full_name if isinstance(user.first_name, str) else None
    return Inbound(
        channel=CHANNEL,
        chat_id=origin.chat_id,
        user_id=origin.user_id,
        update_id=origin.update_id,
        text=text,
        choice=choice,
        attachment=attachment,
        display_name=name[:200] if name else None,
        language_code=origin.language_code,
        received_at=received_at,
    )


def _choice_data(query: CallbackQuery) -> str:
    """The tapped button's data (the engine re-validates it against the dialog's state)."""
    data = query.data
    if not isinstance(data, str) or not 0 < len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
        raise Unprocessable("callback query without usable data")
    return data


async def _attachment(message: Message, fetch: Fetch) -> InboundAttachment | None:
    """The message's document or largest photo, downloaded; None when it has neither."""
    if message.document is not None:
        document = message.document
        return InboundAttachment(
            data=await fetch(_file_id(document.file_id), _size(document.file_size)),
            filename=document.file_name if isinstance(document.file_name, str) else None,
            mime_hint=document.mime_type if isinstance(document.mime_type, str) else None,
        )
    if message.photo:
        # Telegram lists the sizes of one photo from smallest to largest.
        photo = message.photo[-1]
        return InboundAttachment(
            data=await fetch(_file_id(photo.file_id), _size(photo.file_size)),
            filename=None,
            mime_hint="image/jpeg",
        )
    return None


def _strip_bot_mention(text: str) -> str:
    """Drop the "@BotName" Telegram appends to commands tapped in group chats."""
    return _COMMAND_MENTION.sub(r"\1", text, count=1)


def _user(user: User | None) -> User:
    """The update's sender, checked."""
    if user is None:
        raise Unprocessable("no sender")
    return user


def _int_id(value: object, name: str) -> int:
    """A Telegram id: an integer that fits 64 bits."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= _MAX_ID:
        raise Unprocessable(f"{name} is not a Telegram id")
    return value


def _file_id(value: object) -> str:
    """A file id usable in a `getFile` call."""
    if not isinstance(value, str) or not 0 < len(value) <= 256:
        raise Unprocessable("file_id is not usable")
    return value


def _size(value: object) -> int | None:
    """A declared file size, when Telegram gave a sensible one."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
