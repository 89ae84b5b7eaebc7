"""Counts as people type them: "25", "1.500", "40an", "kira2 40 orang", "empat puluh",
"dua puluh lima", "about forty". Stored as the number alone, as text."""

from __future__ import annotations

import re
from decimal import Decimal

# Small numbers written as words, for "dua hari lagi", "jam sembilan", "empat puluh".
UNIT_WORDS = {
    **dict.fromkeys(("nol", "zero"), 0),
    **dict.fromkeys(("satu", "one"), 1),
    **dict.fromkeys(("dua", "two"), 2),
    **dict.fromkeys(("tiga", "three"), 3),
    **dict.fromkeys(("empat", "four"), 4),
    **dict.fromkeys(("lima", "five"), 5),
    **dict.fromkeys(("enam", "six"), 6),
    **dict.fromkeys(("tujuh", "seven"), 7),
    **dict.fromkeys(("delapan", "eight"), 8),
    **dict.fromkeys(("sembilan", "nine"), 9),
}
TEEN_WORDS = {
    **dict.fromkeys(("sepuluh", "ten"), 10),
    **dict.fromkeys(("sebelas", "eleven"), 11),
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS_WORDS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALE_WORDS = {
    **dict.fromkeys(("ribu", "ribuan", "thousand"), 1000),
    **dict.fromkeys(("juta", "jutaan", "million"), 1_000_000),
}
_HUNDRED_WORDS = ("ratus", "ratusan", "hundred")
_NO_PART = 10**12
_TEN_WORDS = ("puluh", "puluhan")
_NUMBER_WORDS = {
    *UNIT_WORDS,
    *TEEN_WORDS,
    *_TENS_WORDS,
    *_SCALE_WORDS,
    *_HUNDRED_WORDS,
    *_TEN_WORDS,
    "belas",
    "seratus",
    "seribu",
    "sejuta",
}

# "kira2 40", "sekitar 40", "± 40", "about 40": the count is stored as said, without the "about".
_APPROX = re.compile(
    r"±|\+/-|\+-|~"
    r"|\b(?:kira[\s-]*kira|kira2|kira|kurang\s+lebih|lebih\s+kurang|kurleb|kl|k\.l|"
    r"sekitar|sekitaran|kisaran|kurang-lebih|hampir|lebih\s+dari|"
    r"approximately|approx|about|around|roughly|circa|ca|maybe|mungkin|almost|nearly|"
    r"more\s+than|over|some)\b\.?"
)
_NUMBER_TOKEN = re.compile(r"(?<![A-Za-z0-9])[0-9]+(?:[.,][0-9]+)*(?![A-Za-z0-9])")
_RANGE_JOIN = re.compile(r"\s*(?:-|–|s\.?\s?d\.?|s/d|sampai|hingga|to|until|atau|or|/)\s*")
_DIGIT_SCALES = {
    **dict.fromkeys(("ratus", "hundred"), 100),
    **dict.fromkeys(("ribu", "rb", "thousand"), 1000),
    **dict.fromkeys(("juta", "jt", "million"), 1_000_000),
}
_DIGIT_SCALE = re.compile(rf"^\s*(?P<word>{'|'.join(_DIGIT_SCALES)})\b")


def normalize_number(text: str) -> str | None:
    """A non-negative number; Indonesian "1.500" means fifteen hundred, "2,5" two and a half."""
    value = text.strip().replace(" ", "")
    if re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+", value):
        value = value.replace(".", "")
    value = value.replace(",", ".")
    if not re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", value):
        return None
    return value


def read_number(text: str) -> str | None:
    """A count as people type it: "25", "40an", "kira2 40 orang", "sekitar 40", "± 40",
    "empat puluh", "dua puluh lima", "seratus", "about forty", "30-40" (the larger, to plan
    for). Stored as the number alone ("40"); None when there is no one number in `text`."""
    exact = normalize_number(text)
    if exact is not None:
        return exact
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        return None
    value = text.casefold().strip()
    if value.startswith(("-", "minus")):
        return None
    value = _APPROX.sub(" ", value)
    value = re.sub(r"(?<=[0-9])\s*-?\s*(?:an|ish)\b", " ", value)  # "40an", "40-an", "40ish"
    tokens = list(_NUMBER_TOKEN.finditer(value))
    if not tokens:
        return _number_in_words(value)
    if re.search(r"[0-9]", _NUMBER_TOKEN.sub(" ", value)):
        return None  # a digit inside a word ("2x", "lt3"): not a count to guess at
    numbers = [normalize_number(token.group(0)) for token in tokens]
    if len(tokens) == 2 and _RANGE_JOIN.fullmatch(value[tokens[0].end() : tokens[1].start()]):
        low, high = numbers
        if low is None or high is None:
            return None
        return max(low, high, key=float)
    if len(tokens) != 1 or numbers[0] is None:
        return None
    scale = _DIGIT_SCALE.match(value[tokens[0].end() :])
    if scale:  # "2 ratus", "1,5 juta"
        scaled = Decimal(numbers[0]) * _DIGIT_SCALES[scale["word"]]
        return str(int(scaled)) if scaled == scaled.to_integral_value() else str(scaled)
    return numbers[0]


def _number_in_words(text: str) -> str | None:
    """ "empat puluh" → "40", "dua ribu lima ratus" → "2500", "twenty-five" → "25"; None when
    the words are not one number ("lima orang dari dua kantor", "empat lima")."""
    run = _number_run(text)
    if not run:
        return None
    total, group, unit = 0, 0, None
    last = _NO_PART  # the size of the group's last part: each part is smaller than the one before
    for word in run:
        if word in ("dan", "and"):
            continue
        if word in UNIT_WORDS or word in ("a", "an"):
            if unit is not None or last <= 1:
                return None
            unit = UNIT_WORDS.get(word, 1)
            continue
        if word in _SCALE_WORDS or word in ("seribu", "sejuta"):
            if word in ("seribu", "sejuta"):
                if unit is not None or group:
                    return None
                unit = 1
            amount = group + (unit or 0)
            if not amount:
                return None
            scale = _SCALE_WORDS.get(word) or (1000 if word == "seribu" else 1_000_000)
            total, group, unit, last = total + amount * scale, 0, None, _NO_PART
            continue
        if word == "seratus":
            if unit is not None:
                return None
            unit = 1
        if word == "belas" or word in _TEN_WORDS or word in _HUNDRED_WORDS or word == "seratus":
            if not unit:
                return None  # "puluhan" alone: no number
            if word == "belas":
                part, size = 10 + unit, 1
            elif word in _TEN_WORDS:
                part, size = unit * 10, 10
            else:
                part, size = unit * 100, 100
            unit = None
        else:  # "sepuluh", "sebelas", "twelve", "forty"
            if unit is not None:
                return None
            part = TEEN_WORDS.get(word) or _TENS_WORDS[word]
            size = 1 if word in TEEN_WORDS else 10
        if size >= last:
            return None
        group, last = group + part, size
    return str(total + group + (unit or 0))


def _number_run(text: str) -> list[str] | None:
    """The number words of `text` if they stand together ("sekitar empat puluh orang"), else
    None (two numbers apart, or none)."""
    words = re.sub(r"[^a-z\s]", " ", text.replace("-", " ")).split()
    run: list[str] = []
    ended = False
    for place, word in enumerate(words):
        following = words[place + 1] if place + 1 < len(words) else ""
        is_number = word in _NUMBER_WORDS or (
            word in ("a", "an") and following in (*_HUNDRED_WORDS, *_SCALE_WORDS)
        )
        joins = bool(run) and word in ("dan", "and") and following in _NUMBER_WORDS
        if is_number or joins:
            if ended:
                return None
            run.append(word)
        elif run:
            ended = True
    return run or None
