"""Which catalog words a query word stands for.

A word the catalog uses is itself. Otherwise, in this order, the first way that finds anything:
a clitic dropped ("arahannya"), a shared root (the naive affix stripper and the Sastrawi
stemmer, applied to both sides), a run-together pair or a chat spelling of a catalog phrase
("subdomain", "kolokasi"), two catalog words typed as one ("videoconference"), the Indonesian
spelling of an English loanword ("integration"), a related IT word from the lexicon ("modem"),
a typo within an edit distance that grows with the word, or a spelling sharing most character
trigrams. Each way has its similarity; the matcher weighs the evidence by it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from core.catalog.lexicon import RELATED
from core.catalog.normalize import (
    KNOWN_WORDS,
    SLANG,
    STOPWORDS,
    affix_variants,
    cognate,
    split_compound,
    stem,
)
from core.catalog.reading import english_bases, is_qualifier

# Similarities of the ways a query word can stand for a catalog word.
SIMILARITY = {
    "exact": 1.0,
    "alias": 0.95,
    "root": 0.9,
    "compound": 0.9,
    "cognate": 0.9,
    "related": 0.8,
    "ngram": 0.7,
}
CLITICS = ("nya", "nye", "ne", "e", "ku", "mu", "lah", "kah", "pun")
NGRAM_MIN_DICE = 0.72  # character-trigram overlap for a spelling the typo search missed
_CACHE_LIMIT = 4096

Found = tuple[tuple[str, float, str], ...]  # (catalog word, similarity, how)


class Spelling:
    """Resolves query words against one catalog's words; build once per catalog."""

    def __init__(
        self,
        names: frozenset[str],
        words: frozenset[str],
        qualifier: dict[str, bool],
        pairs: Iterable[tuple[str, ...]],
    ) -> None:
        """names: the words of names and synonyms (typos are looked up among these);
        words: those and the descriptions' words; qualifier: which of them are qualifiers;
        pairs: two-word names ("sub domain"), whose run-together spelling is an alias."""
        self._vocab = names
        self._all_vocab = words
        self._qualifier = qualifier
        self._resolved: dict[str, Found] = {}
        self._roots: dict[str, set[str]] = defaultdict(set)
        for token in self._all_vocab:
            for root in (*affix_variants(token), stem(token)):
                if root != token:
                    self._roots[root].add(token)
        # Run-together two-word phrases ("subdomain", "datacloud") and chat spellings whose
        # standard form the catalog uses ("kolokasi"), so that typos of those resolve too.
        self._aliases: dict[str, tuple[str, ...]] = {}
        for pair in pairs:
            if len(pair) == 2:
                self._aliases.setdefault("".join(pair), pair)
        for spelling, standard in SLANG.items():
            known = tuple(w for w in standard.split() if w in self._vocab)
            if len(spelling) >= 5 and known and spelling not in self._vocab:
                self._aliases.setdefault(spelling, known)
        # Bucketed so that a typo lookup compares against a few dozen words, not all of them.
        self._typo_buckets: dict[tuple[int, str], list[str]] = defaultdict(list)
        for token in sorted(self._vocab | set(self._aliases)):
            for key in typo_keys(token):
                self._typo_buckets[len(token), key].append(token)
        self._trigrams: dict[str, set[str]] = defaultdict(set)
        self._trigram_counts: dict[str, int] = {}
        for token in self._all_vocab:
            if len(token) >= 5:
                grams = trigrams(token)
                self._trigram_counts[token] = len(grams)
                for gram in grams:
                    self._trigrams[gram].add(token)

    def clear(self) -> None:
        """Forget the words resolved so far (the benchmark measures unseen words)."""
        self._resolved.clear()

    def resolve(self, word: str) -> Found:
        """Catalog words a query word stands for, with a similarity in (0, 1] and how."""
        cached = self._resolved.get(word)
        if cached is not None:
            return cached
        found = self._lookup(word)
        if len(self._resolved) >= _CACHE_LIMIT:
            self._resolved.clear()
        self._resolved[word] = found
        return found

    def _lookup(self, word: str) -> Found:
        """Exact word, shared root, run-together pair, loanword, related word, then typo."""
        if word in self._all_vocab:
            return ((word, SIMILARITY["exact"], "exact"),)
        for clitic in CLITICS:  # "arahannya", "internete": the catalog word itself
            base = word[: -len(clitic)]
            if word.endswith(clitic) and len(base) >= 3 and base in self._all_vocab:
                return ((base, SIMILARITY["exact"], "clitic"),)
        same_root = self._same_root(word)
        if is_qualifier(word):  # "buka" is not "keterbukaan": a qualifier stays one
            same_root = {t for t in same_root if self._qualifier.get(t, False)}
        if same_root:
            return tuple((t, SIMILARITY["root"], "root") for t in sorted(same_root))
        if word in self._aliases:
            return tuple((t, SIMILARITY["alias"], "alias") for t in self._aliases[word])
        pair = split_compound(word, self._vocab)
        if pair is not None:
            return tuple((t, SIMILARITY["compound"], "compound") for t in pair)
        loan = cognate(word)
        if loan is not None:
            known = {loan} & self._all_vocab or self._same_root(loan)
            if known:
                return tuple((t, SIMILARITY["cognate"], "cognate") for t in sorted(known))
        related = tuple(t for t in RELATED.get(word, ()) if t in self._all_vocab)
        if related:
            return tuple((t, SIMILARITY["related"], "related") for t in related)
        return self._typo(word) or self._ngram(word)

    def _same_root(self, word: str) -> set[str]:
        """Catalog words sharing a root with word ("diuji" ~ "pengujian", "dites" ~ "uji")."""
        roots = {*affix_variants(word), stem(word), *english_bases(word)}
        roots |= {SLANG[r] for r in roots if r in SLANG and " " not in SLANG[r]}
        found = {r for r in roots if r in self._all_vocab and r != word}
        for root in (*roots, word):
            found.update(self._roots.get(root, ()))
        found.discard(word)
        return found

    def _typo(self, word: str) -> Found:
        """The closest catalog word within a length-scaled edit distance, if any."""
        if len(word) < 4 or word in KNOWN_WORDS or word in STOPWORDS:
            return ()
        max_distance = 1 if len(word) <= 7 else 2 if len(word) <= 11 else 3
        candidates: set[str] = set()
        for length in range(len(word) - max_distance, len(word) + max_distance + 1):
            for key in typo_keys(word):
                candidates.update(self._typo_buckets.get((length, key), ()))
        best = process.extractOne(
            word, sorted(candidates), scorer=OSA.distance, score_cutoff=max_distance
        )
        if best is None:
            return ()
        similarity = 0.95 - 0.1 * float(best[1])
        return tuple(
            (token, similarity, "typo") for token in self._aliases.get(best[0], (best[0],))
        )

    def _ngram(self, word: str) -> Found:
        """The catalog word sharing most character trigrams with word, if close enough."""
        if len(word) < 6 or word in KNOWN_WORDS:
            return ()
        grams = trigrams(word)
        counts: Counter[str] = Counter()
        for gram in grams:
            counts.update(self._trigrams.get(gram, ()))
        best: tuple[float, str] | None = None
        for token, shared in counts.items():
            dice = 2.0 * shared / (len(grams) + self._trigram_counts[token])
            if dice >= NGRAM_MIN_DICE and (best is None or dice > best[0]):
                best = (dice, token)
        if best is None:
            return ()
        return ((best[1], SIMILARITY["ngram"], "ngram"),)


def trigrams(word: str) -> frozenset[str]:
    """Character trigrams of a word with its ends marked ("#ho", "hos", ..., "ng#")."""
    padded = f"#{word}#"
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def typo_keys(word: str) -> tuple[str, str, str]:
    """Typo bucket keys: the first letter, the second, and the first two in either order.

    A word and its typo share at least one unless the typo hits both of the first two letters
    other than by swapping them ("wifi"/"wfii" share the first letter, "wifi"/"iwfi" the pair).
    """
    return ("1" + word[0], "2" + word[1], "".join(sorted(word[:2])))
