"""`servicedesk serve`: the FastAPI server (Telegram, WhatsApp, web chat, scheduler)."""

from __future__ import annotations

import logging

import typer

from core.settings import get_settings

app = typer.Typer(help="Run the server.")


@app.callback(invoke_without_command=True)
def serve(
    host: str = typer.Option(None, help="Address to listen on (default: HOST, 127.0.0.1)."),
    port: int = typer.Option(None, help="Port to listen on (default: PORT, 8000)."),
) -> None:
    """Serve the web chat, the channel webhooks, /healthz and /metrics until stopped."""
    import uvicorn

    from bot.server import create_app

    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # A line per scheduler run every few seconds says nothing; failures are still logged.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        server_header=False,
    )


if __name__ == "__main__":
    app()
