"""Officer roles, invite codes and chat ids (core.officers), on the shipped catalogs."""

from __future__ import annotations

import re

import pytest

from core.catalog.loader import load_catalog
from core.catalog.schema import Catalog
from core.officers import (
    INVITE_ALPHABET,
    UnknownRole,
    hash_invite_code,
    new_invite_code,
    normalize_invite_code,
    normalize_telegram_id,
    normalize_whatsapp,
    role_codes,
    validate_roles,
)

# --------------------------------------------------------------------------- roles


def test_babel_officers_may_hold_the_sop_roles_and_coordinator(babel: Catalog) -> None:
    assert role_codes(babel) == [
        "kadis",
        "kabid",
        "pranata-komputer",
        "service-desk",
        "coordinator",
    ]


def test_every_procedure_role_of_every_agency_can_be_given_to_an_officer() -> None:
    for agency in ("babel", "kalbar", "purbalingga"):
        catalog = load_catalog(agency)
        used = {step.role for service in catalog.services for step in service.procedure}
        assert used <= set(role_codes(catalog)), agency
        assert "coordinator" in role_codes(catalog)


def test_a_catalog_without_a_coordinator_role_still_offers_one(babel: Catalog) -> None:
    roles = [r for r in babel.agency.roles if r.code != "coordinator"]
    bare = babel.model_copy(update={"agency": babel.agency.model_copy(update={"roles": roles})})
    assert validate_roles(bare, ["coordinator"]) == ["coordinator"]


def test_roles_are_normalised_and_each_kept_once_in_order(babel: Catalog) -> None:
    assert validate_roles(babel, [" Kabid", "coordinator", "kabid "]) == ["kabid", "coordinator"]


def test_an_unknown_role_is_refused_with_the_valid_ones_listed(babel: Catalog) -> None:
    with pytest.raises(UnknownRole) as raised:
        validate_roles(babel, ["kabid", "aptika"])
    assert raised.value.unknown == ["aptika"]
    message = str(raised.value)
    assert "aptika" in message
    for code in ("kadis", "kabid", "pranata-komputer", "service-desk", "coordinator"):
        assert code in message


def test_an_officer_needs_at_least_one_role(babel: Catalog) -> None:
    with pytest.raises(UnknownRole):
        validate_roles(babel, [" "])


def test_a_kalbar_role_is_not_valid_in_babel(babel: Catalog) -> None:
    kalbar_only = set(role_codes(load_catalog("kalbar"))) - set(role_codes(babel))
    assert kalbar_only
    with pytest.raises(UnknownRole):
        validate_roles(babel, sorted(kalbar_only)[:1])


# --------------------------------------------------------------------------- invite codes


def test_an_invite_code_is_two_groups_of_four_unambiguous_characters() -> None:
    for _ in range(200):
        code = new_invite_code()
        assert re.fullmatch(rf"[{INVITE_ALPHABET}]{{4}}-[{INVITE_ALPHABET}]{{4}}", code), code
    assert not set("01OIL") & set(INVITE_ALPHABET)


def test_invite_codes_differ_from_one_another() -> None:
    codes = {new_invite_code() for _ in range(100)}
    assert len(codes) == 100


def test_a_code_typed_in_lower_case_or_without_the_dash_has_the_same_hash() -> None:
    stored = hash_invite_code("K7QF-M2PX")
    for typed in ("k7qf-m2px", "K7QFM2PX", " k7qf m2px ", "K7QF - M2PX"):
        assert hash_invite_code(typed) == stored
    assert hash_invite_code("K7QF-M2PY") != stored


def test_the_stored_hash_does_not_contain_the_code() -> None:
    digest = hash_invite_code("K7QF-M2PX")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert "K7QF" not in digest.upper() and "M2PX" not in digest.upper()


def test_text_that_cannot_be_a_code_is_recognised() -> None:
    assert normalize_invite_code("k7qf-m2px") == "K7QFM2PX"
    assert normalize_invite_code("K7QF-M2P") is None  # too short
    assert normalize_invite_code("K7QF-M2PX9") is None  # too long
    assert normalize_invite_code("K0QF-M2PX") is None  # 0 is never used
    assert normalize_invite_code("") is None


# --------------------------------------------------------------------------- chat ids


@pytest.mark.parametrize(
    "typed",
    ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "812 3456 7890", "(0812) 3456.7890"],
)
def test_a_whatsapp_number_is_written_as_whatsapp_names_it(typed: str) -> None:
    assert normalize_whatsapp(typed) == "6281234567890"


def test_a_number_with_its_trunk_zero_after_the_country_code_is_repaired() -> None:
    assert normalize_whatsapp("+62 0812 3456 7890") == "6281234567890"


def test_a_foreign_number_keeps_its_country_code() -> None:
    assert normalize_whatsapp("+60 12-345 6789") == "60123456789"


@pytest.mark.parametrize("typed", ["", "0812", "nomor saya", "+62 812 3456 7890 1234 5"])
def test_something_that_is_not_a_phone_number_is_refused(typed: str) -> None:
    assert normalize_whatsapp(typed) is None


def test_a_telegram_id_must_be_a_positive_number() -> None:
    assert normalize_telegram_id(" 123456789 ") == "123456789"
    assert normalize_telegram_id("@budi") is None
    assert normalize_telegram_id("-100123") is None
    assert normalize_telegram_id("0") is None
