"""`servicedesk commands`: the chat commands of the command table, as the README lists them."""

from __future__ import annotations

import typer

from bot.handlers.commands import markdown_lists


def commands(
    markdown: bool = typer.Option(True, "--markdown/--plain", help="Markdown (the README's)."),
) -> None:
    """Print every chat command, requesters' first, then officers'."""
    text = markdown_lists()
    typer.echo(text if markdown else text.replace("`", ""), nl=False)
