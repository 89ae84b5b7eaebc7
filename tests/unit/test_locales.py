"""Every user-facing message has an English translation with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from locales import SUPPORTED, _, normalize, translations, translator, use_locale

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "core")


def extracted_messages() -> dict[str, str]:
    """msgid → where it is used, for every t("...") and _("...") under bot/ and core/."""
    found: dict[str, str] = {}
    for folder in SOURCE_DIRS:
        for filename, line, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords={"t": None, "_": None}
        ):
            if isinstance(message, str) and message:
                found.setdefault(message, f"{folder}/{filename}:{line}")
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_sources_have_messages_to_translate() -> None:
    messages = extracted_messages()
    # The dialog alone asks dozens of questions: an empty result would mean a broken extractor.
    assert len(messages) > 50
    assert "Kirim permohonan ini?" in messages


def test_every_message_has_an_english_translation() -> None:
    english = translations("en")
    missing = {m: where for m, where in extracted_messages().items() if m not in english}
    assert not missing, "add these to locales/en.po:\n" + "\n".join(
        f"  {where}: {m!r}" for m, where in sorted(missing.items(), key=lambda i: i[1])
    )


def test_translations_keep_exactly_the_placeholders_of_their_message() -> None:
    wrong = {
        message: translated
        for message, translated in translations("en").items()
        if placeholders(message) != placeholders(translated)
    }
    assert not wrong


@pytest.mark.parametrize("message", ["Kirim", "Ubah", "Batal", "Lewati"])
def test_button_labels_are_translated_to_english(message: str) -> None:
    assert translator("en")(message) != message


def test_indonesian_is_the_default_and_returns_the_message_itself() -> None:
    assert SUPPORTED[0] == "id"
    assert translator("id")("Kirim permohonan ini?") == "Kirim permohonan ini?"
    assert translator("fr")("Kirim permohonan ini?") == "Kirim permohonan ini?"


def test_language_tags_are_reduced_to_a_supported_locale() -> None:
    assert normalize("en-US") == "en"
    assert normalize("EN") == "en"
    assert normalize("id_ID") == "id"
    assert normalize("ja") == "id"
    assert normalize(None) == "id"


def test_underscore_translates_into_the_language_of_the_current_context() -> None:
    assert _("Batal") == "Batal"
    with use_locale("en"):
        assert _("Batal") == "Cancel"
    assert _("Batal") == "Batal"


def test_the_english_help_names_the_languages_in_english() -> None:
    line = translator("en")("/bahasa — ganti bahasa (Indonesia/English)")
    assert line == "/language — change language (Indonesian/English)"
