"""The read-only REST API, `/api/v1` (docs/api.md), and its OpenAPI document and docs page.

Routes: `router` (the API, its OpenAPI document at `/api/v1/openapi.json`, and a catch-all so
unknown paths and methods under `/api/v1` are problems too: include it as is) and
`docs_router` (`/api/docs`, Swagger UI; its script and stylesheet come from a CDN).

Each request reads in one transaction of its own, after the token's (bot.api.auth). Whatever
carries a requester's answers writes one `access_log` row per ticket sent, in the same
transaction as the read, so a read is never sent without its record.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.api import schemas, views
from bot.api.auth import Caller, scoped
from bot.api.paging import (
    CURSOR_PATTERN,
    clamp_id,
    decode_cursor,
    encode_cursor,
    utc_or_clamped,
)
from bot.api.problems import PROBLEM_JSON, ApiProblem, ProblemRoute
from bot.deps import Runtime, RuntimeDep
from bot.ikm_report import ikm_figures
from bot.report_files import report_dict
from bot.reports import period_report
from core.api_tokens import CATALOG_READ, REPORTS_READ, TICKETS_READ
from core.tickets import TicketStatus
from storage import repositories as repo

PREFIX = "/api/v1"
OPENAPI_PATH = f"{PREFIX}/openapi.json"
DOCS_PATH = "/api/docs"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_PERIOD_DAYS = 366  # a report or index over more than a year is a job for several requests
FIRST_YEAR, LAST_YEAR = 1900, 2199  # what the calendar (and its holiday tables) can speak for

# Dates the API reads: YYYY-MM-DD within FIRST_YEAR..LAST_YEAR (the pattern), and real days
# (checked on parsing: 2026-02-30 is a 422).
DATE_PATTERN = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
FIELDS_PATTERN = "^({0})(,({0}))*$".format("|".join(views.TICKET_FIELDS))
# RFC 3339 date-time, as OpenAPI's "date-time" format means it (either case of T and Z).
_INSTANT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
)
_ACTOR = "token"
_CHANNEL = "api"


def _problem(description: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        response["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return response


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _problem(
        "No token, or one that is malformed, unknown, revoked, expired or of another agency.",
        {"WWW-Authenticate": 'Bearer (with error="invalid_token" when one was sent)'},
    ),
    403: _problem("The token does not grant this route's scope."),
    422: _problem("A parameter is not valid (see `errors`)."),
    429: _problem("Over the token's rate.", {"Retry-After": "Seconds to wait."}),
    503: _problem("The database is not available.", {"Retry-After": "Seconds to wait."}),
}

router = APIRouter(prefix=PREFIX, route_class=ProblemRoute, responses=_ERRORS)
docs_router = APIRouter(include_in_schema=False)

TicketsReader = Annotated[Caller, Depends(scoped(TICKETS_READ))]
ReportsReader = Annotated[Caller, Depends(scoped(REPORTS_READ))]
CatalogReader = Annotated[Caller, Depends(scoped(CATALOG_READ))]
Lang = Annotated[Literal["id", "en"], Query(description="Language of names and labels.")]


def _date_query(description: str, *, alias: str | None = None, example: str) -> Any:
    return Query(
        alias=alias,
        pattern=DATE_PATTERN,
        description=description,
        examples=[example],
        json_schema_extra={"format": "date"},
    )


PeriodFrom = Annotated[
    str, _date_query("First day of the period.", alias="from", example="2026-03-01")
]
PeriodTo = Annotated[
    str,
    _date_query("Last day of the period (at most 366 days).", alias="to", example="2026-03-31"),
]


# --------------------------------------------------------------------------- tickets


@router.get(
    "/tickets",
    operation_id="listTickets",
    summary="Tickets, oldest change first, a page at a time",
    responses={
        200: {
            "model": schemas.TicketPage,
            # An OpenAPI link: a client (and the contract test's stateful run) can follow the
            # page's first item to its ticket.
            "links": {
                "getFirstTicket": {
                    "operationId": "getTicket",
                    "parameters": {"ref": "$response.body#/items/0/ref"},
                },
            },
            "headers": {
                "Link": {"description": '<next page>; rel="next"', "schema": {"type": "string"}}
            },
        }
    },
)
async def list_tickets(
    request: Request,
    runtime: RuntimeDep,
    caller: TicketsReader,
    status: Annotated[TicketStatus | None, Query()] = None,
    service: Annotated[str | None, Query(max_length=40, description="Service code.")] = None,
    product: Annotated[str | None, Query(max_length=40, description="Product code.")] = None,
    officer: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="Id of the assigned officer.")
    ] = None,
    created_from: Annotated[
        str | None,
        _date_query("Filed on or after this day (agency's clock).", example="2026-03-01"),
    ] = None,
    created_to: Annotated[
        str | None,
        _date_query("Filed on or before this day (agency's clock).", example="2026-03-31"),
    ] = None,
    updated_since: Annotated[
        str | None,
        Query(
            description="Changed at or after this instant (RFC 3339).",
            json_schema_extra={"format": "date-time"},
        ),
    ] = None,
    cursor: Annotated[
        str | None, Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the last page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    fields: Annotated[
        str | None,
        Query(pattern=FIELDS_PATTERN, description="Comma list of the item members to send."),
    ] = None,
) -> Response:
    """The agency's tickets ordered by (updated_at, id). A ticket filed or changed while a
    client pages comes on a later page, so following `next_cursor` to the end skips none
    (a ticket changed meanwhile may come twice: once as it was, once as it is). Sending
    `answers` or `requirements` (the default) writes an access-log row per ticket."""
    engine = runtime.engine
    zone = engine.calendar.zone
    chosen = set(fields.split(",")) if fields else set(views.TICKET_FIELDS)
    after = None
    if cursor is not None:
        at, last_id = decode_cursor(cursor)
        after = (at, clamp_id(last_id))
    async with runtime.db.transaction() as conn:
        rows = await repo.list_tickets_page(
            conn,
            agency=caller.agency,
            after=after,
            limit=limit + 1,  # one more tells whether there is a next page
            status=status,
            service=service,
            product=product,
            officer_id=officer,
            created_from=None if created_from is None else _midnight(zone, created_from, 0),
            created_before=None if created_to is None else _midnight(zone, created_to, 1),
            updated_since=None if updated_since is None else _instant(updated_since),
        )
        page, more = rows[:limit], len(rows) > limit
        if page and chosen & views.PERSONAL_FIELDS:
            await _log(runtime, conn, caller, "tickets.list", page)
    next_cursor = encode_cursor(page[-1].updated_at, page[-1].id) if more else None
    next_url = (
        None if next_cursor is None else str(request.url.include_query_params(cursor=next_cursor))
    )
    body = {
        "items": [views.ticket_item(ticket, zone, chosen) for ticket in page],
        "next_cursor": next_cursor,
        "links": {"next": next_url},
    }
    headers = {"Cache-Control": "no-store"}
    if next_url is not None:
        headers["Link"] = f'<{next_url}>; rel="next"'
    return _json(body, headers=headers)


@router.get(
    "/tickets/{ref}",
    operation_id="getTicket",
    summary="One ticket with its history and files",
    responses={
        200: {
            "model": schemas.TicketDetail,
            "headers": {"ETag": {"description": "Strong validator", "schema": {"type": "string"}}},
        },
        304: {"description": "Unchanged since the ETag sent in If-None-Match."},
        404: _problem("No ticket of this agency has this reference."),
    },
)
async def get_ticket(
    runtime: RuntimeDep,
    caller: TicketsReader,
    ref: Annotated[str, Path(max_length=40, examples=["BABEL-2026-00001"])],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The ticket, its events (codes, times and ids; no free text) and its files' metadata.
    Writes an access-log row unless the answer is 304."""
    zone = runtime.engine.calendar.zone
    async with runtime.db.transaction() as conn:
        ticket = await repo.get_ticket(conn, ref=ref)
        if ticket is None or ticket.agency != caller.agency:
            # Another agency's ticket gets word for word the answer a missing one gets.
            raise ApiProblem(404, "No ticket has this reference.")
        events = await repo.list_events(conn, ticket_id=ticket.id)
        files = await repo.ticket_attachments(conn, ticket_id=ticket.id)
        body = {
            **views.ticket_item(ticket, zone),
            "events": [views.event_item(event, zone) for event in events],
            "attachments": [views.attachment_item(record, zone) for record in files],
        }
        content = _dumps(body)
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        if if_none_match is not None and _matches(if_none_match, etag):
            return Response(status_code=304, headers=headers)
        await _log(runtime, conn, caller, "ticket.view", [ticket])
    return Response(content, media_type="application/json", headers=headers)


# --------------------------------------------------------------------------- reports


@router.get(
    "/reports",
    operation_id="getReport",
    summary="The period report (as `servicedesk report --format json`)",
    responses={200: {"model": schemas.Report}},
)
async def get_report(
    runtime: RuntimeDep,
    caller: ReportsReader,
    first: PeriodFrom,
    last: PeriodTo,
    lang: Lang = "id",
) -> Response:
    """SLA, completion, open tickets by age, complaints and availability for the period
    (local dates, both included)."""
    start, end = _period(first, last)
    engine = runtime.engine
    async with runtime.db.transaction() as conn:
        figures = await period_report(
            conn,
            catalog=engine.catalog,
            calendar=engine.calendar,
            first=start,
            last=end,
            now=engine.clock(),
        )
    return _json(report_dict(figures, engine.catalog, lang=lang))


@router.get(
    "/ikm",
    operation_id="getIkm",
    summary="The satisfaction index (IKM) of a period, overall and per service",
    responses={200: {"model": schemas.Ikm}},
)
async def get_ikm(
    runtime: RuntimeDep,
    caller: ReportsReader,
    first: PeriodFrom,
    last: PeriodTo,
    lang: Lang = "id",
) -> Response:
    """Survey answers given in the period (PermenPANRB 14/2017): respondents, each element's
    NRR, the IKM, its grade and mutu, and whether the sample is large enough. The requesters'
    comments are not included."""
    start, end = _period(first, last)
    engine = runtime.engine
    async with runtime.db.transaction() as conn:
        figures = await ikm_figures(
            conn, agency=engine.agency, calendar=engine.calendar, first=start, last=end
        )
    return _json(views.ikm_body(figures, engine.catalog, lang))


# --------------------------------------------------------------------------- catalog


@router.get(
    "/catalog",
    operation_id="getCatalog",
    summary="Services, products, SLAs, requirements and fields",
    responses={200: {"model": schemas.Catalog}},
)
async def get_catalog(runtime: RuntimeDep, caller: CatalogReader, lang: Lang = "id") -> Response:
    """The agency's published service standards as the desk runs them."""
    return _json(views.catalog_body(runtime.engine.catalog, lang))


@router.get(
    "/calendar/{year}",
    operation_id="getCalendar",
    summary="Holidays, cuti bersama, overrides and office hours of a year",
    responses={200: {"model": schemas.Calendar}},
)
async def get_calendar(
    runtime: RuntimeDep,
    caller: CatalogReader,
    year: Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, examples=[2026])],
) -> Response:
    """The working-day calendar the SLA clock uses for `year`."""
    engine = runtime.engine
    body = views.calendar_body(engine.catalog, engine.calendar, year, runtime.settings.calendar_dir)
    return _json(body)


# --------------------------------------------------------------------------- documents


@router.get(OPENAPI_PATH.removeprefix(PREFIX), include_in_schema=False)
async def openapi_document() -> JSONResponse:
    """This API's OpenAPI 3.1 document (public: it describes, it holds no data)."""
    return JSONResponse(openapi_schema())


@docs_router.get(DOCS_PATH)
async def docs_page() -> HTMLResponse:
    """Swagger UI on the OpenAPI document (its files come from a CDN)."""
    return get_swagger_ui_html(openapi_url=OPENAPI_PATH, title="servicedesk API")


@cache
def openapi_schema() -> dict[str, Any]:
    """The OpenAPI document of the API routes only (not the chat channels' routes)."""
    document = get_openapi(
        title="servicedesk API",
        version="1",
        openapi_version="3.1.0",
        summary="Read-only access to one agency's tickets, reports, catalog and calendar.",
        description=(
            "Authenticate with `Authorization: Bearer <token>` (`servicedesk tokens create`). "
            "Errors are RFC 9457 problem details (`application/problem+json`)."
        ),
        routes=[r for r in router.routes if isinstance(r, APIRoute) and r.include_in_schema],
        # One schema per model: an item trimmed by `fields` leaves members out, which the
        # output-mode schemas (every member with a default required) would forbid.
        separate_input_output_schemas=False,
    )
    for path in document["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _not_null(parameter["schema"])
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = schemas.Problem.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    return document


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional parameter's schema without FastAPI's `anyOf [..., null]`: a parameter is
    absent or a string, never null."""
    choices = schema.get("anyOf")
    if not isinstance(choices, list):
        return schema
    others = [choice for choice in choices if choice != {"type": "null"}]
    if len(others) != 1 or len(others) == len(choices):
        return schema
    merged = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**others[0], **merged}


# Last: anything else under the prefix is a problem too (unknown path 404, other method 405).
@router.api_route(
    "/{path:path}",
    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
async def elsewhere(request: Request) -> Response:
    served = [
        route
        for route in router.routes
        if isinstance(route, APIRoute)
        and route.endpoint is not elsewhere
        and route.path_regex.match(request.url.path)
    ]
    if served:
        allowed = ", ".join(sorted({m for route in served for m in route.methods or ()}))
        raise ApiProblem(405, f"This resource answers {allowed} only.", headers={"Allow": allowed})
    raise ApiProblem(404, "There is no such resource.")


# --------------------------------------------------------------------------- helpers


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _json(body: Any, *, headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(body), media_type="application/json", headers=headers)


def _matches(header: str, etag: str) -> bool:
    """If-None-Match against our ETag, with the weak comparison RFC 9110 §13.1.2 asks for."""
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


async def _log(
    runtime: Runtime,
    conn: AsyncConnection,
    caller: Caller,
    action: str,
    tickets: list[repo.TicketRecord],
) -> None:
    await repo.log_access(
        conn,
        at=runtime.engine.clock(),
        agency=caller.agency,
        actor_kind=_ACTOR,
        actor_id=caller.token_id,
        actor_name=caller.name,
        channel=_CHANNEL,
        action=action,
        tickets=[(ticket.id, ticket.ref) for ticket in tickets],
    )


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiProblem(422, f"{name}: {text} is not a day of the calendar.") from None


def _period(first: str, last: str) -> tuple[date, date]:
    start, end = _day(first, "from"), _day(last, "to")
    if start > end:
        raise ApiProblem(422, "The period's first day (from) is after its last (to).")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ApiProblem(422, f"A period has at most {MAX_PERIOD_DAYS} days.")
    return start, end


def _midnight(zone: tzinfo, text: str, days_after: int) -> datetime:
    """The local midnight starting the day `text` (or a day after), in UTC."""
    day = _day(text, "created_from" if days_after == 0 else "created_to")
    local = datetime.combine(day + timedelta(days=days_after), time(0), tzinfo=zone)
    return local.astimezone(UTC)


def _instant(text: str) -> datetime:
    """An RFC 3339 date-time (a leap second read as the second before), in UTC."""
    match = _INSTANT.fullmatch(text.strip())
    if match is None:
        raise ApiProblem(
            422, "updated_since: write an RFC 3339 time, e.g. 2026-03-01T08:00:00+07:00."
        )
    year, month, day, hour, minute, second = (int(match[i]) for i in range(1, 7))
    fraction = int((match[7] or ".0")[1:7].ljust(6, "0"))
    offset = match[8].upper()
    try:
        zone = UTC if offset == "Z" else _offset(offset)
        moment = datetime(
            max(year, 1), month, day, hour, minute, min(second, 59), fraction, tzinfo=zone
        )
    except ValueError:
        raise ApiProblem(422, "updated_since: not a valid time.") from None
    return utc_or_clamped(moment)


def _offset(text: str) -> timezone:
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    if minutes > 59:
        raise ValueError("offset minutes")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
