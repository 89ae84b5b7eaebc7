"""`servicedesk chat`: talk to the bot in the terminal (same engine and database as the server).

Numbers pick a button, a file path sends that file, /keluar or end of input quits. Input may be
piped, so a whole conversation can be scripted:

    printf '/layanan\\n1\\n...' | servicedesk chat --agency kalbar --user demo
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
from typing import Annotated

import typer

from bot.engine import DialogEngine
from bot.terminal import run_chat
from core.catalog.loader import UnknownAgency, available_agencies
from core.settings import Settings, get_settings
from locales import translator
from storage.db import Database

app = typer.Typer(help="Obrolan di terminal dengan bot.")


@app.callback(invoke_without_command=True)
def chat(
    agency: Annotated[
        str | None, typer.Option("--agency", "-a", help="Kode instansi (bawaan: AGENCY).")
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", "-u", help="Nama pengguna terminal (satu nama = satu percakapan)."),
    ] = None,
) -> None:
    """Mengobrol dengan bot layanan di terminal."""
    settings = get_settings()
    if agency:
        settings = settings.model_copy(update={"agency": agency})
    t = translator(settings.locale)
    if settings.agency not in available_agencies(settings.catalog_dir):
        known = ", ".join(available_agencies(settings.catalog_dir))
        typer.echo(
            t("instansi {agency} tidak dikenal. Pilihan: {known}.").format(
                agency=settings.agency, known=known
            ),
            err=True,
        )
        raise typer.Exit(2)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    name = user or _default_user()
    try:
        asyncio.run(_chat(settings, name))
    except KeyboardInterrupt:
        typer.echo("")


def _default_user() -> str:
    try:
        return getpass.getuser() or "terminal"
    except (KeyError, OSError):
        return "terminal"


async def _chat(settings: Settings, user: str) -> None:
    db = Database.from_settings(settings)
    try:
        await db.upgrade()
        try:
            engine = DialogEngine(db=db, settings=settings)
        except UnknownAgency as exc:  # pragma: no cover - checked before
            raise typer.Exit(2) from exc
        await run_chat(
            engine=engine,
            db=db,
            user=user,
            stdin=sys.stdin,
            stdout=sys.stdout,
            interactive=sys.stdin.isatty(),
        )
    finally:
        await db.dispose()
