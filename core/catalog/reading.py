"""How the matcher reads a text, whatever the catalog: word classes and cues.

Generic words (every service name has them), qualifiers (what is wanted, not which service),
complaints about how someone was served, texts about the requester's own phone or home, and the
kind of request a word belongs to (lexicon.INTENTS). The word lists themselves are plain data in
core.catalog.lexicon; here they are applied to normalised tokens.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.catalog.lexicon import (
    BEHAVIOUR,
    COMPLAINT_WORDS,
    HOME_EXCEPTIONS,
    INTENTS,
    NEGATED,
    NEGATIONS,
    OFFICE_QUOTA,
    PERSONAL,
    PLACES,
    STAFF,
    STAFF_BEHAVIOUR,
    STAFF_NEGATED,
)
from core.catalog.normalize import STOPWORDS, affix_variants, is_content, stem, tokens, words

# Words the standards put in every service name, and the names of the offices requests come
# from; they tell services apart no better than stopwords do.
GENERIC: frozenset[str] = words(
    """
    layanan pelayanan pemerintah pemerintahan daerah provinsi prov kabupaten kab kota dinas
    opd pd upt instansi kominfo diskominfo dinkominfo kepulauan bangka belitung kalimantan
    barat purbalingga kalbar babel pemprov pemkab pemda lingkungan lingkup berbasis standar
    fasilitasi fasilitas permohonan permintaan pengajuan pemberian penyediaan pengelolaan
    dan atau serta pada kantor masyarakat service services government regional office
    province agency request
    badan bidang bagian seksi subbag subbagian sekretariat kecamatan kelurahan desa balai
    uptd unit satuan kepala kabid kasubag kasi sekretaris staf pegawai
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
    perpanjang kedaluwarsa terkunci
    """
)

# Qualifiers too vague to even suggest a service when nothing else matched.
WEAK: frozenset[str] = frozenset({"tidak", "jalan", "masuk", "buka", "aktif", "baru", "online"})

QUALIFIER_WEIGHT = 0.5  # a qualifier counts half an identifying word
COMPLAINT_WINDOW = 3  # words: "tidak ... ramah", "petugas ... lambat"


def is_qualifier(token: str) -> bool:
    """Whether a normalised word says what is wanted rather than which service."""
    return token in QUALIFIERS or bool(affix_variants(token) & QUALIFIERS)


def phrase_tokens(text: str) -> list[str]:
    """Normalised content words of a catalog phrase or query, generic words removed."""
    return [t for t in tokens(text) if is_content(t) and t not in GENERIC]


def complaint_cues(words: Sequence[str]) -> tuple[str, ...]:
    """The words that make a text a complaint about how it was served (empty: not one).

    `words` are normalised tokens with stopwords kept ("petugas", "tidak" matter here). A
    complaint word that is negated ("kalau tidak keberatan", "tidak ada keluhan") does not
    count; a word about how someone served counts within a few words after the staff word
    ("pelayanan di loket lambat"), so "internet lambat, petugas tolong cek" is no complaint.
    """
    cues: list[str] = []
    staff_at = [i for i, w in enumerate(words) if w in STAFF]
    for i, word in enumerate(words):
        negated = any(w in NEGATIONS for w in words[max(0, i - COMPLAINT_WINDOW) : i])
        after_staff = any(0 < i - s <= COMPLAINT_WINDOW + 1 for s in staff_at)
        root = word if word in STOPWORDS else stem(word)
        if word in COMPLAINT_WORDS or root in COMPLAINT_WORDS:
            if not negated:
                cues.append(word)
        elif word in BEHAVIOUR:
            cues.append(word)
        elif negated and (word in NEGATED or root in NEGATED):
            cues.append(f"tidak {word}")
        elif after_staff and word in STAFF_BEHAVIOUR:
            cues.append(word)
        elif after_staff and negated and (word in STAFF_NEGATED or root in STAFF_NEGATED):
            cues.append(f"tidak {word}")
    if cues and staff_at:
        cues.insert(0, words[staff_at[0]])
    return tuple(dict.fromkeys(cues))


def personal_cues(words: Sequence[str]) -> tuple[str, ...]:
    """Words saying the text is about the requester's own phone or home, not an office."""
    return tuple(
        word
        for i, word in enumerate(words)
        if word in PERSONAL
        and not (i + 1 < len(words) and words[i + 1] in HOME_EXCEPTIONS)
        and not (word == "kuota" and OFFICE_QUOTA & set(words[max(0, i - 2) : i + 3]))
    )


def denied_complaint(all_tokens: Sequence[str], index: int) -> bool:
    """Whether the word is a complaint word that the text denies ("tidak ada keluhan")."""
    word = all_tokens[index]
    if word not in COMPLAINT_WORDS and stem(word) not in COMPLAINT_WORDS:
        return False
    return any(w in NEGATIONS for w in all_tokens[max(0, index - COMPLAINT_WINDOW) : index])


def names_a_place(all_tokens: Sequence[str], index: int) -> bool:
    """Whether the word is an event word naming a room ("ruang rapat", "aula pertemuan")."""
    return index > 0 and all_tokens[index - 1] in PLACES and all_tokens[index] in INTENTS["event"]


def intents(word: str) -> frozenset[str]:
    """The kinds of request a word (or its root) belongs to ("rusak" -> repair)."""
    forms = {word, stem(word), *affix_variants(word)}
    return frozenset(kind for kind, members in INTENTS.items() if forms & members)


def english_bases(word: str) -> tuple[str, ...]:
    """Uninflected forms of an English word: "deployed" -> "deploy", "hosted" -> "host"."""
    for suffix in ("ing", "ed", "es", "s"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3:
            return (base, base + "e") if suffix != "s" else (base,)
    return ()
