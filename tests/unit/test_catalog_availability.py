"""A service's guaranteed availability (`availability:` in the catalog, in percent)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from core.catalog.schema import Catalog, Service


def _service(**extra: Any) -> dict[str, Any]:
    return {
        "code": "jaringan",
        "name": "Jaringan",
        "description": "Jaringan",
        "cost": "Gratis",
        "sla": "1 hari kerja",
        "procedure": [
            {"code": "kerja", "role": "teknisi", "action": "Kerjakan", "uses_service_sla": True}
        ],
        **extra,
    }


def test_babels_intranet_promises_the_90_percent_of_its_standard(babel: Catalog) -> None:
    service = babel.service("jaringan-intra")
    assert service is not None and service.availability == 90


def test_a_service_without_a_promise_has_none(kalbar: Catalog) -> None:
    assert all(s.availability is None for s in kalbar.services)


@pytest.mark.parametrize("percent", [0, 90, 99.5, 100])
def test_an_availability_from_0_to_100_percent_is_accepted(percent: float) -> None:
    assert Service.model_validate(_service(availability=percent)).availability == percent


@pytest.mark.parametrize("percent", [-1, 100.1, 900])
def test_an_availability_outside_0_to_100_percent_is_refused(percent: float) -> None:
    with pytest.raises(ValidationError, match="availability"):
        Service.model_validate(_service(availability=percent))
