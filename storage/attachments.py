"""Files requesters send: checked by content, stored on disk once per distinct content.

The declared filename and MIME type come from the sender and are only used as a display
name; the type is sniffed from the bytes. Files live at `<root>/<sha[:2]>/<sha256>`.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import filetype

# What a requester may send: scans, photos, office documents and plain text.
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "text/plain": "txt",
}

# Control characters other than tab, newlines and form feed mean "binary", not text.
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_UNSAFE_NAME_CHARS = re.compile(r"[^\w .()+-]+")


class AttachmentError(Exception):
    """A file we will not keep; the dialog explains why politely."""


class AttachmentTooLarge(AttachmentError):
    def __init__(self, size: int, max_bytes: int) -> None:
        super().__init__(f"{size} bytes is over the {max_bytes}-byte limit")
        self.size = size
        self.max_bytes = max_bytes


class AttachmentRejected(AttachmentError):
    def __init__(self, mime: str) -> None:
        super().__init__(f"file type {mime} is not accepted")
        self.mime = mime


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    mime: str
    size: int
    path: str  # relative to the store root, '/'-separated
    filename: str  # safe display name with the extension of the sniffed type


class AttachmentStore:
    """Content-addressed file store under `root`, refusing big or unexpected files."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def check(self, data: bytes) -> str:
        """The sniffed MIME type, or raise `AttachmentTooLarge` / `AttachmentRejected`."""
        if len(data) > self.max_bytes:
            raise AttachmentTooLarge(len(data), self.max_bytes)
        if not data:
            raise AttachmentRejected("application/x-empty")
        mime = sniff_mime(data)
        if mime not in ALLOWED_TYPES:
            raise AttachmentRejected(mime)
        return mime

    def put(self, data: bytes, *, filename: str | None, mime_hint: str | None) -> StoredFile:
        """Check and write the file (once per content); blocking, so call it in a thread.

        `mime_hint` is accepted for the adapters' convenience but never trusted.
        """
        mime = self.check(data)
        sha = hashlib.sha256(data).hexdigest()
        relative = f"{sha[:2]}/{sha}"
        target = self.root / sha[:2] / sha
        if not target.exists():
            _write_atomically(target, data)
        return StoredFile(
            sha256=sha,
            mime=mime,
            size=len(data),
            path=relative,
            filename=safe_filename(filename, ALLOWED_TYPES[mime], sha),
        )

    def full_path(self, relative: str) -> Path:
        """The file on disk for a stored relative path (refuses paths leaving the root)."""
        parts = PurePosixPath(relative).parts
        if not parts or any(p in ("..", "") or p.startswith("/") for p in parts):
            raise ValueError("not a stored attachment path")
        return self.root.joinpath(*parts)

    def read(self, relative: str) -> bytes:
        """The stored bytes; blocking, so call it in a thread."""
        return self.full_path(relative).read_bytes()


def sniff_mime(data: bytes) -> str:
    """The MIME type the bytes really are."""
    kind = filetype.guess(data)
    if kind is not None:
        return str(kind.mime)
    return "text/plain" if _looks_like_text(data) else "application/octet-stream"


def safe_filename(filename: str | None, extension: str, sha256: str) -> str:
    """A display name without paths or odd characters, ending in the sniffed extension."""
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_NAME_CHARS.sub("_", name).strip(" ._")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" ._")[:100] or f"lampiran-{sha256[:8]}"
    return f"{stem}.{extension}"


def _looks_like_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return _BINARY_CONTROLS.search(text) is None


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
