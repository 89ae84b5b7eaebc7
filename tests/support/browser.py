"""Headless Chromium and a real `servicedesk serve` process, for end-to-end browser tests.

Chromium is Debian's package (`/usr/bin/chromium`, or `CHROMIUM_PATH`), driven by Playwright's
Python API through `executable_path`: `playwright install` is never needed. Without it the test
is skipped with the reason shown, except under `CI=true`, where a missing browser fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60.0


def chromium_path() -> str:
    """The Chromium binary to drive; skips the test (fails under CI=true) when there is none."""
    candidate = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if Path(candidate).is_file() and os.access(candidate, os.X_OK):
        return candidate
    reason = (
        f"Chromium not found at {candidate}: install Debian's `chromium` package "
        "or set CHROMIUM_PATH"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base_url: str
    log_path: Path

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serve(workdir: Path, env: Mapping[str, str]) -> Iterator[Server]:
    """Run `servicedesk serve` on a free 127.0.0.1 port until the block ends.

    It runs in `workdir` (so no developer `.env` leaks in) with `env` on top of a minimal
    environment; it is ready once `/healthz` answers 200.
    """
    port = free_port()
    log_path = workdir / "server.log"
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "PYTHONPATH": str(ROOT),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "TELEGRAM_BOT_TOKEN": "",
        "WHATSAPP_ACCESS_TOKEN": "",
        **env,
    }
    command = [sys.executable, "-m", "bot.cli.serve", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=workdir, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    server = Server(base_url=f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        _wait_until_healthy(server, process)
        yield server
    finally:
        _stop(process)


def _wait_until_healthy(server: Server, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not become healthy in {SERVER_START_TIMEOUT:g}s:\n{server.log()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ask the server to stop (SIGTERM), and kill it if it does not."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)
