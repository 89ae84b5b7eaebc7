"""Fixtures for the unit tests: the babel and kalbar catalogs and their working calendars."""

from __future__ import annotations

import pytest

from core.catalog.loader import load_catalog
from core.catalog.schema import Catalog
from core.sla import WorkingCalendar, calendar_for


@pytest.fixture(scope="module")
def babel() -> Catalog:
    return load_catalog("babel")


@pytest.fixture(scope="module")
def kalbar() -> Catalog:
    return load_catalog("kalbar")


@pytest.fixture(scope="module")
def babel_cal(babel: Catalog) -> WorkingCalendar:
    return calendar_for(babel.agency)


@pytest.fixture(scope="module")
def kalbar_cal(kalbar: Catalog) -> WorkingCalendar:
    return calendar_for(kalbar.agency)
