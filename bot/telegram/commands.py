"""The command menus Telegram shows next to the text box, made from the command table: the
requester's for everyone, and the officers' own in each officer's chat (BotCommandScopeChat)."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat

from bot.handlers.commands import Audience, menu_for
from locales import SUPPORTED, translator


def commands_for(locale: str, audience: Audience = Audience.REQUESTER) -> list[BotCommand]:
    """The menu of `audience` in `locale`."""
    t = translator(locale)
    return [BotCommand(name, describe(t)) for name, describe in menu_for(audience)]


async def register_commands(bot: Bot, officer_chats: Iterable[str] = ()) -> None:
    """Set the menus: Indonesian for everyone plus each other language for its users, and the
    officers' menu in every chat bound to an officer."""
    await bot.set_my_commands(commands_for("id"))
    for locale in SUPPORTED:
        if locale != "id":
            await bot.set_my_commands(commands_for(locale), language_code=locale)
    for chat in officer_chats:
        digits = chat.lstrip("-")
        # Else not a Telegram chat id (a migrated identity, or "²" typed into the CLI).
        if digits.isascii() and digits.isdigit():
            await set_chat_menu(bot, int(chat), Audience.OFFICER)


async def set_chat_menu(bot: Bot, chat_id: int, audience: Audience) -> None:
    """Give one chat the menu of `audience`, in every supported language."""
    scope = BotCommandScopeChat(chat_id)
    await bot.set_my_commands(commands_for("id", audience), scope=scope)
    for locale in SUPPORTED:
        if locale != "id":
            await bot.set_my_commands(
                commands_for(locale, audience), scope=scope, language_code=locale
            )
