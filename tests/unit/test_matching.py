"""Finding the service a requester means, on the real catalogs and on small made-up ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.cli.match import app as match_app
from core.catalog.loader import load_catalog
from core.catalog.matching import Matcher, MatchResult, matcher_for
from core.catalog.normalize import STOPWORDS
from core.catalog.schema import Catalog

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "match_cases.yaml"
AGENCIES = ("babel", "kalbar", "purbalingga")
GREETINGS = [
    "halo",
    "Selamat pagi!",
    "terima kasih banyak pak 🙏",
    "ok siap",
    "hai kak",
    "assalamualaikum",
    "makasih min",
    "permisi bu",
    "selamat siang, maaf mengganggu",
]


def load_cases() -> list[tuple[str, str, str, str]]:
    """(agency, label, split, text) for every case in the test set."""
    data = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    return [
        (agency, label, split, text)
        for agency, groups in data.items()
        for label, parts in groups.items()
        for split in ("tune", "heldout")
        for text in parts.get(split) or []
    ]


def is_right(result: MatchResult, label: str) -> bool:
    """Whether a result is what the label asks for (see the header of match_cases.yaml)."""
    if label == "none":
        return not result.confident
    service, _, product = label.partition("/")
    best = result.best
    if not result.confident or best is None or best.service != service:
        return False
    if product == "null":
        return best.product is None
    return not product or best.product == product


@pytest.fixture(scope="module")
def matchers() -> dict[str, Matcher]:
    return {agency: matcher_for(load_catalog(agency)) for agency in AGENCIES}


def test_the_test_set_is_large_and_covers_every_service(matchers: dict[str, Matcher]) -> None:
    cases = load_cases()
    assert len(cases) >= 300
    assert sum(1 for case in cases if case[1] == "none") >= 50
    for agency, matcher in matchers.items():
        for service in matcher.catalog.services:
            labelled = [c for c in cases if c[0] == agency and c[1].split("/")[0] == service.code]
            assert len(labelled) >= 15, f"{agency}/{service.code} has {len(labelled)} cases"


def test_top_match_is_right_for_at_least_95_percent_of_the_test_set(
    matchers: dict[str, Matcher],
) -> None:
    cases = load_cases()
    wrong = [
        (agency, label, text, matchers[agency].match(text).to_json_dict())
        for agency, label, _, text in cases
        if not is_right(matchers[agency].match(text), label)
    ]
    accuracy = 100.0 * (len(cases) - len(wrong)) / len(cases)
    print(f"\nmatcher accuracy: {accuracy:.1f}% on {len(cases)} cases")
    assert accuracy >= 95.0, "\n".join(map(str, wrong))


def test_the_held_out_cases_do_as_well_as_the_tuned_ones(matchers: dict[str, Matcher]) -> None:
    held = [c for c in load_cases() if c[2] == "heldout"]
    right = sum(is_right(matchers[a].match(text), label) for a, label, _, text in held)
    print(f"\nheld-out accuracy: {100.0 * right / len(held):.1f}% on {len(held)} cases")
    assert right / len(held) >= 0.93


def test_irrelevant_texts_are_not_confident(matchers: dict[str, Matcher]) -> None:
    irrelevant = [(a, text) for a, label, _, text in load_cases() if label == "none"]
    confident = [(a, t) for a, t in irrelevant if matchers[a].match(t).confident]
    rate = 100.0 * (len(irrelevant) - len(confident)) / len(irrelevant)
    print(f"\nirrelevant texts not confident: {rate:.1f}% of {len(irrelevant)}")
    assert rate >= 95.0, confident


@pytest.mark.parametrize("agency", AGENCIES)
@pytest.mark.parametrize("text", GREETINGS)
def test_greetings_and_thanks_produce_no_matches(
    matchers: dict[str, Matcher], agency: str, text: str
) -> None:
    result = matchers[agency].match(text)
    assert result == MatchResult(query=text, confident=False, matches=[])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(sorted(STOPWORDS)), min_size=1, max_size=6))
def test_stopwords_alone_never_create_a_match(words: list[str]) -> None:
    matcher = matcher_for(load_catalog("kalbar"))
    assert matcher.match(" ".join(words)).matches == []


@pytest.mark.parametrize(
    "text", ["printer saya rusak", "mau bayar pajak", "jadwal bus", "lampu ruangan mati"]
)
def test_things_no_service_covers_are_not_confident(
    matchers: dict[str, Matcher], text: str
) -> None:
    for agency in AGENCIES:
        assert not matchers[agency].match(text).confident


def test_an_office_network_problem_is_network_repair(matchers: dict[str, Matcher]) -> None:
    result = matchers["babel"].match("jaringan kantor bermasalah")
    assert result.confident and result.best is not None
    assert (result.best.service, result.best.product) == ("jaringan-intra", "perbaikan")


def test_wanting_an_app_is_app_development_without_inventing_a_product(
    matchers: dict[str, Matcher],
) -> None:
    result = matchers["babel"].match("mau bikin aplikasi")
    assert result.confident and result.best is not None
    assert result.best.service == "pembangunan-aplikasi"
    assert result.best.product in (None, "rekomendasi")


def test_the_network_alone_leaves_the_product_open(matchers: dict[str, Matcher]) -> None:
    result = matchers["babel"].match("jaringan intra")
    assert result.best is not None
    assert (result.best.service, result.best.product) == ("jaringan-intra", None)


def test_a_word_two_services_share_is_not_confident(matchers: dict[str, Matcher]) -> None:
    result = matchers["kalbar"].match("server")
    assert not result.confident
    assert {m.service for m in result.matches} == {"hosting", "colocation"}


def test_a_product_word_alone_offers_did_you_mean_without_confidence(
    matchers: dict[str, Matcher],
) -> None:
    result = matchers["babel"].match("rekomendasi")
    assert not result.confident
    assert {(m.service, m.product) for m in result.matches} == {
        ("jaringan-intra", "rekomendasi"),
        ("pembangunan-aplikasi", "rekomendasi"),
    }


@pytest.mark.parametrize(
    ("agency", "typo", "service"),
    [
        ("kalbar", "hostnig", "hosting"),
        ("kalbar", "emial dinas", "email"),
        ("kalbar", "konfrensi pers", "konferensi-pers"),
        ("babel", "jaringn putus", "jaringan-intra"),
        ("kalbar", "subdomian", "domain"),
        ("kalbar", "co-location", "colocation"),
        ("purbalingga", "wfii mati", "internet-jaringan"),
    ],
)
def test_typos_still_find_the_service(
    matchers: dict[str, Matcher], agency: str, typo: str, service: str
) -> None:
    best = matchers[agency].match(typo).best
    assert best is not None and best.service == service


def test_matches_are_best_first_limited_and_rounded(matchers: dict[str, Matcher]) -> None:
    for text in ["server website", "jaringan", "rekomendasi", "data cloud"]:
        for limit in (1, 2, 3):
            matches = matchers["kalbar"].match(text, limit=limit).matches
            assert len(matches) <= limit
            assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_json_form_has_exactly_the_documented_shape(matchers: dict[str, Matcher]) -> None:
    data = matchers["babel"].match("wifi di ruang rapat mati").to_json_dict()
    assert set(data) == {"query", "confident", "matches"}
    assert data["query"] == "wifi di ruang rapat mati"
    assert data["confident"] is True
    assert 1 <= len(data["matches"]) <= 3
    for match in data["matches"]:
        assert set(match) == {"service", "product", "score"}
        assert isinstance(match["score"], float)
        assert match["score"] == round(match["score"], 1)
    assert data["matches"][0]["service"] == "jaringan-intra"
    assert data["matches"][0]["product"] == "perbaikan"
    assert json.loads(json.dumps(data)) == data


def test_the_same_catalog_gets_the_same_matcher() -> None:
    catalog = load_catalog("kalbar")
    assert matcher_for(catalog) is matcher_for(catalog)


# --- made-up catalogs: matching follows the data, not the three shipped agencies ---


def make_catalog(services: dict[str, dict[str, Any]]) -> Catalog:
    """A minimal valid catalog; each service maps to {"synonyms": [...], "products": {...}}."""
    step = {"code": "kerjakan", "role": "petugas", "action": "Kerjakan", "uses_service_sla": True}
    return Catalog.model_validate(
        {
            "agency": {
                "code": "uji",
                "name": "Dinas Uji",
                "short_name": "Uji",
                "city": "Kota Uji",
                "timezone": "Asia/Jakarta",
                "office_hours": [{"days": ["mon"], "open": "08:00", "close": "16:00"}],
                "roles": [{"code": "petugas", "name": "Petugas"}],
            },
            "services": [
                {
                    "code": code,
                    "name": spec.get("name", code.replace("-", " ").title()),
                    "description": "Layanan uji",
                    "cost": "Gratis",
                    "sla": "1 hari kerja",
                    "procedure": [step],
                    "synonyms": spec.get("synonyms", []),
                    "products": [
                        {"code": p, "name": p.title(), "synonyms": s}
                        for p, s in spec.get("products", {}).items()
                    ],
                }
                for code, spec in services.items()
            ],
        }
    )


def test_a_catalog_that_covers_printers_matches_a_broken_printer() -> None:
    catalog = make_catalog(
        {
            "printer": {
                "synonyms": ["printer", "mesin cetak"],
                "products": {"perbaikan": ["rusak", "macet"], "pengadaan": ["beli printer baru"]},
            },
            "jaringan": {"synonyms": ["internet", "wifi"]},
        }
    )
    result = Matcher(catalog).match("printer saya rusak")
    assert result.confident
    assert result.best is not None
    assert (result.best.service, result.best.product) == ("printer", "perbaikan")


def test_a_product_synonym_naming_the_service_finds_service_and_product() -> None:
    catalog = make_catalog(
        {
            "aplikasi": {
                "synonyms": ["aplikasi"],
                "products": {"hosting": ["hosting"], "uji": ["pentest"]},
            }
        }
    )
    best = Matcher(catalog).match("minta hosting dong").best
    assert best is not None and (best.service, best.product) == ("aplikasi", "hosting")


def test_two_products_equally_named_leave_the_product_open() -> None:
    catalog = make_catalog(
        {
            "jaringan": {
                "synonyms": ["jaringan"],
                "products": {"perbaikan": ["rusak"], "pembangunan": ["pasang"]},
            }
        }
    )
    best = Matcher(catalog).match("jaringan rusak, sekalian pasang").best
    assert best is not None and best.product is None


# --- the `servicedesk match` command ---

runner = CliRunner()


def test_the_command_prints_a_readable_verdict() -> None:
    result = runner.invoke(match_app, ["--agency", "babel", "wifi mati"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "'wifi mati': yakin: jaringan-intra/perbaikan (100.0)"


def test_the_command_works_mounted_as_servicedesk_match() -> None:
    root = typer.Typer()
    root.add_typer(match_app, name="match")

    @root.command()
    def other() -> None:  # a second command makes `root` a group, like the real CLI
        """Unused."""

    result = runner.invoke(root, ["match", "--agency", "babel", "wifi", "mati"])
    assert result.exit_code == 0, result.output
    assert "jaringan-intra/perbaikan" in result.output


def test_json_mode_prints_one_object_in_the_documented_shape() -> None:
    result = runner.invoke(match_app, ["--agency", "kalbar", "--json", "vicon besok"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"] == "vicon besok"
    assert data["confident"] is True
    assert data["matches"][0] == {"service": "video-conference", "product": None, "score": 100.0}


def test_stdin_mode_answers_each_line_in_order() -> None:
    queries = ["halo", "zoom besok", "", "minta hosting website", "titip server", "jadwal bus"]
    result = runner.invoke(
        match_app, ["--agency", "kalbar", "--json", "-"], input="\n".join(queries) + "\n"
    )
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert [a["query"] for a in answers] == queries
    assert [a["matches"][0]["service"] if a["matches"] else None for a in answers] == [
        None,
        "video-conference",
        None,
        "hosting",
        "colocation",
        None,
    ]


def test_an_unknown_agency_is_an_error() -> None:
    result = runner.invoke(match_app, ["--agency", "atlantis", "wifi"])
    assert result.exit_code == 2
