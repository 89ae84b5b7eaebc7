"""What every channel's input loses on its way into the engine (`Inbound`): what only machines
see. Officers then read names and answers as the requester's screen showed them."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.messages import Inbound, clean_text

FAMILY = "👨\u200d👩\u200d👧"
TECHNOLOGIST = "👩🏽\u200d💻"
HEART_ON_FIRE = "❤️\u200d🔥"


def inbound(
    text: str | None = None, choice: str | None = None, display_name: str | None = None
) -> Inbound:
    return Inbound(
        channel="web", chat_id="c", user_id="u", text=text, choice=choice, display_name=display_name
    )


def test_a_right_to_left_override_cannot_reverse_a_name_for_the_officer() -> None:
    # On screen "\u202eidnaS ubI" reads as "Ibu Sandi": the officer sees the letters as stored.
    assert clean_text("\u202eidnaS ubI") == "idnaS ubI"
    assert inbound(display_name="Budi \u202eogirakaS").display_name == "Budi ogirakaS"


def test_invisible_characters_inside_a_phone_number_are_dropped() -> None:
    assert clean_text("0812\u200b3456\u2060789\ufeff0") == "081234567890"
    assert clean_text("Jl. Merdeka\u00ad No.\u2066 17\u2069") == "Jl. Merdeka No. 17"


def test_emoji_joined_into_one_picture_stay_one_picture() -> None:
    for emoji in (FAMILY, TECHNOLOGIST, HEART_ON_FIRE):
        assert clean_text(f"terima kasih {emoji}") == f"terima kasih {emoji}"


def test_a_joiner_between_letters_is_dropped() -> None:
    assert clean_text("Bu\u200ddi") == "Budi"
    assert clean_text("\u200d👍") == "👍" and clean_text("👍\u200d") == "👍"


def test_a_lone_surrogate_and_control_characters_are_dropped_but_lines_kept() -> None:
    text = "Gedung A\ud800\r\nlantai 2\x00\x1b[31m\tRuang\u2028rapat"
    assert clean_text(text) == "Gedung A\nlantai 2[31m\tRuang\nrapat"
    clean_text(text).encode("utf-8")  # storable and sendable


def test_a_name_becomes_one_line_and_an_empty_one_none() -> None:
    assert inbound(display_name="  Sari\n\tWulandari\x00 ").display_name == "Sari Wulandari"
    assert inbound(display_name="\u200b\u202e\ud800").display_name is None


def test_text_and_taps_are_cleaned_too() -> None:
    message = inbound(text="ya\u200b\ud800", choice="sum:send\u200b")
    assert (message.text, message.choice) == ("ya", "sum:send")


@given(st.text(st.characters(exclude_categories=())))
def test_what_is_left_is_storable_and_has_no_format_character_but_emoji_joiners(
    text: str,
) -> None:
    cleaned = clean_text(text)
    cleaned.encode("utf-8")
    assert "\x00" not in cleaned
    leftovers = {ch for ch in cleaned if unicodedata.category(ch) in ("Cf", "Cs", "Cc")}
    assert leftovers <= {"\u200d", "\n", "\t"}
    assert clean_text(cleaned) == cleaned
