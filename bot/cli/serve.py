"""`servicedesk serve`: the FastAPI server (Telegram, WhatsApp, web chat, scheduler)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.cli.logs import configure_logging
from core.settings import get_settings
from locales import _

if TYPE_CHECKING:
    from fastapi import FastAPI

app = typer.Typer(help="Run the server.")


@app.callback(invoke_without_command=True)
def serve(
    host: str = typer.Option(None, help="Address to listen on (default: HOST, 127.0.0.1)."),
    port: int = typer.Option(None, help="Port to listen on (default: PORT, 8000)."),
    workers: int = typer.Option(
        None, help="Server processes (default: WORKERS, 1); several need PostgreSQL."
    ),
) -> None:
    """Serve the web chat, the channel webhooks, /healthz and /metrics until stopped."""
    import uvicorn

    from bot.server import create_app
    from storage.replica import AlreadyServing, claim_replica

    settings = get_settings()
    server_level = configure_logging(settings.log_level)
    processes = workers or settings.workers
    if processes > 1:
        _serve_workers(processes, host or settings.host, port or settings.port, server_level)
        return
    try:
        # Held until this process ends: a second server on the same SQLite file is refused.
        replica = claim_replica(settings.data_dir, settings.database_url)
    except AlreadyServing as exc:
        typer.echo(
            _(
                "Server servicedesk lain (proses {pid}) sedang memakai basis data SQLite "
                "{database}. SQLite hanya dapat dipakai satu server: hentikan server itu dulu, "
                "atau pakai PostgreSQL (DATABASE_URL) untuk menjalankan beberapa replika."
            ).format(pid=exc.pid or "?", database=exc.database),
            err=True,
        )
        raise typer.Exit(code=1) from exc
    try:
        uvicorn.run(
            create_app(settings, replica=replica),
            host=host or settings.host,
            port=port or settings.port,
            # Our handler and levels (bot.cli.logs), not uvicorn's own configuration.
            log_config=None,
            log_level=server_level,
            proxy_headers=True,
            server_header=False,
        )
    finally:
        replica.release()


def _serve_workers(processes: int, host: str, port: int, server_level: int) -> None:
    """Several processes on one port (uvicorn's workers), each a replica of its own."""
    import uvicorn
    from sqlalchemy.engine import make_url

    from bot.telegram.channel import telegram_mode

    settings = get_settings()
    if make_url(settings.database_url).get_backend_name() == "sqlite":
        typer.echo(
            _(
                "SQLite hanya dapat dipakai satu proses server. Untuk beberapa proses "
                "(WORKERS), pakai PostgreSQL (DATABASE_URL)."
            ),
            err=True,
        )
        raise typer.Exit(code=1)
    if settings.telegram_bot_token and telegram_mode(settings) == "polling":
        typer.echo(
            _(
                "Telegram dalam mode polling hanya dapat diambil oleh satu proses. Untuk "
                "beberapa proses (WORKERS), pakai mode webhook (TELEGRAM_MODE=webhook)."
            ),
            err=True,
        )
        raise typer.Exit(code=1)
    uvicorn.run(
        "bot.cli.serve:worker_app",
        factory=True,
        workers=processes,
        host=host,
        port=port,
        log_config=None,
        log_level=server_level,
        proxy_headers=True,
        server_header=False,
    )


def worker_app() -> FastAPI:
    """The app of one worker process (uvicorn calls this in each): our logging, then the app,
    which claims its own replica id at start."""
    from bot.server import create_app

    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)


if __name__ == "__main__":
    app()
