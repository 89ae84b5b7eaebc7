"""What typed words mean at the intake dialog's questions: yes and no, each button's words,
greetings. The reading itself (numbers, labels, parts of labels) is bot.dialogs.typed's."""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialogs.typed import read_choice, simplify
from bot.messages import Choice

# The answers to an event that starts before the office can be ready (button data).
EVENT_LATER = "evt:later"
EVENT_URGENT = "evt:urgent"

_YES = {"ya", "iya", "y", "yes", "ok", "oke", "okay", "benar", "betul", "setuju", "lanjut", "sip"}
_NO = {"bukan", "tidak", "tdk", "no", "nggak", "ngga", "gak", "enggak", "salah"}
_WORDS = {
    "sum:send": {"kirim", "send", "submit", *_YES},
    "sum:edit": {"ubah", "edit", "change", "ganti"},
    "sum:cancel": {"batal", "batalkan", "cancel"},
    "skip": {"lewati", "lewat", "skip", "-"},
    "keep": {"tetap", "keep"},
    "menu": {"menu", *_NO},
    "upload": {"unggah", "upload"},
    "srikandi": {"srikandi"},
    EVENT_LATER: {"ganti", "ganti waktu", "waktu lain", "ubah", "ubah waktu", "later"},
    EVENT_URGENT: {"mendesak", "urgent", "darurat", "tetap", "tetap ajukan", "ajukan saja"},
}


def _words(data: str, choices: Sequence[Choice]) -> set[str]:
    """Words that mean the button `data` in the intake's questions."""
    if data.startswith("svc:") and len(choices) == 2:
        return _YES  # "ya" on "Maksud Bapak/Ibu: X?"
    return _WORDS.get(data, set())


def interpret(text: str, choices: Sequence[Choice], *, numbers: bool = True) -> str | None:
    """Read typed text as one of the buttons: its number, its label, or a common word."""
    return read_choice(text, choices, lambda data: _words(data, choices), numbers=numbers)


_GREETINGS = {
    *("halo", "hallo", "helo", "hai", "hi", "hello", "hey", "p", "permisi", "tes", "test"),
    *("assalamualaikum", "assalamu alaikum", "salam", "pagi", "siang", "sore", "malam"),
    *("selamat pagi", "selamat siang", "selamat sore", "selamat malam", "min", "halo min"),
    *("good morning", "good afternoon", "good evening"),
}


def is_greeting(text: str) -> bool:
    return simplify(text) in _GREETINGS
