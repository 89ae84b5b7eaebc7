"""The WhatsApp channel as the server plugs it in: its router, and a lifespan that opens one
httpx client for the app's life and registers the outbound sender when the channel is configured.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from bot.deps import Channel, Runtime
from bot.whatsapp.router import router
from bot.whatsapp.sender import Contact, ContactLookup, WhatsAppSender
from bot.whatsapp.webhook import CHANNEL
from core.settings import Settings
from storage import repositories as repo
from storage.db import Database


@dataclass(frozen=True, slots=True)
class WhatsAppService:
    """What the webhook routes find in `runtime.services["whatsapp"]`."""

    client: httpx.AsyncClient
    sender: WhatsAppSender | None


def is_configured(settings: Settings) -> bool:
    """True when we can send: an access token and a phone number id are set."""
    return bool(settings.whatsapp_access_token and settings.whatsapp_phone_number_id)


def contacts_in(db: Database) -> ContactLookup:
    """Look up a contact's last message time (24-hour window) and language in `db`."""

    async def lookup(recipient: str) -> Contact:
        async with db.transaction() as conn:
            last = await repo.get_last_inbound_at(conn, channel=CHANNEL, external_id=recipient)
            conversation = await repo.load_conversation(conn, channel=CHANNEL, chat_id=recipient)
        return Contact(last_inbound_at=last, locale=conversation.locale if conversation else None)

    return lookup


def new_client() -> httpx.AsyncClient:
    """The HTTP client for Graph API calls (timeouts: a stuck call becomes a retry)."""
    return httpx.AsyncClient(timeout=httpx.Timeout(20.0, connect=5.0))


@asynccontextmanager
async def lifespan(runtime: Runtime) -> AsyncIterator[None]:
    """Open the client, register the sender (when configured), close the client at exit."""
    settings = runtime.settings
    async with new_client() as client:
        sender = None
        if is_configured(settings):
            sender = WhatsAppSender(
                settings,
                client,
                contacts=contacts_in(runtime.db),
                clock=runtime.pipeline.clock,
            )
            runtime.add_sender(CHANNEL, sender)
        runtime.services[CHANNEL] = WhatsAppService(client=client, sender=sender)
        try:
            yield
        finally:
            runtime.services.pop(CHANNEL, None)
            runtime.senders.pop(CHANNEL, None)


channel = Channel(name=CHANNEL, router=router, lifespan=lifespan)
