"""Prometheus metrics for the channels, served at `GET /metrics`.

The metrics live in one module-level registry: a process runs one server, and tests that build
several apps read the counters' differences instead of absolute values.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES_IN = Counter(
    "servicedesk_updates_in",
    "Inbound updates handed to the dialog engine, by channel.",
    ["channel"],
    registry=REGISTRY,
)
DUPLICATES = Counter(
    "servicedesk_updates_duplicate",
    "Inbound updates already in the inbox (redeliveries), by channel.",
    ["channel"],
    registry=REGISTRY,
)
MESSAGES_OUT = Counter(
    "servicedesk_messages_out",
    "Outbound send attempts, by channel and result (sent, retry, failed, error).",
    ["channel", "result"],
    registry=REGISTRY,
)
ERRORS = Counter(
    "servicedesk_errors",
    "Errors while receiving or handling updates, by channel and kind.",
    ["channel", "kind"],
    registry=REGISTRY,
)
HANDLING_SECONDS = Histogram(
    "servicedesk_handling_seconds",
    "Time to handle one inbound update durably (dialog + inbox + outbox), by channel.",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """Every metric in the Prometheus text format."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def count_error(channel: str, kind: str) -> None:
    """Count one error of `kind` (a short fixed word, never user data) on `channel`."""
    ERRORS.labels(channel=channel, kind=kind).inc()
