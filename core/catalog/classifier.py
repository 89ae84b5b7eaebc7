"""A small classifier learnt from example requests, the matcher's second opinion.

The matcher (core.catalog.matching) reads a text through the catalog's own words; it misses
requests that describe a need in words no catalog entry uses ("kuota penyimpanan website kami
penuh", "cek kerentanan + stress test"). People who wrote example requests per service
(`examples/*.yaml`, the same layout as the test sets) used such words, so a multinomial naive
Bayes over the examples' word roots, word pairs and character trigrams learns them.

It only ever backs the matcher up: see `Matcher._second_opinion`. Measured by training on one
example set and testing on the other, it turned 3 points of "right service, not confident" into
confident matches at no cost on the other set; it is not trusted on its own.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import pairwise
from pathlib import Path

import yaml

from core.catalog.normalize import is_content, stem, strip_letter, tokens

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
NONE = "none"  # greetings, small talk, what the agency does not offer
ALPHA = 0.2  # additive smoothing
TRIGRAM_WEIGHT = 0.3  # a shared spelling fragment says less than a shared root


def label_of(key: str) -> str:
    """An example set's key as a class: "service/product", "service/" or "none"."""
    if key == NONE:
        return NONE
    service, _, product = key.partition("/")
    return f"{service}/{'' if product in ('', 'null') else product}"


@cache
def _example_files() -> tuple[dict[str, object], ...]:
    return tuple(
        yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for path in sorted(EXAMPLES_DIR.glob("*.yaml"))
    )


def examples_for(agency: str) -> list[tuple[str, str]]:
    """(text, class) of every built-in example request written for the agency."""
    out: list[tuple[str, str]] = []
    for data in _example_files():
        groups = data.get(agency)
        if not isinstance(groups, dict):
            continue
        for key, value in groups.items():
            for text in _texts(value):
                out.append((text, label_of(str(key))))
    return out


def _texts(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):  # {"tune": [...], "heldout": [...]}
        for item in value.values():
            yield from _texts(item)


def features(text: str) -> dict[str, float]:
    """Word roots, pairs of neighbouring roots, and character trigrams of each root."""
    roots = [stem(t) for t in tokens(strip_letter(text)) if is_content(t)]
    found: defaultdict[str, float] = defaultdict(float)
    for feature in [*roots, *(f"{a} {b}" for a, b in pairwise(roots))]:
        found[feature] += 1.0
    for root in roots:
        padded = f"#{root}#"
        for i in range(len(padded) - 2):
            found[f"3:{padded[i : i + 3]}"] += TRIGRAM_WEIGHT
    return found


class NaiveBayes:
    """Multinomial naive Bayes over `features`; build once per agency."""

    def __init__(self, examples: Sequence[tuple[str, str]]) -> None:
        counts: dict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
        documents: Counter[str] = Counter()
        vocabulary: set[str] = set()
        for text, label in examples:
            found = features(text)
            learnt = counts[label]  # a class of stopword-only texts ("halo") still counts
            for feature, weight in found.items():
                learnt[feature] += weight
            documents[label] += 1
            vocabulary.update(found)
        total = sum(documents.values())
        self._prior = {c: math.log(n / total) for c, n in documents.items()}
        self._unseen: dict[str, float] = {}
        self._log: dict[str, dict[str, float]] = {}
        for label, words in counts.items():
            denominator = sum(words.values()) + ALPHA * len(vocabulary)
            self._unseen[label] = math.log(ALPHA / denominator)
            self._log[label] = {w: math.log((n + ALPHA) / denominator) for w, n in words.items()}

    def __bool__(self) -> bool:
        return bool(self._prior)

    def classify(self, text: str) -> tuple[str, float]:
        """The likeliest class and its posterior probability (0.0 when nothing was learnt)."""
        if not self._prior:
            return NONE, 0.0
        found = features(text)
        scores: dict[str, float] = {}
        for label, prior in self._prior.items():
            log, unseen = self._log[label], self._unseen[label]
            scores[label] = prior + sum(n * log.get(w, unseen) for w, n in found.items())
        top = max(scores.values())
        weights = {c: math.exp(s - top) for c, s in scores.items()}
        best = max(weights, key=lambda c: (weights[c], c))
        return best, weights[best] / sum(weights.values())
