"""Properties of plans and alerts that must hold for every shipped procedure and any instant."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from core.catalog.loader import load_catalog
from core.catalog.schema import Catalog, Service
from core.sla import WorkingCalendar, calendar_for
from core.workflow import WorkflowTicket, dispose, open_ticket, plan_steps, published_times
from core.workflow_alerts import AlertKind, alert_schedule, alerts_due, next_alert_at

TICK = timedelta(microseconds=1)
CATALOGS = [load_catalog(code) for code in ("babel", "kalbar", "purbalingga")]
CALENDARS = {c.agency.code: calendar_for(c.agency) for c in CATALOGS}
# Every (catalog, service, product) the agencies offer.
OFFERS: list[tuple[Catalog, Service, str | None]] = [
    (catalog, service, product)
    for catalog in CATALOGS
    for service in catalog.services
    for product in ([p.code for p in service.products] if service.products else [None])
]

offers = st.sampled_from(OFFERS)
instants = st.builds(
    lambda naive, minutes: naive.replace(tzinfo=timezone(timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1)),
    st.sampled_from([0, 7 * 60, 8 * 60, 9 * 60, -5 * 60]),
)
PROPERTY = settings(deadline=None, max_examples=150)

Offer = tuple[Catalog, Service, str | None]
Case = tuple[WorkingCalendar, WorkflowTicket, list[datetime]]


@PROPERTY
@given(offers, instants)
def test_step_dues_rise_along_the_plan_and_fall_inside_office_hours(
    offer: Offer, at: datetime
) -> None:
    catalog, service, product = offer
    cal = CALENDARS[catalog.agency.code]
    dues = [s.due_at for s in plan_steps(service, product, cal, at)]
    assert cal.start_of(at) < dues[0]
    assert all(a <= b for a, b in pairwise(dues))
    # A due is office time or the closing instant that ends it.
    assert all(cal.is_open(due - TICK) for due in dues)
    # Every step is planned inside the published standard, which is the ticket's due.
    times = published_times(service, product, cal, at)
    assert times.due >= dues[-1]
    assert times.due == cal.due(at, service.sla_for(product)).due


@PROPERTY
@given(offers, instants)
def test_officers_acting_exactly_on_time_keep_to_the_plan(offer: Offer, at: datetime) -> None:
    catalog, service, product = offer
    cal = CALENDARS[catalog.agency.code]
    planned = plan_steps(service, product, cal, at)
    ticket = open_ticket(
        ref="T-1", agency=catalog.agency, service=service, product=product, calendar=cal, at=at
    ).ticket
    assert ticket.step_due_at == planned[0].due_at
    for previous, step in pairwise(planned):
        ticket = dispose(ticket, calendar=cal, by=1, at=previous.due_at).ticket
        assert (ticket.step, ticket.step_due_at) == (step.code, step.due_at)


@st.composite
def tickets_and_sweeps(draw: st.DrawFn) -> Case:
    """A ticket at some step of its procedure and a scheduler's sweep instants after that."""
    catalog, service, product = draw(offers)
    cal = CALENDARS[catalog.agency.code]
    at = draw(instants)
    ticket = open_ticket(
        ref="T-1", agency=catalog.agency, service=service, product=product, calendar=cal, at=at
    ).ticket
    for _ in range(draw(st.integers(0, len(service.procedure) - 1))):
        at += timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
        ticket = dispose(ticket, calendar=cal, by=1, at=at).ticket
    gaps = draw(st.lists(st.integers(0, 2 * 24 * 60), min_size=1, max_size=40))
    sweeps: list[datetime] = []
    now = at
    for gap in gaps:
        now += timedelta(minutes=gap)
        sweeps.append(now)
    return cal, ticket, sweeps


@PROPERTY
@given(tickets_and_sweeps())
def test_each_alert_is_sent_at_most_once_never_early_and_a_breach_always_once(
    case: Case,
) -> None:
    cal, ticket, sweeps = case
    schedule = dict(alert_schedule(ticket, cal))
    sent: list[str] = []
    kinds: list[AlertKind] = []
    for now in sweeps:
        for alert in alerts_due(ticket, cal, now, set(sent)):
            assert alert.at <= now
            assert alert.at == schedule[alert.kind]
            sent.append(alert.key)
            kinds.append(alert.kind)
        following = next_alert_at(ticket, cal, set(sent))
        # Everything due by `now` went out, so the next alert lies ahead and is really due then.
        assert following is None or following > now
        if following is not None:
            assert alerts_due(ticket, cal, following, set(sent))
    assert len(sent) == len(set(sent))
    assert kinds == sorted(kinds, key=lambda k: schedule[k])
    breached = sweeps[-1] >= schedule["breach"]
    assert kinds.count("breach") == (1 if breached else 0)
