"""`servicedesk sla due`: when would a request submitted at a given time be due?"""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Annotated

import typer
from babel.dates import format_datetime

from core.catalog.loader import CatalogError, UnknownAgency, load_catalog
from core.catalog.schema import Catalog
from core.settings import get_settings
from core.sla import CalendarError, DurationError, SlaSpec, SlaTimes, calendar_for, parse_sla
from locales import _, current_locale

app = typer.Typer(help="Perhitungan SLA pada kalender hari kerja instansi.", no_args_is_help=True)

_DATE_PATTERNS = {"id": "EEEE, d MMMM y HH.mm", "en": "EEEE d MMMM y, HH:mm"}


class _BadInput(Exception):
    """Input the user must fix; its message is shown as is."""


@app.callback()
def _group() -> None:
    """Perhitungan SLA pada kalender hari kerja instansi."""
    # A callback keeps `due` a named subcommand even while it is the only one.


@app.command()
def due(
    agency: Annotated[
        str | None, typer.Option("--agency", "-a", help="Kode instansi (bawaan: AGENCY).")
    ] = None,
    service: Annotated[
        str | None, typer.Option("--service", "-s", help="Kode layanan di katalog.")
    ] = None,
    product: Annotated[
        str | None, typer.Option("--product", "-p", help="Kode produk layanan.")
    ] = None,
    duration: Annotated[
        str | None, typer.Option("--duration", "-d", help='Durasi, mis. "3 jam".')
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Waktu pengajuan ISO 8601 (bawaan: sekarang)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Keluaran JSON.")] = False,
) -> None:
    """Hitung mulai, target dan batas waktu SLA sebuah permohonan."""
    settings = get_settings()
    try:
        catalog = _load(agency or settings.agency)
        spec = _spec(catalog, service, product, duration)
        calendar = calendar_for(catalog.agency, extra_dir=settings.calendar_dir)
        submitted = _submitted_at(at, calendar.zone)
        times = calendar.due(submitted, spec)
    except (_BadInput, CalendarError) as exc:
        typer.echo(_("Kesalahan: {error}").format(error=exc), err=True)
        raise typer.Exit(code=2) from None
    if as_json:
        typer.echo(json.dumps(_as_dict(times)))
    else:
        typer.echo(_describe(spec, times))


def _load(agency: str) -> Catalog:
    """The agency's catalog, or a message naming the unknown agency."""
    try:
        return load_catalog(agency, extra_dir=get_settings().catalog_dir)
    except UnknownAgency as exc:
        raise _BadInput(
            _("instansi {agency} tidak dikenal. Pilihan: {known}.").format(
                agency=agency, known=", ".join(exc.available) or "-"
            )
        ) from None
    except CatalogError as exc:
        raise _BadInput(str(exc)) from None


def _spec(
    catalog: Catalog, service: str | None, product: str | None, duration: str | None
) -> SlaSpec:
    """The SLA to compute: a catalog service's (and product's), or a duration given directly."""
    if (service is None) == (duration is None):
        raise _BadInput(_("berikan tepat satu dari --service atau --duration."))
    if duration is not None:
        if product is not None:
            raise _BadInput(_("--product hanya dapat dipakai bersama --service."))
        try:
            return parse_sla(duration)
        except DurationError:
            raise _BadInput(
                _('durasi "{duration}" tidak dikenali; contoh: "3 jam", "1-3 hari kerja".').format(
                    duration=duration
                )
            ) from None
    assert service is not None
    found = catalog.service(service)
    if found is None:
        known = ", ".join(s.code for s in catalog.services)
        raise _BadInput(
            _("layanan {service} tidak ada di katalog. Pilihan: {known}.").format(
                service=service, known=known
            )
        )
    products = ", ".join(p.code for p in found.products)
    if product is not None and found.product(product) is None:
        raise _BadInput(
            _("layanan {service} tidak memiliki produk {product}. Pilihan: {known}.").format(
                service=service, product=product, known=products or "-"
            )
        )
    if product is None and found.sla is None:
        raise _BadInput(
            _("SLA layanan {service} bergantung pada produk; pilih --product: {known}.").format(
                service=service, known=products
            )
        )
    return found.sla_for(product)


def _submitted_at(text: str | None, zone: tzinfo) -> datetime:
    """The submission time; without an offset it is read on the agency's clock."""
    if text is None:
        return datetime.now(zone).replace(microsecond=0)
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _BadInput(
            _(
                "waktu {value} tidak dikenali; gunakan ISO 8601, mis. 2026-03-06T15:30+07:00."
            ).format(value=text)
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def _as_dict(times: SlaTimes) -> dict[str, str | None]:
    return {
        "start": times.start.isoformat(),
        "target": None if times.target is None else times.target.isoformat(),
        "due": times.due.isoformat(),
    }


def _when(moment: datetime) -> str:
    """A date and time as people read them, with the zone's abbreviation (WIB, WITA, WIT)."""
    pattern = _DATE_PATTERNS.get(current_locale(), _DATE_PATTERNS["id"])
    shown = format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=current_locale())
    return f"{shown} {moment.tzname()}"


def _describe(spec: SlaSpec, times: SlaTimes) -> str:
    """One readable line with start, target (ranges only) and due."""
    if times.target is None:
        return _("SLA {sla}: mulai {start}, batas waktu {due}.").format(
            sla=spec, start=_when(times.start), due=_when(times.due)
        )
    return _("SLA {sla}: mulai {start}, target {target}, batas waktu {due}.").format(
        sla=spec, start=_when(times.start), target=_when(times.target), due=_when(times.due)
    )
