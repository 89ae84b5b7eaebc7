"""Webhook authenticity: only bodies signed with the app secret, only the right verify token."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot.whatsapp.signature import is_authentic, is_verify_token

SECRET = "app-secret-123"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'


def meta_signature(secret: str, body: bytes) -> str:
    """What Meta puts in X-Hub-Signature-256 (computed here independently of the code)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_body_signed_with_the_app_secret_is_authentic() -> None:
    assert is_authentic(app_secret=SECRET, body=BODY, header=meta_signature(SECRET, BODY))


def test_an_upper_case_hex_signature_is_still_authentic() -> None:
    header = meta_signature(SECRET, BODY).replace("sha256=", "")
    assert is_authentic(app_secret=SECRET, body=BODY, header="sha256=" + header.upper())


def test_a_signature_made_with_another_secret_is_refused() -> None:
    assert not is_authentic(app_secret=SECRET, body=BODY, header=meta_signature("other", BODY))


def test_a_changed_body_no_longer_matches_its_signature() -> None:
    header = meta_signature(SECRET, BODY)
    assert not is_authentic(app_secret=SECRET, body=BODY + b" ", header=header)


@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=", "sha1=abcdef", "sha256=zz", "sha256=é" * 3, "garbage"],
)
def test_missing_or_malformed_signatures_are_refused(header: str | None) -> None:
    assert not is_authentic(app_secret=SECRET, body=BODY, header=header)


def test_without_an_app_secret_even_a_matching_signature_is_refused() -> None:
    assert not is_authentic(app_secret="", body=BODY, header=meta_signature("", BODY))


def test_the_verify_token_must_match_exactly() -> None:
    assert is_verify_token(configured="verify-me", given="verify-me")
    assert not is_verify_token(configured="verify-me", given="verify-me ")
    assert not is_verify_token(configured="verify-me", given=None)
    assert not is_verify_token(configured="verify-me", given="ünïcode")


def test_an_unset_verify_token_matches_nothing() -> None:
    assert not is_verify_token(configured="", given="")
