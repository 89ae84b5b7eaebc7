"""The Bot API client under PTB (aiohttp): it reaches the Bot API directly or through the proxy
the environment names, as httpx did, and reports failures as PTB's network errors."""

from __future__ import annotations

import asyncio
import socket

import pytest
from telegram import Bot, InputFile
from telegram.error import NetworkError

from bot.telegram import lean
from bot.telegram.aiohttp_request import AiohttpRequest

TOKEN = "123456:TEST-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def answering_server() -> tuple[asyncio.Server, int, list[bytes]]:
    """A one-route HTTP server answering every request with a Bot API success."""
    seen: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ),
            0,
        )
        seen.append(head.split(b"\r\n")[0] + b" " + await reader.readexactly(length))
        body = b'{"ok":true,"result":true}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, port, seen


async def test_a_call_reaches_the_bot_api_directly_when_no_proxy_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server, port, seen = await answering_server()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest())
    try:
        result = await lean.call(bot, "answerCallbackQuery", callback_query_id="42")
    finally:
        await bot.request.shutdown()
        server.close()
    assert result is True
    assert seen and b"/answerCallbackQuery" in seen[0] and b"callback_query_id=42" in seen[0]


async def test_a_proxy_named_by_the_environment_is_used_unless_no_proxy_exempts_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, port, seen = await answering_server()
    # Nothing listens at the proxy's port: going through it fails, going around it works.
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.setenv("NO_PROXY", "example.invalid")
    monkeypatch.delenv("no_proxy", raising=False)
    proxied = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest())
    try:
        with pytest.raises(NetworkError):
            await lean.call(proxied, "answerCallbackQuery", callback_query_id="1")
        assert seen == []

        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        direct = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest())
        try:
            assert await lean.call(direct, "answerCallbackQuery", callback_query_id="2") is True
        finally:
            await direct.request.shutdown()
    finally:
        await proxied.request.shutdown()
        server.close()
    assert len(seen) == 1


async def test_a_document_keeps_its_file_name_as_the_requester_wrote_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server, port, seen = await answering_server()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest())
    try:
        await bot.send_document(
            chat_id=7, document=InputFile(b"%PDF-1.4", filename="Scan KTP – Budi.pdf")
        )
    finally:
        await bot.request.shutdown()
        server.close()
    assert seen and b"/sendDocument" in seen[0]
    assert 'filename="Scan KTP – Budi.pdf"'.encode() in seen[0]
