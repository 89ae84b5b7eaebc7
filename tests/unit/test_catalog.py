"""The shipped catalogs match the service standards; the loader and CLI report problems."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.catalog import app
from core.catalog.loader import (
    BUILTIN_DIR,
    CatalogError,
    UnknownAgency,
    available_agencies,
    catalog_dirs,
    load_catalog,
    load_catalog_file,
)
from core.catalog.schema import Catalog, FieldType
from core.sla.duration import Unit

# The codes fixed by the seeds README: data, commands and reports all use them.
EXPECTED_CODES: dict[str, dict[str, list[str]]] = {
    "babel": {
        "jaringan-intra": ["perancangan", "pembangunan", "perbaikan", "rekomendasi"],
        "pembangunan-aplikasi": ["rekomendasi", "hosting-integrasi", "pengujian-kelaikan"],
    },
    "kalbar": {
        code: []
        for code in [
            "ppid",
            "konsultasi",
            "pengaduan",
            "konferensi-pers",
            "hosting",
            "domain",
            "email",
            "data-cloud",
            "video-conference",
            "jaringan",
            "colocation",
        ]
    },
    # The issue of deadlines split the standard's two kinds of work into products.
    "purbalingga": {"internet-jaringan": ["fasilitasi", "gangguan"]},
}

MINIMAL = """\
agency:
  code: {code}
  name: {name}
  short_name: Diskominfo Contoh
  city: Contoh
  timezone: Asia/Makassar
  office_hours:
    - days: [mon, tue, wed, thu, fri]
      open: "08:00"
      close: "16:00"
  roles:
    - code: kepala
      name: Kepala Dinas
    - code: teknisi
      name: Teknisi
      superior: kepala
services:
  - code: wifi-publik
    name: Layanan Wifi Publik
    description: Pemasangan wifi publik
    cost: Gratis
    sla: 2 hari kerja
    procedure:
      - code: pasang
        role: teknisi
        action: Memasang wifi
        uses_service_sla: true
"""

runner = CliRunner()


def write_catalog(directory: Path, code: str, name: str = "Diskominfo Contoh") -> Path:
    path = directory / f"{code}.yaml"
    path.write_text(MINIMAL.format(code=code, name=name), encoding="utf-8")
    return path


def test_the_builtin_catalogs_are_exactly_the_three_seeded_agencies() -> None:
    assert available_agencies() == sorted(EXPECTED_CODES)


@pytest.mark.parametrize("agency", sorted(EXPECTED_CODES))
def test_each_shipped_catalog_validates_and_uses_the_readme_codes(agency: str) -> None:
    catalog = load_catalog_file(BUILTIN_DIR / f"{agency}.yaml", expect_code=agency)
    assert catalog.agency.code == agency
    found = {s.code: [p.code for p in s.products] for s in catalog.services}
    assert found == EXPECTED_CODES[agency]


@pytest.mark.parametrize(
    ("agency", "service", "product", "text", "unit", "target", "due"),
    [
        ("babel", "jaringan-intra", "perancangan", "5 hari kerja", Unit.WORKING_DAYS, None, 5),
        ("babel", "jaringan-intra", "pembangunan", "5 hari kerja", Unit.WORKING_DAYS, None, 5),
        ("babel", "jaringan-intra", "perbaikan", "1-3 hari kerja", Unit.WORKING_DAYS, 1, 3),
        ("babel", "jaringan-intra", "rekomendasi", "1-2 hari kerja", Unit.WORKING_DAYS, 1, 2),
        ("babel", "pembangunan-aplikasi", "rekomendasi", "3-5 hari kerja", Unit.WORKING_DAYS, 3, 5),
        (
            "babel",
            "pembangunan-aplikasi",
            "hosting-integrasi",
            "1-3 hari kerja",
            Unit.WORKING_DAYS,
            1,
            3,
        ),
        (
            "babel",
            "pembangunan-aplikasi",
            "pengujian-kelaikan",
            "1-5 hari kerja",
            Unit.WORKING_DAYS,
            1,
            5,
        ),
        ("kalbar", "ppid", None, "10 hari kerja", Unit.WORKING_DAYS, None, 10),
        ("kalbar", "konsultasi", None, "3 jam", Unit.HOURS, None, 3),
        ("kalbar", "pengaduan", None, "8 hari kerja", Unit.WORKING_DAYS, None, 8),
        ("kalbar", "konferensi-pers", None, "60 menit", Unit.MINUTES, None, 60),
        ("kalbar", "hosting", None, "3 hari kerja", Unit.WORKING_DAYS, None, 3),
        ("kalbar", "domain", None, "3 hari kerja", Unit.WORKING_DAYS, None, 3),
        ("kalbar", "email", None, "1 hari kerja", Unit.WORKING_DAYS, None, 1),
        ("kalbar", "data-cloud", None, "1 hari kerja", Unit.WORKING_DAYS, None, 1),
        ("kalbar", "video-conference", None, "1 hari kerja", Unit.WORKING_DAYS, None, 1),
        ("kalbar", "jaringan", None, "3 hari kerja", Unit.WORKING_DAYS, None, 3),
        ("kalbar", "colocation", None, "3 hari kerja", Unit.WORKING_DAYS, None, 3),
        ("purbalingga", "internet-jaringan", None, "1 hari kerja", Unit.WORKING_DAYS, None, 1),
    ],
)
def test_slas_are_the_ones_the_standards_publish(
    agency: str,
    service: str,
    product: str | None,
    text: str,
    unit: Unit,
    target: int | None,
    due: int,
) -> None:
    found = load_catalog(agency).service(service)
    assert found is not None
    spec = found.sla_for(product)
    assert str(spec) == text
    assert spec.due.unit is unit
    assert spec.due.amount == due
    assert (spec.target.amount if spec.target else None) == target


def test_the_press_conference_itself_is_not_bound_by_the_60_minute_administration_time() -> None:
    service = load_catalog("kalbar").service("konferensi-pers")
    assert service is not None and service.sla_note is not None
    assert "sesuai materi/keperluan" in service.sla_note.get("id")


def test_a_press_conference_must_be_requested_at_least_seven_days_ahead() -> None:
    service = load_catalog("kalbar").service("konferensi-pers")
    assert service is not None
    dates = [f for f in service.fields if f.type in (FieldType.DATE, FieldType.DATETIME)]
    assert len(dates) == 1
    assert dates[0].min_days_ahead == 7
    assert dates[0].required


def test_event_dates_elsewhere_must_lie_in_the_future() -> None:
    for agency, service_code in [
        ("kalbar", "video-conference"),
        ("purbalingga", "internet-jaringan"),
    ]:
        service = load_catalog(agency).service(service_code)
        assert service is not None
        products: list[str | None] = [p.code for p in service.products] or [None]
        fields = [f for product in products for f in service.fields_for(product)]
        dates = [f for f in fields if f.type in (FieldType.DATE, FieldType.DATETIME)]
        assert dates, service_code
        assert all(f.min_days_ahead is not None and f.min_days_ahead >= 1 for f in dates)


def test_every_procedure_step_is_done_by_a_role_the_agency_has() -> None:
    for agency in available_agencies():
        catalog = load_catalog(agency)
        roles = {r.code for r in catalog.agency.roles}
        for service in catalog.services:
            assert service.procedure, service.code
            for step in service.procedure:
                assert step.role in roles, (agency, service.code, step.code)


def test_escalation_chains_end_at_a_head_of_office_without_loops() -> None:
    for agency in available_agencies():
        roles = {r.code: r for r in load_catalog(agency).agency.roles}
        for start in roles:
            seen = [start]
            while (superior := roles[seen[-1]].superior) is not None:
                assert superior not in seen, (agency, seen)
                seen.append(superior)
            assert roles[seen[-1]].superior is None


def test_babel_sop_hands_down_from_kadis_to_the_service_desk_with_the_sop_times() -> None:
    catalog = load_catalog("babel")
    for service in catalog.services:
        steps = [(s.role, str(s.duration) if s.duration else "sla") for s in service.procedure]
        assert steps == [
            ("kadis", "30 menit"),
            ("kabid", "15 menit"),
            ("pranata-komputer", "15 menit"),
            ("service-desk", "sla"),
            ("service-desk", "1 jam"),
            ("service-desk", "15 menit"),
        ]
        # The 3-hour submission is the requester's own time, never an officer's deadline.
        assert [str(s.duration) for s in service.requester_steps] == ["3 jam"]


def test_kalbar_step_times_fit_inside_each_service_sla() -> None:
    minutes_per = {Unit.MINUTES: 1, Unit.HOURS: 60, Unit.WORKING_DAYS: 8 * 60}
    for service in load_catalog("kalbar").services:
        assert service.sla is not None
        limit = service.sla.due.amount * minutes_per[service.sla.due.unit]
        total = 0
        for step in service.procedure:
            assert step.duration is not None, (service.code, step.code)
            total += step.duration.due.amount * minutes_per[step.duration.due.unit]
        assert total <= limit, service.code


def test_only_purbalingga_accepts_a_srikandi_letter_instead_of_an_upload() -> None:
    for agency in available_agencies():
        catalog = load_catalog(agency)
        srikandi = [
            r.code
            for s in catalog.services
            for p in [None, *(p.code for p in s.products)]
            for r in s.requirements_for(p)
            if r.accepts_srikandi
        ]
        assert bool(srikandi) == (agency == "purbalingga"), agency


def test_kalbar_public_desk_services_ask_for_an_identity_document() -> None:
    catalog = load_catalog("kalbar")
    for code in ["ppid", "konsultasi", "pengaduan"]:
        service = catalog.service(code)
        assert service is not None
        assert "public" in service.audience
        assert any(r.kind == "identity" and r.required for r in service.requirements), code


def test_kalbar_aptika_services_need_a_signed_and_stamped_letter() -> None:
    catalog = load_catalog("kalbar")
    for code in ["hosting", "domain", "email", "video-conference", "jaringan", "colocation"]:
        service = catalog.service(code)
        assert service is not None
        letters = [r for r in service.requirements if r.kind == "letter" and r.required]
        assert letters, code
        assert "cap/stempel" in letters[0].name.get("id"), code


def test_press_conference_complaints_of_the_light_class_are_answered_in_two_days() -> None:
    catalog = load_catalog("kalbar")
    limits = {c.code: str(c.limit) for c in catalog.complaint_classes_for("konferensi-pers")}
    assert limits["ringan"] == "2 hari kerja"
    default = {c.code: str(c.limit) for c in catalog.complaint_classes_for("hosting")}
    assert default == {
        "ringan": "5 hari kerja",
        "normatif": "5 hari kerja",
        "tidak-berkadar-pengawasan": "14 hari kerja",
        "berkadar-pengawasan": "60 hari kerja",
    }


def test_email_requests_offer_the_three_kinds_as_buttons() -> None:
    service = load_catalog("kalbar").service("email")
    assert service is not None
    kinds = [f for f in service.fields if f.type is FieldType.CHOICE]
    assert [c.code for c in kinds[0].choices] == ["perubahan", "penambahan", "reset-password"]


def test_office_hours_follow_each_agency() -> None:
    babel = load_catalog("babel").agency
    assert babel.timezone == "Asia/Jakarta"
    assert [(h.open.isoformat(), h.close.isoformat()) for h in babel.office_hours] == [
        ("08:00:00", "16:00:00")
    ]
    kalbar = load_catalog("kalbar").agency
    assert kalbar.timezone == "Asia/Pontianak"
    friday = next(h for h in kalbar.office_hours if "fri" in h.days)
    assert friday.close.isoformat() == "16:30:00"


def test_every_name_prompt_and_choice_has_an_english_translation() -> None:
    for agency in available_agencies():
        catalog = load_catalog(agency)
        assert catalog.agency.name.get("en") != catalog.agency.name.get("id")
        for service in catalog.services:
            texts = [service.name, service.description]
            for product in service.products:
                texts.append(product.name)
            for product_code in [None, *(p.code for p in service.products)]:
                for spec in service.fields_for(product_code):
                    texts += [spec.label, spec.prompt, *(c.label for c in spec.choices)]
            for text in texts:
                assert "en" in text.root, (agency, service.code, text.get("id"))


def test_check_accepts_the_shipped_catalogs() -> None:
    files = [str(BUILTIN_DIR / f"{agency}.yaml") for agency in sorted(EXPECTED_CODES)]
    result = runner.invoke(app, ["check", *files])
    assert result.exit_code == 0, result.output
    assert "OK: kalbar (11 services)" in result.output
    assert "OK: babel (2 services)" in result.output


def test_check_reports_every_error_with_its_path_and_fails(tmp_path: Path) -> None:
    broken = (
        MINIMAL.format(code="rusak", name="Rusak")
        .replace("sla: 2 hari kerja", "sla: 3 hri")
        .replace("role: teknisi", "role: satpam")
        .replace("superior: kepala", "superior: bupati")
    )
    broken += """\
  - code: wifi-publik
    name: {en: Duplicate without Indonesian}
    description: Lagi
    cost: Gratis
    sla: 1 hari kerja
    procedure:
      - code: pasang
        role: kepala
        duration: 1 jam
"""
    path = tmp_path / "rusak.yaml"
    path.write_text(broken, encoding="utf-8")

    result = runner.invoke(app, ["check", str(path)])

    assert result.exit_code == 1
    assert "services[0].sla: unknown unit in '3 hri'" in result.output
    assert "services[0].procedure[0].role: unknown role 'satpam'" in result.output
    assert "agency.roles[1].superior: unknown role 'bupati'" in result.output
    assert "services[1].code: duplicate service code 'wifi-publik'" in result.output
    assert "services[1].name: Indonesian text ('id') is required" in result.output
    assert "services[1].procedure[0].action" in result.output
    assert "OK:" not in result.output


def test_check_points_at_the_line_of_a_yaml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "salah.yaml"
    path.write_text("agency:\n  code: salah\n   name: x\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert "line 3" in result.output


def test_a_key_written_twice_is_reported_instead_of_silently_dropped(tmp_path: Path) -> None:
    text = MINIMAL.format(code="dobel", name="Dobel").replace(
        "    sla: 2 hari kerja\n", "    sla: 2 hari kerja\n    sla: 9 hari kerja\n"
    )
    path = tmp_path / "dobel.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as raised:
        load_catalog_file(path)
    assert any(e.startswith("services[0].sla: duplicate key") for e in raised.value.errors)


def test_check_continues_after_a_broken_file_and_still_fails(tmp_path: Path) -> None:
    good = write_catalog(tmp_path, "bagus")
    bad = tmp_path / "kosong.yaml"
    bad.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["check", str(bad), str(good)])
    assert result.exit_code == 1
    assert "OK: bagus (1 services)" in result.output
    assert "kosong.yaml" in result.output


def test_a_new_agency_dropped_into_the_extra_dir_loads_without_code_changes(
    tmp_path: Path,
) -> None:
    write_catalog(tmp_path, "kotacontoh")
    assert "kotacontoh" in available_agencies(tmp_path)
    assert "kotacontoh" not in available_agencies()
    catalog = load_catalog("kotacontoh", extra_dir=tmp_path)
    assert isinstance(catalog, Catalog)
    assert catalog.service("wifi-publik") is not None
    assert catalog_dirs(tmp_path) == [BUILTIN_DIR, tmp_path]


def test_an_extra_dir_file_overrides_the_builtin_catalog_of_the_same_agency(
    tmp_path: Path,
) -> None:
    write_catalog(tmp_path, "babel", name="Babel versi kantor")
    assert load_catalog("babel", extra_dir=tmp_path).agency.name.get() == "Babel versi kantor"
    assert load_catalog("babel").service("jaringan-intra") is not None


def test_an_edited_catalog_is_reloaded(tmp_path: Path) -> None:
    path = write_catalog(tmp_path, "kotaedit", name="Sebelum")
    assert load_catalog("kotaedit", extra_dir=tmp_path).agency.name.get() == "Sebelum"
    write_catalog(tmp_path, "kotaedit", name="Sesudah")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_catalog("kotaedit", extra_dir=tmp_path).agency.name.get() == "Sesudah"


def test_a_catalog_whose_code_differs_from_its_file_name_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "kotaa.yaml").write_text(
        MINIMAL.format(code="kotab", name="Salah nama"), encoding="utf-8"
    )
    with pytest.raises(CatalogError) as raised:
        load_catalog("kotaa", extra_dir=tmp_path)
    assert any(e.startswith("agency.code:") for e in raised.value.errors)


def test_an_unknown_agency_is_a_lookup_error_naming_the_known_ones() -> None:
    with pytest.raises(UnknownAgency) as raised:
        load_catalog("atlantis")
    assert isinstance(raised.value, LookupError)
    assert "kalbar" in str(raised.value)


def test_list_shows_each_service_with_its_sla() -> None:
    result = runner.invoke(app, ["list", "--agency", "kalbar"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 11
    konsultasi = next(line for line in lines if line.startswith("konsultasi "))
    assert "Pelayanan Konsultasi" in konsultasi
    assert konsultasi.endswith("3 jam")


def test_list_shows_products_with_their_own_slas() -> None:
    result = runner.invoke(app, ["list", "--agency", "babel"])
    assert result.exit_code == 0, result.output
    perbaikan = next(line for line in result.output.splitlines() if "/perbaikan" in line)
    assert perbaikan.endswith("1-3 hari kerja")


def test_list_as_json_gives_codes_names_products_and_slas() -> None:
    result = runner.invoke(app, ["list", "--agency", "babel", "--json", "--locale", "en"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    services = {s["code"]: s for s in data["services"]}
    products = {p["code"]: p["sla"] for p in services["pembangunan-aplikasi"]["products"]}
    assert products == {
        "rekomendasi": "3-5 hari kerja",
        "hosting-integrasi": "1-3 hari kerja",
        "pengujian-kelaikan": "1-5 hari kerja",
    }
    assert services["jaringan-intra"]["name"] == "Regional Government Intranet Service"


def test_list_for_an_unknown_agency_fails_with_the_known_ones() -> None:
    result = runner.invoke(app, ["list", "--agency", "atlantis"])
    assert result.exit_code != 0
    assert "babel" in result.output
