"""`servicedesk privacy`: formal data-subject requests (UU PDP 27/2022).

    servicedesk privacy export --requester whatsapp:6281234567890 [--out data.json]
    servicedesk privacy export --ticket KALBAR-2026-00012
    servicedesk privacy erase --requester telegram:123456789 --yes

A requester is named by one of their chats (CHANNEL:ID) or by one of their tickets. `export`
writes everything held about them as JSON (the same as /dataku); `erase` anonymises their
tickets (the report figures stay), deletes their files, chats, messages and remembered details.
Both are written to the access log (`servicedesk audit`) and the application log (the
requester's number, never their data).
"""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from core.settings import get_settings
from locales import _
from storage import repositories as repo
from storage.attachments import AttachmentStore
from storage.db import STORAGE_FAILURES, Database
from storage.repositories import privacy

app = typer.Typer(no_args_is_help=True, add_completion=False)
log = logging.getLogger(__name__)

Requester = Annotated[str | None, typer.Option("--requester", help="Akun chat pemohon: KANAL:ID.")]
Ticket = Annotated[str | None, typer.Option("--ticket", help="Nomor salah satu tiketnya.")]


class _BadInput(Exception):
    """Input the user must fix; its message is shown as is."""


@app.command("export")
def export(
    requester: Requester = None,
    ticket: Ticket = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Berkas JSON.")] = None,
) -> None:
    """Semua data seorang pemohon sebagai JSON (permintaan resmi subjek data)."""

    async def work(conn: Any) -> dict[str, Any]:
        found = await _requester_id(conn, requester, ticket)
        log.info("privacy export of requester %d", found)
        held = await privacy.requester_data(conn, requester_id=found)
        await _log(conn, "privacy.export", [(t["id"], t["ref"]) for t in held["tickets"]])
        return {"requester_id": found, **held}

    held = _run(work)
    body = json.dumps(held, ensure_ascii=False, indent=2, default=str)
    if out is None:
        typer.echo(body)
        return
    out.write_text(body + "\n", encoding="utf-8")
    typer.echo(_("Data pemohon ditulis ke {path}.").format(path=out))


@app.command("erase")
def erase(
    requester: Requester = None,
    ticket: Ticket = None,
    yes: Annotated[bool, typer.Option("--yes", help="Tanpa konfirmasi.")] = False,
) -> None:
    """Hapus data pribadi seorang pemohon (tiket dianonimkan, angka laporan tetap)."""
    if not yes:
        typer.confirm(_("Hapus data pribadi pemohon ini? Tidak dapat dibatalkan."), abort=True)
    store = AttachmentStore.from_settings(get_settings())

    async def work(conn: Any) -> privacy.Erased:
        found = await _requester_id(conn, requester, ticket)
        theirs = await repo.list_tickets_for_requester(conn, requester_id=found, limit=100_000)
        await _log(conn, "privacy.erase", [(t.id, t.ref) for t in theirs])
        erased = await privacy.erase_requester(conn, requester_id=found)
        log.info("privacy erase of requester %d: %s", found, erased.counts)
        return erased

    erased = _run(work)
    for path in erased.paths:  # committed: the files can go now
        store.remove(path)
    counts = erased.counts
    typer.echo(
        _("Data pribadi dihapus: {tickets} tiket dianonimkan, {files} berkas dihapus.").format(
            tickets=counts["tickets"], files=counts["attachments"]
        )
    )


async def _log(conn: Any, action: str, read: list[tuple[int, str]]) -> None:
    """The formal request in the access log: who ran it (the operating-system user), when."""
    await repo.log_access(
        conn,
        at=datetime.now(UTC),
        agency=get_settings().agency,
        actor_kind="cli",
        actor_id=None,
        actor_name=getpass.getuser(),
        channel="cli",
        action=action,
        tickets=read,
    )


async def _requester_id(conn: Any, requester: str | None, ticket: str | None) -> int:
    if (requester is None) == (ticket is None):
        raise _BadInput(_("sebutkan tepat satu: --requester KANAL:ID atau --ticket NOMOR."))
    if ticket is not None:
        record = await repo.get_ticket(conn, ref=ticket)
        if record is None:
            raise _BadInput(_("tiket {ref} tidak ditemukan.").format(ref=ticket))
        return record.requester_id
    channel, _sep, external = (requester or "").partition(":")
    found = await privacy.find_requester(
        conn, channel=channel.strip(), external_id=external.strip()
    )
    if found is None:
        raise _BadInput(_("pemohon {who} tidak ditemukan.").format(who=requester))
    return found


def _run(work: Any) -> Any:
    settings = get_settings()

    async def main() -> Any:
        database = Database.from_settings(settings)
        try:
            async with database.transaction() as conn:
                return await work(conn)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except _BadInput as exc:
        _fail(str(exc), code=2)
    except STORAGE_FAILURES as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        _fail(_("basis data tidak dapat dipakai: {detail}").format(detail=detail), code=1)


def _fail(message: str, *, code: int) -> NoReturn:
    typer.echo(_("Kesalahan: {message}").format(message=message), err=True)
    raise typer.Exit(code)
