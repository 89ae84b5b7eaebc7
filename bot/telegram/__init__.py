"""Telegram channel (python-telegram-bot v22): webhook route, long polling, sender.

Plugged into the server as `CHANNEL_SPEC`; see docs/telegram.md for connecting a real bot.
"""

from bot.deps import Channel
from bot.telegram.channel import TelegramRuntime, telegram_lifespan
from bot.telegram.sender import TelegramSender
from bot.telegram.webhook import router

CHANNEL_SPEC = Channel(name="telegram", router=router, lifespan=telegram_lifespan)

__all__ = ["CHANNEL_SPEC", "TelegramRuntime", "TelegramSender", "router"]
