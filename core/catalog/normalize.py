"""Turn what requesters type in chat into comparable word lists.

Civil servants write to the desk the way they write on WhatsApp: abbreviations ("gk bs konek"),
stretched letters ("wifiii"), English loanwords, emoji, regional speech ("kamek nda bisa",
"mboten saged"), and sometimes a whole official letter. Everything here is plain data and pure
functions so that the catalog synonyms and the requester's text go through exactly the same
steps; the matcher only ever compares normalised forms.

Besides the chat table: the regional, chat and English word lists of core.catalog.lexicon;
`strip_letter` for the wrapping of an official letter; `cognate` for the Indonesian spelling of
an English loanword ("integration" -> "integrasi"); and `stem`, the PySastrawi stemmer, for the
root of an affixed Indonesian word ("pengujian" -> "uji").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from core.catalog.lexicon import CHAT, DIALECT, ENGLISH, LETTER_WORDS, PHRASES


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of a block of text, as a set."""
    return frozenset(text.split())


# One chat spelling -> its standard form. Values may hold several words, or be empty to drop
# the token. Written for how requesters at Diskominfo service desks actually phrase things.
# fmt: off
_BASE_SLANG: dict[str, str] = {
    # negation: the most useful "problem" signal in short chats
    "gk": "tidak", "gak": "tidak", "ga": "tidak", "gag": "tidak", "nggak": "tidak",
    "ngga": "tidak", "ngak": "tidak", "enggak": "tidak", "engga": "tidak", "ndak": "tidak",
    "kagak": "tidak", "tdk": "tidak", "tak": "tidak", "g": "tidak", "nda": "tidak",
    "not": "tidak", "cannot": "tidak", "cant": "tidak", "dont": "tidak", "doesnt": "tidak",
    # function words
    "yg": "yang", "utk": "untuk", "untk": "untuk", "buat": "untuk", "bwt": "untuk",
    "for": "untuk", "dgn": "dengan", "dg": "dengan", "dngn": "dengan", "with": "dengan",
    "dr": "dari", "dri": "dari", "dlm": "dalam", "pd": "pada", "tp": "tapi", "tpi": "tapi",
    "sm": "sama", "jg": "juga", "lg": "lagi", "aja": "saja", "aj": "saja", "sj": "saja",
    "krn": "karena", "karna": "karena", "krna": "karena", "soalnya": "karena",
    "klo": "kalau", "kalo": "kalau", "kl": "kalau", "bs": "bisa", "bsa": "bisa",
    "blm": "belum", "belom": "belum", "sdh": "sudah", "udh": "sudah", "udah": "sudah",
    "dah": "sudah", "sudh": "sudah", "sdg": "sedang", "lgi": "lagi", "trs": "terus",
    "bgt": "banget", "skrg": "sekarang", "skr": "sekarang", "kmrn": "kemarin",
    "kmarin": "kemarin", "gmn": "bagaimana", "gimana": "bagaimana", "bgmn": "bagaimana",
    "gmna": "bagaimana", "knp": "kenapa", "napa": "kenapa", "kpn": "kapan", "dmn": "dimana",
    "brp": "berapa", "hrs": "harus", "msh": "masih", "masi": "masih", "pgn": "ingin",
    "pengen": "ingin", "pingin": "ingin", "mo": "mau", "mw": "mau", "mao": "mau",
    "need": "butuh", "want": "mau", "please": "tolong", "pls": "tolong", "plis": "tolong",
    "tlg": "tolong", "tolongin": "tolong", "mhn": "mohon", "help": "bantu", "bantuin": "bantu",
    "dibantuin": "bantu", "thx": "terima kasih", "thanks": "terima kasih",
    "makasih": "terima kasih", "makasi": "terima kasih", "mksh": "terima kasih",
    "trims": "terima kasih", "tq": "terima kasih", "ty": "terima kasih",
    "trimakasih": "terima kasih", "terimakasih": "terima kasih",
    # people
    "sy": "saya", "aku": "saya", "gw": "saya", "gue": "saya", "gua": "saya", "ane": "saya",
    "i": "saya", "me": "saya", "my": "saya", "kmi": "kami", "we": "kami", "our": "kami",
    "bpk": "bapak", "ibuk": "ibu", "mba": "mbak", "kk": "kak", "gan": "kak", "bro": "kak",
    "sis": "kak", "bang": "kak", "om": "kak", "pak": "bapak", "bu": "ibu",
    # time and place
    "hr": "hari", "tgl": "tanggal", "bln": "bulan", "thn": "tahun", "jm": "jam",
    "mgg": "minggu", "kntr": "kantor", "ktr": "kantor", "office": "kantor", "lt": "lantai",
    "ruangan": "ruang", "rg": "ruang", "gedung": "gedung", "gd": "gedung", "org": "orang",
    "today": "hari ini", "tomorrow": "besok", "bsk": "besok", "bsok": "besok",
    # network
    "inet": "internet", "internetan": "internet", "net": "internet", "jrg": "jaringan",
    "jar": "jaringan", "jaringn": "jaringan", "jringan": "jaringan", "network": "jaringan",
    "networking": "jaringan", "wi": "wi", "waifai": "wifi", "wify": "wifi", "wiffi": "wifi",
    "hotspot": "hotspot", "ap": "access point", "konek": "koneksi", "connect": "koneksi",
    "connection": "koneksi", "konekin": "koneksi", "nyambung": "koneksi",
    "tersambung": "koneksi", "terhubung": "koneksi", "connected": "koneksi", "kabelnya": "kabel",
    "cable": "kabel", "lemot": "lambat", "lelet": "lambat", "lemod": "lambat",
    "leletnya": "lambat", "slow": "lambat", "lag": "lambat", "ngelag": "lambat",
    "lola": "lambat", "eror": "error", "erorr": "error", "err": "error", "errornya": "error",
    "trouble": "gangguan", "trobel": "gangguan", "troble": "gangguan", "ngadat": "gangguan",
    "problem": "masalah", "bermasalah": "masalah", "broken": "rusak", "rsk": "rusak",
    "dead": "mati", "offline": "mati", "putus2": "putus", "disconnect": "putus",
    "install": "instal", "instalasi": "instal", "installation": "instal", "nginstal": "instal",
    "setting": "konfigurasi", "seting": "konfigurasi", "config": "konfigurasi",
    "fix": "perbaikan", "repair": "perbaikan", "benerin": "perbaiki", "benahi": "perbaiki",
    "new": "baru", "add": "tambah", "design": "desain", "build": "bangun",
    "recommendation": "rekomendasi", "rekomen": "rekomendasi", "rekom": "rekomendasi",
    "advice": "saran", "equipment": "peralatan", "device": "perangkat", "devices": "perangkat",
    # applications and hosting
    "apl": "aplikasi", "apk": "aplikasi", "app": "aplikasi", "apps": "aplikasi",
    "application": "aplikasi", "aplikasinya": "aplikasi", "aplikas": "aplikasi",
    "web": "website", "situs": "website", "site": "website", "webnya": "website",
    "websitenya": "website", "bikin": "membuat", "bkin": "membuat", "bikinin": "membuat",
    "buatin": "membuat", "create": "membuat", "make": "membuat", "develop": "membangun",
    "development": "pembangunan", "test": "uji", "tes": "uji", "testing": "uji",
    "security": "keamanan", "secure": "keamanan", "hostingan": "hosting",
    "hostingnya": "hosting", "subdomain": "sub domain", "subdomainnya": "sub domain",
    "domainnya": "domain", "serper": "server", "servernya": "server",
    "kolokasi": "colocation", "colo": "colocation", "kolo": "colocation",
    # email, accounts
    "imel": "email", "emel": "email", "surel": "email", "mail": "email", "gmail": "email",
    "emailnya": "email", "webmail": "email", "pw": "password", "pass": "password",
    "passwd": "password", "pwd": "password", "sandi": "password", "paswod": "password",
    "pasword": "password", "passwordnya": "password", "account": "akun", "acc": "akun",
    "akunnya": "akun", "forgot": "lupa", "forget": "lupa", "lupain": "lupa",
    "login": "masuk", "signin": "masuk",
    # cloud and data
    "klod": "cloud", "claud": "cloud", "clod": "cloud", "gdrive": "drive",
    "storage": "penyimpanan", "backup": "cadangan", "bekap": "cadangan",
    # video conference and meetings
    "vicon": "video conference", "vidcon": "video conference", "vcon": "video conference",
    "zoom": "video conference", "zoomnya": "video conference", "gmeet": "video conference",
    "vicall": "video conference", "videoconference": "video conference",
    "vidkon": "video conference", "meeting": "rapat", "meet": "rapat", "rapatnya": "rapat",
    # publicity, complaints, consultation
    "pres": "pers", "press": "pers", "presscon": "konferensi pers", "prescon": "konferensi pers",
    "preskon": "konferensi pers", "konpers": "konferensi pers",
    "konferens": "konferensi", "complain": "komplain", "complaint": "komplain",
    "konsul": "konsultasi", "consult": "konsultasi", "consultation": "konsultasi",
    "info": "informasi", "information": "informasi", "infonya": "informasi",
    "daring": "online", "nambah": "tambah", "nambahin": "tambah",
    "ngecek": "cek", "dicekin": "cek", "cekin": "cek", "check": "cek", "ngirim": "kirim",
    "masang": "pasang", "dipasangin": "pasang", "ganti2": "ganti", "gangguannya": "gangguan",
    "complaints": "komplain", "public": "publik", "host": "hosting", "hosted": "hosting",
}
# fmt: on

# The chat table above, then regional speech, chat and English from core.catalog.lexicon (the
# table above wins where both have a word).
SLANG: dict[str, str] = {**DIALECT, **CHAT, **ENGLISH, **_BASE_SLANG}

# Two-word spellings of a single thing, as typed (before slang expansion).
BIGRAMS: dict[tuple[str, str], str] = {
    ("wi", "fi"): "wifi",
    ("e", "mail"): "email",
    ("kata", "sandi"): "password",
    ("google", "meet"): "video conference",
    ("g", "meet"): "video conference",
    ("zoom", "meeting"): "video conference",
    ("video", "call"): "video conference",
    ("video", "konferensi"): "video conference",
    ("vidio", "conference"): "video conference",
    ("press", "conference"): "konferensi pers",
    ("pers", "conference"): "konferensi pers",
    ("jumpa", "press"): "jumpa pers",
    ("press", "release"): "siaran pers",
    ("terima", "kasih"): "terima kasih",
    ("log", "in"): "masuk",
    ("sign", "in"): "masuk",
    ("not", "working"): "tidak jalan",
    ("stopped", "working"): "mati",
    ("stop", "working"): "mati",
    ("went", "down"): "mati",
    ("stress", "test"): "uji beban",
    ("load", "test"): "uji beban",
    ("data", "center"): "data center",
    ("pusat", "data"): "data center",
    ("access", "point"): "access point",
    **PHRASES,
}

# Words that carry no request on their own: greetings, courtesy, pronouns, function words and
# the generic "I need help" verbs. They never create a match.
_BASE_STOPWORDS: frozenset[str] = words(
    """
    yang di ke dari dan atau untuk dengan saya kami kita anda kamu dia mereka ini itu tersebut
    ada adalah apa apakah bisa dapat mau ingin akan sudah belum sedang lagi masih juga pada dalam
    oleh karena jadi kalau jika bila agar supaya sama kok nih tuh dong deh sih ya yah yak kan lah
    kah pun saja hanya sangat banget sekali terus tadi sejak kemarin besok hari sekarang nanti
    pagi siang sore malam selamat halo hallo helo hai hi hello hey assalamualaikum assalamu
    alaikum waalaikumsalam salam permisi maaf terima kasih sama sama ok oke okay okey baik siap
    mantap sip good morning afternoon evening bapak ibu mas mbak kak adik min admin petugas tim
    tolong mohon minta bantu bantuan dibantu membantu butuh perlu harus boleh bagaimana kenapa
    mengapa kapan dimana mana siapa berapa gimana caranya cara soal tentang terkait mengenai
    seperti kayak biar tapi namun lalu kemudian setelah sebelum udah punya milik kasih
    nya para the a an to of in on at is are be it this that and or from by as do does please
    kindly hmm hm eh oh wah wkwk wkwkwk haha hehe hihi lol ping
    dear pagi2 siang2 sore2 mohonn
    tanggal bulan tahun jam menit minggu senin selasa rabu kamis jumat sabtu
    lantai orang semua setiap masing beberapa banyak sedikit satu dua tiga
    kepada terhadap saudara maksud memang benar lain sebagai padahal terkait kurang sangat
    pakai dipakai memakai pake dipake gunakan digunakan menggunakan dienggo enggo secara
    bagi melalui berdasarkan terutama termasuk sesuai tersedia antar luar seputar langsung
    paling tanpa memiliki menangani memberi dijamin menjaga hasil tinggi tingkat kabar
    segera sering selalu mungkin agak cukup kadang tiba
    """
)
# ... and the formulae of official letters (core.catalog.lexicon).
STOPWORDS: frozenset[str] = _BASE_STOPWORDS | LETTER_WORDS

_NON_WORD = re.compile(r"[^a-z0-9]+")
_RUN = re.compile(r"(.)\1+")
# Clitics: Indonesian "-nya", Malay "-nye", Javanese "-ne"/"-e" ("internete" = "internetnya").
_SUFFIXES = ("nya", "ny", "nye", "ne", "e", "lah", "kah", "pun")


def _known() -> frozenset[str]:
    """Spellings we recognise as real words, used to pick how to shorten stretched letters."""
    words = set(SLANG) | STOPWORDS
    for value in SLANG.values():
        words.update(value.split())
    for pair, value in BIGRAMS.items():
        words.update(pair)
        words.update(value.split())
    return frozenset(words)


KNOWN_WORDS: frozenset[str] = _known()


def fold(text: str) -> str:
    """Lower-case, strip accents, and turn punctuation, emoji and symbols into spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", ascii_only).strip()


@lru_cache(maxsize=8192)
def squeeze(token: str) -> str:
    """Undo stretched letters: "wifiii" -> "wifi", "zooom" -> "zoom", "tolongggg" -> "tolong"."""
    runs = list(_RUN.finditer(token))
    if not runs or token in KNOWN_WORDS:
        return token
    if len(runs) <= 4:
        # Try every 1-or-2 letter choice per run and prefer a spelling we know.
        for mask in range(1 << len(runs)):
            candidate = _shorten(token, runs, mask)
            if candidate in KNOWN_WORDS:
                return candidate
    # Unknown word: collapse long runs to one letter, keep ordinary doubles ("maaf").
    return _RUN.sub(lambda m: m.group(1) if len(m.group(0)) >= 3 else m.group(0), token)


def _shorten(token: str, runs: list[re.Match[str]], mask: int) -> str:
    """Rebuild token with run i kept double when bit i of mask is set, else single."""
    parts: list[str] = []
    last = 0
    for i, run in enumerate(runs):
        parts.append(token[last : run.start()])
        parts.append(run.group(1) * (2 if mask >> i & 1 else 1))
        last = run.end()
    parts.append(token[last:])
    return "".join(parts)


@lru_cache(maxsize=8192)
def expand(token: str) -> str:
    """Replace one chat spelling by its standard words (possibly several, possibly none)."""
    if token in SLANG:
        return SLANG[token]
    # "jaringannya", "emailnya": the clitic adds nothing once the base word is known.
    for suffix in _SUFFIXES:
        base = token[: -len(suffix)]
        if token.endswith(suffix) and len(base) >= 3 and base in KNOWN_WORDS:
            return SLANG.get(base, base)
    return token


_REDUPLICATED = re.compile(r"^([a-z]{3,})2$")


def tokens(text: str) -> list[str]:
    """Normalised words of text, stopwords included (see `normalize`)."""
    words: list[str] = []
    raw = [squeeze(_REDUPLICATED.sub(r"\1", w)) for w in fold(text).split()]
    i = 0
    while i < len(raw):
        pair = (raw[i], raw[i + 1]) if i + 1 < len(raw) else None
        if pair is not None and pair in BIGRAMS:
            words.extend(BIGRAMS[pair].split())
            i += 2
        else:
            words.extend(expand(raw[i]).split())
            i += 1
    return words


def normalize(text: str) -> str:
    """Canonical lower-case form of text: slang expanded, letters squeezed, symbols gone."""
    return " ".join(tokens(text))


def content_tokens(text: str) -> list[str]:
    """The words of text that can say what is being asked for (no stopwords, no numbers)."""
    return [t for t in tokens(text) if is_content(t)]


def is_content(token: str) -> bool:
    """Whether a normalised word can carry meaning for matching."""
    return token not in STOPWORDS and not token.isdigit() and len(token) > 1


# fmt: off
_PREFIXES: tuple[tuple[str, str], ...] = (
    # (prefix, letter restored before a vowel: meN-/peN- swallow p, t, k, s)
    ("meng", "k"), ("meny", "s"), ("mem", "p"), ("men", "t"), ("me", ""),
    ("peng", "k"), ("peny", "s"), ("pem", "p"), ("pen", "t"), ("per", ""), ("pe", ""),
    ("di", ""), ("ter", ""), ("ber", ""), ("be", ""), ("ke", ""), ("se", ""),
    # chat and Javanese active forms: "ngecek", "ngirim", "nyambung", "nambah", "dipun-"
    ("nge", ""), ("ng", "k"), ("ny", "s"), ("n", "t"), ("dipun", ""),
)
# fmt: on
# "-ke"/"-aken": Javanese "-kan" ("dipasangke"); "-in": Jakarta chat "-kan" ("benerin").
_WORD_SUFFIXES = ("nya", "kan", "an", "in", "i", "lah", "kah", "ke", "aken")
_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=16384)
def affix_variants(token: str) -> frozenset[str]:
    """Possible roots of an Indonesian word: "pemasangan" -> {"pasang", ...}, "dipasang" -> ...

    Deliberately naive (no dictionary): the matcher applies it to both the catalog words and
    the requester's words and only accepts a root both sides share.
    """
    stems = {token}
    for suffix in _WORD_SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            stems.add(token[: -len(suffix)])
            inner = token[: -len(suffix)]
            for second in ("kan", "an", "i"):  # "-kannya", "-annya"
                if inner.endswith(second) and len(inner) - len(second) >= 3:
                    stems.add(inner[: -len(second)])
    roots = set(stems)
    for stem in stems:
        for prefix, restore in _PREFIXES:
            if not stem.startswith(prefix) or len(stem) - len(prefix) < 3:
                continue
            rest = stem[len(prefix) :]
            roots.add(rest)
            if restore and rest[0] in _VOWELS:
                roots.add(restore + rest)
    roots.discard(token)
    return frozenset(r for r in roots if len(r) >= 3)


def split_compound(token: str, vocabulary: Iterable[str]) -> tuple[str, str] | None:
    """Split a run-together word into two known words: "videoconference" -> video, conference."""
    vocab = vocabulary if isinstance(vocabulary, (set, frozenset, dict)) else set(vocabulary)
    for cut in range(3, len(token) - 2):
        head, tail = token[:cut], token[cut:]
        if head in vocab and tail in vocab:
            return head, tail
    return None


# --- long letters ---------------------------------------------------------------------------

# Where an official letter's closing formula or signature block starts: nothing after it says
# what is asked for ("Demikian permohonan ini ...", "Hormat kami, Kepala Dinas ..., NIP ...").
_CLOSING = re.compile(
    r"\b(demikian|atas\s+(perhatian|bantuan|kerja\s*sama|kerjasama)|hormat\s+(kami|saya)|"
    r"salam\s+hormat|wassalam\w*|best\s+regards|kind\s+regards|regards|sincerely|"
    r"terima\s+kasih\s+atas|thank\s+you\s+for\s+your)\b",
    re.IGNORECASE,
)
# Opening formulae: "Dengan hormat,", "Assalamualaikum wr. wb.", "Dear Sir/Madam".
_OPENING = re.compile(
    r"\b(dengan\s+hormat|dear\s+(sir|madam|sir\s*/\s*madam)|assalamu\W*alaikum(\s+wr\.?"
    r"\s*wb\.?)?|salam\s+sejahtera)\b[\s,.:;!]*",
    re.IGNORECASE,
)
# The letter's subject line, the one part of the heading that says what is asked for.
_SUBJECT = re.compile(
    r"\b(perihal|hal|subject)\s*[:.]\s*(?P<subject>.+?)(?=\bkepada\b|\byth\b|\n|$)",
    re.IGNORECASE,
)
LETTER_MIN_LENGTH = 120  # shorter texts are chat messages, read as they are


def strip_letter(text: str) -> str:
    """A long letter without its wrapping: heading, salutation, closing and signature.

    Everything before "Dengan hormat" (number, address block, "Kepada Yth. ... di tempat") is
    dropped except the subject line ("Perihal: ..."). The closing formula and whatever
    follows it ("Demikian ...", "Hormat kami", the signature) is cut when it comes in the
    second half of the text, so a letter that opens with "Terima kasih atas ..." keeps its
    request. Chat-length texts come back unchanged.
    """
    if len(text) < LETTER_MIN_LENGTH:
        return text
    body = text
    opening = _OPENING.search(body)
    if opening is not None and opening.start() < len(body) // 2:
        subject = _SUBJECT.search(body, 0, opening.start())
        heading = subject.group("subject") if subject is not None else ""
        body = f"{heading} . {body[opening.end() :]}"
    for found in _CLOSING.finditer(body):
        if found.start() >= len(body) // 2:
            body = body[: found.start()]
            break
    return body if body.strip() else text


# --- English spellings of Indonesian loanwords -----------------------------------------------

# English suffix -> its Indonesian spelling, longest first: "integration" -> "integrasi".
_COGNATE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("ication", "ikasi"),
    ("ation", "asi"),
    ("ction", "ksi"),
    ("ssion", "si"),
    ("sion", "si"),
    ("tion", "si"),
    ("ence", "ensi"),
    ("ance", "ansi"),
    ("ity", "itas"),
    ("ical", "is"),
    ("ics", "ika"),
    ("ic", "ik"),
    ("ogy", "ogi"),
    ("ary", "ari"),
    ("ive", "if"),
    ("ize", "isasi"),
    ("ise", "isasi"),
)


@lru_cache(maxsize=8192)
def cognate(token: str) -> str | None:
    """The Indonesian spelling of an English word that Indonesian borrowed, if it looks like one.

    "integration" -> "integrasi", "consultation" -> "konsultasi", "conference" ->
    "konferensi", "colocation" -> "kolokasi", "topology" -> "topologi". None when no rule
    applies; the matcher only uses the result when the catalog has that word.
    """
    for english, indonesian in _COGNATE_SUFFIXES:
        if token.endswith(english) and len(token) > len(english) + 2:
            stem = token[: -len(english)] + indonesian
            break
    else:
        return None
    stem = stem.replace("ph", "f").replace("qu", "kw").replace("x", "ks")
    stem = re.sub(r"c(?=[aou])|c$|ck", "k", stem).replace("c", "s")
    stem = re.sub(r"(.)\1", r"\1", stem)  # "colocation" ok, "commission" -> "komisi"
    return stem if stem != token else None


# --- Indonesian stemming (PySastrawi) ---------------------------------------------------------

_STEMMER: Any = None


def _sastrawi() -> Any:
    """The dictionary-based Sastrawi stemmer, built on first use (its dictionary is 30k words)."""
    global _STEMMER
    if _STEMMER is None:
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

        _STEMMER = StemmerFactory().create_stemmer(False).delegatedStemmer
    return _STEMMER


_AFFIXED = re.compile(r"^(me|pe|di|ke|be|te|se)|(an|kan|i|nya|lah|kah|pun|ku|mu)$")


@lru_cache(maxsize=16384)
def stem(token: str) -> str:
    """The Indonesian root of a word ("pengujian" -> "uji", "keamanannya" -> "aman").

    Words too short to carry an affix, or with no affix the stemmer knows, come back as they
    are without consulting the dictionary (that is most chat and English words, and it keeps
    stemming cheap). Roots the stemmer gets wrong in ways that matter here ("perbaikan" ->
    "baik", "pengadaan" -> "ada": function words) are refused as well.
    """
    if len(token) < 5 or token in STOPWORDS or not token.isalpha() or not _AFFIXED.search(token):
        return token
    root = str(_sastrawi().stem_word(token))
    if len(root) < 3 or root in STOPWORDS:
        return token
    return root
