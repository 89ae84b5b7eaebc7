"""`servicedesk audit`: who read whose personal data (UU PDP), from the append-only access log.

    servicedesk audit --ticket KALBAR-2026-00012
    servicedesk audit --officer "Rina Marlina" [--limit 200] [--json]

Officers' views in chat (/tiket, /status, /cari, files) and the API's reads are logged as they
happen; this only prints them.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer

from core.settings import get_settings
from core.tickets import normalize_ref
from locales import _
from storage import repositories as repo
from storage.db import STORAGE_FAILURES, Database


def audit(
    ticket: Annotated[str | None, typer.Option("--ticket", help="Nomor tiket.")] = None,
    officer: Annotated[
        str | None, typer.Option("--officer", help="Nama petugas (atau nama token API).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Satu objek JSON per baris.")] = False,
) -> None:
    """Cetak catatan akses data pribadi satu tiket atau satu petugas, terbaru di atas."""
    if (ticket is None) == (officer is None):
        typer.echo(
            _("Kesalahan: {message}").format(
                message=_("sebutkan tepat satu: --ticket NOMOR atau --officer NAMA.")
            ),
            err=True,
        )
        raise typer.Exit(2)
    ref = (normalize_ref(ticket) or ticket) if ticket else None

    async def main() -> list[Any]:
        database = Database.from_settings(get_settings())
        try:
            async with database.transaction() as conn:
                return await repo.list_access(conn, ticket_ref=ref, actor_name=officer, limit=limit)
        finally:
            await database.dispose()

    try:
        entries = asyncio.run(main())
    except STORAGE_FAILURES as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        typer.echo(
            _("Kesalahan: {message}").format(
                message=_("basis data tidak dapat dipakai: {detail}").format(detail=detail)
            ),
            err=True,
        )
        raise typer.Exit(1) from None
    for entry in entries:
        if as_json:
            typer.echo(json.dumps({
                "at": entry.at.isoformat(), "actor_kind": entry.actor_kind,
                "actor": entry.actor_name, "channel": entry.channel, "action": entry.action,
                "ticket": entry.ticket_ref,
            }, ensure_ascii=False))  # fmt: skip
        else:
            typer.echo(
                f"{entry.at.isoformat(timespec='seconds')}  {entry.actor_name} "
                f"({entry.actor_kind}, {entry.channel})  {entry.action}  {entry.ticket_ref or '-'}"
            )
    if not entries and not as_json:
        typer.echo(_("Tidak ada catatan akses."))
