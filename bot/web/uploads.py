"""The page's upload (multipart: `id`, `file`, optional `text` and `lang`), read as it arrives.

The file's bytes go straight into the attachment store's incoming file (`IncomingFile`),
which sizes and sniffs them on the way, so a 10 MB upload costs a few 64 KB chunks of memory,
not 10 MB; the few small text fields stay in memory. Limits hold while the body streams in: the
file's size, each field's size, the number of fields, one file.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from storage.attachments import IncomingFile

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks


class FileTooLarge(Exception):
    """The file (or the whole body) grew past its limit."""


class BadForm(Exception):
    """Not the multipart form the page sends."""


@dataclass
class ReceivedForm:
    """The upload's text fields and what is known of its file (its bytes are on disk)."""

    fields: dict[str, str] = field(default_factory=dict)
    has_file: bool = False
    filename: str | None = None
    content_type: str | None = None


async def receive(
    content_type: str,
    body: AsyncIterator[bytes],
    incoming: IncomingFile,
    *,
    max_file_bytes: int,
    max_field_bytes: int,
    max_fields: int,
) -> ReceivedForm:
    """Parse the form from `body`, writing its one file into `incoming`.

    Raises `FileTooLarge` as soon as the file passes `max_file_bytes`, `BadForm` for anything
    else the page would not send (no boundary, broken framing, two files, big fields).
    """
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadForm("no boundary")
    reader = _FormReader(max_file_bytes, max_field_bytes, max_fields)
    parser = MultipartParser(boundary, reader.callbacks())
    try:
        async for chunk in body:
            parser.write(chunk)
            if reader.file_chunks:
                # Written in a thread like any file I/O here (a slow disk must not stall the loop).
                await asyncio.to_thread(_write_all, incoming, reader.take_file_chunks())
        parser.finalize()
    except FormParserError:
        raise BadForm("broken multipart framing") from None
    if reader.form.has_file and not reader.file_complete:
        raise BadForm("the file part never ended")
    await asyncio.to_thread(incoming.finish)
    return reader.form


def _write_all(incoming: IncomingFile, chunks: list[bytes]) -> None:
    for chunk in chunks:
        incoming.write(chunk)


class _FormReader:
    """python-multipart's callbacks, collecting fields and passing file bytes on."""

    def __init__(self, max_file_bytes: int, max_field_bytes: int, max_fields: int) -> None:
        self.form = ReceivedForm()
        self.file_chunks: list[bytes] = []
        self.file_complete = False
        self._max_file = max_file_bytes
        self._max_field = max_field_bytes
        self._max_fields = max_fields
        self._file_bytes = 0
        self._fields = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._in_file = False
        self._data = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
        }

    def take_file_chunks(self) -> list[bytes]:
        chunks, self.file_chunks = self.file_chunks, []
        return chunks

    def _part_begin(self) -> None:
        self._headers = {}
        self._name = ""
        self._in_file = False
        self._data = bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name = bytearray()
        self._header_value = bytearray()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        if b"name" not in options:
            raise BadForm("a part without a name")
        self._name = _text(options[b"name"])
        if b"filename" in options:
            if self.form.has_file:
                raise BadForm("more than one file")
            self.form.has_file = True
            self.form.filename = _text(options[b"filename"])
            kind = self._headers.get(b"content-type")
            self.form.content_type = _text(kind) if kind else None
            self._in_file = True
            return
        self._fields += 1
        if self._fields > self._max_fields:
            raise BadForm("too many fields")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._file_bytes += end - start
            if self._file_bytes > self._max_file:
                raise FileTooLarge
            self.file_chunks.append(bytes(data[start:end]))
            return
        if len(self._data) + end - start > self._max_field:
            raise BadForm("a field is too long")
        self._data += data[start:end]

    def _part_end(self) -> None:
        if self._in_file:
            self.file_complete = True
        else:
            self.form.fields[self._name] = _text(bytes(self._data))


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")
