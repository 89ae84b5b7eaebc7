"""Files are judged by their content, capped in size, stored once and linked to tickets."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import repositories as repo
from storage.attachments import (
    AttachmentRejected,
    AttachmentStore,
    AttachmentTooLarge,
    safe_filename,
    sniff_mime,
)
from storage.db import Database

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    + b"\x00" * 64
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("virus.exe", EXE)
    return buffer.getvalue()


async def _save(
    db: Database, store: AttachmentStore, data: bytes, filename: str | None, mime_hint: str | None
) -> repo.AttachmentRecord:
    async with db.transaction() as conn:
        return await repo.save_attachment(
            conn,
            store=store,
            data=data,
            filename=filename,
            mime_hint=mime_hint,
            channel="telegram",
            chat_id="c1",
            at=T0,
        )


async def test_a_picture_named_like_a_pdf_is_stored_as_a_picture(
    db: Database, attachment_store: AttachmentStore
) -> None:
    record = await _save(db, attachment_store, PNG, "surat_permohonan.pdf", "application/pdf")
    assert record.mime == "image/png"
    assert record.filename == "surat_permohonan.png"
    async with db.transaction() as conn:
        assert await repo.get_attachment(conn, id=record.id) == record


async def test_the_checksum_and_size_of_the_stored_bytes_are_recorded(
    db: Database, attachment_store: AttachmentStore
) -> None:
    record = await _save(db, attachment_store, PDF, "surat.pdf", None)
    assert record.sha256 == hashlib.sha256(PDF).hexdigest()
    assert record.size == len(PDF)
    assert record.ticket_id is None and record.created_at == T0
    assert attachment_store.read(record.path) == PDF
    assert not record.path.startswith("/")


async def test_the_same_file_sent_twice_is_kept_on_disk_once(
    db: Database, attachment_store: AttachmentStore
) -> None:
    first = await _save(db, attachment_store, PDF, "a.pdf", None)
    second = await _save(db, attachment_store, PDF, "b.pdf", None)
    assert first.id != second.id and first.path == second.path
    stored = [p for p in attachment_store.root.rglob("*") if p.is_file()]
    assert len(stored) == 1


async def test_a_file_over_the_limit_is_refused_and_not_written(
    db: Database, tmp_path: Path
) -> None:
    store = AttachmentStore(tmp_path / "att", max_bytes=1000)
    with pytest.raises(AttachmentTooLarge) as caught:
        await _save(db, store, PDF + b"\x00" * 1000, "besar.pdf", "application/pdf")
    assert caught.value.max_bytes == 1000
    assert not store.root.exists() or not any(store.root.rglob("*"))
    async with db.transaction() as conn:
        assert await repo.get_attachment(conn, id=1) is None


@pytest.mark.parametrize(
    ("data", "filename"),
    [(EXE, "surat.pdf"), (_zip(), "berkas.docx"), (b"\x00\x01\x02\x03garbage\xff\xfe", "data.txt")],
)
async def test_a_file_that_is_not_a_document_or_picture_is_refused(
    db: Database, attachment_store: AttachmentStore, data: bytes, filename: str
) -> None:
    with pytest.raises(AttachmentRejected):
        await _save(db, attachment_store, data, filename, "application/pdf")
    async with db.transaction() as conn:
        assert await repo.get_attachment(conn, id=1) is None


def test_documents_and_pictures_are_recognised_by_content() -> None:
    assert sniff_mime(PDF) == "application/pdf"
    assert sniff_mime(JPEG) == "image/jpeg"
    assert sniff_mime(_docx()) == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert sniff_mime("Nomor surat: 123\nPerihal: café\n".encode()) == "text/plain"
    assert sniff_mime(b"\x00\x01\x02") == "application/octet-stream"


def test_an_empty_file_is_refused(attachment_store: AttachmentStore) -> None:
    with pytest.raises(AttachmentRejected):
        attachment_store.check(b"")


def test_a_display_name_never_carries_a_path_or_a_misleading_extension() -> None:
    sha = "ab" * 32
    assert safe_filename("../../etc/passwd.pdf", "png", sha) == "passwd.png"
    assert safe_filename("C:\\Users\\budi\\KTP scan.JPG", "jpg", sha) == "KTP scan.jpg"
    assert safe_filename(None, "pdf", sha) == "lampiran-abababab.pdf"
    assert safe_filename("...", "pdf", sha) == "lampiran-abababab.pdf"


def test_a_stored_path_cannot_escape_the_store(attachment_store: AttachmentStore) -> None:
    with pytest.raises(ValueError):
        attachment_store.full_path("../secrets")
    with pytest.raises(ValueError):
        attachment_store.full_path("/etc/passwd")


async def test_files_are_linked_to_the_ticket_they_were_sent_for(
    db: Database, attachment_store: AttachmentStore
) -> None:
    pdf = await _save(db, attachment_store, PDF, "surat.pdf", None)
    png = await _save(db, attachment_store, PNG, "ktp.png", None)
    async with db.transaction() as conn:
        requester_id = await repo.get_or_create_requester(
            conn, channel="telegram", external_id="u1", display_name=None, at=T0
        )
        ticket = await repo.create_ticket(
            conn,
            agency="babel",
            prefix="BABEL",
            year=2026,
            service="hosting",
            product=None,
            requester_id=requester_id,
            channel="telegram",
            chat_id="c1",
            fields={},
            requirements={"surat": {"attachment_id": pdf.id}},
            created_at=T0,
            start_at=T0,
            target_at=None,
            due_at=T0 + timedelta(days=3),
            step=None,
            assigned_role=None,
            step_due_at=None,
        )
        await repo.link_attachments(conn, ids=[pdf.id], ticket_id=ticket.id)
        linked = await repo.get_attachment(conn, id=pdf.id)
        unlinked = await repo.get_attachment(conn, id=png.id)
    assert linked is not None and linked.ticket_id == ticket.id
    assert unlinked is not None and unlinked.ticket_id is None
