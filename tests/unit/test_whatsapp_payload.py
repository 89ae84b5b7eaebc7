"""Reading Meta's webhook JSON: every message and status, in order, whatever else is in it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.whatsapp.payload import WaMessage, WaStatus, parse_batch


def change(messages: list[Any] | None = None, statuses: list[Any] | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100000000", "phone_number_id": "1000100"},
    }
    if messages is not None:
        value["contacts"] = [{"profile": {"name": "Budi Santoso"}, "wa_id": "6281234567890"}]
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {"value": value, "field": "messages"}


def body(*changes: dict[str, Any], entries: int = 1) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": f"WABA{i}", "changes": list(changes)} for i in range(entries)],
    }


def text_message(wamid: str, text: str = "halo") -> dict[str, Any]:
    return {
        "from": "6281234567890",
        "id": wamid,
        "timestamp": "1735689600",
        "type": "text",
        "text": {"body": text},
    }


def test_a_text_message_keeps_its_sender_id_name_text_and_time() -> None:
    batch = parse_batch(body(change([text_message("wamid.A", "mau buat email dinas")])))
    (message,) = batch.messages
    assert message == WaMessage(
        message_id="wamid.A",
        sender="6281234567890",
        kind="text",
        phone_number_id="1000100",
        text="mau buat email dinas",
        display_name="Budi Santoso",
        timestamp=datetime(2025, 1, 1, tzinfo=UTC),
    )


def test_button_and_list_replies_become_the_tapped_choice_id() -> None:
    button = {
        "from": "6281234567890",
        "id": "wamid.B",
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "Ya"}},
    }
    row = {
        "from": "6281234567890",
        "id": "wamid.L",
        "type": "interactive",
        "interactive": {
            "type": "list_reply",
            "list_reply": {"id": "svc:email", "title": "Email", "description": "Akun email"},
        },
    }
    batch = parse_batch(body(change([button, row])))
    assert [(m.message_id, m.choice) for m in batch.messages] == [
        ("wamid.B", "yes"),
        ("wamid.L", "svc:email"),
    ]


def test_documents_and_images_carry_their_media_reference() -> None:
    document = {
        "from": "6281234567890",
        "id": "wamid.D",
        "type": "document",
        "document": {
            "filename": "surat.pdf",
            "mime_type": "application/pdf",
            "id": "MEDIA-1",
            "caption": "surat pengantar",
        },
    }
    image = {
        "from": "6281234567890",
        "id": "wamid.I",
        "type": "image",
        "image": {"mime_type": "image/jpeg", "id": "MEDIA-2"},
    }
    doc, img = parse_batch(body(change([document, image]))).messages
    assert doc.media is not None and img.media is not None
    assert (doc.media.media_id, doc.media.filename, doc.media.caption) == (
        "MEDIA-1",
        "surat.pdf",
        "surat pengantar",
    )
    assert (img.media.kind, img.media.mime_type) == ("image", "image/jpeg")


def test_every_entry_change_message_and_status_is_read_in_order() -> None:
    statuses = [
        {"id": "wamid.OUT1", "status": "delivered", "recipient_id": "6281234567890"},
        {
            "id": "wamid.OUT2",
            "status": "failed",
            "errors": [{"code": 131047, "title": "Re-engagement message"}],
        },
    ]
    payload = body(
        change(statuses=statuses),
        change([text_message("wamid.1"), text_message("wamid.2")]),
        entries=2,
    )
    events = parse_batch(payload).events
    kinds = [(type(e).__name__, e.message_id) for e in events]
    assert (
        kinds
        == [
            ("WaStatus", "wamid.OUT1"),
            ("WaStatus", "wamid.OUT2"),
            ("WaMessage", "wamid.1"),
            ("WaMessage", "wamid.2"),
        ]
        * 2
    )
    failed = events[1]
    assert isinstance(failed, WaStatus) and failed.error_codes == (131047,)


def test_unreadable_items_are_skipped_and_counted_while_the_rest_is_read() -> None:
    broken = [
        "not an object",
        {"id": "wamid.X", "type": "text"},  # no sender
        {"from": "+62 812", "id": "wamid.Y", "type": "text", "text": {"body": "x"}},
        {"from": "6281234567890", "id": "wamid.Z", "type": "interactive", "interactive": {}},
        {"from": "6281234567890", "id": "wamid.M", "type": "document", "document": {}},
    ]
    batch = parse_batch(body(change([*broken, text_message("wamid.OK")], statuses=[{"id": 5}])))
    assert [m.message_id for m in batch.messages] == ["wamid.OK"]
    assert batch.skipped == len(broken) + 1


def test_payloads_of_any_other_shape_give_no_events_and_no_error() -> None:
    junk: object
    for junk in (None, 1, "x", [], {}, {"entry": "x"}, {"entry": [{"changes": [1, {"value": 2}]}]}):
        assert parse_batch(junk).events == []


def test_kinds_the_desk_cannot_use_are_still_reported_so_they_can_be_answered() -> None:
    sticker = {
        "from": "6281234567890",
        "id": "wamid.S",
        "type": "sticker",
        "sticker": {"id": "MEDIA-9", "mime_type": "image/webp"},
    }
    (message,) = parse_batch(body(change([sticker]))).messages
    assert (message.kind, message.text, message.media) == ("sticker", None, None)
