"""Fetch media a contact sent: GET /{media_id} gives a short-lived URL, then GET that URL.

Both calls carry the bearer token. The size is checked against the announced `file_size`
before downloading and again while streaming, so a lying server cannot fill the disk.
"""

from __future__ import annotations

import httpx

from core.settings import Settings


class MediaTooLarge(Exception):
    """The file is bigger than `max_attachment_bytes`."""


class MediaUnavailable(Exception):
    """The Graph API would not give us the file (expired id, network, server error)."""


async def download(
    client: httpx.AsyncClient, settings: Settings, media_id: str
) -> tuple[bytes, str | None]:
    """The file's bytes and the MIME type Meta reports for it."""
    limit = settings.max_attachment_bytes
    headers = {"Authorization": f"Bearer {settings.whatsapp_access_token}"}
    base = settings.whatsapp_api_base_url.rstrip("/")
    try:
        meta = await client.get(f"{base}/{media_id}", headers=headers)
    except httpx.HTTPError as exc:
        raise MediaUnavailable(type(exc).__name__) from exc
    if meta.status_code != 200:
        raise MediaUnavailable(f"media lookup answered {meta.status_code}")
    info = _json_object(meta)
    url = info.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise MediaUnavailable("media lookup gave no url")
    announced = info.get("file_size")
    if isinstance(announced, int) and announced > limit:
        raise MediaTooLarge()
    reported = info.get("mime_type")
    mime = reported if isinstance(reported, str) else None
    try:
        return await _stream(client, url, headers, limit), mime
    except httpx.HTTPError as exc:
        raise MediaUnavailable(type(exc).__name__) from exc


async def _stream(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], limit: int
) -> bytes:
    """The body at `url`, refusing it as soon as it passes `limit` bytes."""
    async with client.stream("GET", url, headers=headers) as response:
        if response.status_code != 200:
            raise MediaUnavailable(f"media download answered {response.status_code}")
        declared = response.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise MediaTooLarge()
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise MediaTooLarge()
            chunks.append(chunk)
    return b"".join(chunks)


def _json_object(response: httpx.Response) -> dict[str, object]:
    """The response body as a JSON object, or {} when it is anything else."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
