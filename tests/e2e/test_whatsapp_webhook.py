"""WhatsApp end to end: real-shaped, signed webhooks into the real app (engine, pipeline,
database), replies read back from the fake Graph API on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from bot.messages import Choice, Outbound
from bot.notify import invite_to_survey
from locales import translator
from storage import repositories as repo
from storage.db import Database
from storage.models import attachments, inbox, outbox, tickets
from tests.fakes.graph_api import (
    CONTACT,
    VERIFY_TOKEN,
    Clock,
    FakeGraphApi,
    WhatsAppApp,
    choice_ids,
    document_message,
    image_message,
    messages_value,
    new_wamid,
    readable_text,
    reply_message,
    running_whatsapp_app,
    status,
    statuses_value,
    sticker_message,
    text_message,
    webhook,
    whatsapp_settings,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
ANSWERS = {
    "opd": "Dinas Komunikasi dan Informatika",
    "penanggung_jawab": "Budi Santoso",
    "nip": "NIP 19850101 201001 1 003",
    "kontak": "081234567890",
    "lokasi": "Kantor Bupati, Lantai 2",
    "uraian": "Jaringan intra di ruang rapat putus sejak pagi.",
    "dampak": "seluruh kantor",
}


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as fake:
        yield fake


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def wa(
    graph: FakeGraphApi, sqlite_db: Database, tmp_path: Path, clock: Clock
) -> AsyncIterator[WhatsAppApp]:
    settings = whatsapp_settings(graph, tmp_path)
    async with running_whatsapp_app(graph, settings, db=sqlite_db, clock=clock) as app:
        yield app


@pytest.fixture
async def wa_on_each_backend(
    graph: FakeGraphApi, db: Database, tmp_path: Path, clock: Clock
) -> AsyncIterator[WhatsAppApp]:
    """The app on SQLite and on PostgreSQL (for the tests where concurrency matters)."""
    settings = whatsapp_settings(graph, tmp_path)
    async with running_whatsapp_app(graph, settings, db=db, clock=clock) as app:
        yield app


async def conversation_state(wa: WhatsAppApp) -> tuple[str, dict[str, Any]]:
    async with wa.runtime.db.transaction() as conn:
        record = await repo.load_conversation(conn, channel="whatsapp", chat_id=CONTACT)
    assert record is not None
    return record.state, record.data


def tappable(sent: list[dict[str, Any]]) -> list[str]:
    """The choice ids the contact can tap in the last interactive message received."""
    interactive = [m for m in sent if m["type"] == "interactive"]
    return choice_ids(interactive[-1]) if interactive else []


async def tap_shown(
    wa: WhatsAppApp, sent: list[dict[str, Any]], wanted: str
) -> list[dict[str, Any]]:
    """Tap `wanted` as the contact would: only if it is on screen, paging with "Lainnya…"."""
    ids = tappable(sent)
    while wanted not in ids:
        more = [i for i in ids if i.startswith("wa:more:")]
        assert more, f"{wanted} is not offered: {ids}"
        sent = await wa.tap(more[0], as_list=True)
        ids = tappable(sent)
    return await wa.tap(wanted, as_list=len(ids) > 3)


async def walk_to_summary(wa: WhatsAppApp, graph: FakeGraphApi) -> list[dict[str, Any]]:
    """Ask for a network repair and answer every question until the summary is shown."""
    sent = await wa.say("jaringan intranet di kantor kami putus, mohon perbaikan")
    for _ in range(20):
        state, data = await conversation_state(wa)
        if state == "confirm":
            return sent
        if state in ("confirm_service", "choose_service"):
            sent = await tap_shown(wa, sent, "svc:jaringan-intra")
        elif state == "choose_product":
            sent = await tap_shown(wa, sent, "prd:perbaikan")
        elif state == "ask_field":
            sent = await wa.say(ANSWERS[data["field"]])
        elif state == "ask_document":
            graph.add_media("MEDIA-SURAT", PDF, "application/pdf")
            sent = await wa.deliver(document_message("MEDIA-SURAT", "surat-permohonan.pdf"))
        else:
            raise AssertionError(f"unexpected state {state}")
        assert sent, f"no reply in state {state}"
    raise AssertionError("the dialog never reached the summary")


# ------------------------------------------------------------------ subscription handshake


async def test_meta_subscription_handshake_echoes_the_challenge(wa: WhatsAppApp) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    response = await wa.client.get("/webhook/whatsapp", params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
async def test_a_handshake_without_the_right_token_and_mode_is_forbidden(
    wa: WhatsAppApp, params: dict[str, str]
) -> None:
    response = await wa.client.get("/webhook/whatsapp", params=params)
    assert response.status_code == 403
    assert "1" not in response.text


async def test_the_default_server_offers_the_whatsapp_webhook(
    graph: FakeGraphApi, sqlite_db: Database, tmp_path: Path
) -> None:
    from bot.server import create_app

    app = create_app(whatsapp_settings(graph, tmp_path), db=sqlite_db, jobs=[])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
            params = {
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN,
                "hub.challenge": "7",
            }
            response = await client.get("/webhook/whatsapp", params=params)
    assert (response.status_code, response.text) == (200, "7")


# ------------------------------------------------------------------ authenticity and size


@pytest.mark.parametrize("forgery", ["unsigned", "wrong secret", "garbage header", "tampered"])
async def test_forged_or_unsigned_webhooks_change_nothing(
    wa: WhatsAppApp, graph: FakeGraphApi, forgery: str
) -> None:
    body = webhook(messages_value(text_message("halo")))
    if forgery == "unsigned":
        response = await wa.post(body, secret=None)
    elif forgery == "wrong secret":
        response = await wa.post(body, secret="not-the-app-secret")
    elif forgery == "garbage header":
        response = await wa.post(body, signature="sha256=" + "0" * 64)
    else:
        from tests.fakes.graph_api import meta_signature

        genuine = meta_signature(b'{"object":"whatsapp_business_account","entry":[]}')
        response = await wa.post(body, signature=genuine)
    assert response.status_code == 403
    assert await wa.count(inbox) == 0
    assert graph.sent() == []


async def test_an_oversized_body_is_refused_with_413(wa: WhatsAppApp) -> None:
    padding = "x" * (1024 * 1024)
    body = webhook(messages_value(text_message(padding)))
    response = await wa.post(body)
    assert response.status_code == 413
    assert await wa.count(inbox) == 0


async def test_an_oversized_body_without_content_length_is_cut_off_with_413(
    wa: WhatsAppApp,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 64 * 1024

    response = await wa.client.post(
        "/webhook/whatsapp",
        content=chunks(),
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=00"},
    )
    assert response.status_code == 413


# ------------------------------------------------------------------ messages


async def test_a_text_message_gets_a_reply_from_the_dialog(wa: WhatsAppApp) -> None:
    sent = await wa.say("halo")
    assert sent, "the bot answered nothing"
    assert all(m["to"] == CONTACT and m["messaging_product"] == "whatsapp" for m in sent)
    assert "Bapak/Ibu" in " ".join(readable_text(m) for m in sent)
    assert await wa.count(inbox) == 1


async def test_a_contact_files_a_full_ticket_over_whatsapp(
    wa: WhatsAppApp, graph: FakeGraphApi
) -> None:
    summary = await walk_to_summary(wa, graph)
    assert "sum:send" in tappable(summary)
    shown = " ".join(readable_text(m) for m in summary)
    assert "Budi Santoso" in shown and "surat-permohonan.pdf" in shown

    confirmation = await wa.tap("sum:send")

    async with wa.runtime.db.transaction() as conn:
        (ticket,) = (await conn.execute(select(tickets))).mappings().all()
        stored = (await conn.execute(select(attachments))).mappings().all()
    assert (ticket["service"], ticket["product"]) == ("jaringan-intra", "perbaikan")
    assert (ticket["channel"], ticket["chat_id"]) == ("whatsapp", CONTACT)
    assert ticket["fields"]["penanggung_jawab"] == "Budi Santoso"
    assert ticket["fields"]["kontak"]
    assert [a["ticket_id"] for a in stored] == [ticket["id"]]
    assert stored[0]["mime"] == "application/pdf"
    assert ticket["ref"] in " ".join(readable_text(m) for m in confirmation)
    # The PDF was fetched through the Graph media endpoint with the bearer token.
    assert [c.path for c in graph.calls_to("MEDIA-SURAT")] == [
        "/v21.0/MEDIA-SURAT",
        "/download/MEDIA-SURAT",
    ]


async def test_the_same_message_delivered_three_times_makes_one_ticket(
    wa_on_each_backend: WhatsAppApp, graph: FakeGraphApi
) -> None:
    wa = wa_on_each_backend
    await walk_to_summary(wa, graph)
    send = reply_message("sum:send", "Kirim")
    before = len(graph.sent_to(CONTACT))
    body = webhook(messages_value(send))
    responses = await asyncio.gather(*(wa.post(body) for _ in range(3)))
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert await wa.count(tickets) == 1
    confirmations = [m for m in graph.sent_to(CONTACT)[before:] if "tiket" in readable_text(m)]
    assert len(confirmations) == 1


async def test_an_image_is_downloaded_and_kept_as_the_requested_document(
    wa: WhatsAppApp, graph: FakeGraphApi
) -> None:
    await wa.say("jaringan intranet di kantor kami putus, mohon perbaikan")
    for _ in range(15):
        state, data = await conversation_state(wa)
        if state == "ask_document":
            break
        if state in ("confirm_service", "choose_service"):
            await wa.tap("svc:jaringan-intra")
        elif state == "choose_product":
            await wa.tap("prd:perbaikan", as_list=True)
        else:
            await wa.say(ANSWERS[data["field"]])
    graph.add_media("MEDIA-FOTO", JPEG, "image/jpeg")
    await wa.deliver(image_message("MEDIA-FOTO"))
    async with wa.runtime.db.transaction() as conn:
        (stored,) = (await conn.execute(select(attachments))).mappings().all()
    assert (stored["mime"], stored["size"]) == ("image/jpeg", len(JPEG))


async def test_a_file_over_the_size_limit_is_politely_refused(
    wa: WhatsAppApp, graph: FakeGraphApi
) -> None:
    graph.add_media("HUGE", b"%PDF-1.4" + b"0" * 300_000, announce_size=False, content_length=False)
    sent = await wa.deliver(document_message("HUGE", "besar.pdf"))
    (reply,) = sent
    assert "terlalu besar" in readable_text(reply)
    assert "0,1 MB" in readable_text(reply)  # the 200 000-byte limit, rounded down
    assert await wa.count(attachments) == 0


async def test_a_sticker_gets_a_polite_not_supported_reply_once(wa: WhatsAppApp) -> None:
    sticker = sticker_message()
    first = await wa.deliver(sticker)
    again = await wa.deliver(sticker)
    (reply,) = first
    assert "belum dapat kami proses" in readable_text(reply)
    assert again == []
    assert await wa.count(inbox) == 1


async def test_one_post_with_several_entries_and_messages_is_handled_in_order(
    wa: WhatsAppApp, graph: FakeGraphApi
) -> None:
    other = "6289876543210"
    body = webhook(
        statuses_value(status("wamid.OUT-1", "sent")),
        messages_value(text_message("halo"), text_message("/bantuan")),
        messages_value(text_message("halo juga", sender=other)),
    )
    body["entry"].append(
        {"id": "2", "changes": [{"field": "messages", "value": messages_value(sticker_message())}]}
    )
    response = await wa.post(body)
    assert response.status_code == 200
    assert await wa.count(inbox) == 4
    assert graph.sent_to(other), "the second contact got no reply"
    to_contact = graph.sent_to(CONTACT)
    assert "belum dapat kami proses" in readable_text(to_contact[-1])


async def test_statuses_are_accepted_even_before_the_message_they_name(
    wa: WhatsAppApp, graph: FakeGraphApi
) -> None:
    wamid = new_wamid()
    early = webhook(statuses_value(status(wamid, "read"), status(wamid, "failed", errors=[131047])))
    assert (await wa.post(early)).status_code == 200
    assert await wa.count(inbox) == 0
    sent = await wa.deliver(text_message("halo", wamid=wamid))
    assert sent, "the message was swallowed by its earlier status"
    same_post = webhook(
        statuses_value(status(new_wamid(), "delivered")), messages_value(text_message("halo lagi"))
    )
    assert (await wa.post(same_post)).status_code == 200
    assert await wa.count(inbox) == 2


async def test_authentic_but_unusable_payloads_are_acknowledged_and_change_nothing(
    wa: WhatsAppApp,
) -> None:
    for body in (
        b"not json at all",
        b"[1, 2, 3]",
        b"[" * 100_000,  # nested deeper than the JSON parser's recursion limit
        webhook(messages_value({"id": "wamid.NOFROM", "type": "text", "text": {"body": "x"}})),
        webhook(messages_value(text_message("halo"), phone_number_id="999")),
        {"object": "page", "entry": [{"changes": [{"value": None}]}]},
    ):
        response = await wa.post(body)
        assert response.status_code == 200
        assert "Traceback" not in response.text
    assert await wa.count(inbox) == 0


async def test_a_failed_durable_write_asks_meta_to_redeliver(wa: WhatsAppApp) -> None:
    async with wa.runtime.db.transaction() as conn:
        await conn.execute(text("DROP TABLE inbox"))
    response = await wa.post(webhook(messages_value(text_message("halo"))))
    assert response.status_code == 503
    assert "Traceback" not in response.text


# ------------------------------------------------------------------ long lists


async def enqueue_and_send(wa: WhatsAppApp, message: Outbound, key: str) -> None:
    """Queue a message for the contact as the engine would, then let the sweep send it."""
    async with wa.runtime.db.transaction() as conn:
        await repo.enqueue(
            conn,
            key=key,
            channel="whatsapp",
            recipient=CONTACT,
            payload=message.to_payload(),
            at=wa.runtime.pipeline.clock(),
        )
    await wa.runtime.pipeline.sweep()


async def test_a_list_longer_than_ten_pages_on_with_a_more_row(
    wa_on_each_backend: WhatsAppApp, graph: FakeGraphApi
) -> None:
    wa = wa_on_each_backend
    await wa.say("halo")  # opens the 24-hour window
    services = tuple(Choice(f"svc:s{i:02d}", f"Layanan nomor {i}") for i in range(1, 26))
    await enqueue_and_send(wa, Outbound("Pilih layanan:", choices=services), "test:long-list")
    first = graph.sent_to(CONTACT)[-1]
    ids = choice_ids(first)
    assert ids[:9] == [c.data for c in services[:9]] and len(ids) == 10

    second = await wa.tap(ids[9], as_list=True)
    ids = tappable(second)
    assert ids[:9] == [c.data for c in services[9:18]] and ids[9].startswith("wa:more:")

    third = await wa.tap(ids[9], as_list=True)
    assert tappable(third) == [c.data for c in services[18:]]
    assert await wa.count(tickets) == 0


async def test_a_more_row_of_a_forgotten_list_is_answered_politely(wa: WhatsAppApp) -> None:
    (reply,) = await wa.tap("wa:more:0123456789abcdef", as_list=True)
    assert "sudah tidak berlaku" in readable_text(reply)


# ------------------------------------------------------------------ the 24-hour window


async def test_inside_the_window_replies_are_free_form_and_outside_a_template(
    wa: WhatsAppApp, graph: FakeGraphApi, clock: Clock
) -> None:
    replies = await wa.say("halo")
    assert replies and all(m["type"] != "template" for m in replies)

    clock.now += timedelta(hours=25)
    await enqueue_and_send(wa, Outbound("Tiket BABEL-2025-00001 sudah selesai."), "test:notify")
    notice = graph.sent_to(CONTACT)[-1]
    assert notice["type"] == "template"
    assert notice["template"]["name"] == "pemberitahuan_tiket"
    assert readable_text(notice) == "Tiket BABEL-2025-00001 sudah selesai."

    later = await wa.say("terima kasih")  # writing again reopens the window
    assert later and all(m["type"] != "template" for m in later)


async def test_outside_the_window_without_a_template_the_message_fails_with_a_reason(
    graph: FakeGraphApi, sqlite_db: Database, tmp_path: Path
) -> None:
    clock = Clock()
    settings = whatsapp_settings(graph, tmp_path, whatsapp_notification_template="")
    async with running_whatsapp_app(graph, settings, db=sqlite_db, clock=clock) as wa:
        await wa.say("halo")
        clock.now += timedelta(days=2)
        await enqueue_and_send(wa, Outbound("Tiket Bapak Budi selesai."), "test:late")
        async with wa.runtime.db.transaction() as conn:
            row = (
                (await conn.execute(select(outbox).where(outbox.c.key == "test:late")))
                .mappings()
                .one()
            )
    assert row["status"] == "failed"
    assert "WHATSAPP_NOTIFICATION_TEMPLATE" in row["last_error"]
    assert CONTACT not in row["last_error"] and "Budi" not in row["last_error"]
    assert graph.sent_to(CONTACT)[-1]["type"] != "template"


async def test_a_rate_limited_reply_waits_in_the_outbox_and_is_sent_later(
    wa: WhatsAppApp, graph: FakeGraphApi, clock: Clock
) -> None:
    graph.fail_next(429, code=130429, retry_after=30)
    assert await wa.say("halo") == []
    async with wa.runtime.db.transaction() as conn:
        (row,) = (await conn.execute(select(outbox))).mappings().all()
    assert row["status"] == "pending" and "retry after 30" in row["last_error"]
    clock.now += timedelta(seconds=31)
    await wa.runtime.pipeline.sweep()
    assert graph.sent_to(CONTACT), "the reply was never sent"


@pytest.mark.parametrize("typed", ["iya betul", "ya bener", "yoi", "ok gas"])
async def test_a_typed_yes_over_whatsapp_keeps_the_matched_service(
    wa: WhatsAppApp, typed: str
) -> None:
    await wa.say("jaringan intranet di kantor kami putus, mohon perbaikan")
    state, _ = await conversation_state(wa)
    assert state == "confirm_service"
    await wa.say(typed)
    state, data = await conversation_state(wa)
    assert data.get("service") == "jaringan-intra"
    assert state != "choose_service"


async def test_a_typed_phone_inside_a_sentence_over_whatsapp_is_taken(
    wa: WhatsAppApp, graph: FakeGraphApi
) -> None:
    await wa.say("jaringan intranet di kantor kami putus, mohon perbaikan")
    await wa.say("iya")
    for _ in range(10):
        _state, data = await conversation_state(wa)
        if data.get("field") == "kontak":
            break
        await wa.say(ANSWERS[data["field"]])
    await wa.say("nomor saya 0812-9988-7766 pak")
    _, data = await conversation_state(wa)
    assert data["answers"]["kontak"] == "+6281299887766"


async def test_a_survey_invitation_waits_for_the_window_and_comes_with_its_buttons(
    wa: WhatsAppApp, graph: FakeGraphApi, clock: Clock
) -> None:
    await tap_shown(wa, await walk_to_summary(wa, graph), "sum:send")
    clock.now += timedelta(days=3)  # finished long after the requester last wrote
    async with wa.runtime.db.transaction() as conn:
        (ticket,) = (await conn.execute(select(tickets))).mappings().all()
        record = await repo.get_ticket(conn, ref=ticket["ref"])
        assert record is not None
        desk = wa.runtime.engine.desk(clock.now)
        queued = await invite_to_survey(conn, desk=desk, ticket=record, t=translator("id"))
        survey = await repo.get_survey(conn, ticket_id=record.id)
    # A template would carry no buttons: nothing is sent while the window is closed.
    assert queued is None and survey is not None and survey.status == "deferred"

    sent = await wa.say("halo, terima kasih sudah diperbaiki")
    found = [m for m in sent if ticket["ref"] in readable_text(m)]
    assert found, [readable_text(m) for m in sent]
    invitation = found[0]
    assert invitation["type"] == "interactive"
    assert f"skm:go:{ticket['ref']}" in choice_ids(invitation)
    again = await wa.say("halo")
    assert not any(ticket["ref"] in readable_text(m) for m in again)  # invited once
