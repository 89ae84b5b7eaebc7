"""Browser sessions for the web chat: a random session id in a signed, HttpOnly cookie.

The session id is the requester's identity on the web channel (chat id and user id), so the
cookie must be unforgeable: it is signed with `WEB_SESSION_SECRET`, or, when that is empty,
with a random secret generated at first start and kept in the database, so sessions survive
restarts and every replica on that database accepts every other's cookies. A deployment that
kept the generated secret in `DATA_DIR/web_session_secret` (before it moved to the database)
has that one adopted, so its visitors' cookies stay valid.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.clock import utcnow
from core.settings import Settings
from storage import repositories as repo
from storage.db import Database

COOKIE_NAME = "sd_web_session"
COOKIE_MAX_AGE = 60 * 60 * 24 * 30  # a month without a visit starts a fresh conversation
SECRET_NAME = "web_session"  # its row in app_secrets
LEGACY_SECRET_FILENAME = "web_session_secret"
_SALT = "servicedesk.web.session"
_SESSION_ID_BYTES = 18  # 24 URL-safe characters, well inside the 128-character chat id column


async def session_secret(db: Database, settings: Settings, *, now: datetime | None = None) -> str:
    """The configured secret, or the one shared through the database (created on first use)."""
    if settings.web_session_secret:
        return settings.web_session_secret
    candidate = _legacy_secret(settings.data_dir / LEGACY_SECRET_FILENAME)
    async with db.transaction() as conn:
        return await repo.shared_secret(
            conn,
            name=SECRET_NAME,
            candidate=candidate or secrets.token_urlsafe(48),
            at=now or utcnow(),
        )


def _legacy_secret(path: Path) -> str | None:
    """The secret an older version kept in DATA_DIR, if there is one."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        return path.read_text(encoding="ascii").strip() or None
    return None


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
