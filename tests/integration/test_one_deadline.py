"""One deadline, the published one: with the clock frozen, every service and product of every
catalog tells the same due moment in the review, the confirmation, /status, the officers' notice
of the new ticket and the Berita Acara, and it is what `servicedesk sla due` prints."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.engine import DialogEngine, HandleResult
from bot.labels import format_moment
from core.catalog.loader import available_agencies, load_catalog
from core.catalog.schema import FieldType, Service
from locales import translator
from storage import repositories as repo
from storage.db import Database
from tests.support.dialog import ANSWERS, NOW, PDF, Chat, add_officer, conversation, make_engine
from tests.support.pdf import all_text


def products_of(service: Service) -> list[str | None]:
    """The service's products, or the service alone when it has none."""
    return [p.code for p in service.products] or [None]


CASES = [
    (agency, service.code, product)
    for agency in available_agencies()
    for service in load_catalog(agency).services
    for product in products_of(service)
]
BERITA_ACARA_ANSWERS = ["Kabel diganti", "Kabel putus", "Tidak ada", "Ruang server", "Petugas"]


def published_due(agency: str, service: str, product: str | None, at: datetime) -> datetime:
    """What `servicedesk sla due --json` prints as the due for this request at `at`."""
    args = ["sla", "due", "--agency", agency, "--service", service, "--at", at.isoformat()]
    if product is not None:
        args += ["--product", product]
    run = CliRunner().invoke(app, [*args, "--json"])
    assert run.exit_code == 0, run.output
    return datetime.fromisoformat(json.loads(run.output)["due"])


def last_text(result: HandleResult) -> str:
    return "\n".join(reply.text for reply in result.replies)


async def fill_to_summary(
    chat: Chat, engine: DialogEngine, service: str, product: str | None
) -> str:
    """Choose the service (and product), answer every question; the summary's text."""
    result = await chat.tap(f"svc:{service}")
    found = engine.catalog.service(service)
    assert found is not None
    for _ in range(40):
        state = await conversation(engine.db, f"chat-{chat.user}")
        if state["state"] == "confirm":
            return last_text(result)
        if state["state"] == "choose_product":
            result = await chat.tap(f"prd:{product}")
        elif state["state"] == "ask_field":
            field = next(f for f in found.fields_for(product) if f.code == state["data"]["field"])
            if field.type is FieldType.CHOICE:
                result = await chat.tap(f"fld:{field.choices[0].code}")
            else:
                result = await chat.say(ANSWERS[field.type])
        elif state["state"] == "ask_document":
            result = await chat.send_file(PDF)
        else:
            raise AssertionError(state["state"])
    raise AssertionError("never reached the summary")


async def notices_to(db: Database, recipient: str) -> list[str]:
    async with db.transaction() as conn:
        rows = await repo.recent_outbox_payloads(
            conn, channel="test", recipient=recipient, limit=50
        )
    return [str(payload["text"]) for payload in rows]


@pytest.mark.parametrize(("agency", "service", "product"), CASES)
async def test_every_surface_tells_the_published_due(
    sqlite_db: Database, tmp_path: Path, agency: str, service: str, product: str | None
) -> None:
    engine = make_engine(sqlite_db, tmp_path, agency)
    zone = engine.catalog.agency.timezone
    due = format_moment(published_due(agency, service, product, NOW), zone, translator("id"))
    coordinator = Chat(engine, "koor")
    await add_officer(sqlite_db, coordinator, name="Koordinator", roles=["coordinator"])
    requester = Chat(engine, "warga")

    review = await fill_to_summary(requester, engine, service, product)
    assert f"perkiraan paling lambat {due})" in review

    confirmation = last_text(await requester.tap("sum:send"))
    assert f"Batas waktu penyelesaian: {due}." in confirmation
    found = re.search(r"nomor tiket (\S+)\.", confirmation)
    assert found is not None
    ref = found[1]
    assert f"Batas waktu penyelesaian: {due}." in last_text(await requester.say(f"/status {ref}"))

    # Nobody holds the first step's role here, so the coordinator hears of the new ticket.
    (notice,) = [t for t in await notices_to(sqlite_db, "koor") if t.startswith("Tiket baru")]
    assert f"Batas penyelesaian: {due}." in notice

    # The coordinator takes the ticket through its procedure and closes it.
    procedure = engine.catalog.service(service)
    assert procedure is not None
    for _ in range(len(procedure.procedure) - 1):
        await coordinator.say(f"/disposisi {ref}")
    await coordinator.say(f"/selesai {ref}")
    for answer in BERITA_ACARA_ANSWERS:
        await coordinator.say(answer)
    closed = await coordinator.tap("of:ba:send")
    (pdf,) = [r.document for r in closed.replies if r.document is not None]
    assert f"Batas waktu : {due}" in all_text(pdf.data)


async def test_a_full_day_moves_the_start_to_the_next_working_day_and_says_why(
    sqlite_db: Database, tmp_path: Path
) -> None:
    base = make_engine(sqlite_db, tmp_path, "kalbar")
    email = base.catalog.service("email")
    assert email is not None
    limited = email.model_copy(update={"daily_capacity": 1})
    services = [limited if s.code == "email" else s for s in base.catalog.services]
    catalog = base.catalog.model_copy(update={"services": services})
    engine = DialogEngine(db=sqlite_db, settings=base.settings, clock=lambda: NOW, catalog=catalog)
    zone = catalog.agency.timezone

    first = Chat(engine, "pertama")
    await fill_to_summary(first, engine, "email", None)
    assert "nomor tiket" in last_text(await first.tap("sum:send"))

    second = Chat(engine, "kedua")
    review = await fill_to_summary(second, engine, "email", None)
    # Monday is full: the request starts Tuesday 07:30 and is due a working day later.
    tuesday = format_moment(
        published_due("kalbar", "email", None, NOW.replace(day=24, hour=0, minute=30)),
        zone,
        translator("id"),
    )
    assert f"perkiraan paling lambat {tuesday})" in review
    confirmation = last_text(await second.tap("sum:send"))
    assert "sudah penuh" in confirmation
    assert f"Batas waktu penyelesaian: {tuesday}." in confirmation
