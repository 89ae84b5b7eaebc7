"""The read-only REST API at `/api/v1` (docs/api.md): tokens with scopes, cursor pagination,
RFC 9457 problems, its own OpenAPI 3.1 document and a docs page at `/api/docs`.

`bot.server` includes `router` and `docs_router`; nothing else of the app changes.
"""

from __future__ import annotations

from bot.api.router import docs_router, router

__all__ = ["docs_router", "router"]
