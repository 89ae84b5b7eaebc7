"""`Desk`: what every officer-side action needs to know about the agency at one moment.

Kept apart from `bot.desk` (which writes transitions) and `bot.notify` (which words and queues
their notices) so that both, and the handlers and sweeps above them, can take a `Desk` without
importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.catalog.schema import Catalog, Service
from core.complaints import find_service
from core.sla.calendar import WorkingCalendar
from storage.attachments import AttachmentStore


@dataclass(frozen=True)
class Desk:
    """The agency's catalog and calendar, the file store, and `now`."""

    catalog: Catalog
    calendar: WorkingCalendar
    default_locale: str
    now: datetime
    store: AttachmentStore
    # Outbox ids queued through this desk, so the channel sends them right after the commit
    # instead of leaving them to the next outbox sweep.
    queued: list[int] = field(default_factory=list, compare=False)

    @property
    def agency(self) -> str:
        """The agency code this desk serves."""
        return self.catalog.agency.code

    def service(self, code: str) -> Service | None:
        """The catalog's service with this code (tickets of every kind are filed under one).

        Complaints ("pengaduan") have a service even where the catalog lists none.
        """
        return find_service(self.catalog, code)
