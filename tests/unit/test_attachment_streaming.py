"""A file judged while it streams in, chunk by chunk, is judged exactly like the whole file, and
a file on disk is stored like its bytes: so uploads need not be held in memory."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from storage.attachments import SNIFF_BYTES, AttachmentStore, ContentScan, sniff_mime

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64

contents = st.one_of(
    st.binary(max_size=3 * SNIFF_BYTES),
    st.text(max_size=4000).map(lambda t: t.encode("utf-8")),
    st.tuples(st.sampled_from([PDF, PNG, EXE, b"\xef\xbb\xbf"]), st.binary(max_size=20_000)).map(
        lambda parts: parts[0] + parts[1]
    ),
)


@given(data=contents, cuts=st.lists(st.integers(min_value=0, max_value=60_000), max_size=8))
def test_a_file_fed_in_pieces_is_judged_like_the_whole_file(data: bytes, cuts: list[int]) -> None:
    scan = ContentScan()
    edges = [0, *sorted(c for c in cuts if c < len(data)), len(data)]
    for start, end in itertools.pairwise(edges):
        scan.feed(data[start:end])

    sha, mime = scan.finish()

    assert mime == sniff_mime(data)
    assert scan.size == len(data)
    assert sha == hashlib.sha256(data).hexdigest()


def test_a_file_on_disk_is_stored_like_its_bytes_and_outlives_the_upload(tmp_path: Path) -> None:
    store = AttachmentStore(tmp_path / "attachments", max_bytes=1_000_000)
    upload = tmp_path / "upload.pdf"
    upload.write_bytes(PDF)

    from_disk = store.put(upload, filename="surat.pdf", mime_hint=None)
    upload.unlink()  # the web upload's temporary file goes once the message is handled

    assert from_disk == AttachmentStore(tmp_path / "other", 1_000_000).put(
        PDF, filename="surat.pdf", mime_hint=None
    )
    assert store.read(from_disk.path) == PDF


def test_an_incoming_file_stops_keeping_bytes_once_its_type_is_refused(tmp_path: Path) -> None:
    store = AttachmentStore(tmp_path / "attachments", max_bytes=10_000_000)
    program = EXE + b"\x00" * 1_000_000

    with store.incoming() as incoming:
        for start in range(0, len(program), SNIFF_BYTES):
            incoming.write(program[start : start + SNIFF_BYTES])
        incoming.finish()
        kept = incoming.path.stat().st_size

        assert incoming.refused
        assert incoming.size == len(program)
        assert kept <= SNIFF_BYTES
    assert not incoming.path.exists()
