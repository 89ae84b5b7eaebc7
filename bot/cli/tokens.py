"""`servicedesk tokens ...`: tokens of the read-only REST API (`/api/v1`, docs/api.md).

    servicedesk tokens create --agency babel --name dasbor --scope tickets:read,reports:read \\
        [--expires 90d]
    servicedesk tokens list --agency babel [--json]
    servicedesk tokens revoke 3

`create` prints the token once: only its sha256 is stored, so it cannot be shown again (make a
new one and revoke the old one instead). Every command migrates the database first, so it also
works on a fresh install.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncConnection

from core.api_tokens import (
    SCOPES,
    TokenInputError,
    hash_token,
    new_token,
    parse_lifetime,
    parse_scopes,
)
from core.catalog.loader import CatalogError, UnknownAgency, load_catalog
from core.settings import get_settings
from locales import _
from storage import repositories as repo
from storage.db import STORAGE_FAILURES, Database

app = typer.Typer(
    help="Token API REST (hanya baca): buat, daftar, cabut.",
    no_args_is_help=True,
)

_T = TypeVar("_T")
_NAME_LIMIT = 100  # the column's length

AgencyOption = Annotated[
    str | None, typer.Option("--agency", "-a", help="Kode instansi (bawaan: AGENCY).")
]


class _BadInput(Exception):
    """Input the operator must fix; its message is shown as is."""


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", "-n", help="Nama pemakai token, mis. dasbor.")],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope",
            "-s",
            help="Cakupan, dipisah koma atau diulang: tickets:read, reports:read, catalog:read.",
        ),
    ],
    agency: AgencyOption = None,
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires", help="Masa berlaku, mis. 90d, 12h atau 2w (bawaan: tanpa batas)."
        ),
    ] = None,
) -> None:
    """Buat token baru; token ditampilkan sekali ini saja."""
    try:
        code = _agency(agency)
        clean_name = _name(name)
        scopes = _scopes(scope)
        now = datetime.now(UTC)
        expires_at = None if expires is None else now + _lifetime(expires)
        token = new_token()
        record = _run(
            lambda conn: repo.create_token(
                conn,
                agency=code,
                name=clean_name,
                scopes=scopes,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=expires_at,
            )
        )
    except _BadInput as exc:
        _fail(exc)
    typer.echo(
        _("Token #{id} dibuat untuk {name} ({agency}), cakupan: {scopes}.").format(
            id=record.id, name=record.name, agency=record.agency, scopes=", ".join(record.scopes)
        )
    )
    if record.expires_at is not None:
        typer.echo(_("Berlaku sampai {moment}.").format(moment=_moment(record.expires_at)))
    typer.echo(
        _(
            "Simpan token ini sekarang: hanya ditampilkan sekali. Kirim sebagai "
            "header Authorization: Bearer TOKEN."
        )
    )
    # Last and alone on its line, so a script can take it with `tail -n 1`.
    typer.echo(token)


@app.command("list")
def list_(
    agency: AgencyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Keluaran JSON.")] = False,
) -> None:
    """Tampilkan token instansi (tanpa rahasianya), termasuk yang sudah dicabut."""
    try:
        code = _agency(agency)
        records = _run(lambda conn: repo.list_tokens(conn, agency=code))
    except _BadInput as exc:
        _fail(exc)
    now = datetime.now(UTC)
    rows = [_row(record, now) for record in records]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo(_("Belum ada token."))
        return
    for row in rows:
        typer.echo(_line(row))


@app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="Nomor token (lihat `tokens list`).")],
) -> None:
    """Cabut token: permintaan berikutnya dengan token itu ditolak (401)."""

    async def work(conn: AsyncConnection) -> tuple[repo.ApiTokenRecord | None, bool]:
        record = await repo.get_token(conn, token_id=token_id)
        if record is None:
            return None, False
        return record, await repo.revoke_token(conn, token_id=token_id, at=datetime.now(UTC))

    try:
        record, revoked = _run(work)
    except _BadInput as exc:
        _fail(exc)
    if record is None:
        _fail(_BadInput(_("token #{id} tidak ada.").format(id=token_id)))
    if revoked:
        typer.echo(_("Token #{id} ({name}) dicabut.").format(id=record.id, name=record.name))
    else:
        typer.echo(
            _("Token #{id} ({name}) sudah dicabut sebelumnya.").format(
                id=record.id, name=record.name
            )
        )


def _row(record: repo.ApiTokenRecord, now: datetime) -> dict[str, Any]:
    """What `list` shows of a token: never the token, nor its hash."""
    if record.revoked_at is not None:
        state = "revoked"
    elif record.expires_at is not None and record.expires_at <= now:
        state = "expired"
    else:
        state = "active"
    return {
        "id": record.id,
        "agency": record.agency,
        "name": record.name,
        "scopes": list(record.scopes),
        "state": state,
        "created_at": record.created_at.isoformat(),
        "expires_at": _iso(record.expires_at),
        "revoked_at": _iso(record.revoked_at),
        "last_used_at": _iso(record.last_used_at),
    }


def _line(row: dict[str, Any]) -> str:
    states = {"active": _("aktif"), "expired": _("kedaluwarsa"), "revoked": _("dicabut")}
    used = row["last_used_at"] or "-"
    return _("#{id} {name} [{state}] {scopes}; dibuat {created}, dipakai terakhir {used}").format(
        id=row["id"],
        name=row["name"],
        state=states[row["state"]],
        scopes=",".join(row["scopes"]),
        created=row["created_at"][:16],
        used=used[:16],
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _agency(agency: str | None) -> str:
    """The agency code, known to the catalogs (so a typo does not make a useless token)."""
    settings = get_settings()
    code = agency or settings.agency
    try:
        return load_catalog(code, extra_dir=settings.catalog_dir).agency.code
    except UnknownAgency as exc:
        raise _BadInput(
            _("instansi {agency} tidak dikenal. Pilihan: {known}.").format(
                agency=code, known=", ".join(exc.available) or "-"
            )
        ) from None
    except CatalogError as exc:
        raise _BadInput(str(exc)) from None


def _name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > _NAME_LIMIT:
        raise _BadInput(
            _("nama token harus diisi, paling panjang {limit} karakter.").format(limit=_NAME_LIMIT)
        )
    return clean


def _scopes(given: list[str]) -> tuple[str, ...]:
    try:
        return parse_scopes(given)
    except TokenInputError:
        raise _BadInput(
            _("cakupan {value} tidak dikenal. Pilihan: {known}.").format(
                value=",".join(given), known=", ".join(SCOPES)
            )
        ) from None


def _lifetime(text: str) -> timedelta:
    try:
        return parse_lifetime(text)
    except TokenInputError:
        raise _BadInput(
            _("masa berlaku {value} tidak dikenali; tulis mis. 90d, 12h atau 2w.").format(
                value=text
            )
        ) from None


def _run(work: Callable[[AsyncConnection], Awaitable[_T]]) -> _T:
    """Migrate, then run `work` in one transaction; database trouble becomes a message."""

    async def main() -> _T:
        database = Database.from_settings(get_settings())
        try:
            await database.upgrade()
            async with database.transaction() as conn:
                return await work(conn)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except STORAGE_FAILURES as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise _BadInput(
            _("basis data tidak dapat dipakai: {detail}").format(detail=detail)
        ) from None


def _fail(exc: Exception) -> NoReturn:
    """Print the problem and exit with status 2 (no traceback)."""
    typer.echo(_("Kesalahan: {error}").format(error=exc), err=True)
    raise typer.Exit(code=2)
