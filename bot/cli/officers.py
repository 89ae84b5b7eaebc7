"""`servicedesk officers ...`: add, list and remove officers, and give them a chat invite code.

Roles are checked against the agency's catalog. Chat identities are bound directly
(`--telegram-id`, `--whatsapp`) or by the officer sending `/daftar CODE` to the bot with a
one-time code from `officers invite`. Every command migrates the database first, so it also
works on a fresh install.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import typer
from sqlalchemy.ext.asyncio import AsyncConnection

from core.catalog.loader import CatalogError, UnknownAgency, load_catalog
from core.catalog.schema import Catalog
from core.officers import (
    UnknownRole,
    hash_invite_code,
    new_invite_code,
    normalize_telegram_id,
    normalize_whatsapp,
    role_codes,
    validate_roles,
)
from core.settings import get_settings
from locales import _
from storage import repositories as repo
from storage.db import STORAGE_FAILURES, Database

app = typer.Typer(
    help="Petugas instansi: tambah, daftar, nonaktifkan, dan kode pendaftaran chat.",
    no_args_is_help=True,
)

TELEGRAM = "telegram"
WHATSAPP = "whatsapp"
_T = TypeVar("_T")

AgencyOption = Annotated[
    str | None, typer.Option("--agency", "-a", help="Kode instansi (bawaan: AGENCY).")
]
OfficerId = Annotated[int, typer.Argument(help="Nomor petugas (lihat `officers list`).")]


class _BadInput(Exception):
    """Input the operator must fix; its message is shown as is."""


@app.command("add")
def add(
    name: Annotated[str, typer.Option("--name", "-n", help="Nama lengkap petugas.")],
    role: Annotated[list[str], typer.Option("--role", "-r", help="Peran petugas (boleh diulang).")],
    agency: AgencyOption = None,
    nip: Annotated[str | None, typer.Option("--nip", help="NIP petugas.")] = None,
    telegram_id: Annotated[
        str | None, typer.Option("--telegram-id", help="ID pengguna Telegram (angka).")
    ] = None,
    whatsapp: Annotated[
        str | None, typer.Option("--whatsapp", help="Nomor WhatsApp, mis. 0812-3456-7890.")
    ] = None,
) -> None:
    """Tambahkan petugas dengan satu atau beberapa peran, dan hubungkan akun chatnya."""
    try:
        catalog = _catalog(agency)
        roles = _roles(catalog, role)
        clean_name = _name(name)
        clean_nip = _nip(nip)
        identities = _identities(telegram_id, whatsapp)
        officer = _run(
            lambda conn: _add(conn, catalog.agency.code, clean_name, roles, clean_nip, identities)
        )
    except _BadInput as exc:
        _fail(exc)
    typer.echo(
        _("Petugas #{id} ditambahkan: {name} ({roles}).").format(
            id=officer.id, name=officer.name, roles=", ".join(officer.roles)
        )
    )
    for channel, external_id in identities:
        typer.echo(
            _("Terhubung ke {channel}: {account}.").format(channel=channel, account=external_id)
        )
    if not identities:
        typer.echo(
            _(
                "Belum ada akun chat. Buat kode pendaftaran: "
                "servicedesk officers invite --agency {agency} {id}"
            ).format(agency=officer.agency, id=officer.id)
        )


@app.command("list")
def list_(
    agency: AgencyOption = None,
    role: Annotated[str | None, typer.Option("--role", "-r", help="Hanya peran ini.")] = None,
    include_removed: Annotated[
        bool, typer.Option("--all", help="Sertakan petugas yang sudah dinonaktifkan.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Keluaran JSON.")] = False,
) -> None:
    """Tampilkan petugas instansi beserta peran dan akun chatnya."""
    try:
        catalog = _catalog(agency)
        wanted = _roles(catalog, [role])[0] if role is not None else None
        rows = _run(lambda conn: _list(conn, catalog.agency.code, wanted, include_removed))
    except _BadInput as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo(_("Belum ada petugas."))
        return
    for row in rows:
        typer.echo(_line(row))


@app.command("remove")
def remove(officer_id: OfficerId, agency: AgencyOption = None) -> None:
    """Nonaktifkan petugas (riwayat tiketnya tetap tersimpan) dan lepaskan akun chatnya."""
    try:
        catalog = _catalog(agency)
        officer, removed = _run(lambda conn: _remove(conn, catalog.agency.code, officer_id))
    except _BadInput as exc:
        _fail(exc)
    if removed:
        typer.echo(
            _("Petugas #{id} ({name}) dinonaktifkan.").format(id=officer.id, name=officer.name)
        )
    else:
        typer.echo(
            _("Petugas #{id} ({name}) sudah nonaktif.").format(id=officer.id, name=officer.name)
        )


@app.command("invite")
def invite(
    officer_id: OfficerId,
    agency: AgencyOption = None,
    hours: Annotated[
        int, typer.Option("--hours", min=1, max=24 * 30, help="Masa berlaku kode (jam).")
    ] = 72,
) -> None:
    """Buat kode sekali pakai yang dikirim petugas ke bot (`/daftar KODE`)."""
    code = new_invite_code()
    now = datetime.now(UTC)
    expires_at = now + timedelta(hours=hours)
    try:
        catalog = _catalog(agency)
        officer = _run(
            lambda conn: _invite(conn, catalog.agency.code, officer_id, code, now, expires_at)
        )
    except _BadInput as exc:
        _fail(exc)
    local = expires_at.astimezone(ZoneInfo(catalog.agency.timezone))
    typer.echo(_("Kode pendaftaran untuk {name}: {code}").format(name=officer.name, code=code))
    typer.echo(
        _("Berlaku sekali pakai sampai {when}.").format(
            when=f"{local:%d-%m-%Y %H.%M} {local.tzname()}"
        )
    )
    typer.echo(
        _(
            "Minta petugas mengirim pesan ini ke bot (Telegram atau WhatsApp): /daftar {code}"
        ).format(code=code)
    )


# --- database work ------------------------------------------------------------------------


async def _add(
    conn: AsyncConnection,
    agency: str,
    name: str,
    roles: list[str],
    nip: str | None,
    identities: list[tuple[str, str]],
) -> repo.OfficerRecord:
    """Insert the officer and bind their chats (all or nothing)."""
    now = datetime.now(UTC)
    officer = await repo.add_officer(conn, agency=agency, name=name, roles=roles, nip=nip, at=now)
    for channel, external_id in identities:
        await repo.bind_officer_identity(
            conn, officer_id=officer.id, channel=channel, external_id=external_id, at=now
        )
    return officer


async def _list(
    conn: AsyncConnection, agency: str, role: str | None, include_removed: bool
) -> list[dict[str, Any]]:
    """The officers as JSON-ready rows, with their chats."""
    officers = await repo.list_officers(
        conn, agency=agency, role=role, include_inactive=include_removed
    )
    rows = []
    for officer in officers:
        chats = await repo.officer_identities(conn, officer_id=officer.id)
        rows.append(
            {
                "id": officer.id,
                "name": officer.name,
                "nip": officer.nip,
                "roles": list(officer.roles),
                "active": officer.active,
                "created_at": officer.created_at.isoformat(),
                "chats": {chat.channel: chat.external_id for chat in chats},
            }
        )
    return rows


async def _remove(
    conn: AsyncConnection, agency: str, officer_id: int
) -> tuple[repo.OfficerRecord, bool]:
    """Deactivate the agency's officer; also says whether they were active."""
    officer = await _officer(conn, agency, officer_id)
    return officer, await repo.remove_officer(conn, officer_id=officer_id)


async def _invite(
    conn: AsyncConnection,
    agency: str,
    officer_id: int,
    code: str,
    now: datetime,
    expires_at: datetime,
) -> repo.OfficerRecord:
    """Store the code's hash for an active officer of the agency."""
    officer = await _officer(conn, agency, officer_id)
    if not officer.active:
        raise _BadInput(
            _("petugas #{id} sudah nonaktif; tambahkan kembali dengan `officers add`.").format(
                id=officer_id
            )
        )
    await repo.create_invite(
        conn,
        officer_id=officer_id,
        code_hash=hash_invite_code(code),
        at=now,
        expires_at=expires_at,
    )
    return officer


async def _officer(conn: AsyncConnection, agency: str, officer_id: int) -> repo.OfficerRecord:
    """The agency's officer, or a message saying there is none."""
    officer = await repo.get_officer(conn, officer_id=officer_id)
    if officer is None or officer.agency != agency:
        raise _BadInput(
            _("petugas #{id} tidak ada di instansi {agency}.").format(id=officer_id, agency=agency)
        )
    return officer


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
    except repo.IdentityTaken as exc:
        raise _BadInput(
            _("akun {channel} itu sudah terhubung dengan petugas #{id}.").format(
                channel=exc.channel, id=exc.officer_id
            )
        ) from None
    except STORAGE_FAILURES as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise _BadInput(
            _("basis data tidak dapat dipakai: {detail}").format(detail=detail)
        ) from None


# --- input checks -------------------------------------------------------------------------


def _catalog(agency: str | None) -> Catalog:
    """The agency's catalog, or a message naming the agencies there are."""
    settings = get_settings()
    code = agency or settings.agency
    try:
        return load_catalog(code, extra_dir=settings.catalog_dir)
    except UnknownAgency as exc:
        raise _BadInput(
            _("instansi {agency} tidak dikenal. Pilihan: {known}.").format(
                agency=code, known=", ".join(exc.available) or "-"
            )
        ) from None
    except CatalogError as exc:
        raise _BadInput(str(exc)) from None


def _roles(catalog: Catalog, roles: list[str]) -> list[str]:
    """The roles, each known to the agency's catalog."""
    try:
        return validate_roles(catalog, roles)
    except UnknownRole as exc:
        raise _BadInput(
            _("peran {roles} tidak dikenal di {agency}. Pilihan: {known}.").format(
                roles=", ".join(exc.unknown) or "-",
                agency=catalog.agency.code,
                known=", ".join(role_codes(catalog)),
            )
        ) from None


def _name(name: str) -> str:
    """The officer's name, trimmed; it may not be empty."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 200:
        raise _BadInput(_("nama petugas wajib diisi (paling banyak 200 karakter)."))
    return cleaned


def _nip(nip: str | None) -> str | None:
    """A NIP as digits (written with spaces or dots on letters), or None."""
    if nip is None:
        return None
    digits = "".join(nip.replace(".", " ").split())
    if not digits.isascii() or not digits.isdigit() or len(digits) > 30:
        raise _BadInput(_("NIP {nip} tidak valid: gunakan angka saja.").format(nip=nip))
    return digits


def _identities(telegram_id: str | None, whatsapp: str | None) -> list[tuple[str, str]]:
    """The chats to bind, as (channel, external id) the way each channel names its users."""
    identities: list[tuple[str, str]] = []
    if telegram_id is not None:
        value = normalize_telegram_id(telegram_id)
        if value is None:
            raise _BadInput(
                _("ID Telegram {value} tidak valid: gunakan ID pengguna berupa angka.").format(
                    value=telegram_id
                )
            )
        identities.append((TELEGRAM, value))
    if whatsapp is not None:
        value = normalize_whatsapp(whatsapp)
        if value is None:
            raise _BadInput(
                _("nomor WhatsApp {value} tidak valid; contoh: 0812-3456-7890.").format(
                    value=whatsapp
                )
            )
        identities.append((WHATSAPP, value))
    return identities


def _line(row: dict[str, Any]) -> str:
    """One officer as a readable line."""
    chats = ", ".join(f"{channel} {account}" for channel, account in row["chats"].items())
    parts = [f"#{row['id']}", row["name"], ", ".join(row["roles"])]
    if row["nip"]:
        parts.append(_("NIP {nip}").format(nip=row["nip"]))
    parts.append(chats or _("belum terhubung ke chat"))
    if not row["active"]:
        parts.append(_("nonaktif"))
    return " | ".join(parts)


def _fail(exc: Exception) -> NoReturn:
    """Print the problem and exit with status 2 (no traceback)."""
    typer.echo(_("Kesalahan: {error}").format(error=exc), err=True)
    raise typer.Exit(code=2)
