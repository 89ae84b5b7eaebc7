"""Random signed payloads never make the WhatsApp webhook answer 500 or leak a trace."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.db import Database
from tests.fakes.graph_api import (
    CONTACT,
    PHONE_NUMBER_ID,
    FakeGraphApi,
    WhatsAppApp,
    running_whatsapp_app,
    whatsapp_settings,
)

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
)
any_json = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually (7 in 8) the well-formed value, sometimes any JSON at all."""
    return st.one_of(*[strategy] * 7, any_json)


ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789=_-"
kinds = st.sampled_from(
    [
        "text",
        "interactive",
        "document",
        "image",
        "audio",
        "sticker",
        "location",
        "reaction",
        "button",
        "unsupported",
        "system",
    ]
)
media_ref = st.fixed_dictionaries(
    {
        "id": maybe(st.sampled_from(["MEDIA-OK", "MEDIA-GONE", ""])),
        "mime_type": maybe(st.text(max_size=20)),
    },
    optional={"filename": maybe(st.text(max_size=300)), "caption": maybe(st.text(max_size=200))},
)
choice_id = st.one_of(
    st.sampled_from(["menu", "sum:send", "svc:jaringan-intra", "wa:more:0123456789abcdef"]),
    st.sampled_from(["wa:more:", "wa:more:zz", ""]),
    st.text(max_size=300),
)
interactive = st.one_of(
    st.sampled_from(["button_reply", "list_reply"]).flatmap(
        lambda kind: st.fixed_dictionaries(
            {"type": st.just(kind), kind: st.fixed_dictionaries({"id": maybe(choice_id)})}
        )
    ),
    st.fixed_dictionaries({"type": any_json, "nfm_reply": any_json}),
)
envelope = st.fixed_dictionaries(
    {
        "from": st.sampled_from([CONTACT, CONTACT, "6280000000001", "+62 812", ""]),
        "id": st.text(ID_CHARS, min_size=1, max_size=40).map(lambda s: "wamid." + s),
    },
    optional={"timestamp": maybe(st.integers(min_value=-(2**40), max_value=2**40).map(str))},
)


def typed(kind: str, body: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A message of `kind` whose body is drawn from `body`."""
    return st.tuples(envelope, body).map(lambda pair: {**pair[0], "type": kind, kind: pair[1]})


message = st.one_of(
    typed("text", st.fixed_dictionaries({"body": maybe(st.text(max_size=500))})),
    typed("interactive", interactive),
    typed("document", media_ref),
    typed("image", media_ref),
    typed("button", st.fixed_dictionaries({"text": maybe(st.text(max_size=50))})),
    st.tuples(envelope, kinds, any_json).map(lambda t: {**t[0], "type": t[1], t[1]: t[2]}),
)
status = st.fixed_dictionaries(
    {
        "id": maybe(st.text(ID_CHARS, max_size=40)),
        "status": maybe(st.sampled_from(["sent", "delivered", "read", "failed"])),
    },
    optional={
        "errors": maybe(st.lists(st.fixed_dictionaries({"code": maybe(st.integers())}), max_size=2))
    },
)
contact = st.fixed_dictionaries(
    {
        "wa_id": maybe(st.just(CONTACT)),
        "profile": maybe(st.fixed_dictionaries({"name": maybe(st.text(max_size=300))})),
    }
)
value = st.fixed_dictionaries(
    {
        "messaging_product": st.just("whatsapp"),
        "metadata": st.fixed_dictionaries(
            {"phone_number_id": st.sampled_from([PHONE_NUMBER_ID, PHONE_NUMBER_ID, "999"])}
        ),
        "messages": st.lists(message, min_size=1, max_size=3),
    },
    optional={
        "contacts": maybe(st.lists(contact, max_size=2)),
        "statuses": maybe(st.lists(status, max_size=3)),
    },
)
# The skeleton Meta always sends, with the values inside fuzzed (messages reach the engine).
meta_shaped = st.lists(value, min_size=1, max_size=3).map(
    lambda values: {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": v} for v in values]}],
    }
)
# Broken skeletons: random JSON at any level of the structure.
broken_shape = st.fixed_dictionaries(
    {
        "object": maybe(st.just("whatsapp_business_account")),
        "entry": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {"changes": maybe(st.lists(st.fixed_dictionaries({"value": maybe(value)})))}
                ),
                max_size=2,
            )
        ),
    }
)


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as fake:
        fake.add_media("MEDIA-OK", b"%PDF-1.4\n%%EOF\n", "application/pdf")
        yield fake


@pytest.fixture
async def wa(
    graph: FakeGraphApi, sqlite_db: Database, tmp_path: Path
) -> AsyncIterator[WhatsAppApp]:
    async with running_whatsapp_app(graph, whatsapp_settings(graph, tmp_path), db=sqlite_db) as app:
        yield app


def assert_handled(response: Any) -> None:
    assert response.status_code == 200, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text


@FUZZ
@given(body=meta_shaped)
async def test_signed_meta_shaped_payloads_with_random_values_never_fail(
    wa: WhatsAppApp, body: dict[str, Any]
) -> None:
    assert_handled(await wa.post(body))


@FUZZ
@given(body=broken_shape)
async def test_signed_payloads_with_a_broken_structure_never_fail(
    wa: WhatsAppApp, body: dict[str, Any]
) -> None:
    assert_handled(await wa.post(body))


@FUZZ
@given(body=any_json)
async def test_signed_random_json_never_fails(wa: WhatsAppApp, body: Any) -> None:
    assert_handled(await wa.post(json.dumps(body).encode()))


@FUZZ
@given(raw=st.binary(max_size=2000))
async def test_signed_random_bytes_never_fail(wa: WhatsAppApp, raw: bytes) -> None:
    assert_handled(await wa.post(raw))


@FUZZ
@given(
    raw=st.binary(max_size=500),
    signature=st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=80)
    | st.text("0123456789abcdef", min_size=64, max_size=64).map(lambda h: "sha256=" + h),
)
async def test_random_bytes_with_random_signatures_are_forbidden(
    wa: WhatsAppApp, raw: bytes, signature: str
) -> None:
    response = await wa.post(raw, signature=signature)
    assert response.status_code == 403
