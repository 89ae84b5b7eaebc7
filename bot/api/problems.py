"""Every error of `/api/v1` as RFC 9457 problem details (`application/problem+json`).

The rest of the app keeps its own error handling: instead of app-wide exception handlers, the
API's routes use `ProblemRoute`, which turns what its handler raises (an `ApiProblem`, an
`HTTPException`, invalid parameters, a storage failure, a bug) into a problem; and a catch-all
route answers the paths and methods under `/api/v1` that no route serves (404, 405).

`type` is always "about:blank" (RFC 9457 §4.2.1): the status says what went wrong, so `title`
is the HTTP status phrase; `code` (an extension member) is a stable word for programs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from bot import metrics
from storage.db import STORAGE_FAILURES

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# How long a client waits before trying again after a storage failure (503).
STORAGE_RETRY_SECONDS = 5

_CODES = {
    400: "bad_request",
    401: "invalid_token",
    403: "insufficient_scope",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_parameters",
    429: "rate_limited",
    503: "unavailable",
}


class ApiProblem(Exception):
    """Answer the request with this problem."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code or _CODES.get(status, "error")
        self.headers = dict(headers or {})
        self.errors = errors


def problem_response(request: Request, problem: ApiProblem) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(problem.status).phrase,
        "status": problem.status,
        "detail": problem.detail,
        # The path only: a query string may carry what the client should not see echoed.
        "instance": request.url.path,
        "code": problem.code,
    }
    if problem.errors is not None:
        body["errors"] = problem.errors
    return JSONResponse(
        body, status_code=problem.status, headers=problem.headers, media_type=PROBLEM_JSON
    )


def _validation_problem(exc: RequestValidationError) -> ApiProblem:
    # The input values are left out: they are the client's own, and may be long.
    errors = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors()
    ]
    return ApiProblem(422, "Some parameters are not valid: see errors.", errors=errors)


class ProblemRoute(APIRoute):
    """An API route whose every error is a problem (see the module's docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiProblem as problem:
                return problem_response(request, problem)
            except RequestValidationError as exc:
                return problem_response(request, _validation_problem(exc))
            except HTTPException as exc:
                detail = (
                    exc.detail
                    if isinstance(exc.detail, str)
                    else HTTPStatus(exc.status_code).phrase
                )
                return problem_response(
                    request, ApiProblem(exc.status_code, detail, headers=exc.headers)
                )
            except STORAGE_FAILURES as exc:
                metrics.count_error("api", "storage")
                log.warning("API request failed on storage (%s)", type(exc).__name__)
                unavailable = ApiProblem(
                    503,
                    "The database is not available; try again shortly.",
                    headers={"Retry-After": str(STORAGE_RETRY_SECONDS)},
                )
                return problem_response(request, unavailable)
            except Exception as exc:
                metrics.count_error("api", "unhandled")
                log.error(
                    "unhandled error on %s %s", request.method, request.url.path, exc_info=exc
                )
                return problem_response(
                    request, ApiProblem(500, "Internal error.", code="internal")
                )

        return answer
