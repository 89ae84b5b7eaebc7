"""Helpers shared by the workflow tests: instants in the agencies' zones and tickets to act on.

Babel works in WIB (Asia/Jakarta), kalbar in Asia/Pontianak. The officer ids stand for babel's
head of office (kadis), head of division (kabid), computer officer (prakom) and a service-desk
officer.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.catalog.schema import Catalog
from core.sla import WorkingCalendar
from core.workflow import WorkflowTicket, dispose, open_ticket

WIB = ZoneInfo("Asia/Jakarta")
PTK = ZoneInfo("Asia/Pontianak")

KADIS, KABID, PRAKOM, DESK = 1, 2, 3, 7


def wib(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=WIB)


def ptk(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=PTK)


def opened(
    catalog: Catalog,
    cal: WorkingCalendar,
    service: str,
    product: str | None,
    at: datetime,
    *,
    ref: str = "T-1",
) -> WorkflowTicket:
    """A new ticket for `service` (and `product`) submitted at `at`."""
    found = catalog.service(service)
    assert found is not None
    return open_ticket(
        ref=ref, agency=catalog.agency, service=found, product=product, calendar=cal, at=at
    ).ticket


def at_work_step(catalog: Catalog, cal: WorkingCalendar, *, ref: str = "T-1") -> WorkflowTicket:
    """A babel network repair submitted Monday 2 Mar 2026 09:00 and disposed on time down to the
    service desk (DESK) at 10:00; its work step is due Thursday 5 Mar 16:00."""
    ticket = opened(catalog, cal, "jaringan-intra", "perbaikan", wib(2026, 3, 2, 9), ref=ref)
    for by, at in ((KADIS, wib(2026, 3, 2, 9, 20)), (KABID, wib(2026, 3, 2, 9, 40))):
        ticket = dispose(ticket, calendar=cal, by=by, at=at).ticket
    return dispose(ticket, calendar=cal, by=PRAKOM, at=wib(2026, 3, 2, 10), to_officer=DESK).ticket
