"""`servicedesk db ...`: database migrations."""

from __future__ import annotations

import asyncio

import typer

from core.settings import get_settings
from storage.db import Database

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Create or update the database schema to the latest version."""
    database = Database.from_settings(get_settings())
    asyncio.run(_upgrade(database))
    typer.echo(f"Database ({database.dialect}) is at the latest schema.")


@app.command()
def current() -> None:
    """Show the schema revision the database is at."""
    database = Database.from_settings(get_settings())
    revision = asyncio.run(_current(database))
    typer.echo(revision or "(empty: run `servicedesk db upgrade`)")


async def _upgrade(database: Database) -> None:
    try:
        await database.upgrade()
    finally:
        await database.dispose()


async def _current(database: Database) -> str | None:
    try:
        return await database.current()
    finally:
        await database.dispose()
