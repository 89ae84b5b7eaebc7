"""Files requesters send: checked by content, stored on disk once per distinct content.

The declared filename and MIME type come from the sender and are only used as a display
name; the type is sniffed from the bytes. Files live at `<root>/<sha[:2]>/<sha256>`; a file
on its way in (a web upload streamed from the request, a file being written) lives in
`<root>/.incoming/` until it is complete, so it is never held in memory whole.

The store also watches its disk: `health` says when free space under the root is low or a
write failed recently (`/healthz` reports it), and `has_room` lets callers refuse a new file
before the disk fills up.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import logging
import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

import filetype

from core.settings import Settings

log = logging.getLogger(__name__)

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

# filetype decides by a file's first 8 KB; a file it does not know is text only if all of it is.
SNIFF_BYTES = 8192
_CHUNK_BYTES = 256 * 1024
INCOMING_DIR = ".incoming"
# A write that failed this recently (disk full, read-only) keeps /healthz unhealthy.
WRITE_FAILURE_WINDOW = 300.0
# While storage stays unhealthy the warning is repeated this often, not on every probe.
WARNING_INTERVAL = 300.0


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


@dataclass(frozen=True, slots=True)
class Inspected:
    """A file we accept, as its bytes say: checksum, size and type."""

    sha256: str
    size: int
    mime: str


@dataclass(frozen=True, slots=True)
class UploadQuota:
    """How much may wait on disk without being on a ticket (files of dialogs in progress)."""

    files_per_requester: int
    bytes_per_requester: int
    bytes_total: int

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadQuota:
        return cls(
            files_per_requester=settings.upload_pending_files_per_requester,
            bytes_per_requester=settings.upload_pending_bytes_per_requester,
            bytes_total=settings.upload_pending_bytes_total,
        )


class ContentScan:
    """Checksum, size and type of a file fed chunk by chunk, so it is never in memory whole."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.size = 0
        self._head = bytearray()
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._maybe_text = True
        self._refused: bool | None = None

    def feed(self, chunk: bytes) -> None:
        self._sha.update(chunk)
        self.size += len(chunk)
        if len(self._head) < SNIFF_BYTES:
            self._head += chunk[: SNIFF_BYTES - len(self._head)]
        if self._maybe_text:
            self._maybe_text = _still_text(self._decoder, chunk, final=False)

    @property
    def head(self) -> bytes:
        """The first 8 KB: all filetype looks at."""
        return bytes(self._head)

    @property
    def refused_early(self) -> bool:
        """True once the first 8 KB show a type we refuse (the rest of the file cannot change
        that), so a caller can stop keeping the rest."""
        if len(self._head) < SNIFF_BYTES:
            return False
        if self._refused is None:
            kind = filetype.guess(self.head)
            self._refused = kind is not None and str(kind.mime) not in ALLOWED_TYPES
        return self._refused

    def finish(self) -> tuple[str, str]:
        """(sha256, sniffed MIME type) of everything fed; call once, after the last chunk."""
        kind = filetype.guess(self.head)
        if kind is not None:
            mime = str(kind.mime)
        elif self._maybe_text and _still_text(self._decoder, b"", final=True):
            mime = "text/plain"
        else:
            mime = "application/octet-stream"
        return self._sha.hexdigest(), mime


class IncomingFile:
    """A file streamed to disk under the store (a web upload) while it is sized and sniffed.

    Once its first 8 KB show a type we refuse, the rest is counted but no longer written:
    `head` is then enough for the store to refuse it the same way.
    """

    def __init__(self, path: Path, handle: IO[bytes], store: AttachmentStore) -> None:
        self.path = path
        self._handle = handle
        self._store = store
        self.scan = ContentScan()

    @property
    def size(self) -> int:
        return self.scan.size

    @property
    def refused(self) -> bool:
        return self.scan.refused_early

    def write(self, chunk: bytes) -> None:
        """Append a chunk; blocking, so call it in a thread."""
        keep = not self.scan.refused_early
        self.scan.feed(chunk)
        if keep:
            try:
                self._handle.write(chunk)
            except OSError:
                self._store.write_failed()
                raise

    def finish(self) -> None:
        """Everything written reaches the file (the store reads it by its path)."""
        try:
            self._handle.flush()
        except OSError:
            self._store.write_failed()
            raise


class AttachmentStore:
    """Content-addressed file store under `root`, refusing big or unexpected files."""

    def __init__(self, root: Path, max_bytes: int, *, min_free_bytes: int = 0) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.min_free_bytes = min_free_bytes
        self._write_failed_at: float | None = None
        self._warned: tuple[str, float] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AttachmentStore:
        return cls(
            settings.attachments_dir,
            settings.max_attachment_bytes,
            min_free_bytes=settings.min_free_disk_bytes,
        )

    # --- checking and keeping files ------------------------------------------------------

    def check(self, data: bytes) -> str:
        """The sniffed MIME type, or raise `AttachmentTooLarge` / `AttachmentRejected`."""
        return self.inspect(data).mime

    def inspect(self, source: bytes | Path) -> Inspected:
        """What the file is, or raise `AttachmentTooLarge` / `AttachmentRejected`; reads a
        path in chunks, so call it in a thread."""
        size = len(source) if isinstance(source, bytes) else source.stat().st_size
        if size > self.max_bytes:
            raise AttachmentTooLarge(size, self.max_bytes)
        scan = ContentScan()
        for chunk in _chunks(source):
            scan.feed(chunk)
            if scan.size > self.max_bytes:  # the file grew after stat()
                raise AttachmentTooLarge(scan.size, self.max_bytes)
        if scan.size == 0:
            raise AttachmentRejected("application/x-empty")
        sha, mime = scan.finish()
        if mime not in ALLOWED_TYPES:
            raise AttachmentRejected(mime)
        return Inspected(sha256=sha, size=scan.size, mime=mime)

    def put(
        self, source: bytes | Path, *, filename: str | None, mime_hint: str | None
    ) -> StoredFile:
        """Check and write the file (once per content); blocking, so call it in a thread.

        `source` is the bytes or a file on disk (copied, or hard-linked when it is on the same
        disk). `mime_hint` is accepted for the adapters' convenience but never trusted.
        """
        return self.keep(source, self.inspect(source), filename=filename)

    def keep(
        self, source: bytes | Path, inspected: Inspected, *, filename: str | None
    ) -> StoredFile:
        """Write an inspected file into place unless its content is already there; blocking."""
        sha = inspected.sha256
        target = self.root / sha[:2] / sha
        if not target.exists():
            try:
                self._place(source, target)
            except OSError:
                self.write_failed()
                raise
        return StoredFile(
            sha256=sha,
            mime=inspected.mime,
            size=inspected.size,
            path=f"{sha[:2]}/{sha}",
            filename=safe_filename(filename, ALLOWED_TYPES[inspected.mime], sha),
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

    def remove(self, relative: str) -> None:
        """Delete a stored file (the caller checked nothing else refers to it); blocking."""
        self.full_path(relative).unlink(missing_ok=True)

    @contextlib.contextmanager
    def incoming(self) -> Iterator[IncomingFile]:
        """A file to stream an upload into, deleted when the block ends (what the store keeps
        of it is its own copy or link)."""
        folder = self.root / INCOMING_DIR
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=folder, prefix="upload-")
        except OSError:
            self.write_failed()
            raise
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as handle:
                yield IncomingFile(path, handle, self)
        finally:
            path.unlink(missing_ok=True)

    def clean_incoming(self, *, older_than: float) -> int:
        """Delete files left in the incoming folder by a crash (older than `older_than`
        seconds, far longer than any upload takes); how many. Blocking."""
        folder = self.root / INCOMING_DIR
        cutoff = time.time() - older_than
        removed = 0
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(folder):
                with contextlib.suppress(FileNotFoundError):
                    if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
                        removed += 1
        return removed

    def _place(self, source: bytes | Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, bytes):
            _write_atomically(target, source, self.root / INCOMING_DIR)
            return
        folder = self.root / INCOMING_DIR
        folder.mkdir(parents=True, exist_ok=True)
        draft = folder / f"{target.name}.{os.getpid()}.{time.monotonic_ns()}"
        try:
            try:
                # The upload already sits on this disk: a link publishes it without a copy.
                os.link(source, draft)
            except OSError:
                shutil.copyfile(source, draft)
            os.replace(draft, target)
        finally:
            draft.unlink(missing_ok=True)

    # --- the disk's health ----------------------------------------------------------------

    def write_failed(self) -> None:
        """Remember that a write under the store failed (reported by `health` for a while)."""
        self._write_failed_at = time.monotonic()
        log.warning("a write under the attachment store failed (disk full or read-only?)")

    def free_bytes(self) -> int:
        """Free space on the disk holding the store (its nearest existing folder)."""
        path = self.root.absolute()
        while not path.exists() and path != path.parent:
            path = path.parent
        return shutil.disk_usage(path).free

    def has_room(self, size: int) -> bool:
        """True when `size` more bytes still leave the configured free space."""
        try:
            return self.free_bytes() - size >= self.min_free_bytes
        except OSError:
            return False

    def health(self) -> str | None:
        """None when the store's disk is fine, else what is wrong (for /healthz).

        Logs a WARNING when it turns unhealthy, and again every few minutes while it stays so.
        """
        problem = self._problem()
        now = time.monotonic()
        if problem is None:
            if self._warned is not None:
                log.info("attachment storage is healthy again")
            self._warned = None
        elif (
            self._warned is None
            or self._warned[0] != problem
            or now - self._warned[1] >= WARNING_INTERVAL
        ):
            log.warning("attachment storage unhealthy: %s", problem)
            self._warned = (problem, now)
        return problem

    def _problem(self) -> str | None:
        failed = self._write_failed_at
        if failed is not None and time.monotonic() - failed < WRITE_FAILURE_WINDOW:
            return "write failed"
        try:
            free = self.free_bytes()
        except OSError:
            return "unreadable"
        if free < self.min_free_bytes:
            return "low on space"
        return None


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


def _still_text(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool) -> bool:
    """Feed `_looks_like_text`'s test one chunk at a time."""
    try:
        text = decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return _BINARY_CONTROLS.search(text) is None


def _chunks(source: bytes | Path) -> Iterator[bytes]:
    if isinstance(source, bytes):
        yield source
        return
    with source.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            yield chunk


def _write_atomically(target: Path, data: bytes, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="write-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
