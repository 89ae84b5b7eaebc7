"""`servicedesk ikm compute`: the Indeks Kepuasan Masyarakat of a survey's answers in a CSV.

    servicedesk ikm compute hasil-skm.csv
    servicedesk ikm compute hasil-skm.csv --lang en
    servicedesk ikm compute hasil-skm.csv --json

The CSV has one row per respondent and a header with the columns u1..u9 (in any order, any
case; other columns such as a name or a date are ignored). A cell holds 1-4, or is blank when
the question was not answered. Commas, semicolons (Excel in an Indonesian locale) and tabs are
all read as separators. The table speaks Indonesian unless --lang en; the JSON is the same in
both languages, so a program reading it need not know which was asked for.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from babel.numbers import get_decimal_symbol

from core.ikm import (
    ANSWERS,
    CODES,
    ELEMENTS,
    NRR_PLACES,
    Answer,
    IkmResult,
    round_half_up,
)
from core.ikm import compute as compute_ikm
from locales import _, current_locale, use_locale

app = typer.Typer(
    help="Indeks Kepuasan Masyarakat (SKM) dari jawaban survei.", no_args_is_help=True
)

_WHOLE_NUMBER = re.compile(r"[0-9]+")
_SEPARATORS = (",", ";", "\t")


class Lang(StrEnum):
    id = "id"
    en = "en"


class _BadInput(Exception):
    """Input the user must fix; its message is shown as is."""


@app.callback()
def _group() -> None:
    """Indeks Kepuasan Masyarakat (SKM) dari jawaban survei."""
    # A callback keeps `compute` a named subcommand even while it is the only one.


@app.command()
def compute(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV jawaban survei: satu baris per responden, kolom u1..u9 berisi 1-4.",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Keluaran JSON.")] = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Bahasa tabel (id/en).")] = Lang.id,
) -> None:
    """Hitung NRR tiap unsur, IKM dan mutu pelayanan (PermenPANRB 14/2017)."""
    with use_locale(lang.value):
        try:
            result = compute_ikm(_read(file))
        except _BadInput as exc:
            typer.echo(_("Kesalahan: {error}").format(error=exc), err=True)
            raise typer.Exit(code=2) from None
        typer.echo(as_json_text(result) if as_json else describe(result))


def _read(path: Path) -> list[tuple[Answer, ...]]:
    """Every data row's nine answers, checked cell by cell so an error can name its place."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: Excel starts its UTF-8 with a BOM
    except UnicodeDecodeError:
        raise _BadInput(
            _("{path} bukan teks UTF-8; simpan ulang sebagai CSV UTF-8.").format(path=path)
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    try:
        header = next(reader, [])
        columns = _columns(header, path)
        rows: list[tuple[Answer, ...]] = []
        for cells in reader:
            rows.append(
                tuple(
                    _answer(cells[i] if i < len(cells) else "", reader.line_num, code)
                    for code, i in zip(CODES, columns, strict=True)
                )
            )
    except csv.Error as exc:
        raise _BadInput(
            _("baris {row}: CSV tidak dapat dibaca ({error}).").format(
                row=reader.line_num, error=exc
            )
        ) from None
    return rows


def _separator(text: str) -> str:
    """The separator the header line uses most; a comma when it uses none."""
    first = text.split("\n", 1)[0]
    return max(_SEPARATORS, key=first.count) if any(s in first for s in _SEPARATORS) else ","


def _columns(header: list[str], path: Path) -> list[int]:
    """The position of u1..u9 in the header, in that order."""
    names = [name.strip().lower() for name in header]
    for code in CODES:
        if names.count(code) > 1:
            raise _BadInput(
                _("kolom {column} muncul lebih dari sekali di baris judul.").format(column=code)
            )
    missing = [code for code in CODES if code not in names]
    if missing:
        raise _BadInput(
            _("baris judul {path} tidak memiliki kolom {columns} (perlu u1 sampai u9).").format(
                path=path, columns=", ".join(missing)
            )
        )
    return [names.index(code) for code in CODES]


def _answer(cell: str, row: int, column: str) -> Answer:
    """One cell: blank is not answered, otherwise a whole number 1-4."""
    text = cell.strip()
    if not text:
        return None
    if _WHOLE_NUMBER.fullmatch(text) and int(text) in ANSWERS:
        return int(text)
    raise _BadInput(
        _('baris {row}, kolom {column}: "{value}" bukan jawaban; isi 1-4 atau kosongkan.').format(
            row=row, column=column, value=text
        )
    )


def as_json_text(result: IkmResult) -> str:
    """The result as one JSON object, ikm with exactly two decimals and each NRR with three.

    Written by hand because json.dumps would print 91.50 as 91.5 and 100.00 as 100.0.
    """
    nrr = ", ".join(
        "null" if value is None else format(round_half_up(value, NRR_PLACES), "f")
        for value in result.nrr
    )
    ikm = "null" if result.ikm is None else format(result.ikm, "f")
    grade = json.dumps(None if result.grade is None else result.grade.value)
    mutu = json.dumps(result.mutu, ensure_ascii=False)
    return (
        f'{{"respondents": {result.respondents}, "nrr": [{nrr}], "ikm": {ikm}, '
        f'"grade": {grade}, "mutu": {mutu}}}'
    )


def describe(result: IkmResult) -> str:
    """In the current language: each element's respondents and NRR, then the IKM and grade."""
    lang = current_locale()
    if result.ikm is None or result.grade is None:
        return _("Belum ada responden; IKM belum dapat dihitung.")
    names = [f"{element.code.upper()}  {element.name(lang)}" for element in ELEMENTS]
    unit_header = _("Unsur")
    count_header = _("Responden")
    name_width = max(len(unit_header), *(len(name) for name in names))
    count_width = len(count_header)
    nrr_width = NRR_PLACES + 2
    lines = [f"{unit_header:<{name_width}}  {count_header:>{count_width}}  {'NRR':>{nrr_width}}"]
    for name, answered, value in zip(names, result.answered, result.nrr, strict=True):
        shown = "-" if value is None else _number(round_half_up(value, NRR_PLACES))
        lines.append(f"{name:<{name_width}}  {answered:>{count_width}}  {shown:>{nrr_width}}")
    lines.append("")
    lines.append(_("Jumlah responden: {count}").format(count=result.respondents))
    given = sum(1 for value in result.nrr if value is not None)
    if given < len(ELEMENTS):
        lines.append(
            _(
                "IKM dihitung dari {count} unsur yang dijawab; unsur tanpa jawaban tidak dihitung."
            ).format(count=given)
        )
    lines.append(_("IKM: {ikm}").format(ikm=_number(result.ikm)))
    lines.append(
        _("Mutu pelayanan: {grade} ({mutu})").format(
            grade=result.grade.value, mutu=result.grade.label(lang)
        )
    )
    return "\n".join(lines)


def _number(value: Decimal) -> str:
    """A decimal with the separator of the current language (84,03 in Indonesian)."""
    return format(value, "f").replace(".", get_decimal_symbol(current_locale()))
