"""The Indeks Kepuasan Masyarakat (IKM) of a Survei Kepuasan Masyarakat, per PermenPANRB 14/2017.

Each respondent rates the nine elements (unsur) of the service from 1 to 4. Per element the
NRR (nilai rata-rata) is the mean of the answers given; the IKM is the mean of the nine NRR,
weighted 1/9 each, converted to a 25-100 scale by multiplying by 25, and graded A-D.

Everything is computed with exact fractions. The regulation writes the weight as 0.111 (or
0.11); spreadsheets that copy that decimal score up to 1% low, so an index of 100.00 cannot come
out of them. Here 1/9 stays 1/9 and only the final IKM is rounded, half up, to two decimals.

When an element got no answer at all (an office that charges nothing may leave out "Biaya/tarif"),
the IKM is the mean of the elements that were answered: the regulation divides by "total unsur
yang terisi". Counting an empty element as 0 would grade a service down for a question nobody
was asked.

    result = compute([(4, 4, 3, 4, 3, 4, 4, 3, 3), {"u1": 3, "u2": 4}])
    result.ikm, result.grade, result.mutu   # Decimal('87.50'), Grade.B, 'Baik'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

ANSWERS: tuple[int, ...] = (1, 2, 3, 4)
CONVERSION = 25  # the regulation's factor from the 1-4 index to the 25-100 IKM
IKM_PLACES = 2
NRR_PLACES = 3

# Krejcie and Morgan's sample size: chi-square for 1 degree of freedom at 95%, the proportion
# that gives the largest sample, and a 5% margin of error.
_CHI_SQUARE = Fraction("3.841")
_PROPORTION = Fraction(1, 2)
_MARGIN = Fraction(5, 100)


@dataclass(frozen=True)
class Element:
    """One unsur of the survey, with its question and the meaning of answers 1-4."""

    code: str
    name_id: str
    name_en: str
    question_id: str
    question_en: str
    answers_id: tuple[str, str, str, str]  # the wording of answers 1, 2, 3 and 4
    answers_en: tuple[str, str, str, str]

    def name(self, lang: str = "id") -> str:
        return self.name_en if lang == "en" else self.name_id

    def question(self, lang: str = "id") -> str:
        return self.question_en if lang == "en" else self.question_id

    def answer_label(self, value: int, lang: str = "id") -> str:
        """The wording of answer `value` (1-4) on the questionnaire."""
        _check_answer(value, where=self.code, element=self.code)
        labels = self.answers_en if lang == "en" else self.answers_id
        return labels[value - 1]


# The regulation's order of the elements. Its sample questionnaire asks about facilities (here
# u9) as question 8 and about complaints (here u8) as question 9: a form built from that sample
# must map its questions to these codes by meaning, not by number.
ELEMENTS: tuple[Element, ...] = (
    Element(
        "u1",
        "Persyaratan",
        "Requirements",
        "Bagaimana pendapat Bapak/Ibu tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        "How well do the requirements of the service fit the type of service?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not appropriate", "Less appropriate", "Appropriate", "Very appropriate"),
    ),
    Element(
        "u2",
        "Sistem, mekanisme, dan prosedur",
        "Systems, mechanisms and procedures",
        "Bagaimana pemahaman Bapak/Ibu tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy do you find the service procedure at this unit?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
        ("Not easy", "Not very easy", "Easy", "Very easy"),
    ),
    Element(
        "u3",
        "Waktu penyelesaian",
        "Completion time",
        "Bagaimana pendapat Bapak/Ibu tentang kecepatan waktu dalam memberikan pelayanan?",
        "How fast was the service delivered?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
        ("Not fast", "Not very fast", "Fast", "Very fast"),
    ),
    Element(
        "u4",
        "Biaya/tarif",
        "Cost/tariff",
        "Bagaimana pendapat Bapak/Ibu tentang kewajaran biaya/tarif dalam pelayanan?",
        "How fair is the cost or tariff of the service?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
        ("Very expensive", "Fairly expensive", "Cheap", "Free"),
    ),
    Element(
        "u5",
        "Produk spesifikasi jenis pelayanan",
        "Service product specification",
        "Bagaimana pendapat Bapak/Ibu tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        "How well does what you received match the product listed in the service standard?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not appropriate", "Less appropriate", "Appropriate", "Very appropriate"),
    ),
    Element(
        "u6",
        "Kompetensi pelaksana",
        "Staff competence",
        "Bagaimana pendapat Bapak/Ibu tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How competent and capable were the staff who served you?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
        ("Not competent", "Not very competent", "Competent", "Very competent"),
    ),
    Element(
        "u7",
        "Perilaku pelaksana",
        "Staff conduct",
        "Bagaimana pendapat Bapak/Ibu tentang perilaku petugas dalam pelayanan terkait "
        "kesopanan dan keramahan?",
        "How polite and friendly were the staff who served you?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
        (
            "Not polite and friendly",
            "Not very polite and friendly",
            "Polite and friendly",
            "Very polite and friendly",
        ),
    ),
    Element(
        "u8",
        "Penanganan pengaduan, saran dan masukan",
        "Handling of complaints, suggestions and feedback",
        "Bagaimana pendapat Bapak/Ibu tentang penanganan pengaduan pengguna layanan?",
        "How are complaints from service users handled?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
        ("There is none", "Exists but does not work", "Works, but not fully", "Well managed"),
    ),
    Element(
        "u9",
        "Sarana dan prasarana",
        "Facilities and infrastructure",
        "Bagaimana pendapat Bapak/Ibu tentang kualitas sarana dan prasarana?",
        "How good are the facilities and infrastructure?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
        ("Poor", "Fair", "Good", "Very good"),
    ),
)
CODES: tuple[str, ...] = tuple(element.code for element in ELEMENTS)


class Grade(StrEnum):
    """The mutu pelayanan (quality of service) an IKM earns."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def mutu(self) -> str:
        """The regulation's Indonesian label."""
        return _MUTU[self][0]

    @property
    def quality_en(self) -> str:
        return _MUTU[self][1]

    def label(self, lang: str = "id") -> str:
        return self.quality_en if lang == "en" else self.mutu


_MUTU: dict[Grade, tuple[str, str]] = {
    Grade.A: ("Sangat Baik", "Very good"),
    Grade.B: ("Baik", "Good"),
    Grade.C: ("Kurang Baik", "Poor"),
    Grade.D: ("Tidak Baik", "Very poor"),
}

# The lowest IKM of each grade, best first. The regulation prints closed ranges (A 88.31-100.00,
# B 76.61-88.30, ...) with gaps of 0.01 between them; reading them as lower bounds of the
# two-decimal value leaves no IKM without a grade.
GRADE_FLOORS: tuple[tuple[Decimal, Grade], ...] = (
    (Decimal("88.31"), Grade.A),
    (Decimal("76.61"), Grade.B),
    (Decimal("65.00"), Grade.C),
    (Decimal("25.00"), Grade.D),
)


def round_half_up(value: Fraction, places: int) -> Decimal:
    """`value` rounded half away from zero to `places` decimals, as Decimal's ROUND_HALF_UP.

    Computed on the exact fraction: converting 1/3 to a Decimal first would round twice, and
    a value just under a half could then round up.
    """
    scaled = abs(value) * 10**places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    sign = -1 if value < 0 else 1
    return Decimal(sign * whole).scaleb(-places)


def grade_for(ikm: Decimal | Fraction) -> Grade:
    """The grade of an IKM, judged on its value rounded half up to two decimals.

    So 88.305 (88.31) is an A and 88.3049 (88.30) a B. An IKM below 25.00 cannot come from
    answers of 1-4; it is graded D rather than refused, so a hand-typed value still gets a grade.
    """
    exact = ikm if isinstance(ikm, Fraction) else Fraction(ikm)
    rounded = round_half_up(exact, IKM_PLACES)
    for floor, grade in GRADE_FLOORS:
        if rounded >= floor:
            return grade
    return Grade.D


Answer = int | None
Response = Sequence[Answer] | Mapping[str, Answer]


@dataclass(frozen=True)
class IkmResult:
    """The survey's outcome. Per-element tuples follow `ELEMENTS`."""

    respondents: int  # responses with at least one answer
    answered: tuple[int, ...]  # how many respondents answered each element
    nrr: tuple[Fraction | None, ...]  # None: nobody answered that element
    exact: Fraction | None  # the unrounded IKM; None without respondents
    ikm: Decimal | None  # `exact` rounded half up to two decimals
    grade: Grade | None

    @property
    def mutu(self) -> str | None:
        """The Indonesian label of the grade (Sangat Baik, Baik, Kurang Baik, Tidak Baik)."""
        return None if self.grade is None else self.grade.mutu

    @property
    def weight(self) -> Fraction | None:
        """Each answered element's weight: 1/9, or 1/k when only k elements were answered."""
        count = sum(1 for value in self.nrr if value is not None)
        return Fraction(1, count) if count else None

    def weighted_nrr(self) -> tuple[Fraction | None, ...]:
        """NRR x weight per element: they add up to the IKM before the conversion (x 25)."""
        weight = self.weight
        return tuple(None if v is None or weight is None else v * weight for v in self.nrr)


def compute(responses: Iterable[Response]) -> IkmResult:
    """The IKM of `responses`, each nine answers in `CODES` order or a mapping by code.

    An answer is 1-4 or None (not answered); a mapping may leave codes out. A response that
    answers nothing is not a respondent. Anything else raises `AnswerError` (a ValueError).
    """
    totals = [0] * len(ELEMENTS)
    counts = [0] * len(ELEMENTS)
    respondents = 0
    for index, response in enumerate(responses):
        answers = _answers(response, index)
        if all(answer is None for answer in answers):
            continue
        respondents += 1
        for position, answer in enumerate(answers):
            if answer is not None:
                totals[position] += answer
                counts[position] += 1
    nrr = tuple(
        Fraction(total, count) if count else None
        for total, count in zip(totals, counts, strict=True)
    )
    given = [value for value in nrr if value is not None]
    if not given:
        return IkmResult(respondents, tuple(counts), nrr, None, None, None)
    exact = sum(given, Fraction(0)) / len(given) * CONVERSION
    return IkmResult(
        respondents=respondents,
        answered=tuple(counts),
        nrr=nrr,
        exact=exact,
        ikm=round_half_up(exact, IKM_PLACES),
        grade=grade_for(exact),
    )


class AnswerError(ValueError):
    """An answer that is not 1-4 or None, or a response of the wrong shape.

    `response` is the response's 0-based position, `element` the code (None for the shape).
    """

    def __init__(self, message: str, *, response: int | None, element: str | None) -> None:
        super().__init__(message)
        self.response = response
        self.element = element


def _answers(response: Response, index: int) -> list[Answer]:
    """The nine answers of one response, in `CODES` order, each checked."""
    if isinstance(response, Mapping):
        unknown = sorted(str(key) for key in response if key not in CODES)
        if unknown:
            raise AnswerError(
                f"response {index}: unknown element(s) {', '.join(unknown)}; "
                f"expected {', '.join(CODES)}",
                response=index,
                element=None,
            )
        answers = [response.get(code) for code in CODES]
    elif isinstance(response, str | bytes):
        raise AnswerError(
            f"response {index}: expected nine answers, got a string",
            response=index,
            element=None,
        )
    else:
        answers = list(response)
        if len(answers) != len(CODES):
            raise AnswerError(
                f"response {index}: expected {len(CODES)} answers, got {len(answers)}",
                response=index,
                element=None,
            )
    for code, answer in zip(CODES, answers, strict=True):
        if answer is not None:
            _check_answer(answer, where=f"response {index}, {code}", response=index, element=code)
    return answers


def _check_answer(
    value: object, *, where: str, response: int | None = None, element: str | None = None
) -> None:
    # bool is an int: True would silently count as answer 1.
    if isinstance(value, bool) or not isinstance(value, int) or value not in ANSWERS:
        raise AnswerError(
            f"{where}: {value!r} is not an answer; answers are 1, 2, 3 or 4 (None: not answered)",
            response=response,
            element=element,
        )


def sample_size(population: int) -> int:
    """The respondents needed for a population of `population`, by Krejcie and Morgan.

    s = X²NP(1-P) / (d²(N-1) + X²P(1-P)) with X² = 3.841, P = 0.5, d = 0.05, rounded up:
    100 -> 80, 1000 -> 278, and a population of 10 is surveyed whole. Rounding up keeps the
    sample at or above the formula; the published table (reprinted in the regulation) rounds
    to the nearest and so is one lower for some populations (50: 44 there, 45 here).
    """
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise ValueError(f"population must be a whole number of people, got {population!r}")
    spread = _CHI_SQUARE * _PROPORTION * (1 - _PROPORTION)
    size = spread * population / (_MARGIN**2 * (population - 1) + spread)
    return math.ceil(size)  # exact: `size` is a Fraction, never a float
