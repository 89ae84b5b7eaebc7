"""Browser sessions for the web chat: a random session id in a signed, HttpOnly cookie.

The session id is the requester's identity on the web channel (chat id and user id), so the
cookie must be unforgeable: it is signed with `WEB_SESSION_SECRET`, or, when that is empty,
with a random secret generated at first start and kept under `DATA_DIR` so sessions survive
restarts (and every replica sharing the data directory agrees on it).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.settings import Settings

COOKIE_NAME = "sd_web_session"
COOKIE_MAX_AGE = 60 * 60 * 24 * 30  # a month without a visit starts a fresh conversation
SECRET_FILENAME = "web_session_secret"
_SALT = "servicedesk.web.session"
_SESSION_ID_BYTES = 18  # 24 URL-safe characters, well inside the 128-character chat id column


def session_secret(settings: Settings) -> str:
    """The configured secret, or the persisted generated one (created on first use)."""
    if settings.web_session_secret:
        return settings.web_session_secret
    return _persisted_secret(settings.data_dir / SECRET_FILENAME)


def _persisted_secret(path: Path) -> str:
    """Read the secret file, creating it (owner-only) if it does not exist yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        stored = path.read_text(encoding="ascii").strip()
        if stored:
            return stored
    candidate = secrets.token_urlsafe(48)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(candidate)
    try:
        # link() publishes the whole file at once and fails if another process got there
        # first, so nobody can read a half-written secret and every process agrees on one.
        os.link(draft, path)
    except FileExistsError:
        stored = path.read_text(encoding="ascii").strip()
        if stored:
            return stored
        # An empty file (left by a crash of an older version) is replaced, not trusted.
        os.replace(draft, path)
        return candidate
    finally:
        draft.unlink(missing_ok=True)
    return candidate


def new_session_id() -> str:
    """A fresh, unguessable session id."""
    return secrets.token_urlsafe(_SESSION_ID_BYTES)


@dataclass(frozen=True)
class SessionCodec:
    """Signs session ids into cookie values and checks them back."""

    secret: str
    max_age: int = COOKIE_MAX_AGE

    @property
    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=_SALT)

    def encode(self, session_id: str) -> str:
        """The signed cookie value for `session_id`."""
        return str(self._serializer.dumps(session_id))

    def decode(self, cookie: str | None) -> str | None:
        """The session id in a cookie value, or None if it is missing, forged or expired."""
        if not cookie or len(cookie) > 512:
            return None
        try:
            value = self._serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:  # SignatureExpired is a BadSignature too
            return None
        return value if isinstance(value, str) and 0 < len(value) <= 64 else None
