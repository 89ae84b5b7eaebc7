"""The satisfaction index (IKM) of a period, for the agency and per service: the survey answers
given in the period scored by `core.ikm`, the respondents against the sample the population
served needs (Krejcie-Morgan), and the comments. Worded for /laporan ikm and `servicedesk report
ikm`."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.labels import format_period_day, service_label
from core import ikm
from core.catalog.schema import Catalog
from core.figures import period_bounds
from core.sla.calendar import WorkingCalendar
from core.tickets import TicketStatus
from locales import Translator, translator
from storage import repositories as repo
from storage import sweeps as store

MAX_COMMENTS = 10  # in chat; the files have them all


@dataclass(frozen=True)
class IkmLine:
    """One group's index: the agency (code "") or one service."""

    code: str
    result: ikm.IkmResult
    served: int  # tickets finished in the period: the population the sample is drawn from
    needed: int  # respondents the sample needs for that population (Krejcie-Morgan)

    @property
    def sample_enough(self) -> bool:
        """Whether enough of those served answered for the figure to stand for them all."""
        return self.result.respondents >= self.needed


@dataclass(frozen=True)
class IkmFigures:
    """The period's index for the agency and each service surveyed, and the comments."""

    agency: str
    first: date
    last: date
    total: IkmLine
    services: tuple[IkmLine, ...]
    comments: tuple[str, ...]


async def ikm_figures(
    conn: AsyncConnection, *, agency: str, calendar: WorkingCalendar, first: date, last: date
) -> IkmFigures:
    """Score the survey answers given from `first` to `last` (local dates, inclusive)."""
    start, end = period_bounds(calendar, first, last)
    surveys = await repo.surveys_answered_between(conn, agency=agency, start=start, end=end)
    closed = await store.closed_between(conn, agency=agency, start=start, end=end)
    served = Counter(t.service for t in closed if t.status is TicketStatus.SELESAI)
    answers: dict[str, list[tuple[int | None, ...]]] = defaultdict(list)
    for survey in surveys:
        # Only 1-4 is ever written; anything else (a row edited by hand) is left out, so one
        # bad value cannot stop every report of the period.
        answers[survey.service].append(
            tuple(a if a in ikm.ANSWERS else None for a in survey.answers)
        )
    everyone = [a for group in answers.values() for a in group]
    return IkmFigures(
        agency=agency,
        first=first,
        last=last,
        total=_line("", everyone, sum(served.values())),
        services=tuple(_line(code, answers[code], served[code]) for code in sorted(answers)),
        comments=tuple(s.comment for s in surveys if s.comment),
    )


def _line(code: str, answers: list[tuple[int | None, ...]], served: int) -> IkmLine:
    result = ikm.compute(answers)
    return IkmLine(code, result, served, ikm.sample_size(served) if served else 0)


def render_ikm(figures: IkmFigures, catalog: Catalog, t: Translator) -> str:
    """The index in chat: the agency's figure and grade, each element, each service."""
    period = t("{first} s.d. {last}").format(
        first=format_period_day(figures.first, t), last=format_period_day(figures.last, t)
    )
    lines = [t("Indeks Kepuasan Masyarakat (IKM), {period}").format(period=period), ""]
    total = figures.total
    if total.result.ikm is None:
        lines.append(t("Belum ada jawaban survei pada periode ini."))
        return "\n".join(lines)
    lines.append(_score_line(t("Seluruh layanan"), total, t))
    lines.append(_sample_line(total, t))
    lines += ["", t("Nilai per unsur (NRR, skala 1-4):")]
    for element, nrr, count in zip(
        ikm.ELEMENTS, total.result.nrr, total.result.answered, strict=True
    ):
        shown = _number(float(nrr), 2, t) if nrr is not None else "-"
        lines.append(f"- {element.name(t.locale)}: {shown} ({count})")
    if len(figures.services) > 1:
        lines += ["", t("Per layanan:")]
        for line in figures.services:
            label = service_label(catalog, line.code, None, t)
            lines.append(_score_line(label, line, t))
    if figures.comments:
        lines += ["", t("Saran dan komentar:")]
        lines += [f"- {c}" for c in figures.comments[-MAX_COMMENTS:]]
    return "\n".join(lines)


def _score_line(label: str, line: IkmLine, t: Translator) -> str:
    result = line.result
    if result.ikm is None or result.grade is None:
        return t("{label}: belum ada jawaban").format(label=label)
    return t("{label}: IKM {ikm} — mutu {grade} ({mutu}), {count} responden").format(
        label=label,
        ikm=_number(float(result.ikm), 2, t),
        grade=result.grade.value,
        mutu=result.grade.label(t.locale),
        count=result.respondents,
    )


def _sample_line(line: IkmLine, t: Translator) -> str:
    if line.served == 0:
        return t("Tidak ada tiket selesai pada periode ini untuk menilai kecukupan sampel.")
    wording = (
        t("Sampel cukup: {count} responden dari {served} tiket selesai (minimal {needed}).")
        if line.sample_enough
        else t(
            "Sampel belum cukup: {count} responden dari {served} tiket selesai (minimal "
            "{needed}); hasil belum mewakili."
        )
    )
    return wording.format(count=line.result.respondents, served=line.served, needed=line.needed)


def _number(value: float, places: int, t: Translator) -> str:
    return format_decimal(
        value, format="0." + "0" * places, locale="id_ID" if t.locale == "id" else "en_US"
    )


def ikm_dict(figures: IkmFigures, catalog: Catalog, *, lang: str = "id") -> dict[str, object]:
    """The index as plain JSON data (`servicedesk report ikm --format json`, the API)."""

    def line(group: IkmLine) -> dict[str, object]:
        result = group.result
        return {
            "respondents": result.respondents,
            "answered": list(result.answered),
            "nrr": [None if n is None else round(float(n), 3) for n in result.nrr],
            "ikm": None if result.ikm is None else float(result.ikm),
            "grade": None if result.grade is None else result.grade.value,
            "mutu": result.mutu,
            "served": group.served,
            "sample_needed": group.needed,
            "sample_enough": group.sample_enough,
        }

    return {
        "agency": figures.agency,
        "from": figures.first.isoformat(),
        "to": figures.last.isoformat(),
        "elements": [{"code": e.code, "name": e.name(lang)} for e in ikm.ELEMENTS],
        "total": line(figures.total),
        "services": [
            {
                "service": g.code,
                "name": service_label(catalog, g.code, None, translator(lang)),
                **line(g),
            }
            for g in figures.services
        ],
        "comments": list(figures.comments),
    }
