"""Who calls the API: a bearer token of this server's agency, with the scope a route needs, within
its rate.

- The token is read from the `Authorization: Bearer` header only; a token in the query string
  is never looked at (URLs end up in logs, browser histories and proxies).
- A malformed header is refused before anything else. A well-formed token is counted against
  its rate (`API_RATE_PER_MINUTE`, in memory per replica, like the web chat's limits: a flood
  costs no database work), then looked up by its sha256. Unknown, revoked, expired and other
  agencies' tokens all get the same 401.
- A token of another agency is refused (401) rather than served: this server answers for one
  agency (`AGENCY`), and its token is not a credential here at all.
"""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from bot.api.problems import ApiProblem
from bot.deps import Runtime, RuntimeDep
from core.api_tokens import hash_token, is_well_formed
from storage import repositories as repo

_REALM = 'Bearer realm="servicedesk"'
_THROTTLE = "api.throttle"

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A token from `servicedesk tokens create` (sd_...), as `Authorization: Bearer`.",
)


@dataclass(frozen=True)
class Caller:
    """The token a request came with."""

    token_id: int
    name: str
    agency: str
    scopes: tuple[str, ...]


class ApiThrottle:
    """Requests per token per minute (sliding window, in memory)."""

    def __init__(self, per_minute: int) -> None:
        self.item: RateLimitItem = RateLimitItemPerMinute(max(1, per_minute))
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    def hit(self, key: str) -> None:
        """Count one request; a 429 problem with Retry-After when over the rate."""
        if self._limiter.hit(self.item, key):
            return
        reset = self._limiter.get_window_stats(self.item, key).reset_time
        wait = min(max(1, math.ceil(reset - time.time())), self.item.get_expiry())
        raise ApiProblem(
            429,
            f"More than {self.item.amount} requests a minute with this token; try again later.",
            headers={"Retry-After": str(wait)},
        )


def _throttle(runtime: Runtime) -> ApiThrottle:
    """The running app's throttle, made on first use (the API has no lifespan of its own)."""
    found = runtime.services.get(_THROTTLE)
    if not isinstance(found, ApiThrottle):
        found = ApiThrottle(runtime.settings.api_rate_per_minute)
        runtime.services[_THROTTLE] = found
    return found


def _unauthorized(detail: str, *, error: bool) -> ApiProblem:
    # RFC 6750 §3.1: no error code when the request carried no credentials at all.
    challenge = f'{_REALM}, error="invalid_token"' if error else _REALM
    return ApiProblem(401, detail, headers={"WWW-Authenticate": challenge})


async def caller(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The request's valid token of this agency (401 otherwise; 429 over its rate)."""
    if credentials is None:
        raise _unauthorized(
            "Send a token in the header Authorization: Bearer <token>.", error=False
        )
    token = credentials.credentials.strip()
    if not is_well_formed(token):
        raise _unauthorized("The token is not valid.", error=True)
    digest = hash_token(token)
    _throttle(runtime).hit(digest)
    now = runtime.engine.clock()
    async with runtime.db.transaction() as conn:
        record = await repo.find_token_by_hash(conn, token_hash=digest)
        if (
            record is None
            or not hmac.compare_digest(record.token_hash, digest)
            or not record.usable_at(now)
            or record.agency != runtime.engine.agency
        ):
            # One answer for unknown, revoked, expired and other agencies' tokens.
            raise _unauthorized("The token is not valid.", error=True)
        await repo.touch_token(conn, token_id=record.id, at=now)
    return Caller(token_id=record.id, name=record.name, agency=record.agency, scopes=record.scopes)


CallerDep = Annotated[Caller, Depends(caller)]


def scoped(scope: str) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency: the caller, whose token must grant `scope` (403 otherwise)."""

    async def check(found: CallerDep) -> Caller:
        if scope not in found.scopes:
            raise ApiProblem(
                403,
                f"This token does not grant {scope}.",
                headers={
                    "WWW-Authenticate": f'{_REALM}, error="insufficient_scope", scope="{scope}"'
                },
            )
        return found

    return check
