"""Find the catalog service (and product) a requester's free text is about.

Every service and product contributes phrases: its code, its names and its `synonyms`, all
normalised like the requester's text. A query word counts for a phrase word when it is the same
word, shares an Indonesian root with it ("dipasang" ~ "pemasangan"), is two known words run
together, or is a typo of it (rapidfuzz, optimal-string-alignment distance).

Words are of two kinds. Identifying words ("wifi", "hosting", "zoom") can name a service on
their own. Qualifier words ("rusak", "baru", "rekomendasi", "akun") say what is wanted from a
service but not which one, so they pick the product and never make a match by themselves;
that keeps "printer saya rusak" from landing on network repair.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from core.catalog.normalize import (
    KNOWN_WORDS,
    SLANG,
    affix_variants,
    content_tokens,
    split_compound,
    words,
)
from core.catalog.schema import Catalog, LText, Service

# Words the standards put in every service name; they tell services apart no better than
# stopwords do.
GENERIC: frozenset[str] = words(
    """
    layanan pelayanan pemerintah pemerintahan daerah provinsi prov kabupaten kab kota dinas
    opd pd upt instansi kominfo diskominfo dinkominfo kepulauan bangka belitung kalimantan
    barat purbalingga kalbar babel pemprov pemkab pemda lingkungan lingkup berbasis standar
    fasilitasi fasilitas permohonan permintaan pengajuan pemberian penyediaan pengelolaan
    dan atau serta pada kantor masyarakat service services government regional office
    province agency request
    """
)

# What is wanted, not which service: symptoms, actions, generic objects.
QUALIFIERS: frozenset[str] = words(
    """
    tidak rusak mati lambat gangguan error putus masalah down hang jalan nyala padam hilang
    lemah kendala macet susah sulit gagal bocor penuh
    baru pasang pemasangan tambah penambahan bangun membangun pembangunan pengembangan
    perluasan instal konfigurasi tarik titik
    perbaikan perbaiki pemeliharaan maintenance servis
    rancang perancangan desain rencana perencanaan topologi arsitektur
    rekomendasi saran kebutuhan peralatan alat spesifikasi beli pembelian pengadaan survei
    uji pengujian cek periksa pemeriksaan
    reset lupa ganti ubah perubahan aktivasi aktif aktifkan buka akun daftar pendaftaran
    hapus blokir terblokir kapasitas upgrade pindah migrasi sewa kirim masuk
    membuat pembuatan buat online tanya bertanya merk tipe jenis cocok bagus anggaran izin
    persetujuan kajian analisis review evaluasi stabil informasi data dokumen
    """
)

# Qualifiers too vague to even suggest a service when nothing else matched.
WEAK: frozenset[str] = frozenset({"tidak", "jalan", "masuk", "buka", "aktif", "baru", "online"})

CONFIDENT_SCORE = 65.0  # below this the bot shows the menu
CONFIDENT_MARGIN = 10.0  # and the runner-up service must trail by this much
MIN_SERVICE_EVIDENCE = 60.0  # an identifying phrase must be mostly present
SUGGEST_STRENGTH = 40.0  # weaker services are not even offered as "did you mean"
SUGGEST_POOL = 12  # product words alone suggest services only when few services use them
PRODUCT_EVIDENCE = 50.0  # a product is named only with this much of its own words
PRODUCT_MARGIN = 15.0  # and a clear lead over its siblings; otherwise product is None
QUALIFIER_WEIGHT = 0.5  # a qualifier counts half an identifying word in a phrase
COVERAGE_SHARE = 0.25  # of the score: how much of the query the service explains
PRODUCT_SHARE = 0.15  # of the score: evidence for the chosen product
POSITION_PENALTY = 0.15  # at most, for a service first named at the end of the query
BROAD_PENALTY = 0.15  # per extra service sharing a word ("server": hosting and colocation)
WEAK_PHRASE_FACTOR = 0.6  # a service-level phrase made only of qualifiers ("tanya")
WEAK_EVIDENCE_FACTOR = 0.6  # "baru" hints at a product less than "rusak" does
_CACHE_LIMIT = 4096


@dataclass(frozen=True)
class Match:
    service: str
    product: str | None
    score: float


@dataclass(frozen=True)
class MatchResult:
    query: str
    confident: bool
    matches: list[Match] = field(default_factory=list)

    @property
    def best(self) -> Match | None:
        """The top match, if any."""
        return self.matches[0] if self.matches else None

    def to_json_dict(self) -> dict[str, Any]:
        """The result as plain JSON data (scores rounded to one decimal)."""
        return {
            "query": self.query,
            "confident": self.confident,
            "matches": [
                {"service": m.service, "product": m.product, "score": round(m.score, 1)}
                for m in self.matches
            ],
        }


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


def is_qualifier(token: str) -> bool:
    """Whether a normalised word says what is wanted rather than which service."""
    return token in QUALIFIERS or bool(affix_variants(token) & QUALIFIERS)


def phrase_tokens(text: str) -> list[str]:
    """Normalised content words of a catalog phrase or query, generic words removed."""
    return [t for t in content_tokens(text) if t not in GENERIC]


class Matcher:
    """Matches free text against one catalog; build once, query many times."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._services = [s.code for s in catalog.services]
        self._products = [[p.code for p in s.products] for s in catalog.services]
        self._phrases: list[_Phrase] = []
        self._seen: set[tuple[int, int, tuple[str, ...]]] = set()
        for index, service in enumerate(catalog.services):
            self._add_service(index, service)
        self._index_words()
        self._index_spellings()
        self._own = [self._distinctive(phrase) for phrase in self._phrases]
        self._resolved: dict[str, tuple[tuple[str, float], ...]] = {}

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

    def _index_spellings(self) -> None:
        """Roots, run-together spellings and typo buckets for resolving unknown query words."""
        self._roots: dict[str, set[str]] = defaultdict(set)
        for token in self._vocab:
            for root in affix_variants(token):
                self._roots[root].add(token)
        # Run-together two-word phrases ("subdomain", "datacloud") and chat spellings whose
        # standard form the catalog uses ("kolokasi"), so that typos of those resolve too.
        self._aliases: dict[str, tuple[str, ...]] = {}
        for phrase in self._phrases:
            if len(phrase.tokens) == 2:
                self._aliases.setdefault("".join(phrase.tokens), phrase.tokens)
        for spelling, standard in SLANG.items():
            known = tuple(w for w in standard.split() if w in self._vocab)
            if len(spelling) >= 5 and known and spelling not in self._vocab:
                self._aliases.setdefault(spelling, known)
        # Bucketed so that a typo lookup compares against a few dozen words, not all of them.
        self._typo_buckets: dict[tuple[int, str], list[str]] = defaultdict(list)
        for token in sorted(self._vocab | set(self._aliases)):
            for key in _typo_keys(token):
                self._typo_buckets[len(token), key].append(token)

    def _distinctive(self, phrase: _Phrase) -> tuple[tuple[str, float], ...]:
        """A product phrase's own words: its qualifiers if any ("wifi mati" -> "mati"), else
        the words its service's phrases do not use ("hosting aplikasi" -> "hosting")."""
        if phrase.product < 0:
            return ()
        pairs = list(zip(phrase.tokens, phrase.weights, strict=True))
        own = [(t, w) for t, w in pairs if self._qualifier[t]]
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
            words = tuple(dict.fromkeys(phrase_tokens(text)))
            if not words or (service, product, words) in self._seen:
                continue
            self._seen.add((service, product, words))
            qualifiers = [is_qualifier(w) for w in words]
            weights = tuple(QUALIFIER_WEIGHT if q else 1.0 for q in qualifiers)
            self._phrases.append(_Phrase(service, product, words, weights, not all(qualifiers)))

    def match(self, text: str, *, limit: int = 3) -> MatchResult:
        """Rank the (service, product) pairs the text may be about, best first."""
        words = self._join_split_words(phrase_tokens(text))
        if not words:
            return MatchResult(query=text, confident=False, matches=[])
        hits = [self._resolve(w) for w in words]
        strength: dict[str, float] = {}
        for found in hits:
            for token, similarity in found:
                strength[token] = max(strength.get(token, 0.0), similarity)
        scored = self._score(words, hits, strength)
        ranked = self._rank(scored, vague=all(w in WEAK for w in words))
        confident = self._is_confident(scored, ranked)
        return MatchResult(query=text, confident=confident, matches=ranked[:limit])

    def _join_split_words(self, words: list[str]) -> list[str]:
        """Rejoin a word typed in two pieces ("co location", "host ing") when the catalog has it."""
        out: list[str] = []
        i = 0
        while i < len(words):
            if i + 1 < len(words) and words[i] not in self._vocab:
                joined = words[i] + words[i + 1]
                if joined in self._vocab:
                    out.append(joined)
                    i += 2
                    continue
            out.append(words[i])
            i += 1
        return out

    def _score(
        self,
        words: Sequence[str],
        hits: Sequence[tuple[tuple[str, float], ...]],
        strength: dict[str, float],
    ) -> dict[int, _Scored]:
        """Service strength, query coverage and product evidence for every candidate service."""
        # Only services a query word can name are scored; product words ("rusak") shared by
        # hundreds of entries widen the search only when nothing names a service.
        candidates = {s for token in strength for s in self._names.get(token, ())}
        if not candidates:
            candidates = {s for token in strength for s in self._uses[token]}
            if len(candidates) > SUGGEST_POOL:
                return {}  # words that many services share suggest none of them
        scored: dict[int, _Scored] = {}
        for service in sorted(candidates):
            entry = scored[service] = _Scored(service)
            pids = {pid for token in strength for pid in self._uses[token].get(service, ())}
            for pid in sorted(pids):
                phrase = self._phrases[pid]
                value = self._strength(phrase, strength)
                if value > entry.strength or (value == entry.strength and phrase.identifying):
                    entry.strength, entry.named = value, phrase.identifying and value > 0
                if phrase.product >= 0:
                    evidence = self._evidence(pid, strength)
                    if evidence > entry.products.get(phrase.product, 0.0):
                        entry.products[phrase.product] = evidence
        weights = [self._word_weight(w) for w in words]
        total = sum(weights)
        last = max(len(words) - 1, 1)
        for entry in scored.values():
            vocab = self._service_vocab[entry.service]
            explained = 0.0
            first: int | None = None
            for position, (weight, found) in enumerate(zip(weights, hits, strict=True)):
                best = max((s for t, s in found if t in vocab), default=0.0)
                explained += weight * best
                if first is None and best and any(not self._qualifier[t] for t, _ in found):
                    first = position
            entry.coverage = explained / total if total else 0.0
            # Indonesian puts the head first ("konsultasi soal keamanan informasi"): a
            # service named late in a long sentence is more likely a detail than the request.
            entry.strength *= 1.0 - POSITION_PENALTY * (first or 0) / last
        return scored

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
                main = base + PRODUCT_SHARE * own
            else:
                main = base + PRODUCT_SHARE * entry.strength
            code = self._services[entry.service]
            product = self._products[entry.service][chosen] if chosen is not None else None
            entries.append((main, 0, Match(code, product, round(main, 1))))
            for pindex, evidence in entry.products.items():
                if pindex == chosen or evidence < PRODUCT_EVIDENCE:
                    continue
                alt = min(base + PRODUCT_SHARE * evidence, main - 0.1)
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

    def _is_confident(self, scored: dict[int, _Scored], ranked: list[Match]) -> bool:
        """Confident when one service clearly wins on identifying evidence."""
        if not ranked:
            return False
        top = ranked[0]
        index = self._services.index(top.service)
        entry = scored[index]
        # A service named only by a vague word ("tanya", "data") is trusted only when the
        # query says nothing else.
        if not (entry.named or entry.coverage >= 0.99) or entry.strength < MIN_SERVICE_EVIDENCE:
            return False
        if top.score < CONFIDENT_SCORE:
            return False
        rivals = [m.score for m in ranked[1:] if m.service != top.service]
        return not rivals or top.score - rivals[0] >= CONFIDENT_MARGIN

    def _word_weight(self, word: str) -> float:
        """Qualifiers explain less of a query than identifying words."""
        return QUALIFIER_WEIGHT if is_qualifier(word) else 1.0

    def _resolve(self, word: str) -> tuple[tuple[str, float], ...]:
        """Catalog words a query word stands for, with a similarity in (0, 1]."""
        cached = self._resolved.get(word)
        if cached is not None:
            return cached
        found = self._lookup(word)
        if len(self._resolved) >= _CACHE_LIMIT:
            self._resolved.clear()
        self._resolved[word] = found
        return found

    def _lookup(self, word: str) -> tuple[tuple[str, float], ...]:
        """Exact word, shared root, run-together pair, then typo — first that finds anything."""
        if word in self._vocab:
            return ((word, 1.0),)
        roots = affix_variants(word)
        same_root = {r for r in roots if r in self._vocab}
        for root in (*roots, word):
            same_root.update(self._roots.get(root, ()))
        if same_root:
            return tuple((t, 0.9) for t in sorted(same_root))
        if word in self._aliases:
            return tuple((token, 0.95) for token in self._aliases[word])
        pair = split_compound(word, self._vocab)
        if pair is not None:
            return ((pair[0], 0.9), (pair[1], 0.9))
        return self._typo(word)

    def _typo(self, word: str) -> tuple[tuple[str, float], ...]:
        """The closest catalog word within a length-scaled edit distance, if any."""
        if len(word) < 4 or word in KNOWN_WORDS:
            return ()
        max_distance = 1 if len(word) <= 7 else 2 if len(word) <= 11 else 3
        candidates: set[str] = set()
        for length in range(len(word) - max_distance, len(word) + max_distance + 1):
            for key in _typo_keys(word):
                candidates.update(self._typo_buckets.get((length, key), ()))
        best = process.extractOne(
            word, sorted(candidates), scorer=OSA.distance, score_cutoff=max_distance
        )
        if best is None:
            return ()
        similarity = 0.95 - 0.1 * float(best[1])
        return tuple((token, similarity) for token in self._aliases.get(best[0], (best[0],)))


def _typo_keys(word: str) -> tuple[str, str, str]:
    """Typo bucket keys: the first letter, the second, and the first two in either order.

    A word and its typo share at least one unless the typo hits both of the first two letters
    other than by swapping them ("wifi"/"wfii" share the first letter, "wifi"/"iwfi" the pair).
    """
    return ("1" + word[0], "2" + word[1], "".join(sorted(word[:2])))


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
