"""The command menu Telegram shows next to the text box, in Indonesian and English."""

from __future__ import annotations

from telegram import Bot, BotCommand

from locales import SUPPORTED, Translate, translator


def _descriptions(t: Translate) -> list[BotCommand]:
    """The commands every requester has, described in one language."""
    return [
        BotCommand("start", t("Mulai percakapan")),
        BotCommand("layanan", t("Daftar layanan")),
        BotCommand("status", t("Cek status tiket")),
        BotCommand("batal", t("Batalkan permohonan yang sedang diisi")),
        BotCommand("bantuan", t("Bantuan")),
        BotCommand("bahasa", t("Ganti bahasa (Indonesia/English)")),
    ]


def commands_for(locale: str) -> list[BotCommand]:
    """The command menu in `locale`."""
    return _descriptions(translator(locale))


async def register_commands(bot: Bot) -> None:
    """Set the menu: Indonesian for everyone, plus each other language for its users."""
    await bot.set_my_commands(commands_for("id"))
    for locale in SUPPORTED:
        if locale != "id":
            await bot.set_my_commands(commands_for(locale), language_code=locale)
