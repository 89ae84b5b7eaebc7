"""Ticket references as requesters type them."""

from __future__ import annotations

import pytest

from core.tickets import CLOSED_STATUSES, TicketStatus, format_ref, normalize_ref


def test_a_ref_is_upper_case_with_a_zero_padded_sequence() -> None:
    assert format_ref("babel", 2026, 42) == "BABEL-2026-00042"


def test_a_sequence_beyond_five_digits_is_kept_whole() -> None:
    assert format_ref("BABEL", 2026, 123456) == "BABEL-2026-123456"


def test_a_sequence_of_zero_is_not_a_ticket() -> None:
    with pytest.raises(ValueError):
        format_ref("BABEL", 2026, 0)


@pytest.mark.parametrize(
    "typed",
    [
        "BABEL-2026-00042",
        "babel-2026-00042",
        " BABEL 2026 42 ",
        "babel/2026/42",
        "Babel.2026.0042",
        "#BABEL-2026-42",
        "babel202600042",
        "BABEL - 2026 - 00042",
    ],
)
def test_a_ref_typed_in_any_case_or_spacing_finds_the_same_ticket(typed: str) -> None:
    assert normalize_ref(typed) == "BABEL-2026-00042"


def test_a_prefix_with_digits_is_understood() -> None:
    assert normalize_ref("k3 2026 7") == "K3-2026-00007"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "halo pak",
        "BABEL-2026",
        "BABEL-2026-0",
        "2026-42",
        "B-2026-1",
        "BABEL-26-42",
        "BABEL-2026-4x",
    ],
)
def test_text_that_cannot_be_a_ref_is_rejected(typed: str) -> None:
    assert normalize_ref(typed) is None


def test_a_normalised_ref_is_stable() -> None:
    once = normalize_ref("babel 2026 42")
    assert once is not None
    assert normalize_ref(once) == once


def test_only_finished_rejected_and_cancelled_tickets_are_closed() -> None:
    assert {s for s in TicketStatus if s.is_closed} == CLOSED_STATUSES
    assert not TicketStatus.MENUNGGU_PEMOHON.is_closed
    assert TicketStatus("menunggu_pemohon") is TicketStatus.MENUNGGU_PEMOHON
