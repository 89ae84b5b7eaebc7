"""The terminal channel: chat with the bot from a shell, on the same engine and database as
every other channel. Replies are delivered through the outbox like anywhere else; the
`TerminalSender` prints them, numbering the buttons so the user can answer "2".

Input lines:
- a number picks that button of the last message;
- the path of an existing file sends it as an attachment;
- "/keluar" (or end of input) ends the chat;
- anything else is sent as text.
"""

from __future__ import annotations

import asyncio
import mimetypes
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.delivery import deliver_pending
from bot.dialogs.typed import ascii_number
from bot.engine import DialogEngine
from bot.messages import Choice, Inbound, InboundAttachment, Outbound
from locales import translator
from storage.db import STORAGE_FAILURES, Database

CHANNEL = "terminal"
EXIT_WORDS = frozenset({"/keluar", "/exit", "/quit"})


@dataclass
class TerminalScreen:
    """What the terminal shows, and the buttons of the last message (for numbered answers)."""

    out: TextIO
    choices: tuple[Choice, ...] = field(default_factory=tuple)

    def show(self, message: Outbound) -> None:
        """Print one bot message with its buttons numbered."""
        lines = [message.text]
        lines += [f"  {i}) {c.label}" for i, c in enumerate(message.choices, start=1)]
        if message.document is not None:
            lines.append(f"  [{message.document.filename}]")
        self.out.write("\n".join(lines) + "\n\n")
        self.out.flush()
        self.choices = message.choices


class TerminalSender:
    """`Sender` for the terminal channel: prints the message."""

    def __init__(self, screen: TerminalScreen) -> None:
        self.screen = screen

    async def send(self, recipient: str, message: Outbound) -> None:
        """Show the message (there is only one person at this terminal)."""
        self.screen.show(message)


def to_inbound(line: str, *, user: str, choices: tuple[Choice, ...]) -> Inbound:
    """Turn one typed line into what the engine receives."""
    text = line.strip()
    place = ascii_number(text)
    if place is not None and 1 <= place <= len(choices):
        return _inbound(user, choice=choices[place - 1].data)
    path = _file_path(text)
    if path is not None:
        attachment = InboundAttachment(
            data=path.read_bytes(),
            filename=path.name,
            mime_hint=mimetypes.guess_type(path.name)[0],
        )
        return _inbound(user, attachment=attachment)
    return _inbound(user, text=text)


def _inbound(user: str, **content: Any) -> Inbound:
    # One terminal user is one chat; each line is a new update (no redelivery here).
    return Inbound(
        channel=CHANNEL,
        chat_id=user,
        user_id=user,
        update_id=uuid.uuid4().hex,
        display_name=user,
        received_at=datetime.now(UTC),
        **content,
    )


def _file_path(text: str) -> Path | None:
    """The file a line names, when it looks like a path and the file exists."""
    if not text or ("/" not in text and "." not in text):
        return None
    try:
        path = Path(text).expanduser()
        return path if path.is_file() else None
    except (OSError, ValueError):
        return None


def missing_file(text: str) -> str | None:
    """The path a line names when it looks like a file's path but no such file exists."""
    if " " in text.strip() or _file_path(text) is not None:
        return None
    looks_like_path = text.startswith(("/", "~", "./", "../")) and (
        "/" in text.lstrip("/") or bool(Path(text).suffix)
    )
    return text if looks_like_path else None


def _read_lines(stdin: TextIO) -> asyncio.Queue[str]:
    """Lines of `stdin` ("" at the end), read by a daemon thread.

    Not `asyncio.to_thread`: a read blocked in the default executor would keep `asyncio.run`
    from returning after Ctrl-C until the user pressed Enter.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def pump() -> None:
        while True:
            try:
                line = stdin.readline()
            except (OSError, ValueError):
                line = ""
            try:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            except RuntimeError:  # the loop is closed: the chat is over
                return
            if not line:
                return

    threading.Thread(target=pump, name="terminal-input", daemon=True).start()
    return queue


async def run_chat(
    *,
    engine: DialogEngine,
    db: Database,
    user: str,
    stdin: TextIO,
    stdout: TextIO,
    interactive: bool,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Read lines until EOF or /keluar, answering each through the engine; returns messages sent."""
    screen = TerminalScreen(stdout)
    senders = {CHANNEL: TerminalSender(screen)}
    t = translator(engine.settings.locale)
    if interactive:
        stdout.write(t("Ketik pesan lalu Enter. Ketik /keluar untuk selesai.") + "\n\n")
        stdout.flush()
    lines = _read_lines(stdin)
    sent = 0
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await lines.get()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text.casefold() in EXIT_WORDS:
            break
        missing = missing_file(text)
        if missing is not None:
            # A path to a file that is not there: say so, rather than "unknown command".
            stdout.write(t("Berkas tidak ditemukan: {path}").format(path=missing) + "\n")
            stdout.flush()
            continue
        inbound = to_inbound(text, user=user, choices=screen.choices)
        try:
            result = await engine.handle(inbound)
        except STORAGE_FAILURES:
            # Nothing was stored; there is no platform here to redeliver, so the person retries.
            stdout.write(
                t("Maaf, pesan Bapak/Ibu belum tersimpan. Silakan kirim sekali lagi.") + "\n"
            )
            stdout.flush()
            continue
        await deliver_pending(db, senders, now=clock(), ids=result.outbox_ids)
        sent += 1
    return sent
