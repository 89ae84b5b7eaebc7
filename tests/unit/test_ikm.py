"""The satisfaction index (IKM) of PermenPANRB 14/2017 and `servicedesk ikm compute`.

Every expected value is worked out by hand in a comment: NRR per element is the mean of its
answers, the IKM is the mean of the NRR times 25, rounded half up to two decimals.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.ikm import app
from core.ikm import (
    CODES,
    ELEMENTS,
    AnswerError,
    Grade,
    Response,
    compute,
    grade_for,
    round_half_up,
    sample_size,
)

Answers = tuple[int | None, ...]

runner = CliRunner()


def everyone(answer: int, count: int) -> list[Answers]:
    """`count` respondents who each gave `answer` to all nine questions."""
    return [(answer,) * 9] * count


# The small survey the CLI tests read too. Its NRR, column by column:
#   u1 (4+3+4+3)/4 = 3.5   u2 (4+4+3+3)/4 = 3.5   u3 (3+3+2+3)/4 = 2.75
#   u4 16/4 = 4            u5 (3+3+4+3)/4 = 3.25  u6 (4+3+3+4)/4 = 3.5
#   u7 16/4 = 4            u8 (3+2+3+2)/4 = 2.5   u9 (3+3+4+3)/4 = 3.25
# They add up to 30.25; 30.25 / 9 * 25 = 756.25 / 9 = 84.0277... -> 84.03, grade B.
SMALL_SURVEY: list[Answers] = [
    (4, 4, 3, 4, 3, 4, 4, 3, 3),
    (3, 4, 3, 4, 3, 3, 4, 2, 3),
    (4, 3, 2, 4, 4, 3, 4, 3, 4),
    (3, 3, 3, 4, 3, 4, 4, 2, 3),
]


# -- the index -------------------------------------------------------------------------------


def test_everyone_answering_4_scores_exactly_100_00_and_grade_a() -> None:
    # NRR 4 everywhere: 9 x 4 x 1/9 x 25 = 100. With the regulation's printed weight 0.111 it
    # would be 9 x 4 x 0.111 x 25 = 99.90.
    result = compute(everyone(4, 30))
    assert result.ikm == Decimal("100.00")
    assert str(result.ikm) == "100.00"
    assert result.grade is Grade.A
    assert result.mutu == "Sangat Baik"
    assert result.respondents == 30


def test_everyone_answering_1_scores_the_lowest_ikm_25_00_grade_d() -> None:
    result = compute(everyone(1, 3))
    assert result.ikm == Decimal("25.00")
    assert result.grade is Grade.D
    assert result.mutu == "Tidak Baik"


def test_a_small_survey_gives_the_ikm_worked_out_by_hand() -> None:
    result = compute(SMALL_SURVEY)
    assert result.nrr == (
        Fraction(7, 2),
        Fraction(7, 2),
        Fraction(11, 4),
        Fraction(4),
        Fraction(13, 4),
        Fraction(7, 2),
        Fraction(4),
        Fraction(5, 2),
        Fraction(13, 4),
    )
    assert result.exact == Fraction(3025, 36)  # 756.25 / 9
    assert result.ikm == Decimal("84.03")
    assert result.grade is Grade.B
    assert result.mutu == "Baik"
    assert result.respondents == 4
    assert result.answered == (4,) * 9


def test_each_element_weighs_an_exact_ninth_and_the_weighted_nrr_add_up_to_the_index() -> None:
    result = compute(SMALL_SURVEY)
    assert result.weight == Fraction(1, 9)
    weighted = result.weighted_nrr()
    assert weighted[0] == Fraction(7, 18)  # 3.5 / 9
    assert result.exact is not None
    assert sum(w for w in weighted if w is not None) * 25 == result.exact


def test_answers_given_by_element_code_count_the_same_as_answers_in_order() -> None:
    by_code = [dict(zip(CODES, answers, strict=True)) for answers in SMALL_SURVEY]
    assert compute(by_code) == compute(SMALL_SURVEY)


# -- grades ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ikm", "grade"),
    [
        ("100.00", Grade.A),
        ("88.31", Grade.A),
        ("88.30", Grade.B),
        ("76.61", Grade.B),
        ("76.60", Grade.C),
        ("65.00", Grade.C),
        ("64.99", Grade.D),
        ("25.00", Grade.D),
    ],
)
def test_the_regulations_band_edges_get_their_grade(ikm: str, grade: Grade) -> None:
    assert grade_for(Decimal(ikm)) is grade


@pytest.mark.parametrize(
    ("ikm", "grade"),
    [
        # Between the printed bands (88.30 | 88.31): the two-decimal value decides.
        (Fraction("88.305"), Grade.A),  # -> 88.31
        (Fraction("88.3049"), Grade.B),  # -> 88.30
        (Fraction("76.605"), Grade.B),  # -> 76.61
        (Fraction("76.6049"), Grade.C),  # -> 76.60
        (Fraction("64.995"), Grade.C),  # -> 65.00
        (Fraction("64.9949"), Grade.D),  # -> 64.99
    ],
)
def test_a_value_between_two_bands_is_graded_by_its_rounded_value(
    ikm: Fraction, grade: Grade
) -> None:
    assert grade_for(ikm) is grade


@pytest.mark.parametrize(
    ("responses", "ikm", "grade"),
    [
        # 133 x 4 and 117 x 3: NRR (532 + 351) / 250 = 3.532; x 25 = 88.30 exactly.
        (everyone(4, 133) + everyone(3, 117), "88.30", Grade.B),
        # 33 x 4 and 29 x 3: NRR 3 + 33/62; IKM 75 + 825/62 = 88.306..., in neither printed
        # band, rounds to 88.31.
        (everyone(4, 33) + everyone(3, 29), "88.31", Grade.A),
        # 8 x 4 and 117 x 3: NRR 3 + 8/125 = 3.064; x 25 = 76.60 exactly.
        (everyone(4, 8) + everyone(3, 117), "76.60", Grade.C),
        # 2 x 4 and 29 x 3: NRR 3 + 2/31; IKM 75 + 50/31 = 76.612... -> 76.61.
        (everyone(4, 2) + everyone(3, 29), "76.61", Grade.B),
        # 3 x 3 and 2 x 2: NRR 13/5 = 2.6; x 25 = 65.00 exactly.
        (everyone(3, 3) + everyone(2, 2), "65.00", Grade.C),
        # 38 respondents: 22 all 3, one with 3 on u1-u7 and 2 on u8-u9, 15 all 2. NRR u1-u7
        # (23x3 + 15x2)/38 = 99/38, u8-u9 (22x3 + 16x2)/38 = 98/38. Sum (7x99 + 2x98)/38 =
        # 889/38; IKM 889/38 / 9 x 25 = 22225/342 = 64.985... -> 64.99.
        (
            [*everyone(3, 22), (3, 3, 3, 3, 3, 3, 3, 2, 2), *everyone(2, 15)],
            "64.99",
            Grade.D,
        ),
    ],
)
def test_surveys_landing_on_the_band_edges_get_the_grade_of_their_rounded_ikm(
    responses: list[Answers], ikm: str, grade: Grade
) -> None:
    result = compute(responses)
    assert result.ikm == Decimal(ikm)
    assert result.grade is grade


def test_each_grade_has_the_regulations_indonesian_label_and_an_english_one() -> None:
    assert [g.mutu for g in Grade] == ["Sangat Baik", "Baik", "Kurang Baik", "Tidak Baik"]
    assert [g.label("en") for g in Grade] == ["Very good", "Good", "Poor", "Very poor"]


# -- rounding --------------------------------------------------------------------------------


def test_an_ikm_ending_in_5_at_the_third_decimal_rounds_up() -> None:
    # 5 respondents all 4 and 3 all 3: NRR (20 + 9)/8 = 29/8 = 3.625; x 25 = 90.625 exactly.
    # Half up gives 90.63; Python's round() (half to even) would give 90.62.
    result = compute(everyone(4, 5) + everyone(3, 3))
    assert result.exact == Fraction("90.625")
    assert result.ikm == Decimal("90.63")
    assert round(90.625, 2) == 90.62  # the trap this avoids


def test_rounding_works_on_the_exact_value_not_on_a_shortened_decimal() -> None:
    # A hair under 88.305 stays 88.30 however many digits the hair is below.
    assert round_half_up(Fraction("88.305") - Fraction(1, 10**40), 2) == Decimal("88.30")
    assert round_half_up(Fraction("88.305"), 2) == Decimal("88.31")
    assert round_half_up(Fraction(1, 3), 3) == Decimal("0.333")


# -- skipped questions and empty surveys -----------------------------------------------------


def test_an_element_some_skipped_is_averaged_over_those_who_answered_it() -> None:
    # u3 answered by two of three: (4 + 2) / 2 = 3, not (4 + 2 + 0) / 3 = 2.
    responses: list[Answers] = [
        (4, 4, 4, 4, 4, 4, 4, 4, 4),
        (4, 4, 2, 4, 4, 4, 4, 4, 4),
        (4, 4, None, 4, 4, 4, 4, 4, 4),
    ]
    result = compute(responses)
    assert result.answered[2] == 2
    assert result.nrr[2] == Fraction(3)
    # NRR sum 8 x 4 + 3 = 35; 35 / 9 x 25 = 97.222... -> 97.22.
    assert result.ikm == Decimal("97.22")


def test_an_element_nobody_answered_is_left_out_of_the_average() -> None:
    # Nobody answered u9. u1: (4 + 3 + 4) / 3 = 11/3; u2-u8: (4 + 3) / 2 = 7/2.
    # Mean of the 8 answered: (11/3 + 7 x 7/2) / 8 = (22/6 + 147/6) / 8 = 169/48.
    # IKM = 25 x 169/48 = 4225/48 = 88.0208... -> 88.02 (dividing by 9 would give 78.24).
    responses: list[Answers] = [
        (4, 4, 4, 4, 4, 4, 4, 4, None),
        (3, 3, 3, 3, 3, 3, 3, 3, None),
        (4, None, None, None, None, None, None, None, None),
        (None,) * 9,  # answered nothing: not a respondent
    ]
    result = compute(responses)
    assert result.nrr[8] is None
    assert result.answered[8] == 0
    assert result.respondents == 3
    assert result.weight == Fraction(1, 8)
    assert result.exact == Fraction(4225, 48)
    assert result.ikm == Decimal("88.02")
    assert result.grade is Grade.B
    assert result.weighted_nrr()[8] is None


def test_a_mapping_may_leave_out_the_questions_it_did_not_answer() -> None:
    result = compute([{"u1": 4}, {"u1": 2, "u2": 3}])
    assert result.nrr[:2] == (Fraction(3), Fraction(3))
    assert result.nrr[2:] == (None,) * 7
    assert result.ikm == Decimal("75.00")


def test_no_respondents_give_no_ikm_and_no_grade() -> None:
    nobody: list[list[Response]] = [[], [(None,) * 9, {}]]  # {}: a mapping answering nothing
    for responses in nobody:
        result = compute(responses)
        assert result.respondents == 0
        assert result.nrr == (None,) * 9
        assert result.ikm is None
        assert result.grade is None
        assert result.mutu is None
        assert result.weighted_nrr() == (None,) * 9


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, 5, -1, "4", 3.0, True])
def test_an_answer_outside_1_to_4_is_refused_with_its_place(bad: object) -> None:
    response: list[Any] = [4] * 9
    response[4] = bad
    with pytest.raises(ValueError, match=r"response 1, u5: .* answers are 1, 2, 3 or 4") as info:
        compute([(4,) * 9, tuple(response)])
    assert isinstance(info.value, AnswerError)
    assert (info.value.response, info.value.element) == (1, "u5")


def test_a_response_of_the_wrong_length_or_with_unknown_codes_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 9 answers, got 8"):
        compute([(4,) * 8])
    with pytest.raises(ValueError, match=r"unknown element.*u10"):
        compute([{"u1": 4, "u10": 4}])


# -- the questionnaire -----------------------------------------------------------------------


def test_the_nine_elements_come_in_the_regulations_order() -> None:
    assert CODES == ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
    assert [e.name_id for e in ELEMENTS] == [
        "Persyaratan",
        "Sistem, mekanisme, dan prosedur",
        "Waktu penyelesaian",
        "Biaya/tarif",
        "Produk spesifikasi jenis pelayanan",
        "Kompetensi pelaksana",
        "Perilaku pelaksana",
        "Penanganan pengaduan, saran dan masukan",
        "Sarana dan prasarana",
    ]


def test_every_question_addresses_the_respondent_politely_and_has_four_answers() -> None:
    for element in ELEMENTS:
        assert "Bapak/Ibu" in element.question("id")
        assert element.question("en").endswith("?")
        assert len(element.answers_id) == len(element.answers_en) == 4
    first = ELEMENTS[0]
    assert first.question("id") == (
        "Bagaimana pendapat Bapak/Ibu tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?"
    )


def test_answer_labels_follow_the_sample_questionnaire() -> None:
    cost, complaints = ELEMENTS[3], ELEMENTS[7]
    assert [cost.answer_label(v) for v in (1, 2, 3, 4)] == [
        "Sangat mahal",
        "Cukup mahal",
        "Murah",
        "Gratis",
    ]
    assert complaints.answer_label(2) == "Ada tetapi tidak berfungsi"
    assert complaints.answer_label(4, "en") == "Well managed"
    assert ELEMENTS[6].answer_label(4) == "Sangat sopan dan ramah"
    with pytest.raises(ValueError):
        cost.answer_label(5)


# -- sample size -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "sample"),
    [
        # 3.841 x 100 x 0.25 / (0.0025 x 99 + 0.96025) = 96.025 / 1.20775 = 79.5 -> 80
        (100, 80),
        # 960.25 / (2.4975 + 0.96025) = 277.7 -> 278
        (1000, 278),
        # 9.6025 / (0.0225 + 0.96025) = 9.77 -> 10: a population of 10 is asked whole
        (10, 10),
        (1, 1),
        (0, 0),
    ],
)
def test_krejcie_morgan_sample_size(population: int, sample: int) -> None:
    assert sample_size(population) == sample


def test_a_negative_population_is_refused() -> None:
    with pytest.raises(ValueError, match="population"):
        sample_size(-1)


# -- servicedesk ikm compute -----------------------------------------------------------------


def write_csv(folder: Path, text: str) -> Path:
    path = folder / "skm.csv"
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["compute", *args])
    # Errors must be messages, never tracebacks.
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def survey_csv(tmp_path: Path) -> Path:
    """SMALL_SURVEY with extra columns, shuffled codes, spaces, and a row answering nothing."""
    return write_csv(
        tmp_path,
        "nama, U1 ,u2,u3,u4,u5,u6,u7,u9,u8,tanggal\n"
        "Ani,4,4,3,4,3,4,4,3,3,2026-03-02\n"
        "Budi, 3 ,4,3,4,3,3,4,3,2,2026-03-02\n"
        "Citra,4,3,2,4,4,3,4,4,3,2026-03-03\n"
        "Dedi,3,3,3,4,3,4,4,3,2,2026-03-03\n"
        "Eko,,,,,,,,,,2026-03-04\n",
    )


def test_the_cli_prints_the_result_as_json(survey_csv: Path) -> None:
    code, out, err = run(str(survey_csv), "--json")
    assert code == 0, err
    assert out == (
        '{"respondents": 4, "nrr": [3.500, 3.500, 2.750, 4.000, 3.250, 3.500, 4.000, 2.500, '
        '3.250], "ikm": 84.03, "grade": "B", "mutu": "Baik"}\n'
    )
    assert json.loads(out)["ikm"] == 84.03


def test_the_json_ikm_keeps_two_decimals_and_unanswered_elements_are_null(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path, "u1,u2,u3,u4,u5,u6,u7,u8,u9\n4,4,4,,4,4,4,4,4\n")
    code, out, _ = run(str(path), "--json")
    assert code == 0
    assert '"ikm": 100.00,' in out
    assert json.loads(out)["nrr"] == [4, 4, 4, None, 4, 4, 4, 4, 4]


def test_the_cli_table_is_indonesian_by_default(survey_csv: Path) -> None:
    code, out, _ = run(str(survey_csv))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["Unsur", "Responden", "NRR"]
    assert lines[1].split() == ["U1", "Persyaratan", "4", "3,500"]
    assert lines[8].split()[-1] == "2,500"  # u8 read from its own column, wherever it stands
    assert "Jumlah responden: 4" in out
    assert "IKM: 84,03" in out
    assert "Mutu pelayanan: B (Baik)" in out


def test_the_cli_table_is_english_with_lang_en(survey_csv: Path) -> None:
    code, out, _ = run(str(survey_csv), "--lang", "en")
    assert code == 0
    assert out.splitlines()[0].split() == ["Element", "Respondents", "NRR"]
    assert "Requirements" in out
    assert "Facilities and infrastructure" in out
    assert "IKM: 84.03" in out
    assert "Service quality: B (Good)" in out
    assert "Persyaratan" not in out


def test_the_table_says_when_an_element_had_no_answers(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "u1;u2;u3;u4;u5;u6;u7;u8;u9\n4;4;4;4;4;4;4;4;\n")
    code, out, _ = run(str(path))
    assert code == 0
    assert "dari 8 unsur" in out
    assert "IKM: 100,00" in out


def test_a_csv_without_respondents_says_so(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "u1,u2,u3,u4,u5,u6,u7,u8,u9\n")
    code, out, _ = run(str(path))
    assert (code, out.strip()) == (0, "Belum ada responden; IKM belum dapat dihitung.")
    code, out, _ = run(str(path), "--json")
    assert json.loads(out) == {
        "respondents": 0,
        "nrr": [None] * 9,
        "ikm": None,
        "grade": None,
        "mutu": None,
    }


@pytest.mark.parametrize("cell", ["5", "0", "empat", "3,5", "-1"])
def test_a_bad_cell_is_named_by_row_and_column_with_exit_code_2(tmp_path: Path, cell: str) -> None:
    # Line 1 is the header, so the second respondent is on line 3.
    path = write_csv(
        tmp_path,
        "u1;u2;u3;u4;u5;u6;u7;u8;u9\n4;4;4;4;4;4;4;4;4\n" + f"4;4;4;4;{cell};4;4;4;4\n",
    )
    code, out, err = run(str(path))
    assert code == 2
    assert out == ""
    assert f'Kesalahan: baris 3, kolom u5: "{cell}" bukan jawaban' in err
    assert "Traceback" not in err


def test_a_bad_cell_error_is_english_with_lang_en(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "u1,u2,u3,u4,u5,u6,u7,u8,u9\n4,4,4,4,4,4,4,4,9\n")
    code, _, err = run(str(path), "--json", "--lang", "en")
    assert code == 2
    assert 'Error: line 2, column u9: "9" is not an answer' in err


def test_a_csv_missing_a_column_names_it(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "u1,u2,u3,u4,u5,u6,u7,u8\n4,4,4,4,4,4,4,4\n")
    code, _, err = run(str(path))
    assert code == 2
    assert "u9" in err
    assert "Traceback" not in err
