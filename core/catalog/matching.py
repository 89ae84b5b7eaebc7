"""Find the catalog service (and product) a requester's free text is about.

How a text is read:

1. A long letter loses its wrapping (address block, "Dengan hormat", "Demikian ...", the
   signature); chat spellings, regional speech ("kamek", "mboten", "nyuwun") and English become
   standard Indonesian (core.catalog.normalize, core.catalog.lexicon).
2. Every remaining word is looked up in the catalog's own words: the same word, the same root
   (Sastrawi stemmer, plus a naive affix stripper for chat forms such as "ngecek"), two words run
   together, the Indonesian spelling of an English loanword ("integration"), a related IT word
   from the lexicon ("modem" -> jaringan), a typo (optimal-string-alignment distance), or a
   close character-trigram spelling.
3. Each service is scored on two kinds of evidence. Its *phrases* (code, names and `synonyms`,
   of the service and its products) say how much of a naming phrase the text contains; its
   *context* (the service's and products' descriptions) is a TF-IDF-like bag of words, weighted
   by how few services use each word, that backs a service up when the text describes a need
   without naming it. Coverage (how much of the text the service explains) and the evidence
   for the best product complete the score.
4. Words are of two kinds. Identifying words ("wifi", "hosting", "zoom") can name a service on
   their own. Qualifier words ("rusak", "baru", "rekomendasi", "akun") say what is wanted from
   a service but not which one: they pick the product and never make a match by themselves,
   which keeps "printer saya rusak" from landing on network repair. A product is picked by its
   own words, its description's words, and the kind of request its words mostly are (repair,
   build, design, advice, test, event, account: lexicon.INTENTS), so "lemah" finds the repair
   product that only lists "rusak" and "mati".
5. In a text that says what it asks for after a request word ("Sehubungan dengan rapat ...,
   kami mohon fasilitasi video conference"), what comes before that word counts less; a vague
   name that is the object of the request ("minta data") names its service.
6. A complaint about how the office served someone ("petugas tidak ramah", "pelayanan lambat,
   saya kecewa") goes to the agency's complaints service when the catalog has one; elsewhere it
   is never confidently matched to the service it mentions. A text about the requester's own
   phone or home ("kuota internet saya habis") is never confident either.

`Matcher.explain` returns the same decision with the words that contributed to each candidate
(`servicedesk match --explain`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.catalog.classifier import NONE, NaiveBayes, examples_for
from core.catalog.descriptions import Descriptions
from core.catalog.lexicon import COMPLAINT_WORDS, REQUEST_MARKERS, REQUEST_OBJECTS
from core.catalog.normalize import is_content, stem, strip_letter, tokens
from core.catalog.reading import (
    GENERIC,
    QUALIFIER_WEIGHT,
    WEAK,
    complaint_cues,
    denied_complaint,
    intents,
    is_qualifier,
    names_a_place,
    personal_cues,
    phrase_tokens,
)
from core.catalog.results import Candidate, Explanation, Match, MatchResult, Term
from core.catalog.schema import Catalog, LText, Service
from core.catalog.spelling import Found, Spelling

__all__ = [  # the API bot/ and the CLI use; the result types live in core.catalog.results
    "Candidate",
    "Explanation",
    "Match",
    "MatchResult",
    "Matcher",
    "Term",
    "complaint_cues",
    "matcher_for",
    "personal_cues",
]

CONFIDENT_SCORE = 65.0  # below this the bot shows the menu
CONFIDENT_MARGIN = 10.0  # and the runner-up service must trail by this much
MIN_SERVICE_EVIDENCE = 60.0  # an identifying phrase must be mostly present
SUGGEST_STRENGTH = 40.0  # weaker services are not even offered as "did you mean"
SUGGEST_POOL = 12  # product words alone suggest services only when few services use them
PRODUCT_EVIDENCE = 50.0  # a product is named only with this much of its own words
PRODUCT_MARGIN = 15.0  # and a clear lead over its siblings; otherwise product is None
COVERAGE_SHARE = 0.25  # of the score: how much of the query the service explains
PRODUCT_SHARE = 0.15  # of the score: evidence for the chosen product
POSITION_PENALTY = 0.15  # at most, for a service first named at the end of the query
BROAD_PENALTY = 0.15  # per extra service sharing a word ("server": hosting and colocation)
WEAK_PHRASE_FACTOR = 0.6  # a service-level phrase made only of qualifiers ("tanya")
WEAK_EVIDENCE_FACTOR = 0.6  # "baru" hints at a product less than "rusak" does
CONTEXT_CREDIT = 0.6  # a word only a service's description has explains this much of it
CONTEXT_FACTOR = 0.75  # description evidence alone reaches at most this share of a phrase's
FOCUS_FACTOR = 0.7  # words before the request word ("sehubungan dengan rapat ..., mohon ...")
SHORT_TEXT = 6  # content words: beyond this, words the catalog lacks explain away less
LONG_TEXT_FLOOR = 0.35  # the least such a word still counts in a very long text
COMPLAINT_SCORE = 90.0  # a complaint's match to the complaints service
INTENT_FACTOR = 0.7  # a word of the product's kind, not one of its own words
WEAK_INTENT_FACTOR = 0.75  # "baru" alone says "build" less than "pasang" does
EXTRA_WORD_EVIDENCE = 15.0  # per further query word for a product's own words
INTENT_MIN_WORDS = 2  # a product is of a kind when at least this many of its words are
INTENT_SHARE = 0.5  # and they are at least this share of its words of any kind
SECOND_OPINION = 0.9  # the example-learnt classifier's least posterior to back a service up
LEARNT_MIN_WORDS = 3  # content words: a shorter text ("server") is ambiguous, not undescribed


@dataclass(frozen=True)
class _Phrase:
    service: int
    product: int  # -1: the service itself
    tokens: tuple[str, ...]
    weights: tuple[float, ...]
    identifying: bool


@dataclass
class _Scored:
    service: int
    strength: float = 0.0  # S: how well an identifying phrase is present
    named: bool = False  # whether S comes from a phrase with an identifying word
    coverage: float = 0.0  # share of the query this service explains
    products: dict[int, float] = field(default_factory=dict)  # E per product
    context: float = 0.0  # description evidence, 0-100


@dataclass
class _Reading:
    """Everything `match` works out about one text."""

    words: list[str]
    hits: list[Found]
    factors: list[float]
    strength: dict[str, float]
    scored: dict[int, _Scored]
    ranked: list[Match]
    confident: bool
    letter_stripped: bool = False
    focus: str | None = None
    complaint: tuple[str, ...] = ()
    personal: tuple[str, ...] = ()
    learnt: tuple[str, float] | None = None  # the classifier's class and posterior, if asked


class Matcher:
    """Matches free text against one catalog; build once, query many times."""

    def __init__(
        self, catalog: Catalog, *, examples: Sequence[tuple[str, str]] | None = None
    ) -> None:
        """`examples` are (text, class) pairs to learn from (core.catalog.classifier); by
        default the built-in examples for the catalog's agency, none for another agency."""
        self.catalog = catalog
        learnt = examples_for(catalog.agency.code) if examples is None else examples
        self._classifier = NaiveBayes(learnt)
        self._services = [s.code for s in catalog.services]
        self._products = [[p.code for p in s.products] for s in catalog.services]
        self._phrases: list[_Phrase] = []
        self._seen: set[tuple[int, int, tuple[str, ...]]] = set()
        for index, service in enumerate(catalog.services):
            self._add_service(index, service)
        self._index_words()
        # Per service and product: the words of the other products' phrases.
        self._sibling_words: list[list[set[str]]] = [
            [set() for _ in products] for products in self._products
        ]
        for phrase in self._phrases:
            for pindex, words_ in enumerate(self._sibling_words[phrase.service]):
                if phrase.product >= 0 and phrase.product != pindex:
                    words_.update(phrase.tokens)
        self._descriptions = Descriptions(
            catalog.services, self._service_vocab, self._anchors, self._sibling_words
        )
        self._context = self._descriptions.words
        self._all_vocab = self._descriptions.all_words
        for token in self._all_vocab - self._vocab:
            self._qualifier[token] = is_qualifier(token)
        self._own = [self._distinctive(phrase) for phrase in self._phrases]
        self._product_intents = self._intents_of_products()
        self._complaints = self._complaints_service(catalog.services)
        pairs = (phrase.tokens for phrase in self._phrases)
        self._spelling = Spelling(self._vocab, self._all_vocab, self._qualifier, pairs)

    # --- building the index -------------------------------------------------------------------

    def _index_words(self) -> None:
        """Who uses each catalog word, and how much it says on its own."""
        self._service_vocab: list[set[str]] = [set() for _ in self._services]
        self._anchors: list[set[str]] = [set() for _ in self._services]  # service-level words
        self._uses: dict[str, dict[int, list[int]]] = defaultdict(dict)  # word -> service -> ids
        for pid, phrase in enumerate(self._phrases):
            for token in phrase.tokens:
                self._uses[token].setdefault(phrase.service, []).append(pid)
                self._service_vocab[phrase.service].add(token)
                if phrase.product < 0:
                    self._anchors[phrase.service].add(token)
        self._vocab = frozenset(self._uses)
        self._qualifier = {t: is_qualifier(t) for t in self._vocab}
        sharing = Counter(t for vocab in self._service_vocab for t in vocab)
        self._specificity = {t: 1.0 / (1.0 + BROAD_PENALTY * (sharing[t] - 1)) for t in self._vocab}
        # The services a word can name on its own: identifying words, and the words of
        # service-level phrases made only of qualifiers ("tanya" for konsultasi).
        self._names: dict[str, set[int]] = defaultdict(set)
        for phrase in self._phrases:
            weak_name = phrase.product < 0 and not phrase.identifying
            for token in phrase.tokens:
                if weak_name or not self._qualifier[token]:
                    self._names[token].add(phrase.service)

    def _intents_of_products(self) -> list[list[str | None]]:
        """Per service and product: the kind of request its own words mostly are, if any."""
        counts: list[list[Counter[str]]] = [[Counter() for _ in ps] for ps in self._products]
        seen: set[tuple[int, int, str]] = set()
        for pid, phrase in enumerate(self._phrases):
            if phrase.product < 0:
                continue
            for token, _ in self._own[pid]:
                key = (phrase.service, phrase.product, token)
                if key not in seen:
                    seen.add(key)
                    counts[phrase.service][phrase.product].update(intents(token))
        out: list[list[str | None]] = []
        for per_service in counts:
            row: list[str | None] = []
            for counter in per_service:
                ranked = counter.most_common(2)
                total = sum(counter.values())
                clear = ranked and ranked[0][1] >= INTENT_MIN_WORDS
                clear = clear and ranked[0][1] >= INTENT_SHARE * total
                clear = clear and (len(ranked) < 2 or ranked[1][1] < ranked[0][1])
                row.append(ranked[0][0] if clear else None)
            out.append(row)
        return out

    def _intent_evidence(
        self, service: int, words_: Sequence[str], factors: Sequence[float]
    ) -> dict[int, float]:
        """Per product of a known kind: how much the query asks for that kind (0-100)."""
        kinds = self._product_intents[service]
        if not any(kinds):
            return {}
        got: dict[str, float] = defaultdict(float)
        for word, factor in zip(words_, factors, strict=True):
            weight = factor * (WEAK_INTENT_FACTOR if word in WEAK else 1.0)
            for kind in intents(word):
                got[kind] += weight
        return {
            pindex: 100.0 * INTENT_FACTOR * min(1.0, got[kind])
            for pindex, kind in enumerate(kinds)
            if kind is not None and got.get(kind)
        }

    def _complaints_service(self, services: Sequence[Service]) -> int | None:
        """The service that takes complaints ("pengaduan"), if the catalog has one."""
        for index, service in enumerate(services):
            names = [service.code.replace("-", " "), *_ltexts(service.name, service.short_name)]
            found = {t for text in names for t in tokens(text)}
            if any(t in COMPLAINT_WORDS or stem(t) in COMPLAINT_WORDS for t in found):
                return index
        return None

    def _distinctive(self, phrase: _Phrase) -> tuple[tuple[str, float], ...]:
        """A product phrase's own words: its qualifiers if any ("wifi mati" -> "mati"), else
        the words no sibling product uses ("wifi acara" -> "acara"), else the words its
        service's phrases do not use ("hosting aplikasi" -> "hosting")."""
        if phrase.product < 0:
            return ()
        pairs = list(zip(phrase.tokens, phrase.weights, strict=True))
        own = [(t, w) for t, w in pairs if self._qualifier[t]]
        if not own:
            siblings = self._sibling_words[phrase.service][phrase.product]
            own = [(t, w) for t, w in pairs if t not in siblings]
        if not own:
            own = [(t, w) for t, w in pairs if t not in self._anchors[phrase.service]]
        return tuple(own)

    def _add_service(self, index: int, service: Service) -> None:
        """Collect the phrases naming a service and each of its products."""
        texts = [service.code.replace("-", " "), *_ltexts(service.name, service.short_name)]
        self._add_phrases(index, -1, [*texts, *service.synonyms])
        for pindex, product in enumerate(service.products):
            names = _ltexts(product.name, product.short_name)
            texts = [product.code.replace("-", " "), *names, *product.synonyms]
            self._add_phrases(index, pindex, texts)

    def _add_phrases(self, service: int, product: int, texts: Iterable[str]) -> None:
        """Normalise texts into weighted phrases, skipping empty and duplicate ones."""
        for text in texts:
            words_ = tuple(dict.fromkeys(phrase_tokens(text)))
            if not words_ or (service, product, words_) in self._seen:
                continue
            self._seen.add((service, product, words_))
            qualifiers = [is_qualifier(w) for w in words_]
            weights = tuple(QUALIFIER_WEIGHT if q else 1.0 for q in qualifiers)
            self._phrases.append(_Phrase(service, product, words_, weights, not all(qualifiers)))

    # --- matching ------------------------------------------------------------------------------

    def clear_cache(self) -> None:
        """Forget the query words resolved so far (for measuring the cost of unseen words)."""
        self._spelling.clear()

    def match(self, text: str, *, limit: int = 3) -> MatchResult:
        """Rank the (service, product) pairs the text may be about, best first."""
        reading = self._read(text)
        return MatchResult(query=text, confident=reading.confident, matches=reading.ranked[:limit])

    def explain(self, text: str, *, limit: int = 3) -> Explanation:
        """The decision `match` makes, with the words that counted for each candidate."""
        reading = self._read(text)
        result = MatchResult(
            query=text, confident=reading.confident, matches=reading.ranked[:limit]
        )
        candidates = []
        for match in result.matches:
            index = self._services.index(match.service)
            entry = reading.scored.get(index)
            candidates.append(
                Candidate(
                    match=match,
                    strength=entry.strength if entry else 0.0,
                    coverage=entry.coverage if entry else 0.0,
                    named=entry.named if entry else False,
                    terms=self._terms(index, reading),
                )
            )
        return Explanation(
            result=result,
            words=tuple(reading.words),
            letter_stripped=reading.letter_stripped,
            focus=reading.focus,
            complaint=reading.complaint,
            complaints_service=(
                self._services[self._complaints] if self._complaints is not None else None
            ),
            personal=reading.personal,
            candidates=tuple(candidates),
            learnt=reading.learnt,
        )

    def _terms(self, service: int, reading: _Reading) -> tuple[Term, ...]:
        """The query words that a service's phrases or description contain (and, for the
        complaints service of a complaint, the words that made it one)."""
        vocab = self._service_vocab[service]
        context = self._context[service]
        out: list[Term] = []
        if reading.complaint and service == self._complaints:
            out.extend(Term(cue, cue, "cue", 1.0, "complaint") for cue in reading.complaint)
        for word, found, factor in zip(reading.words, reading.hits, reading.factors, strict=True):
            for token, similarity, how in found:
                if token in vocab:
                    out.append(Term(word, token, how, similarity * factor, "phrase"))
                elif token in context:
                    out.append(Term(word, token, how, similarity * factor, "description"))
        return tuple(out)

    def _read(self, text: str) -> _Reading:
        """Normalise, resolve, score and rank one text."""
        body = strip_letter(text)
        stripped = body != text
        all_tokens = tokens(body)
        complaint = complaint_cues(all_tokens)
        positions = [
            i
            for i, t in enumerate(all_tokens)
            if is_content(t)
            and t not in GENERIC
            and not names_a_place(all_tokens, i)
            and not denied_complaint(all_tokens, i)
        ]
        words_, positions = self._join_split_words([all_tokens[i] for i in positions], positions)
        if not words_:
            return _Reading([], [], [], {}, {}, [], False, stripped, None, complaint)
        hits = [self._spelling.resolve(w) for w in words_]
        factors, focus = self._focus(all_tokens, positions, hits)
        strength: dict[str, float] = {}
        for found, factor in zip(hits, factors, strict=True):
            for token, similarity, _ in found:
                value = similarity * factor
                strength[token] = max(strength.get(token, 0.0), value)
        scored = self._score(words_, hits, factors, strength)
        objects = self._requested(all_tokens, words_, positions)
        self._promote_requested(scored, hits, strength, objects)
        ranked = self._rank(scored, vague=all(w in WEAK for w in words_))
        asked = self._requested(all_tokens, words_, positions, objects_only=False)
        asked_for = {s for i in asked for t, _, _ in hits[i] for s in self._names.get(t, ())}
        if sum(is_content(t) for t in all_tokens) < 2:
            asked_for = set()  # "permisi, mau tanya": the question is still to come
        confident = self._is_confident(scored, ranked, asked_for)
        personal = personal_cues(all_tokens)
        learnt = None
        if complaint:
            ranked, confident = self._as_complaint(ranked)
        elif personal:
            confident = False
        elif (
            self._classifier
            and len(words_) >= LEARNT_MIN_WORDS
            and not (confident and ranked[0].product)
        ):
            learnt = self._classifier.classify(text)
            ranked, confident = self._second_opinion(scored, ranked, confident, learnt)
        return _Reading(
            words_,
            hits,
            factors,
            strength,
            scored,
            ranked,
            confident,
            stripped,
            focus,
            complaint,
            personal,
            learnt,
        )

    def _second_opinion(
        self,
        scored: dict[int, _Scored],
        ranked: list[Match],
        confident: bool,
        learnt: tuple[str, float],
    ) -> tuple[list[Match], bool]:
        """The matcher's ranking, made confident (or given its product) where the classifier
        learnt from example requests is sure of a service the catalog's words also name.

        It only ever agrees with the matcher's own first choice, never matches a text whose
        words name no service (the catalog has the last word on greetings and off-topic
        text), and never fires on complaints or personal matters (handled before).
        """
        label, posterior = learnt
        if label == NONE or posterior < SECOND_OPINION or not ranked:
            return ranked, confident
        service, _, product = label.partition("/")
        top = ranked[0]
        entry = scored.get(self._services.index(top.service))
        if top.service != service or entry is None or not entry.named:
            return ranked, confident
        return [Match(service, top.product or product or None, top.score), *ranked[1:]], True

    def _as_complaint(self, ranked: list[Match]) -> tuple[list[Match], bool]:
        """A complaint goes to the complaints service, or is matched to nothing confidently."""
        if self._complaints is None:
            return ranked, False
        code = self._services[self._complaints]
        others = [m for m in ranked if m.service != code]
        top = max([COMPLAINT_SCORE, *(m.score + CONFIDENT_MARGIN for m in others[:1])])
        return [Match(code, None, round(min(top, 100.0), 1)), *others], True

    def _promote_requested(
        self,
        scored: dict[int, _Scored],
        hits: Sequence[Found],
        strength: dict[str, float],
        objects: Sequence[int],
    ) -> None:
        """A vague name that is what the text asks for ("minta data") names its service,
        unless the word is part of another service's name that the text has ("minta akun
        data cloud")."""
        for index in objects:
            for token, _, _ in hits[index]:
                vaguely_named = self._names.get(token, set())
                if any(
                    self._phrases[pid].identifying
                    and self._strength(self._phrases[pid], strength) >= MIN_SERVICE_EVIDENCE
                    for service, pids in self._uses.get(token, {}).items()
                    if service not in vaguely_named
                    for pid in pids
                ):
                    continue
                for service in self._names.get(token, ()):
                    entry = scored.get(service)
                    if entry is not None and entry.strength > 0 and self._qualifier[token]:
                        entry.named = True
                        entry.strength = min(100.0, entry.strength / WEAK_PHRASE_FACTOR)

    def _requested(
        self,
        all_tokens: Sequence[str],
        words_: Sequence[str],
        positions: Sequence[int],
        *,
        objects_only: bool = True,
    ) -> list[int]:
        """Indices of words that come right after a request word ("minta data", "mau
        tanya"); with objects_only, only things one asks to be given (REQUEST_OBJECTS)."""
        out = []
        for index, (word, position) in enumerate(zip(words_, positions, strict=True)):
            if objects_only and word not in REQUEST_OBJECTS:
                continue
            before = [
                t
                for t in all_tokens[max(0, position - 3) : position]
                if t in REQUEST_MARKERS or t not in GENERIC
            ]
            if any(t in REQUEST_MARKERS for t in before):
                out.append(index)
        return out

    def _focus(
        self,
        all_tokens: Sequence[str],
        positions: Sequence[int],
        hits: Sequence[Found],
    ) -> tuple[list[float], str | None]:
        """Down-weight what comes before the request word when a service is named after it."""
        factors = [1.0] * len(positions)
        names = [any(t in self._names for t, _, _ in found) for found in hits]
        for marker, token in enumerate(all_tokens):
            if token not in REQUEST_MARKERS:
                continue
            after = [i for i, p in enumerate(positions) if p > marker]
            if not after or not any(names[i] for i in after):
                continue
            before = [i for i, p in enumerate(positions) if p < marker]
            if not before:
                return factors, None
            for i in before:
                factors[i] = FOCUS_FACTOR
            return factors, token
        return factors, None

    def _join_split_words(
        self, words_: list[str], positions: list[int]
    ) -> tuple[list[str], list[int]]:
        """Rejoin a word typed in two pieces ("co location", "host ing") when the catalog has it."""
        out: list[str] = []
        where: list[int] = []
        i = 0
        while i < len(words_):
            if i + 1 < len(words_) and words_[i] not in self._vocab:
                joined = words_[i] + words_[i + 1]
                if joined in self._vocab:
                    out.append(joined)
                    where.append(positions[i])
                    i += 2
                    continue
            out.append(words_[i])
            where.append(positions[i])
            i += 1
        return out, where

    def _score(
        self,
        words_: Sequence[str],
        hits: Sequence[Found],
        factors: Sequence[float],
        strength: dict[str, float],
    ) -> dict[int, _Scored]:
        """Service strength, query coverage and product evidence for every candidate service."""
        # Only services a query word can name are scored; product words ("rusak") shared by
        # hundreds of entries widen the search only when nothing names a service.
        candidates = {s for token in strength for s in self._names.get(token, ())}
        context = self._descriptions.evidence(strength, self._qualifier)
        candidates |= {s for s, (_, named) in context.items() if named}
        if not candidates:
            candidates = {s for token in strength for s in self._uses.get(token, {})}
            if len(candidates) > SUGGEST_POOL:
                return {}  # words that many services share suggest none of them
        # Which query words each catalog word was found from.
        sources: dict[str, set[int]] = defaultdict(set)
        for index, found in enumerate(hits):
            for token, _, _ in found:
                sources[token].add(index)
        scored: dict[int, _Scored] = {}
        for service in sorted(candidates):
            entry = scored[service] = _Scored(service)
            pids = {pid for token in strength for pid in self._uses.get(token, {}).get(service, ())}
            hit_words: dict[int, set[int]] = defaultdict(set)  # product -> query words for it
            for pid in sorted(pids):
                phrase = self._phrases[pid]
                value = self._strength(phrase, strength)
                if value > entry.strength or (value == entry.strength and phrase.identifying):
                    entry.strength, entry.named = value, phrase.identifying and value > 0
                if phrase.product >= 0:
                    evidence = self._evidence(pid, strength)
                    if evidence > entry.products.get(phrase.product, 0.0):
                        entry.products[phrase.product] = evidence
                    if evidence:
                        for token, _ in self._own[pid]:
                            hit_words[phrase.product].update(sources.get(token, ()))
            # Each further query word for the product adds a little ("desain skema jaringan").
            for pindex, own_words in hit_words.items():
                entry.products[pindex] += EXTRA_WORD_EVIDENCE * (len(own_words) - 1)
            entry.context, context_named = context.get(service, (0.0, False))
            if entry.context:
                # Either kind of evidence may be missing; both together add up (noisy-OR).
                phrase_share = entry.strength / 100.0
                context_share = CONTEXT_FACTOR * entry.context / 100.0
                entry.strength = 100.0 * (1.0 - (1.0 - phrase_share) * (1.0 - context_share))
                entry.named = entry.named or context_named
            for pindex, evidence in self._descriptions.product_evidence(
                service, strength, self._qualifier
            ).items():
                if evidence > entry.products.get(pindex, 0.0):
                    entry.products[pindex] = evidence
            for pindex, evidence in self._intent_evidence(service, words_, factors).items():
                if evidence > entry.products.get(pindex, 0.0):
                    entry.products[pindex] = evidence
        weights = [
            self._word_weight(w, found) * f
            for w, found, f in zip(words_, hits, factors, strict=True)
        ]
        unknown = self._unknown_weight(len(words_))
        weights = [
            w if any(t in self._all_vocab for t, _, _ in found) else w * unknown
            for w, found in zip(weights, hits, strict=True)
        ]
        total = sum(weights)
        last = max(len(words_) - 1, 1)
        for entry in scored.values():
            vocab = self._service_vocab[entry.service]
            context_vocab = self._context[entry.service]
            explained = 0.0
            first: int | None = None
            for position, (weight, found) in enumerate(zip(weights, hits, strict=True)):
                best = max((s for t, s, _ in found if t in vocab), default=0.0)
                described = max((s for t, s, _ in found if t in context_vocab), default=0.0)
                explained += weight * max(best, CONTEXT_CREDIT * described)
                if first is None and best and any(not self._qualifier[t] for t, _, _ in found):
                    first = position
            entry.coverage = explained / total if total else 0.0
            # Indonesian puts the head first ("konsultasi soal keamanan informasi"): a
            # service named late in a long sentence is more likely a detail than the request.
            entry.strength *= 1.0 - POSITION_PENALTY * (first or 0) / last
        return scored

    def _unknown_weight(self, count: int) -> float:
        """How much a word the catalog does not know counts against coverage.

        In a short message every word matters ("printer saya rusak"); a long letter is full of
        names, places and dates that say nothing about which service it wants.
        """
        if count <= SHORT_TEXT:
            return 1.0
        return max(LONG_TEXT_FLOOR, SHORT_TEXT / count)

    def _strength(self, phrase: _Phrase, strength: dict[str, float]) -> float:
        """How much of a phrase the query contains (0-100); 0 unless it names the service."""
        got = 0.0
        specific = 0.0
        for token, weight in zip(phrase.tokens, phrase.weights, strict=True):
            similarity = strength.get(token, 0.0)
            got += weight * similarity
            if similarity > 0 and not self._qualifier[token]:
                specific = max(specific, self._specificity[token])
        score = 100.0 * got / sum(phrase.weights)
        if phrase.identifying:
            return score * specific
        return score * WEAK_PHRASE_FACTOR if phrase.product < 0 else 0.0

    def _evidence(self, pid: int, strength: dict[str, float]) -> float:
        """How much of a product phrase's distinctive words the query contains (0-100)."""
        own = self._own[pid]
        total = sum(w for _, w in own)
        got = sum(w * strength.get(t, 0.0) for t, w in own)
        if not total or not got:
            return 0.0
        vague = all(t in WEAK for t, _ in own if strength.get(t, 0.0) > 0)
        return 100.0 * got / total * (WEAK_EVIDENCE_FACTOR if vague else 1.0)

    def _rank(self, scored: dict[int, _Scored], *, vague: bool) -> list[Match]:
        """Turn per-service evidence into matches: one main entry per service, then runners-up.

        A service enters when it is named, or when the query is only words of its products
        ("rusak", "rekomendasi"), so the bot can still ask "did you mean".
        """
        entries: list[tuple[float, int, Match]] = []
        for entry in scored.values():
            has_products = bool(self._products[entry.service])
            explained_all = entry.coverage >= 0.99 and not vague
            if entry.strength < SUGGEST_STRENGTH and not (explained_all and entry.products):
                continue
            chosen = self._choose_product(entry)
            base = (1.0 - COVERAGE_SHARE - PRODUCT_SHARE) * entry.strength
            base += 100.0 * COVERAGE_SHARE * entry.coverage
            if has_products:
                own = entry.products.get(chosen, 0.0) if chosen is not None else 0.0
                main = base + PRODUCT_SHARE * min(own, 100.0)
            else:
                main = base + PRODUCT_SHARE * entry.strength
            code = self._services[entry.service]
            product = self._products[entry.service][chosen] if chosen is not None else None
            entries.append((main, 0, Match(code, product, round(main, 1))))
            for pindex, evidence in entry.products.items():
                if pindex == chosen or evidence < PRODUCT_EVIDENCE:
                    continue
                alt = min(base + PRODUCT_SHARE * min(evidence, 100.0), main - 0.1)
                alt_match = Match(code, self._products[entry.service][pindex], round(alt, 1))
                entries.append((alt, 1, alt_match))
        entries.sort(key=lambda e: (-e[0], e[1], e[2].service, e[2].product or ""))
        return [m for _, _, m in entries]

    def _choose_product(self, entry: _Scored) -> int | None:
        """The product the query clearly points at, or None when absent or a tie."""
        ranked = sorted(entry.products.items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] < PRODUCT_EVIDENCE:
            return None
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < PRODUCT_MARGIN:
            return None
        return ranked[0][0]

    def _is_confident(
        self, scored: dict[int, _Scored], ranked: list[Match], asked_for: set[int]
    ) -> bool:
        """Confident when one service clearly wins on identifying evidence."""
        if not ranked:
            return False
        top = ranked[0]
        index = self._services.index(top.service)
        entry = scored[index]
        # A service named only by a vague word ("tanya", "info") is trusted only when the
        # query says nothing else and asks for it ("mau bertanya", not "terima kasih infonya").
        vague_but_asked = entry.coverage >= 0.99 and index in asked_for
        if not (entry.named or vague_but_asked) or entry.strength < MIN_SERVICE_EVIDENCE:
            return False
        if top.score < CONFIDENT_SCORE:
            return False
        rivals = [m.score for m in ranked[1:] if m.service != top.service]
        return not rivals or top.score - rivals[0] >= CONFIDENT_MARGIN

    def _word_weight(self, word: str, found: Found) -> float:
        """Qualifiers explain less of a query than identifying words."""
        if is_qualifier(word) or (
            found and all(self._qualifier.get(t, False) for t, _, _ in found)
        ):
            return QUALIFIER_WEIGHT
        return 1.0

    # --- resolving one query word ------------------------------------------------------------


def _ltexts(*texts: LText | None) -> list[str]:
    """Every locale's wording of the given localised texts."""
    out: list[str] = []
    for text in texts:
        if text is not None:
            out.extend(text.root.values())
    return out


_MATCHERS: dict[int, tuple[Catalog, Matcher]] = {}


def matcher_for(catalog: Catalog) -> Matcher:
    """A cached Matcher for catalog (catalogs are immutable, so one per object is enough)."""
    cached = _MATCHERS.get(id(catalog))
    if cached is not None and cached[0] is catalog:
        return cached[1]
    if len(_MATCHERS) >= 64:
        _MATCHERS.clear()
    matcher = Matcher(catalog)
    _MATCHERS[id(catalog)] = (catalog, matcher)
    return matcher
