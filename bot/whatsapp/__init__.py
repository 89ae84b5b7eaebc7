"""WhatsApp Cloud API channel (plain FastAPI + httpx, no SDK).

Plugged into the server as `CHANNEL_SPEC` (router + a lifespan that opens the HTTP client and
registers `WhatsAppSender` when WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID are set).
See docs/whatsapp.md for connecting a real number.
"""

from bot.whatsapp.channel import channel as CHANNEL_SPEC
from bot.whatsapp.router import router
from bot.whatsapp.sender import WhatsAppSender

__all__ = ["CHANNEL_SPEC", "WhatsAppSender", "router"]
