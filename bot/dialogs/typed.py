"""Typed text read as one of the buttons on offer: its number, its label, a word that means it,
or a unique part of one label. Every question with buttons (the intake dialog and every form)
reads typed answers here, so "2", "kirim" and "perbaikan" work the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

from rapidfuzz import fuzz

from bot.messages import Choice

_CLOSE = 85  # rapidfuzz ratio from which typed text counts as a button's label

# Words for a button, given the button's data.
Words = Callable[[str], Collection[str]]

# ASCII digits only: str.isdigit() also accepts "²" (int() refuses it) and "٣" (another script).
_DIGITS = re.compile(r"[0-9]+")
# More digits than this is no list position or officer number anyone types (and int() refuses
# strings over 4300 digits).
_MAX_DIGITS = 18


def ascii_number(text: str) -> int | None:
    """`text` as a whole number written in ASCII digits ("12"), else None ("²", "1a", "")."""
    if len(text) > _MAX_DIGITS or not _DIGITS.fullmatch(text):
        return None
    return int(text)


def simplify(text: str) -> str:
    """Lower case, punctuation as spaces, single spaces: how typed answers are compared."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def no_words(_data: str) -> Collection[str]:
    """No button has words of its own."""
    return ()


def read_choice(
    text: str, choices: Sequence[Choice], words: Words = no_words, *, numbers: bool = True
) -> str | None:
    """The data of the button that `text` names, or None.

    `numbers` False: a number is an answer of its own (a count, a phone), not a button's place
    in the list, and parts of labels do not count either.
    """
    simple = simplify(text)
    if numbers and _DIGITS.fullmatch(simple):
        place = ascii_number(simple)
        return choices[place - 1].data if place and place <= len(choices) else None
    for candidate in choices:
        if simplify(candidate.label) == simple:
            return candidate.data
    raw = text.strip().casefold()  # "-" for Lewati has no letters left once simplified
    for candidate in choices:
        meaning = words(candidate.data)
        if (simple and simple in meaning) or raw in meaning:
            return candidate.data
    if numbers and len(simple) >= 3:
        # "perbaikan" for "Perbaikan dan/atau pemeliharaan jaringan": only when unambiguous.
        found = [c.data for c in choices if simple in simplify(c.label)]
        if len(found) == 1:
            return found[0]
        # "kirm", "lewatin": close to exactly one label (a typo, not another answer).
        close = [c.data for c in choices if fuzz.ratio(simple, simplify(c.label)) >= _CLOSE]
        if len(close) == 1:
            return close[0]
    return None
