"""Webhook authenticity: Meta signs every POST body with the app secret (HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac

_PREFIX = "sha256="


def expected_signature(app_secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` header value Meta sends for `body`."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def is_authentic(*, app_secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is the signature of `body` (constant-time; no secret → never)."""
    if not app_secret or not header or not header.startswith(_PREFIX):
        return False
    given = header.strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected_signature(app_secret, body).encode("ascii"), given)


def is_verify_token(*, configured: str, given: str | None) -> bool:
    """True when the subscription handshake carries the configured verify token."""
    if not configured or given is None:
        return False
    return hmac.compare_digest(configured.encode("utf-8"), given.encode("utf-8", "replace"))
