"""Sending through the (fake) Graph API: the 24-hour window, templates, documents, errors."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.delivery import PermanentFailure, RetryAfter
from bot.messages import Choice, Outbound, OutboundDocument
from bot.whatsapp import media
from bot.whatsapp.sender import Contact, TransientSendError, WhatsAppSender
from core.settings import Settings
from tests.fakes.graph_api import FakeGraphApi, choice_ids, readable_text

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CONTACT = "6281234567890"


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi(token="tok", phone_number_id="1000100") as fake:
        yield fake


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as http:
        yield http


def settings_for(graph_url: str, **overrides: object) -> Settings:
    values: dict[str, Any] = {
        "whatsapp_api_base_url": graph_url,
        "whatsapp_access_token": "tok",
        "whatsapp_phone_number_id": "1000100",
        "whatsapp_notification_template": "pemberitahuan_tiket",
        "whatsapp_template_language": "id",
        "max_attachment_bytes": 1000,
    }
    values.update(overrides)
    # pydantic-settings: mypy derives __init__ from the fields (dataclass_transform), so it
    # does not see BaseSettings' own `_env_file` keyword.
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def sender_for(
    graph: FakeGraphApi,
    client: httpx.AsyncClient,
    *,
    last_inbound: datetime | None = NOW - timedelta(hours=1),
    locale: str = "id",
    **overrides: object,
) -> WhatsAppSender:
    async def lookup(recipient: str) -> Contact:
        return Contact(last_inbound if recipient == CONTACT else None, locale)

    return WhatsAppSender(
        settings_for(graph.base_url, **overrides), client, contacts=lookup, clock=lambda: NOW
    )


async def test_inside_the_window_a_free_form_message_is_sent_with_the_token(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    await sender_for(graph, client).send(CONTACT, Outbound("Tiket BABEL-2025-00001 dibuat."))
    (message,) = graph.sent_to(CONTACT)
    assert message["type"] == "text"
    assert readable_text(message) == "Tiket BABEL-2025-00001 dibuat."
    assert graph.calls[0].authorization == "Bearer tok"


async def test_choices_arrive_as_tappable_buttons(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    question = Outbound("Kirim sekarang?", choices=(Choice("send", "Kirim"), Choice("no", "Batal")))
    await sender_for(graph, client).send(CONTACT, question)
    (message,) = graph.sent_to(CONTACT)
    assert choice_ids(message) == ["send", "no"]


async def test_outside_the_window_the_approved_template_carries_the_text(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    sender = sender_for(graph, client, last_inbound=NOW - timedelta(hours=25))
    await sender.send(CONTACT, Outbound("Tiket BABEL-2025-00001 selesai.\nTerima kasih."))
    (message,) = graph.sent_to(CONTACT)
    assert message["type"] == "template"
    assert message["template"]["name"] == "pemberitahuan_tiket"
    assert message["template"]["language"] == {"code": "id"}
    assert readable_text(message) == "Tiket BABEL-2025-00001 selesai. Terima kasih."


async def test_a_contact_who_never_wrote_gets_the_template(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    await sender_for(graph, client, last_inbound=None).send(CONTACT, Outbound("Halo"))
    assert [m["type"] for m in graph.sent_to(CONTACT)] == ["template"]


async def test_just_inside_the_window_is_still_free_form(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    sender = sender_for(graph, client, last_inbound=NOW - timedelta(hours=23, minutes=50))
    await sender.send(CONTACT, Outbound("Halo"))
    assert [m["type"] for m in graph.sent_to(CONTACT)] == ["text"]


async def test_outside_the_window_without_a_template_fails_for_good_and_says_why(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    sender = sender_for(
        graph, client, last_inbound=NOW - timedelta(days=2), whatsapp_notification_template=""
    )
    with pytest.raises(PermanentFailure) as failure:
        await sender.send(CONTACT, Outbound("Tiket Bapak Budi selesai."))
    assert "WHATSAPP_NOTIFICATION_TEMPLATE" in failure.value.reason
    assert "24-hour" in failure.value.reason
    assert CONTACT not in failure.value.reason and "Budi" not in failure.value.reason
    assert graph.calls == []


async def test_when_meta_says_the_window_closed_the_template_is_sent_instead(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    graph.fail_next(400, code=131047)
    await sender_for(graph, client).send(CONTACT, Outbound("Status tiket berubah."))
    assert [m["type"] for m in graph.sent_to(CONTACT)] == ["template"]


async def test_a_document_is_uploaded_then_sent_by_its_media_id(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    pdf = OutboundDocument("tiket.pdf", "application/pdf", b"%PDF-1.4 bukti tiket")
    await sender_for(graph, client).send(CONTACT, Outbound("Bukti tiket.", document=pdf))
    (upload,) = graph.uploads()
    assert upload.file == ("tiket.pdf", "application/pdf", b"%PDF-1.4 bukti tiket")
    assert upload.form["messaging_product"] == "whatsapp"
    (message,) = graph.sent_to(CONTACT)
    assert message["type"] == "document"
    assert message["document"]["filename"] == "tiket.pdf"
    assert message["document"]["caption"] == "Bukti tiket."
    assert message["document"]["id"].startswith("upl")


async def test_rate_limits_ask_to_retry_after_metas_delay(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    graph.fail_next(429, code=130429, retry_after=7)
    with pytest.raises(RetryAfter) as retry:
        await sender_for(graph, client).send(CONTACT, Outbound("Halo"))
    assert retry.value.seconds == 7
    graph.fail_next(400, code=131056)  # pair rate limit, no header
    with pytest.raises(RetryAfter):
        await sender_for(graph, client).send(CONTACT, Outbound("Halo"))


async def test_a_rejected_message_fails_for_good_without_personal_data(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    graph.fail_next(400, code=131026)
    with pytest.raises(PermanentFailure) as failure:
        await sender_for(graph, client).send(CONTACT, Outbound("Halo Bapak Budi"))
    assert "131026" in failure.value.reason and "HTTP 400" in failure.value.reason
    assert CONTACT not in failure.value.reason and "Budi" not in failure.value.reason


async def test_a_wrong_access_token_fails_for_good(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    sender = sender_for(graph, client, whatsapp_access_token="expired")
    with pytest.raises(PermanentFailure) as failure:
        await sender.send(CONTACT, Outbound("Halo"))
    assert "access token" in failure.value.reason


async def test_server_errors_are_transient(graph: FakeGraphApi, client: httpx.AsyncClient) -> None:
    graph.fail_next(503)
    with pytest.raises(TransientSendError):
        await sender_for(graph, client).send(CONTACT, Outbound("Halo"))
    graph.fail_next(500, code=131000)
    with pytest.raises(TransientSendError):
        await sender_for(graph, client).send(CONTACT, Outbound("Halo"))


async def test_a_timeout_is_transient(graph: FakeGraphApi) -> None:
    graph.stall_next(1.0)
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as impatient:
        with pytest.raises(TransientSendError):
            await sender_for(graph, impatient).send(CONTACT, Outbound("Halo"))


async def test_an_unreachable_api_is_transient(client: httpx.AsyncClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = settings_for(f"http://127.0.0.1:{closed_port}/v21.0")
    with pytest.raises(TransientSendError):
        await WhatsAppSender(settings, client).send(CONTACT, Outbound("Halo"))


async def test_media_is_fetched_through_the_graph_media_endpoint(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    graph.add_media("MEDIA-1", b"%PDF-1.4 surat", "application/pdf")
    data, mime = await media.download(client, settings_for(graph.base_url), "MEDIA-1")
    assert (data, mime) == (b"%PDF-1.4 surat", "application/pdf")
    lookup, download = graph.calls
    assert lookup.path.endswith("/MEDIA-1") and download.path == "/download/MEDIA-1"
    assert lookup.authorization == download.authorization == "Bearer tok"


async def test_media_announced_too_large_is_refused_before_downloading(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    graph.add_media("BIG", b"x" * 5000)
    with pytest.raises(media.MediaTooLarge):
        await media.download(client, settings_for(graph.base_url), "BIG")
    assert graph.calls_to("/download/") == []


async def test_media_that_hides_its_size_is_cut_off_while_downloading(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    graph.add_media("SNEAKY", b"x" * 300_000, announce_size=False, content_length=False)
    with pytest.raises(media.MediaTooLarge):
        await media.download(client, settings_for(graph.base_url), "SNEAKY")


async def test_unknown_media_is_unavailable(graph: FakeGraphApi, client: httpx.AsyncClient) -> None:
    with pytest.raises(media.MediaUnavailable):
        await media.download(client, settings_for(graph.base_url), "GONE")


async def test_the_adapters_own_words_follow_the_conversations_language(
    graph: FakeGraphApi, client: httpx.AsyncClient
) -> None:
    services = tuple(Choice(f"svc:{i}", f"Service {i}") for i in range(12))
    await sender_for(graph, client, locale="en").send(CONTACT, Outbound("", choices=services))
    (message,) = graph.sent_to(CONTACT)
    interactive = message["interactive"]
    assert interactive["body"]["text"] == "Please choose:"
    assert interactive["action"]["button"] == "See options"
    assert interactive["action"]["sections"][0]["rows"][-1]["title"] == "More…"
