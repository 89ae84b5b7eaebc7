"""How chat text is normalised before matching."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.catalog.normalize import (
    BIGRAMS,
    SLANG,
    STOPWORDS,
    affix_variants,
    content_tokens,
    normalize,
    split_compound,
    squeeze,
)


def test_case_accents_punctuation_and_emoji_disappear() -> None:
    assert normalize("Wi-Fi di Ruang Rapat MATI!!! 😭🙏 (café)") == "wifi di ruang rapat mati cafe"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("wifiii", "wifi"),
        ("tolongggg", "tolong"),
        ("zooom", "video conference"),
        ("matiii", "mati"),
        ("haloooo", "halo"),
    ],
)
def test_stretched_letters_are_squeezed(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


def test_ordinary_double_letters_survive_squeezing() -> None:
    assert squeeze("maaf") == "maaf"
    assert squeeze("app") == "app"
    assert normalize("maaf saat ini") == "maaf saat ini"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("gk", "tidak"),
        ("gak", "tidak"),
        ("ga", "tidak"),
        ("nggak", "tidak"),
        ("tdk", "tidak"),
        ("yg", "yang"),
        ("utk", "untuk"),
        ("buat", "untuk"),
        ("dgn", "dengan"),
        ("sy", "saya"),
        ("aku", "saya"),
        ("gw", "saya"),
        ("inet", "internet"),
        ("lemot", "lambat"),
        ("lelet", "lambat"),
        ("vicon", "video conference"),
        ("vidcon", "video conference"),
        ("zoom", "video conference"),
        ("gmeet", "video conference"),
        ("pw", "password"),
        ("pass", "password"),
        ("passwd", "password"),
        ("blm", "belum"),
        ("sdh", "sudah"),
        ("udh", "sudah"),
        ("krn", "karena"),
        ("jrg", "jaringan"),
        ("network", "jaringan"),
        ("e-mail", "email"),
        ("kata sandi", "password"),
        ("google meet", "video conference"),
    ],
)
def test_chat_abbreviations_become_standard_words(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


def test_a_whole_chat_message_reads_as_standard_indonesian() -> None:
    assert normalize("sy gk bs konek inet, lemot bgt") == (
        "saya tidak bisa koneksi internet lambat banget"
    )


def test_clitic_nya_is_dropped_from_known_words() -> None:
    assert normalize("jaringannya bermasalah") == "jaringan masalah"


def test_greetings_fillers_and_courtesy_carry_no_content() -> None:
    assert content_tokens("Assalamualaikum, selamat pagi Bapak/Ibu, tolong mohon minta") == []
    assert content_tokens("terima kasih banyak ya min 🙏") == []


def test_content_words_keep_the_request() -> None:
    assert content_tokens("tolong wifi di ruang rapat gk bisa konek") == [
        "wifi",
        "ruang",
        "rapat",
        "tidak",
        "koneksi",
    ]


@pytest.mark.parametrize("word", sorted({v for v in SLANG.values() if v} | set(BIGRAMS.values())))
def test_every_standard_form_is_already_normal(word: str) -> None:
    # Catalog synonyms are written in standard forms; normalising them must not change them.
    assert normalize(word) == word


@given(
    st.lists(st.sampled_from(sorted(SLANG) + sorted(STOPWORDS) + ["wifi", "hosting"]), max_size=8)
)
def test_normalising_twice_changes_nothing(words: list[str]) -> None:
    once = normalize(" ".join(words))
    assert normalize(once) == once


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("pemasangan", "pasang"),
        ("dipasang", "pasang"),
        ("pengaduan", "aduan"),
        ("perancangan", "rancang"),
        ("pengujian", "uji"),
        ("jaringannya", "jaringan"),
    ],
)
def test_affixed_words_offer_their_root(word: str, root: str) -> None:
    assert root in affix_variants(word)


def test_a_run_together_pair_of_known_words_is_split() -> None:
    assert split_compound("datacloud", {"data", "cloud"}) == ("data", "cloud")
    assert split_compound("printer", {"data", "cloud"}) is None
