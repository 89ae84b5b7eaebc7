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
    cognate,
    content_tokens,
    normalize,
    split_compound,
    squeeze,
    stem,
    strip_letter,
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


# --- regional speech, English and long letters (core.catalog.lexicon) -----------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # Malay of Pontianak and Bangka
        ("kamek", "saya"),
        ("nda", "tidak"),
        ("ndak", "tidak"),
        ("dak", "tidak"),
        ("ape", "apa"),
        ("macam mana", "bagaimana"),
        ("macam mane", "bagaimana"),
        ("cemane", "bagaimana"),
        ("nak", "mau"),
        # Javanese and Banyumasan
        ("mboten", "tidak"),
        ("ora", "tidak"),
        ("nyuwun", "minta"),
        ("kula", "saya"),
        ("inyong", "saya"),
        ("kanggo", "untuk"),
        ("teng", "di"),
        ("matur nuwun", "terima kasih"),
        # Sundanese, Banjar
        ("teu", "tidak"),
        ("ulun", "saya"),
        # chat
        ("gimana", "bagaimana"),
        ("bgt", "banget"),
        ("memohon", "mohon"),
    ],
)
def test_regional_and_chat_words_become_standard_indonesian(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("outage", "gangguan"),
        ("broken", "rusak"),
        ("forgot", "lupa"),
        ("storage", "penyimpanan"),
        ("journalist", "wartawan"),
        ("staff", "petugas"),
        ("vulnerability", "kerentanan"),
        ("set up", "pasang"),
        ("load test", "uji beban"),
    ],
)
def test_english_it_words_become_the_catalogs_indonesian(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


def test_english_filler_disappears_and_the_request_stays() -> None:
    assert content_tokens("our office internet has been down since this morning") == [
        "kantor",
        "internet",
        "mati",
    ]


def test_a_dialect_chat_message_reads_as_standard_indonesian() -> None:
    assert normalize("kamek nda bisa konek wifi, cemane ni") == (
        "saya tidak bisa koneksi wifi bagaimana ni"
    )
    assert content_tokens("kula badhe nyuwun wifi kanggo acara") == ["wifi", "acara"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("internete", "internet"), ("punye", "punya"), ("putus2", "putus"), ("kedip2", "kedip")],
)
def test_regional_clitics_and_reduplication_marks_are_dropped(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


@pytest.mark.parametrize(
    ("english", "indonesian"),
    [
        ("integration", "integrasi"),
        ("consultation", "konsultasi"),
        ("conference", "konferensi"),
        ("colocation", "kolokasi"),
        ("topology", "topologi"),
        ("configuration", "konfigurasi"),
    ],
)
def test_english_loanwords_get_their_indonesian_spelling(english: str, indonesian: str) -> None:
    assert cognate(english) == indonesian


def test_words_that_are_no_loanword_have_no_indonesian_spelling() -> None:
    assert cognate("wifi") is None
    assert cognate("printer") is None


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("pengujian", "uji"),
        ("diuji", "uji"),
        ("keamanannya", "aman"),
        ("dipasangkan", "pasang"),
        ("penempatan", "tempat"),
        ("menitipkan", "titip"),
    ],
)
def test_the_stemmer_finds_indonesian_roots(word: str, root: str) -> None:
    assert stem(word) == root


def test_the_stemmer_leaves_roots_that_would_be_function_words_and_unaffixed_words() -> None:
    assert stem("perbaikan") == "perbaikan"  # not "baik" ("fine"), a stopword
    assert stem("pengadaan") == "pengadaan"  # not "ada" ("there is")
    assert stem("wifi") == "wifi"
    assert stem("hosting") == "hosting"


LETTER = """Nomor : 005/123/DISDIK/2024
Lampiran : -
Perihal : Permohonan Fasilitasi Zoom Meeting

Kepada Yth.
Kepala Dinas Komunikasi dan Informatika Provinsi Kalimantan Barat
di Tempat

Dengan hormat,
Sehubungan dengan akan dilaksanakannya Rapat Koordinasi Pendidikan secara daring pada tanggal
10 Juni 2024, bersama ini kami mohon bantuan fasilitasi akun zoom untuk kegiatan tersebut.
Demikian permohonan ini kami sampaikan, atas perhatian dan kerjasamanya diucapkan terima kasih.

Kepala Dinas Pendidikan
Dr. H. Budi Santoso, M.Pd
NIP. 19700101 199003 1 001
"""


def test_a_letter_loses_its_heading_salutation_closing_and_signature() -> None:
    body = strip_letter(LETTER)
    assert "Permohonan Fasilitasi Zoom Meeting" in body  # the subject line stays
    assert "mohon bantuan fasilitasi akun zoom" in body
    for wrapping in ("Nomor", "Kepada", "di Tempat", "Dengan hormat", "Demikian", "NIP"):
        assert wrapping not in body
    assert "Budi" not in body


def test_letter_formulae_carry_no_content() -> None:
    words = content_tokens(strip_letter(LETTER))
    for formula in ("hormat", "sehubungan", "bersama", "demikian", "perhatian", "kerjasamanya"):
        assert formula not in words
    assert "video" in words and "conference" in words


def test_chat_length_texts_are_not_treated_as_letters() -> None:
    text = "Dengan hormat, wifi mati. Demikian."
    assert strip_letter(text) == text


def test_a_closing_formula_early_in_a_letter_does_not_cut_the_request() -> None:
    text = (
        "Terima kasih atas bantuan bapak selama ini. Kami dari Dinas Pendidikan ingin "
        "menyampaikan bahwa internet di kantor kami mati sejak kemarin, mohon dicek segera."
    )
    assert "internet di kantor kami mati" in strip_letter(text)
