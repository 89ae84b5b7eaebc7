"""The WhatsApp webhook: `GET /webhook/whatsapp` (Meta's subscription handshake) and
`POST /webhook/whatsapp` (messages and statuses).

POST order matters: size cap (413) → signature over the raw bytes (403) → JSON → events.
Nothing is parsed, and nothing changes, before the signature checks out. Authentic payloads we
cannot use are logged without personal data and acknowledged with 200; only a failed durable
write answers 503, so that Meta delivers the batch again (already handled messages then dedupe).
"""

from __future__ import annotations

import json
import logging

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from bot import metrics
from bot.deps import Runtime, RuntimeDep
from bot.pipeline import DurableWriteError
from bot.whatsapp.payload import parse_batch
from bot.whatsapp.signature import is_authentic, is_verify_token
from bot.whatsapp.webhook import CHANNEL, WebhookContext, handle_batch

log = logging.getLogger(__name__)

PATH = "/webhook/whatsapp"
MAX_BODY = 1024 * 1024  # Meta's batches are a few KB; anything near this is not Meta

router = APIRouter(tags=["whatsapp"])


class BodyTooLarge(Exception):
    """The request body is over `MAX_BODY`."""


@router.get(PATH, include_in_schema=False)
async def verify_subscription(request: Request, runtime: RuntimeDep) -> Response:
    """Echo `hub.challenge` when Meta subscribes with our verify token."""
    params = request.query_params
    token_ok = is_verify_token(
        configured=runtime.settings.whatsapp_verify_token, given=params.get("hub.verify_token")
    )
    if params.get("hub.mode") == "subscribe" and token_ok:
        return PlainTextResponse(params.get("hub.challenge", ""))
    metrics.count_error(CHANNEL, "forbidden")
    return PlainTextResponse("Forbidden", status_code=403)


@router.post(PATH, include_in_schema=False)
async def receive(request: Request, runtime: RuntimeDep) -> Response:
    """Authenticate and handle one webhook delivery."""
    try:
        body = await read_body(request, MAX_BODY)
    except BodyTooLarge:
        metrics.count_error(CHANNEL, "too_large")
        return PlainTextResponse("Payload Too Large", status_code=413)
    signature = request.headers.get("x-hub-signature-256")
    if not is_authentic(
        app_secret=runtime.settings.whatsapp_app_secret, body=body, header=signature
    ):
        metrics.count_error(CHANNEL, "forbidden")
        if not runtime.settings.whatsapp_app_secret:
            log.warning("whatsapp webhook refused: WHATSAPP_APP_SECRET is not set")
        else:
            log.warning("whatsapp webhook refused: %s signature", "bad" if signature else "no")
        return PlainTextResponse("Forbidden", status_code=403)
    try:
        data = json.loads(body)
    # UnicodeDecodeError and JSONDecodeError are ValueErrors; deep nesting is a RecursionError.
    except (ValueError, RecursionError):
        metrics.count_error(CHANNEL, "unprocessable")
        log.warning("whatsapp webhook: signed body is not JSON")
        return _ok()
    service = runtime.services.get(CHANNEL)
    client = getattr(service, "client", None)
    try:
        if isinstance(client, httpx.AsyncClient):
            await handle_batch(_context(runtime, client), parse_batch(data))
        else:  # the channel's lifespan did not run (a bare app): a client for this request
            async with httpx.AsyncClient(timeout=httpx.Timeout(20.0, connect=5.0)) as own:
                await handle_batch(_context(runtime, own), parse_batch(data))
    except DurableWriteError:
        log.error("whatsapp webhook: could not record the batch; Meta will redeliver it")
        return PlainTextResponse("Service Unavailable", status_code=503)
    return _ok()


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused as soon as it is known to pass `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _context(runtime: Runtime, client: httpx.AsyncClient) -> WebhookContext:
    """The handling context from the app's runtime."""
    return WebhookContext(
        settings=runtime.settings,
        db=runtime.db,
        pipeline=runtime.pipeline,
        client=client,
        clock=runtime.pipeline.clock,
    )


def _ok() -> Response:
    """Meta only needs a 2xx; the body is for humans reading logs."""
    return JSONResponse({"status": "ok"})
