"""`servicedesk catalog`: validate catalog files and list an agency's services."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from core.catalog.loader import (
    CatalogError,
    UnknownAgency,
    load_catalog,
    load_catalog_file,
)
from core.catalog.schema import Catalog, Service
from core.settings import get_settings

app = typer.Typer(help="Validate and inspect service catalogs.", no_args_is_help=True)


@app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="Catalog YAML files to validate.")],
) -> None:
    """Validate catalog files, printing every error with its path; exit 1 on any error."""
    failed = False
    for path in files:
        try:
            catalog = load_catalog_file(path, expect_code=path.stem)
        except CatalogError as exc:
            failed = True
            typer.echo(f"FAIL: {path} ({len(exc.errors)} error(s))", err=True)
            for error in exc.errors:
                typer.echo(f"  {path}: {error}", err=True)
            continue
        typer.echo(f"OK: {catalog.agency.code} ({len(catalog.services)} services)")
    if failed:
        raise typer.Exit(code=1)


@app.command("list")
def list_services(
    agency: Annotated[str | None, typer.Option(help="Agency code (default: settings).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    locale: Annotated[str, typer.Option(help="Language of the names (id or en).")] = "id",
    catalog_dir: Annotated[
        Path | None, typer.Option(help="Extra catalog directory (default: settings).")
    ] = None,
) -> None:
    """List an agency's services: code, name, products and SLA, one per line."""
    settings = get_settings()
    code = agency or settings.agency
    try:
        catalog = load_catalog(code, extra_dir=catalog_dir or settings.catalog_dir)
    except UnknownAgency as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from exc
    except CatalogError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from exc
    if as_json:
        typer.echo(json.dumps(_as_json(catalog, locale), ensure_ascii=False, indent=2))
        return
    for line in _as_lines(catalog, locale):
        typer.echo(line)


def _as_lines(catalog: Catalog, locale: str) -> list[str]:
    """Aligned text rows: services, each followed by its products."""
    rows: list[tuple[str, str, str]] = []
    for service in catalog.services:
        sla = str(service.sla) if service.sla is not None else ""
        rows.append((service.code, service.name.get(locale), sla))
        for product in service.products:
            rows.append(
                (
                    f"  {service.code}/{product.code}",
                    product.name.get(locale),
                    str(service.sla_for(product.code)),
                )
            )
    code_width = max((len(r[0]) for r in rows), default=0)
    name_width = min(max((len(r[1]) for r in rows), default=0), 70)
    return [
        f"{code:<{code_width}}  {_clip(name, name_width):<{name_width}}  {sla}".rstrip()
        for code, name, sla in rows
    ]


def _clip(text: str, width: int) -> str:
    """Shorten text to width characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _as_json(catalog: Catalog, locale: str) -> dict[str, Any]:
    """The agency and its services with products and SLAs."""
    return {
        "agency": catalog.agency.code,
        "name": catalog.agency.name.get(locale),
        "services": [_service_json(s, locale) for s in catalog.services],
    }


def _service_json(service: Service, locale: str) -> dict[str, Any]:
    """One service as a JSON-ready mapping."""
    return {
        "code": service.code,
        "name": service.name.get(locale),
        "sla": str(service.sla) if service.sla is not None else None,
        "sla_note": service.sla_note.get(locale) if service.sla_note is not None else None,
        "products": [
            {
                "code": p.code,
                "name": p.name.get(locale),
                "sla": str(service.sla_for(p.code)),
            }
            for p in service.products
        ],
    }
