"""What typed words mean at the intake dialog's questions: yes and no, each button's words,
greetings. The reading itself (numbers, labels, parts of labels) is bot.dialogs.typed's."""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialogs.typed import read_choice, simplify
from bot.messages import Choice

# The answers to an event that starts before the office can be ready (button data).
EVENT_LATER = "evt:later"
EVENT_URGENT = "evt:urgent"
# The answers to "Pakai data Bapak/Ibu sebelumnya?" (a returning requester's details).
PROFILE_USE = "prof:use"
PROFILE_EDIT = "prof:edit"

# Yes and no as people type them in chat (slang, typos, English), and the polite fillers
# around them ("iya betul pak", "ok kirim aja", "gak, bukan itu").
_YES_WORDS = frozenset(
    {
        *("ya", "iya", "iyaa", "iyah", "y", "yes", "yess", "yup", "yap", "yoi", "yo", "ok"),
        *("oke", "okey", "okay", "okee", "sip", "siip", "sipp", "siap", "mantap", "benar"),
        *("bener", "betul", "btl", "setuju", "lanjut", "lanjutkan", "gas", "gass", "boleh"),
        *("correct", "right", "sure", "yeah", "yep", "kirim", "kirimkan", "send", "submit"),
    }
)
_NO_WORDS = frozenset(
    {
        *("bukan", "tidak", "tdk", "gak", "ga", "gk", "nggak", "ngga", "enggak", "engga"),
        *("ndak", "nda", "tak", "no", "nope", "not", "salah", "keliru", "wrong"),
    }
)
_FILLER = frozenset(
    {
        *("pak", "bu", "bapak", "ibu", "min", "mimin", "kak", "mas", "mbak", "dik", "bang"),
        *("dong", "deh", "sih", "aja", "saja", "kok", "nih", "ini", "itu", "tuh", "lah", "kah"),
        *("sudah", "udah", "the", "it", "is", "please", "tolong", "sekali", "banget", "bgt"),
    }
)
# "ga jadi": not a no to the question, but letting go of the request.
_NEVER_MIND = frozenset(
    {"ga jadi", "gak jadi", "nggak jadi", "tidak jadi", "ndak jadi", "batal", "batal aja"}
)
# "lewati saja", "bukan ASN, lewati", "tidak punya NIP": an optional question let go. Every word
# must be one of these (so a description that happens to say "lewat" is not a skip), and one of
# them must say so.
_SKIP_WORDS = frozenset(
    {
        *("lewati", "lewat", "lewatin", "skip", "kosong", "kosongkan", "none", "-", "tidak"),
        *("tdk", "gak", "ga", "gk", "nggak", "ndak", "nda", "ada", "punya", "bukan", "belum"),
        *("asn", "pns", "nip", "pegawai", "honorer", "saya", "kami", "no", "not", "applicable"),
        *("n/a", "na", "yang", "ini", "jadi", "dulu", "pass"),
    }
)
_SKIP_SIGNS = frozenset({"lewati", "lewat", "lewatin", "skip", "kosong", "kosongkan", "none", "-"})
_SKIP_PHRASES = (
    *("tidak ada", "gak ada", "ga ada", "bukan asn", "bukan pns", "tidak punya", "belum punya"),
    *("gak punya", "ga punya", "nggak punya", "n a", "not applicable"),
)
_THANKS = frozenset(
    {
        *("terima kasih", "terimakasih", "makasih", "makasi", "maksih", "trims", "trimakasih"),
        *("tq", "thx", "thanks", "thank you", "thankyou", "ty", "matur nuwun", "suwun", "nuhun"),
        *("hatur nuhun", "terima kasih banyak", "makasih banyak", "thanks a lot"),
    }
)


def _tokens(text: str) -> list[str]:
    return simplify(text).split()


# "iya pakai itu", "pakai yang lama", "masih sama": keep the remembered details.
_KEEP_WORDS = frozenset({"pakai", "pake", "data", "sebelumnya", "lama", "sama", "masih", "tetap"})


def is_yes(text: str, *, also: frozenset[str] = frozenset()) -> bool:
    """ "iya betul pak", "ok kirim", "yoi", "gas": agreement, nothing else (`also`: words
    that agree to this question in particular)."""
    words = _tokens(text)
    return (
        bool(words)
        and any(w in _YES_WORDS or w in also for w in words)
        and all(w in _YES_WORDS or w in _FILLER or w in also for w in words)
    )


def is_no(text: str) -> bool:
    """ "bukan", "gak", "salah", "bukan itu pak": disagreement, nothing else."""
    words = _tokens(text)
    return (
        bool(words)
        and any(w in _NO_WORDS for w in words)
        and all(w in _NO_WORDS or w in _FILLER for w in words)
    )


def is_never_mind(text: str) -> bool:
    """ "ga jadi", "batal aja": the requester lets the request go."""
    words = [w for w in _tokens(text) if w not in _FILLER or w == "aja"]
    return " ".join(words) in _NEVER_MIND


# What follows thanks without asking anything ("terima kasih sudah diperbaiki, sangat membantu").
_ACKNOWLEDGING = frozenset(
    {
        *("halo", "hai", "selamat", "pagi", "siang", "sore", "malam", "atas", "sudah", "udah"),
        *("diperbaiki", "dibantu", "bantuannya", "bantuan", "pelayanannya", "responnya"),
        *("cepat", "sangat", "membantu", "sekarang", "lancar", "normal", "kembali", "lagi"),
        *("berfungsi", "bisa", "ya", "nya", "semua", "for", "your", "help", "fixed", "now"),
        *("works", "working", "very", "much", "so", "ok", "oke", "sip", "mantap", "baik"),
    }
)


def is_thanks(text: str) -> bool:
    """ "makasih pak", "terima kasih banyak", "thanks", "terima kasih sudah diperbaiki":
    thanks, nothing to act on."""
    words = [w for w in _tokens(text) if w not in _FILLER]
    joined = " ".join(words)
    if joined in _THANKS:
        return True
    for phrase in sorted(_THANKS, key=len, reverse=True):
        if (
            joined.startswith(phrase + " ")
            or joined.endswith(" " + phrase)
            or (f" {phrase} " in f" {joined} ")
        ):
            rest = f" {joined} ".replace(f" {phrase} ", " ", 1).split()
            return all(w in _ACKNOWLEDGING or w in _THANKS for w in rest)
    return False


_WORDS = {
    "sum:edit": {"ubah", "edit", "change", "ganti", "koreksi", "perbaiki"},
    "sum:cancel": {"batal", "batalkan", "cancel"},
    "skip": {"lewati", "lewat", "skip", "-", "tidak ada", "gak ada", "ga ada", "kosong"},
    "keep": {"tetap", "keep", "sama", "tidak berubah"},
    "menu": {"menu", "daftar layanan"},
    "upload": {"unggah", "upload"},
    "srikandi": {"srikandi"},
    EVENT_LATER: {"ganti", "ganti waktu", "waktu lain", "ubah", "ubah waktu", "later"},
    PROFILE_EDIT: {"ubah", "ganti", "edit", "ubah data", "data baru", "beda"},
    EVENT_URGENT: {"mendesak", "urgent", "darurat", "tetap", "tetap ajukan", "ajukan saja"},
}


def is_skip(text: str) -> bool:
    """ "lewati saja", "bukan ASN, lewati", "tidak punya": the optional question is let go."""
    words = [w for w in _tokens(text) if w not in _FILLER]
    if not words or not all(w in _SKIP_WORDS for w in words):
        return False
    joined = " ".join(words)
    return any(w in _SKIP_SIGNS for w in words) or any(p in joined for p in _SKIP_PHRASES)


def _words(data: str, choices: Sequence[Choice]) -> set[str]:
    """Words that mean the button `data` in the intake's questions."""
    return _WORDS.get(data, set())


def interpret(text: str, choices: Sequence[Choice], *, numbers: bool = True) -> str | None:
    """Read typed text as one of the buttons: yes or no where the question has them, its
    number, its label (or close to it), or a word that means it."""
    offered = {c.data for c in choices}
    confirming = next((c.data for c in choices if c.data.startswith("svc:")), None)
    if confirming is not None and len(choices) == 2:  # "Maksud Bapak/Ibu: X?" Ya / Bukan
        if is_yes(text):
            return confirming
        if is_no(text):
            return "menu"
    if PROFILE_USE in offered:  # "Pakai data Bapak/Ibu sebelumnya?" Ya / Ubah
        if is_yes(text, also=_KEEP_WORDS | {"yang"}):
            return PROFILE_USE
        if is_no(text):
            return PROFILE_EDIT
    if "skip" in offered and is_skip(text):
        return "skip"
    if "sum:send" in offered:  # the summary: Kirim / Ubah / Batal
        if is_yes(text):
            return "sum:send"
        if is_never_mind(text):
            return "sum:cancel"
        if is_no(text):
            return "sum:edit"  # "salah": something in it is wrong
    return read_choice(text, choices, lambda data: _words(data, choices), numbers=numbers)


_GREETINGS = {
    *("halo", "hallo", "helo", "hai", "hi", "hello", "hey", "p", "permisi", "tes", "test"),
    *("assalamualaikum", "assalamu alaikum", "salam", "pagi", "siang", "sore", "malam"),
    *("selamat pagi", "selamat siang", "selamat sore", "selamat malam", "min", "halo min"),
    *("good morning", "good afternoon", "good evening", "halo pak", "halo bu", "hai min"),
}


def is_greeting(text: str) -> bool:
    """ "halo", "selamat pagi", "assalamualaikum": a greeting, not a request."""
    return simplify(text) in _GREETINGS
