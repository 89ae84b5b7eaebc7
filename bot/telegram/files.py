"""Downloading the documents and photos requesters send, within two limits: the Bot API lets a
bot download at most 20 MB, and the service keeps at most `MAX_ATTACHMENT_BYTES`.

The size is checked three times: the size Telegram declares in the update (before `getFile`),
the size `getFile` reports, and the bytes actually received (the download stops at the limit).
"""

from __future__ import annotations

import httpx
from telegram import Bot
from telegram import error as tg_error

# https://core.telegram.org/bots/api#getfile: "bots can download files of up to 20MB in size".
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024


class FileTooLarge(Exception):
    """The file is over the limit; `telegram_limit` says whether Telegram's 20 MB is the reason."""

    def __init__(self, size: int | None, limit: int, *, telegram_limit: bool) -> None:
        super().__init__(f"file of {size} bytes is over the {limit}-byte limit")
        self.size = size
        self.limit = limit
        self.telegram_limit = telegram_limit


class FetchFailed(Exception):
    """The file could not be downloaded (network trouble, expired file id)."""


class FileFetcher:
    """Downloads a Telegram file by id, refusing anything over the limits."""

    def __init__(self, bot: Bot, http: httpx.AsyncClient, *, max_bytes: int) -> None:
        self.bot = bot
        self.http = http
        self.max_bytes = max_bytes

    @property
    def limit(self) -> int:
        """The largest file accepted, in bytes."""
        return min(self.max_bytes, TELEGRAM_DOWNLOAD_LIMIT)

    def check(self, size: int | None) -> None:
        """Raise `FileTooLarge` when a known size is over the limit."""
        if size is None:
            return
        if size > TELEGRAM_DOWNLOAD_LIMIT:
            raise FileTooLarge(size, TELEGRAM_DOWNLOAD_LIMIT, telegram_limit=True)
        if size > self.max_bytes:
            raise FileTooLarge(size, self.max_bytes, telegram_limit=False)

    async def fetch(self, file_id: str, declared_size: int | None) -> bytes:
        """The file's bytes; raises `FileTooLarge` or `FetchFailed`."""
        self.check(declared_size)
        try:
            file = await self.bot.get_file(file_id)
        except tg_error.BadRequest as exc:
            if "too big" in exc.message.lower():
                raise FileTooLarge(
                    declared_size, TELEGRAM_DOWNLOAD_LIMIT, telegram_limit=True
                ) from exc
            raise FetchFailed("getFile refused the file") from exc
        except tg_error.TelegramError as exc:
            raise FetchFailed(f"getFile failed: {type(exc).__name__}") from exc
        self.check(file.file_size)
        if not file.file_path:
            raise FetchFailed("getFile returned no file_path")
        return await self._download(file.file_path)

    async def _download(self, url: str) -> bytes:
        """Stream `url`, stopping as soon as it grows past the limit."""
        limit = self.limit
        received = bytearray()
        try:
            async with self.http.stream("GET", url) as response:
                if response.status_code != 200:
                    # The URL holds the bot token: never put it in a message or a log.
                    raise FetchFailed(f"file download answered HTTP {response.status_code}")
                async for chunk in response.aiter_bytes():
                    received += chunk
                    if len(received) > limit:
                        raise FileTooLarge(
                            None, limit, telegram_limit=limit == TELEGRAM_DOWNLOAD_LIMIT
                        )
        except httpx.HTTPError as exc:
            raise FetchFailed(f"file download failed: {type(exc).__name__}") from exc
        return bytes(received)
