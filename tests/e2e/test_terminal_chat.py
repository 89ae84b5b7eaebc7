"""`servicedesk chat` driven by a script on stdin, as a person at a terminal would type it:
every service (and product) of every catalog ends in a ticket in the database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from core.catalog.loader import available_agencies, load_catalog
from core.catalog.schema import FieldSpec, FieldType, Service
from core.settings import get_settings
from core.sla.calendar import calendar_for
from core.workflow import published_times
from storage import repositories as repo
from storage.db import Database
from storage.models import tickets

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
RE_ASKED = (
    "belum benar",
    "belum bisa kami baca",
    "sudah tidak berlaku",
    "pilih salah satu tombol",
    "terjadi gangguan",
    "belum memerlukan berkas",
)


def cases() -> Iterator[Any]:
    for agency in available_agencies():
        for service in load_catalog(agency).services:
            products: list[str | None] = [p.code for p in service.products] or [None]
            for product in products:
                name = f"{agency}-{service.code}" + (f"-{product}" if product else "")
                yield pytest.param(agency, service.code, product, id=name)


def answer(spec: FieldSpec, today: date) -> str:
    """A valid answer for the field's type, typed as a person would."""
    later = (today + timedelta(days=30)).strftime("%d/%m/%Y")
    if spec.type is FieldType.CHOICE:
        return "1"  # the first button
    return {
        FieldType.TEXT: "Dinas Komunikasi dan Informatika",
        FieldType.LONG_TEXT: "Mohon bantuan untuk kebutuhan kantor kami",
        FieldType.DATE: later,
        FieldType.DATETIME: f"{later} 10.00",
        FieldType.EMAIL: "admin@contoh.go.id",
        FieldType.PHONE: "0812-3456-7890",
        FieldType.DOMAIN: "layanan.contoh.go.id",
        FieldType.NUMBER: "25",
        FieldType.NIP: "19850101 201001 1 003",
    }[spec.type]


def script(agency: str, service: Service, product: str | None, pdf: Path) -> str:
    catalog = load_catalog(agency)
    lines = ["/layanan", str(catalog.services.index(service) + 1)]
    if product is not None:
        lines.append(str([p.code for p in service.products].index(product) + 1))
    today = date.today()
    lines += [answer(spec, today) for spec in service.fields_for(product)]
    lines += [str(pdf) for _ in service.requirements]
    lines += ["1", "/status", "/keluar"]  # [Kirim], then the requester's ticket list
    return "\n".join(lines) + "\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AGENCY", raising=False)
    (tmp_path / "surat.pdf").write_bytes(PDF)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


async def filed(url: str) -> list[tuple[repo.TicketRecord, list[repo.EventRecord]]]:
    db = Database(url)
    try:
        async with db.transaction() as conn:
            refs = [row.ref for row in await conn.execute(select(tickets.c.ref))]
            found = []
            for ref in refs:
                ticket = await repo.get_ticket(conn, ref=ref)
                assert ticket is not None
                found.append((ticket, await repo.list_events(conn, ticket_id=ticket.id)))
            return found
    finally:
        await db.dispose()


@pytest.mark.parametrize(("agency", "service_code", "product"), list(cases()))
def test_a_scripted_terminal_chat_files_a_ticket(
    agency: str, service_code: str, product: str | None, workdir: Path
) -> None:
    catalog = load_catalog(agency)
    service = catalog.service(service_code)
    assert service is not None
    typed = script(agency, service, product, workdir / "surat.pdf")

    run = CliRunner().invoke(app, ["chat", "--agency", agency, "--user", "e2e"], input=typed)

    assert run.exit_code == 0, run.output
    for phrase in RE_ASKED:
        assert phrase not in run.output, run.output
    ((ticket, events),) = asyncio.run(filed(os.environ["DATABASE_URL"]))
    assert f"nomor tiket {ticket.ref}" in run.output
    assert (ticket.agency, ticket.service, ticket.product) == (agency, service_code, product)
    assert [e.kind for e in events] == ["created", "opened"]
    assert set(ticket.fields) == {f.code for f in service.fields_for(product)}
    expected = published_times(service, product, calendar_for(catalog.agency), ticket.created_at)
    assert ticket.due_at == expected.due
    assert ticket.target_at == expected.target
    # The /status line after filing lists the new ticket for this terminal user.
    assert run.output.count(ticket.ref) >= 3


def test_the_chat_runs_as_a_process_reading_piped_input(workdir: Path) -> None:
    catalog = load_catalog("purbalingga")
    service = catalog.services[0]
    typed = script("purbalingga", service, "gangguan", workdir / "surat.pdf").replace(
        "/keluar\n", ""
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", "from bot.cli import app; app()", "chat", "--agency", "purbalingga"],
        input=typed,
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "> " not in done.stdout  # no prompt noise when stdin is not a terminal
    assert "1) Internet & Jaringan" in done.stdout
    assert "nomor tiket PURBALINGGA-" in done.stdout
    ((ticket, _events),) = asyncio.run(filed(os.environ["DATABASE_URL"]))
    assert ticket.service == service.code


def test_an_unknown_agency_is_refused_with_the_known_ones(workdir: Path) -> None:
    run = CliRunner().invoke(app, ["chat", "--agency", "atlantis"], input="")
    assert run.exit_code == 2
    assert "atlantis" in run.output and "kalbar" in run.output


def test_a_typed_path_to_a_missing_file_is_answered_file_not_found(workdir: Path) -> None:
    typed = "/tmp/tidak-ada/surat.pdf\n/bantuan\n/keluar\n"
    run = CliRunner().invoke(app, ["chat", "--agency", "kalbar", "--user", "e2e"], input=typed)
    assert run.exit_code == 0, run.output
    assert "Berkas tidak ditemukan: /tmp/tidak-ada/surat.pdf" in run.output
    assert "tidak kami kenal" not in run.output
    assert "/layanan" in run.output  # the command after it still works


@pytest.mark.parametrize(
    ("yes", "thanks", "nip", "phone", "stored_nip"),
    [
        (
            "iya betul",
            "makasih pak",
            "NIP saya 19850101 201001 1 003",
            "nomor saya 0812-9988-7766 pak",
            "198501012010011003",
        ),
        ("yes please", "thank you", "not applicable", "my number is +62 812 9988 7766", None),
    ],
    ids=["indonesian", "english"],
)
def test_answers_typed_as_people_type_them_file_a_terminal_request(
    workdir: Path, yes: str, thanks: str, nip: str, phone: str, stored_nip: str | None
) -> None:
    typed = "\n".join(
        [
            "internet di kantor kami mati sejak pagi",
            yes,  # the matched service, confirmed in words
            "1",  # perbaikan
            "Dinas Pendidikan",
            thanks,  # answered "sama-sama", and the question stays
            "Budi Santoso",
            nip,
            phone,
            "Gedung A lantai 2",
            "ya",  # what the first message said is the description
            "1",  # the impact
            str(workdir / "surat.pdf"),
            "ok kirim",
            "/keluar",
        ]
    )
    run = CliRunner().invoke(
        app, ["chat", "--agency", "babel", "--user", "e2e"], input=typed + "\n"
    )

    assert run.exit_code == 0, run.output
    assert "Sama-sama" in run.output
    ((ticket, _),) = asyncio.run(filed(os.environ["DATABASE_URL"]))
    assert (ticket.service, ticket.product) == ("jaringan-intra", "perbaikan")
    assert ticket.fields["nip"] == stored_nip
    assert ticket.fields["kontak"] == "+6281299887766"
    assert ticket.fields["uraian"].startswith("internet di kantor kami mati sejak pagi")


async def _finish_and_invite(url: str) -> int:
    """Mark the only ticket finished and invite its requester (as /selesai does)."""
    ((ticket, _),) = await filed(url)
    db = Database(url)
    try:
        async with db.transaction() as conn:
            await conn.execute(
                tickets.update().where(tickets.c.id == ticket.id).values(status="selesai")
            )
            await repo.invite_survey(
                conn,
                ticket_id=ticket.id,
                requester_id=ticket.requester_id,
                agency=ticket.agency,
                service=ticket.service,
                at=ticket.created_at,
            )
            return ticket.id
    finally:
        await db.dispose()


async def _survey(url: str, ticket_id: int) -> repo.SurveyRecord | None:
    db = Database(url)
    try:
        async with db.transaction() as conn:
            return await repo.get_survey(conn, ticket_id=ticket_id)
    finally:
        await db.dispose()


def test_the_survey_is_answered_by_number_in_the_terminal(workdir: Path) -> None:
    catalog = load_catalog("kalbar")
    service = catalog.service("hosting")
    assert service is not None
    typed = script("kalbar", service, None, workdir / "surat.pdf")
    first = CliRunner().invoke(app, ["chat", "--agency", "kalbar", "--user", "e2e"], input=typed)
    assert first.exit_code == 0, first.output
    url = os.environ["DATABASE_URL"]
    ticket_id = asyncio.run(_finish_and_invite(url))

    # 4, 3, then 5 (the fifth choice, "Lewati") for biaya, 4 for the rest; no comment, no profile.
    answers = ["/survei", "4", "3", "5", *["4"] * 6, "lewati", "lewati", "/keluar"]
    run = CliRunner().invoke(
        app, ["chat", "--agency", "kalbar", "--user", "e2e"], input="\n".join(answers) + "\n"
    )

    assert run.exit_code == 0, run.output
    assert "Pertanyaan 1 dari 9" in run.output
    assert "4) Sangat sesuai" in run.output and "5) Lewati" in run.output
    survey = asyncio.run(_survey(url, ticket_id))
    assert survey is not None and survey.status == "answered"
    assert survey.answers == (4, 3, None, 4, 4, 4, 4, 4, 4)
