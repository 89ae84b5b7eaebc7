"""`POST /webhook/telegram`: authenticated by the secret token Telegram echoes in a header,
checked (in constant time) before the body is even read."""

from __future__ import annotations

import hmac
import json
import logging

from fastapi import APIRouter, Request, Response

from bot import metrics
from bot.deps import RuntimeDep
from bot.pipeline import DurableWriteError
from bot.telegram.adapter import CHANNEL
from bot.telegram.channel import TelegramRuntime

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Real updates are a few kilobytes; anything near this is not from Telegram.
MAX_BODY_BYTES = 1024 * 1024

router = APIRouter()


class BodyTooLarge(Exception):
    """The request body is over `MAX_BODY_BYTES`."""


@router.post("/webhook/telegram", include_in_schema=False)
async def receive_update(request: Request, runtime: RuntimeDep) -> Response:
    """Handle one update pushed by Telegram."""
    telegram: TelegramRuntime | None = runtime.services.get(CHANNEL)
    if telegram is None or not _authentic(request, telegram.webhook_secret):
        metrics.count_error(CHANNEL, "forbidden")
        return _json(403, {"ok": False, "error": "forbidden"})
    try:
        body = await _read_body(request)
    except BodyTooLarge:
        metrics.count_error(CHANNEL, "too_large")
        return _json(413, {"ok": False, "error": "body too large"})
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        metrics.count_error(CHANNEL, "unprocessable")
        log.warning("acknowledged a Telegram webhook body that is not JSON")
        return _json(200, {"ok": True})
    try:
        await telegram.service.handle_json(data)
    except DurableWriteError:
        # Not stored: a non-2xx answer makes Telegram deliver the update again later.
        return _json(503, {"ok": False, "error": "try again later"})
    return _json(200, {"ok": True})


def _authentic(request: Request, secret: str) -> bool:
    """The header carries our webhook secret (never true when no secret is configured)."""
    given = request.headers.get(SECRET_HEADER)
    if not secret or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8"))


async def _read_body(request: Request) -> bytes:
    """The body, refusing (without reading it all) anything over `MAX_BODY_BYTES`."""
    declared = request.headers.get("content-length")
    if declared is not None and (
        not declared.isascii()
        or not declared.isdigit()
        or len(declared) > 12
        or int(declared) > MAX_BODY_BYTES
    ):
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise BodyTooLarge
    return bytes(body)


def _json(status: int, content: dict[str, object]) -> Response:
    """A small JSON response."""
    return Response(json.dumps(content), status_code=status, media_type="application/json")
