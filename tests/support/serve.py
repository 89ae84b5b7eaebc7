"""`servicedesk serve` as an operator runs it: a subprocess with its own environment, port and
log file (everything it prints), started and stopped by the test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command() -> list[str]:
    """`servicedesk serve` from this venv (or the same entry point, when not installed)."""
    script = Path(sys.executable).with_name("servicedesk")
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-c", "from bot.cli import app; app()", "serve"]


def server_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a server on a fresh SQLite file in `tmp_path`, no channel tokens,
    no network beyond 127.0.0.1; `settings` (LOG_LEVEL="DEBUG", ...) on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "HOST": "127.0.0.1",
            "PORT": str(free_port()),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'servicedesk.db'}",
            "DATA_DIR": str(tmp_path / "data"),
            "AGENCY": "babel",
            "LOCALE": "id",
            "LOG_LEVEL": "INFO",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "ALL_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    env.update(settings)
    return env


class Server:
    """One `servicedesk serve` process; everything it prints goes to `log`."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['PORT']}"

    def start(self, *, wait: bool = True) -> Server:
        """Start it (in the test's tmp dir as cwd) and, with `wait`, until /healthz says 200."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                serve_command(),
                cwd=self.log.parent,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90
        while wait and time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited:\n{self.output()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        if wait:
            raise AssertionError(f"server did not become healthy:\n{self.output()[-3000:]}")
        return self

    def wait_exit(self, timeout: float = 60) -> int:
        """The exit code, once it ended by itself."""
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop gracefully if still running."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
