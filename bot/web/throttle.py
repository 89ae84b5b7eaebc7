"""Abuse limits of the web chat: requests per browser session and per client address, and
uploads being received at once.

The counters live in this process (the `limits` library, sliding windows in memory) rather
than in the database: a request over its limit is refused before it reaches the database, so
a flood costs no writes (on SQLite every write waits for the one writer, so counting requests
there would slow everybody down exactly when someone floods). The price: each replica counts
on its own, so behind a balancer spreading requests over N replicas an address may get up to N
times the limit (README "Security").

The client address is the one uvicorn reports: with `servicedesk serve` behind a proxy, that is
the proxy's `X-Forwarded-For` when the proxy's address is in uvicorn's FORWARDED_ALLOW_IPS.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from core.settings import Settings


class Throttled(Exception):
    """Over a limit: refuse, and say when to try again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class UploadsFull(Exception):
    """As many uploads as allowed are being received right now."""


class Throttle:
    """The web chat's limits for one running app."""

    def __init__(self, settings: Settings) -> None:
        self.per_session = _rate("WEB_RATE_LIMIT_PER_SESSION", settings.web_rate_limit_per_session)
        self.per_ip = _rate("WEB_RATE_LIMIT_PER_IP", settings.web_rate_limit_per_ip)
        self.uploads_per_ip = _rate(
            "WEB_UPLOAD_RATE_LIMIT_PER_IP", settings.web_upload_rate_limit_per_ip
        )
        self.max_uploads = max(1, settings.uploads_in_flight)
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._uploads = 0

    def request(self, request: Request) -> None:
        """Count one web API request from its address; raises `Throttled` when over."""
        self._hit(self.per_ip, "ip", _address(request))

    def post(self, request: Request, session_id: str) -> None:
        """Count a message the session posts (also a request from its address)."""
        self.request(request)
        self._hit(self.per_session, "session", session_id)

    def upload(self, request: Request, session_id: str) -> None:
        """Count an upload (a posted message, and an upload from its address)."""
        self.post(request, session_id)
        self._hit(self.uploads_per_ip, "upload", _address(request))

    @contextmanager
    def upload_slot(self) -> Iterator[None]:
        """Hold one of the slots for uploads being received; raises `UploadsFull` when none is
        free (the page tries again in a moment) rather than letting them queue up in memory."""
        if self._uploads >= self.max_uploads:
            raise UploadsFull
        self._uploads += 1
        try:
            yield
        finally:
            self._uploads -= 1

    def _hit(self, item: RateLimitItem, *key: str) -> None:
        if self._limiter.hit(item, *key):
            return
        reset = self._limiter.get_window_stats(item, *key).reset_time
        wait = min(max(1, math.ceil(reset - time.time())), item.get_expiry())
        raise Throttled(wait)


def _rate(name: str, value: str) -> RateLimitItem:
    try:
        return parse(value)
    except ValueError:
        raise ValueError(
            f"{name}={value!r} is not a rate: write it like 30/minute or 600/hour"
        ) from None


def _address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"
