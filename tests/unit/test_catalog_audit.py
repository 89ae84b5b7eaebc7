"""Corrections from the line-by-line audit of the catalogs against the seed standards.

Each test pins one correction (the seed's words are quoted in the YAML next to the change), so a
later edit cannot quietly undo it.
"""

from __future__ import annotations

import pytest

from core.catalog.loader import BUILTIN_DIR, available_agencies, load_catalog
from core.catalog.schema import Catalog, Service

# The standards' "formulir layanan" is what the chat collects: the service's `fields`.
FORM = "formulir layanan"


def _service(catalog: Catalog, code: str) -> Service:
    found = catalog.service(code)
    assert found is not None, code
    return found


def _asked_for(service: Service) -> set[str]:
    """Everything the service asks the requester for, lower-cased: the form and the documents."""
    asked = {FORM} if service.fields else set()
    for product in [None, *(p.code for p in service.products)]:
        asked |= {r.name.get("id").lower() for r in service.requirements_for(product)}
    return asked


# --------------------------------------------------------------------------- 1. babel letter


def test_pembangunan_aplikasi_first_step_takes_only_what_the_service_asks_for(
    babel: Catalog,
) -> None:
    service = _service(babel, "pembangunan-aplikasi")
    first = service.procedure[0]
    assert first.inputs, "the disposition works from something the requester handed in"
    assert {i.lower() for i in first.inputs} <= _asked_for(service)


def test_pembangunan_aplikasi_steps_take_no_request_letter_the_seed_never_asks_for(
    babel: Catalog,
) -> None:
    # Seed 002's only requirement: "Mengisi formulir layanan melalui service desk".
    service = _service(babel, "pembangunan-aplikasi")
    letters = [
        r
        for product in [None, *(p.code for p in service.products)]
        for r in service.requirements_for(product)
        if r.kind == "letter"
    ]
    assert letters == []
    for step in service.procedure:
        assert not any("surat" in i.lower() for i in step.inputs), step.code


def test_every_babel_step_that_takes_a_request_letter_belongs_to_a_service_asking_for_one(
    babel: Catalog,
) -> None:
    for service in babel.services:
        takes_letter = any(
            "surat permohonan" in i.lower() for step in service.procedure for i in step.inputs
        )
        if takes_letter:
            assert any(r.kind == "letter" for r in service.requirements), service.code


# --------------------------------------------------------------------------- 2. documentation


def test_hosting_integrasi_requires_the_application_documentation(babel: Catalog) -> None:
    service = _service(babel, "pembangunan-aplikasi")
    hosting = {r.code: r for r in service.requirements_for("hosting-integrasi")}
    assert "dokumentasi-aplikasi" in hosting
    assert hosting["dokumentasi-aplikasi"].required
    # Only implementation needs it: the other products and the bare service do not ask for it.
    for other in [None, "rekomendasi", "pengujian-kelaikan"]:
        codes = {r.code for r in service.requirements_for(other)}
        assert "dokumentasi-aplikasi" not in codes, other


# --------------------------------------------------------------------------- 3. PPID receipt


def test_ppid_receipt_is_given_when_the_request_is_handed_in(kalbar: Catalog) -> None:
    service = _service(kalbar, "ppid")
    first, *later = service.procedure
    assert first.output is not None
    assert "tanda bukti terima permohonan" in first.output.lower()
    assert "tanda bukti permintaan" in first.output.lower()
    assert "Identitas pemohon" in first.inputs
    for step in later:
        assert "tanda bukti" not in (step.output or "").lower(), step.code
        assert "tanda bukti" not in step.action.get("id").lower(), step.code


# --------------------------------------------------------------------------- 4. konsultasi role


def test_konsultasi_is_handled_by_the_consultation_desk_officer(kalbar: Catalog) -> None:
    roles = {r.code: r for r in kalbar.agency.roles}
    officer = roles["petugas-konsultasi"]
    assert officer.name.get("id") == "Petugas Pelayanan Konsultasi"
    assert "en" in officer.name.root
    assert officer.superior is not None
    assert officer.superior in roles
    service = _service(kalbar, "konsultasi")
    assert [s.role for s in service.procedure] == ["petugas-konsultasi"] * len(service.procedure)


def test_the_consultation_officer_escalates_up_to_the_head_of_office(kalbar: Catalog) -> None:
    roles = {r.code: r for r in kalbar.agency.roles}
    chain = ["petugas-konsultasi"]
    while (superior := roles[chain[-1]].superior) is not None:
        assert superior not in chain, chain
        chain.append(superior)
    assert chain[-1] == "kepala-dinas"


# --------------------------------------------------------------------------- 5. derived times


def _procedure_preambles(agency: str) -> list[list[str]]:
    """Per service, in file order: the lines from `procedure:` up to its first step."""
    lines = (BUILTIN_DIR / f"{agency}.yaml").read_text(encoding="utf-8").splitlines()
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in lines:
        if line.strip() == "procedure:":
            current = []
            blocks.append(current)
        elif current is not None:
            if line.strip().startswith("- code:"):
                current = None
            else:
                current.append(line.strip())
    return blocks


def test_step_times_no_seed_gives_are_marked_derived() -> None:
    kalbar = _procedure_preambles("kalbar")
    assert len(kalbar) == len(load_catalog("kalbar").services)
    assert all(any(line.startswith("# derived:") for line in block) for block in kalbar)
    # Seed 002 (babel pembangunan-aplikasi) gives no step times; seed 001 gives jaringan-intra's.
    babel = dict(
        zip(
            [s.code for s in load_catalog("babel").services],
            _procedure_preambles("babel"),
            strict=True,
        )
    )
    assert any(line.startswith("# derived:") for line in babel["pembangunan-aplikasi"])


# --------------------------------------------------------------------------- general


@pytest.mark.parametrize("agency", available_agencies())
def test_every_procedure_step_role_is_one_of_the_agency_roles(agency: str) -> None:
    catalog = load_catalog(agency)
    roles = {r.code for r in catalog.agency.roles}
    for service in catalog.services:
        for step in service.procedure:
            assert step.role in roles, (agency, service.code, step.code, step.role)


def test_a_disturbances_impact_answer_gives_its_priority() -> None:
    babel = load_catalog("babel").service("jaringan-intra")
    assert babel is not None
    assert babel.priority_of("perbaikan", {"dampak": "seluruh-kantor"}) == "tinggi"
    assert babel.priority_of("perbaikan", {"dampak": "satu-ruangan"}) == "sedang"
    assert babel.priority_of("perbaikan", {"dampak": "satu-orang"}) == "rendah"
    assert babel.priority_of("perancangan", {}) is None  # a design is no disturbance
    purbalingga = load_catalog("purbalingga").service("internet-jaringan")
    assert purbalingga is not None
    assert purbalingga.priority_of("gangguan", {"dampak": "satu-orang"}) == "rendah"
