"""What the benchmarks that drive a real `servicedesk serve` share: a free port, the server's
environment (Telegram webhook mode against a fake Bot API, nothing beyond 127.0.0.1), and the
steps of a whole babel intake to replay through its webhook."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

from bot.engine import DialogEngine
from bot.messages import Inbound
from core.settings import Settings
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]
FIRST_TEXT = "internet di kantor mati sejak pagi"
ANSWERS = [
    "Dinas Pendidikan",
    "Budi Santoso",
    "Gedung A lantai 2, Jl. Pulau Lepar",
    "Koneksi internet di ruang rapat putus sejak pagi",
    "081234567890",
]
Step = tuple[str | None, str | None]  # (text, tap)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(
    data_dir: Path,
    database_url: str,
    port: int,
    bot_api: str,
    *,
    token: str,
    secret: str,
    **settings: str,
) -> dict[str, str]:
    """What `tests/support/serve.py` gives a server, plus the Telegram webhook channel talking
    to the Bot API at `bot_api` (http://127.0.0.1:PORT); `settings` (WORKERS="2"...) on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DATABASE_URL": database_url,
            "DATA_DIR": str(data_dir),
            "AGENCY": "babel",
            "LOCALE": "id",
            "LOG_LEVEL": "WARNING",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "ALL_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_SECRET": secret,
            "TELEGRAM_API_BASE_URL": f"{bot_api}/bot",
            "TELEGRAM_FILE_BASE_URL": f"{bot_api}/file/bot",
            **settings,
        }
    )
    return env


async def dialog_script() -> list[Step]:
    """The steps of a whole babel intake, found by running the dialog once on a scratch DB."""
    answers = iter(ANSWERS)
    steps: list[Step] = [(FIRST_TEXT, None)]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/script.db"
        settings = Settings(_env_file=None, database_url=url, data_dir=Path(tmp), agency="babel")  # type: ignore[call-arg]
        db = Database(url)
        await db.upgrade()
        engine = DialogEngine(db=db, settings=settings)
        try:
            for turn in range(40):
                text, tap = steps[-1]
                inbound = Inbound(
                    channel="telegram",
                    chat_id="1",
                    user_id="1",
                    update_id=str(turn),
                    text=text,
                    choice=tap,
                )
                result = await engine.handle(inbound)
                if any("BABEL-" in reply.text for reply in result.replies):
                    return steps
                data = [c.data for c in result.replies[-1].choices]
                tap = next(
                    (d for d in ("sum:send", "skip") if d in data), data[0] if data else None
                )
                steps.append((None, tap) if tap else (next(answers, "Tidak ada"), None))
        finally:
            await db.dispose()
    raise RuntimeError("the scripted dialog did not file a ticket")
