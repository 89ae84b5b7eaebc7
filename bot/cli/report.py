"""`servicedesk report`: the coordinators' period report as a JSON, CSV, XLSX or PNG file.

    servicedesk report --agency babel --from 2026-03-01 --to 2026-03-31 \\
        --format xlsx --out laporan-maret.xlsx [--lang en]
    servicedesk report ikm --agency babel --from 2026-01-01 --to 2026-12-31 --format json --out -

The figures are bot.reports.period_report (core.figures over what storage.reports loads), the
same as /laporan's; the files are bot.report_files'. The command only reads the database (it
does not migrate it). Input the user must fix exits with status 2, an unusable database with 1;
neither prints a traceback.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.ikm_report import IkmFigures, ikm_dict, ikm_figures, render_ikm
from bot.report_files import RENDERERS
from bot.reports import period_report
from core.catalog.loader import CatalogError, UnknownAgency, load_catalog
from core.catalog.schema import Catalog
from core.figures import PeriodError
from core.settings import get_settings
from core.sla import CalendarError, calendar_for
from core.sla.calendar import WorkingCalendar
from locales import SUPPORTED, _, translator
from storage.db import STORAGE_FAILURES, Database

_T = TypeVar("_T")


class _BadInput(Exception):
    """Input the user must fix; its message is shown as is."""


def report(
    first: Annotated[str, typer.Option("--from", help="Tanggal pertama periode, YYYY-MM-DD.")],
    last: Annotated[str, typer.Option("--to", help="Tanggal terakhir periode, YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Berkas keluaran.")],
    agency: Annotated[
        str | None, typer.Option("--agency", "-a", help="Kode instansi (bawaan: AGENCY).")
    ] = None,
    file_format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="json, csv, xlsx atau png (bawaan: dari akhiran --out)."
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Bahasa label: id atau en.")] = "id",
    what: Annotated[
        str,
        typer.Argument(help="sla (bawaan): kinerja layanan; ikm: indeks kepuasan (json atau txt)."),
    ] = "sla",
) -> None:
    """Tulis laporan periode (tanggal setempat instansi, keduanya termasuk) ke sebuah berkas."""
    if what.casefold() == "ikm":
        _ikm_report(first, last, out, agency, file_format, lang)
        return
    if what.casefold() != "sla":
        _fail(_BadInput(_("laporan {what} tidak dikenal: sla atau ikm.").format(what=what)), code=2)
    try:
        catalog, calendar, start_day, end_day = _period(agency, first, last)
        render = RENDERERS[_format(file_format, out)]
        language = _language(lang)
    except (_BadInput, CalendarError, PeriodError) as exc:
        _fail(exc, code=2)
    figures = _read(
        lambda conn: period_report(
            conn,
            catalog=catalog,
            calendar=calendar,
            first=start_day,
            last=end_day,
            now=datetime.now(UTC),
        )
    )
    _write(out, render(figures, catalog, lang=language))


def _ikm_report(
    first: str, last: str, out: Path, agency: str | None, file_format: str | None, lang: str
) -> None:
    """`servicedesk report ikm`: the satisfaction index per service and for the agency."""
    try:
        catalog, calendar, start_day, end_day = _period(agency, first, last)
        chosen = (file_format or out.suffix.lstrip(".") or "txt").casefold()
        if chosen not in ("json", "txt"):
            raise _BadInput(_("format laporan IKM: json atau txt."))
        language = _language(lang)
    except (_BadInput, CalendarError, PeriodError) as exc:
        _fail(exc, code=2)
    figures: IkmFigures = _read(
        lambda conn: ikm_figures(
            conn, agency=catalog.agency.code, calendar=calendar, first=start_day, last=end_day
        )
    )
    if chosen == "json":
        body = json.dumps(ikm_dict(figures, catalog, lang=language), ensure_ascii=False, indent=2)
    else:
        body = render_ikm(figures, catalog, translator(language))
    if str(out) == "-":
        typer.echo(body)
        return
    _write(out, (body + "\n").encode("utf-8"))


def _period(
    agency: str | None, first: str, last: str
) -> tuple[Catalog, WorkingCalendar, date, date]:
    """The agency's catalog and calendar and the period's days, or a message to fix them."""
    settings = get_settings()
    catalog = _catalog(agency or settings.agency)
    calendar = calendar_for(catalog.agency, extra_dir=settings.calendar_dir)
    start_day, end_day = _day(first, "--from"), _day(last, "--to")
    if start_day > end_day:
        raise _BadInput(
            _("--from ({first}) jatuh setelah --to ({last}).").format(
                first=start_day.isoformat(), last=end_day.isoformat()
            )
        )
    return catalog, calendar, start_day, end_day


def _read(work: Callable[[AsyncConnection], Awaitable[_T]]) -> _T:
    """`work` in one read transaction; an unusable database exits with status 1."""

    async def main() -> _T:
        database = Database.from_settings(get_settings())
        try:
            async with database.transaction() as conn:
                return await work(conn)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except STORAGE_FAILURES as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        _fail(
            _BadInput(_("basis data tidak dapat dipakai: {detail}").format(detail=detail)), code=1
        )


def _write(out: Path, data: bytes) -> None:
    try:
        out.write_bytes(data)
    except OSError as exc:
        _fail(
            _BadInput(
                _("berkas {path} tidak dapat ditulis: {detail}").format(
                    path=out, detail=exc.strerror or exc
                )
            ),
            code=2,
        )
    typer.echo(_("Laporan ditulis ke {path}.").format(path=out))


def _catalog(code: str) -> Catalog:
    """The agency's catalog, or a message naming the agencies there are."""
    try:
        return load_catalog(code, extra_dir=get_settings().catalog_dir)
    except UnknownAgency as exc:
        raise _BadInput(
            _("instansi {agency} tidak dikenal. Pilihan: {known}.").format(
                agency=code, known=", ".join(exc.available) or "-"
            )
        ) from None
    except CatalogError as exc:
        raise _BadInput(str(exc)) from None


def _day(text: str, option: str) -> date:
    """A YYYY-MM-DD date, or a message naming the option."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _BadInput(
            _(
                "{option}: tanggal {value} tidak dikenali; gunakan YYYY-MM-DD, mis. 2026-03-31."
            ).format(option=option, value=text)
        ) from None


def _format(chosen: str | None, out: Path) -> str:
    """The format asked for, else the one the output file's suffix names."""
    name = (chosen or out.suffix.removeprefix(".")).strip().lower()
    if name not in RENDERERS:
        known = ", ".join(RENDERERS)
        if chosen is None:
            raise _BadInput(
                _("berikan --format ({known}); akhiran {path} tidak menunjukkannya.").format(
                    known=known, path=out.name
                )
            )
        raise _BadInput(
            _("format {value} tidak dikenal. Pilihan: {known}.").format(value=chosen, known=known)
        )
    return name


def _language(lang: str) -> str:
    code = lang.strip().lower()
    if code not in SUPPORTED:
        raise _BadInput(
            _("bahasa {value} tidak dikenal. Pilihan: {known}.").format(
                value=lang, known=", ".join(SUPPORTED)
            )
        )
    return code


def _fail(exc: Exception, *, code: int) -> NoReturn:
    """Print the problem and exit with `code` (no traceback)."""
    typer.echo(_("Kesalahan: {error}").format(error=exc), err=True)
    raise typer.Exit(code=code)
