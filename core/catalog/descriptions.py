"""The catalog's descriptions as evidence: a TF-IDF-like bag of words per service and product.

A requester who describes a need without naming the service ("mau undang media untuk liputan")
uses the words the standards use to describe it ("peliputan", "absensi media"). Each service's
description words, and each product's, are kept as a set; a word counts by how few services use
it (names and descriptions alike: 1 for one service, falling towards 0 as more share it), and
qualifiers count half. Only the Indonesian wording is used: English queries reach these words
through the lexicon, and the English wording would add its function words as evidence.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from core.catalog.reading import QUALIFIER_WEIGHT, phrase_tokens
from core.catalog.schema import LText, Service

CONTEXT_SATURATION = 2.5  # this many rare, identifying description words make full evidence
CONTEXT_NAMES = 2  # distinct identifying description words that name a service
CONTEXT_RARE = 0.5  # the rarity a description word needs to help name a service
PRODUCT_CONTEXT_FACTOR = 0.8  # a product's description names it a little less than its phrases
PRODUCT_CONTEXT_SATURATION = 1.5  # this much of a product's own description words is full


class Descriptions:
    """Description words of one catalog's services and products, and their weights."""

    def __init__(
        self,
        services: Sequence[Service],
        names: Sequence[set[str]],
        anchors: Sequence[set[str]],
        siblings: Sequence[Sequence[set[str]]],
    ) -> None:
        """names: per service, the words of its (and its products') names and synonyms;
        anchors: per service, those of the service itself; siblings: per service and product,
        the name words of the other products."""
        self.words: list[set[str]] = []  # per service, its and its products' description words
        per_product: list[list[set[str]]] = []
        for service in services:
            own = set(phrase_tokens(_indonesian(service.description)))
            products = [set(phrase_tokens(_indonesian(p.description))) for p in service.products]
            for words in products:
                own |= words
            self.words.append(own)
            per_product.append(products)
        # A product's own description words: those no sibling product uses anywhere, nor the
        # service's own names.
        self._product_own: list[list[frozenset[str]]] = []
        for index, products in enumerate(per_product):
            row = []
            for pindex, words in enumerate(products):
                others = set(siblings[index][pindex])
                for other, other_words in enumerate(products):
                    if other != pindex:
                        others |= other_words
                row.append(frozenset(words - others - anchors[index]))
            self._product_own.append(row)
        every = [names[i] | self.words[i] for i in range(len(self.words))]
        count = len(every)
        frequency = Counter(t for vocab in every for t in vocab)
        self.idf = {
            t: math.log(1.0 + count / df) / math.log(1.0 + count) if count > 1 else 1.0
            for t, df in frequency.items()
        }
        self.all_words = frozenset(frequency)  # names and descriptions
        self._users: dict[str, list[int]] = defaultdict(list)
        for index, vocab in enumerate(self.words):
            for token in vocab:
                self._users[token].append(index)

    def evidence(
        self, strength: dict[str, float], qualifier: dict[str, bool]
    ) -> dict[int, tuple[float, bool]]:
        """Per service: description evidence (0-100) and whether it names the service.

        Each matched description word adds its similarity times its rarity (qualifiers half);
        CONTEXT_SATURATION of that is full evidence. CONTEXT_NAMES distinct identifying words,
        rare enough, name a service this way.
        """
        sums: dict[int, float] = defaultdict(float)
        naming: dict[int, int] = defaultdict(int)
        for token, similarity in strength.items():
            users = self._users.get(token)
            if not users:
                continue
            idf = self.idf.get(token, 0.0)
            weight = QUALIFIER_WEIGHT if qualifier.get(token, False) else 1.0
            for service in users:
                sums[service] += similarity * idf * weight
                if weight == 1.0 and idf >= CONTEXT_RARE:
                    naming[service] += 1
        return {
            service: (
                100.0 * min(1.0, total / CONTEXT_SATURATION),
                naming[service] >= CONTEXT_NAMES,
            )
            for service, total in sums.items()
        }

    def product_evidence(
        self, service: int, strength: dict[str, float], qualifier: dict[str, bool]
    ) -> dict[int, float]:
        """Per product: how much of its own description words the query has (0-100)."""
        out: dict[int, float] = {}
        for pindex, own in enumerate(self._product_own[service]):
            got = 0.0
            for token in own:
                similarity = strength.get(token, 0.0)
                if similarity:
                    got += similarity * (QUALIFIER_WEIGHT if qualifier.get(token) else 1.0)
            if got:
                share = min(1.0, got / PRODUCT_CONTEXT_SATURATION)
                out[pindex] = 100.0 * share * PRODUCT_CONTEXT_FACTOR
        return out


def _indonesian(text: LText | None) -> str:
    """The Indonesian wording of a localised text ("" when absent)."""
    return text.get("id") if text is not None else ""
