"""Logging for `servicedesk serve`: the one place log levels and handlers are set.

Our own loggers (bot, core, storage, locales) follow LOG_LEVEL and never log personal data.
Libraries are capped whatever LOG_LEVEL says, because at DEBUG (some already at INFO) they
print what the service promises never to log: SQLAlchemy and aiosqlite the SQL parameters
(names, NIP, phone numbers, addresses, web session ids), python-telegram-bot every call's
parameters and "Set Bot API URL: .../bot<TOKEN>", httpx and httpcore request URLs (the token
again), fpdf and fontTools the characters of a Berita Acara. Any library not named here is
capped at WARNING too (the root logger's level), so a new dependency cannot start leaking.

The access log (uvicorn.access) keeps one line per request at INFO, but never a query string
(WhatsApp's webhook check carries `hub.verify_token` in it) and never the web chat's poll
(each open page asks every 3 seconds).
"""

from __future__ import annotations

import logging
from typing import IO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Our packages: they follow LOG_LEVEL.
OWN_LOGGERS = ("bot", "core", "storage", "locales")
# Libraries whose INFO lines say something useful and nothing personal (the server's address,
# migrations run, one line per request once scrubbed): never below INFO.
INFO_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic", "apscheduler")
# Libraries known to log personal data or secrets below WARNING: never below WARNING.
CAPPED_LOGGERS = (
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "telegram",
    "httpx",
    "httpcore",
    "hpack",
    "fpdf",
    "fontTools",
    "PIL",
    "multipart",
    "python_multipart",
    "uvicorn.asgi",  # TRACE: whole ASGI messages, bodies included
    "alembic.runtime.plugins",  # seven lines of plugin set-up at every start
    # A line per scheduler run every few seconds says nothing; failures are still logged.
    "apscheduler.executors.default",
)

# The web chat's poll (bot/web/router.py): GET every 3 s from every open page.
POLL_PATH = "/web/api/messages"


def configure_logging(level: str, *, stream: IO[str] | None = None) -> int:
    """Set every logger's level for LOG_LEVEL `level` and the access log's filter; a handler
    writing to `stream` (stderr by default) when the root logger has none. Returns the level
    uvicorn's own loggers get (pass it to `uvicorn.run`, which sets them again)."""
    wanted = logging.getLevelNamesMapping().get(level.strip().upper())
    if wanted is None:
        raise ValueError(f"LOG_LEVEL {level!r} is not DEBUG, INFO, WARNING, ERROR or CRITICAL")
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(max(wanted, logging.WARNING))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(wanted)
    for name in INFO_LOGGERS:
        logging.getLogger(name).setLevel(max(wanted, logging.INFO))
    for name in CAPPED_LOGGERS:
        logging.getLogger(name).setLevel(max(wanted, logging.WARNING))
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogFilter) for f in access.filters):
        access.addFilter(AccessLogFilter())
    return max(wanted, logging.INFO)


class AccessLogFilter(logging.Filter):
    """Drops query strings from uvicorn's access lines, and the web chat's successful polls."""

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn: '%s - "%s %s HTTP/%s" %d' % (client, method, path?query, version, status)
        args = record.args
        if not isinstance(args, tuple) or len(args) != 5:
            return True
        client, method, target, version, status = args
        if not isinstance(target, str):
            return True
        path = target.split("?", 1)[0]
        if method == "GET" and path == POLL_PATH and isinstance(status, int) and status < 400:
            return False
        if path != target:
            record.args = (client, method, path, version, status)
        return True
