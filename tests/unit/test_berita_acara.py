"""The Berita Acara PDF: what an officer and a requester see when they open or print it.

Text and positions are read back with poppler (pdftotext, pdftoppm). Without poppler those
checks are skipped on a developer machine and fail under CI=true, where it must be installed.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, replace
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from core.berita_acara import (
    FONT_DIRS,
    BeritaAcara,
    berita_acara_for,
    format_tanggal,
    render_berita_acara,
)
from core.catalog.loader import load_catalog
from tests.support.pdf import all_text as _all_text
from tests.support.pdf import run_tool as _run
from tests.support.pdf import text as _text
from tests.support.pdf import tool as _tool

PT_PER_MM = 72 / 25.4
DPI = 100


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def _words(pdf: bytes) -> tuple[list[Word], float]:
    """Every word with its page (1-based) and box in points; and the page height."""
    out = _run([_tool("pdftotext"), "-bbox", "-enc", "UTF-8", "-", "-"], pdf).decode()
    words: list[Word] = []
    height = 0.0
    for page, chunk in enumerate(out.split("<page ")[1:], start=1):
        height = float(re.search(r'height="([\d.]+)"', chunk).group(1))  # type: ignore[union-attr]
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            chunk,
        ):
            x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
            words.append(Word(page, html.unescape(m.group(5)), x0, y0, x1, y1))
    return words, height


def _find(words: list[Word], phrase: str, *, after: Word | None = None) -> Word:
    """The first word of the first occurrence of `phrase` (consecutive words), after `after`."""
    wanted = phrase.split()
    texts = [w.text for w in words]
    start = words.index(after) + 1 if after is not None else 0
    for i in range(start, len(words) - len(wanted) + 1):
        if texts[i : i + len(wanted)] == wanted:
            return words[i]
    raise AssertionError(f"{phrase!r} not found in the PDF")


def _page_image(pdf: bytes, page: int) -> Image.Image:
    png = _run(
        [_tool("pdftoppm"), "-png", "-r", str(DPI), "-f", str(page), "-l", str(page), "-"], pdf
    )
    return Image.open(BytesIO(png)).convert("L")


def _ink(image: Image.Image, box_pt: tuple[float, float, float, float]) -> float:
    """Share of dark pixels inside a rectangle given in points."""
    scale = DPI / 72
    x0, y0, x1, y1 = (round(v * scale) for v in box_pt)
    histogram = image.crop((x0, y0, x1, y1)).histogram()
    return sum(histogram[:128]) / sum(histogram)


def _metadata(pdf: bytes, key: str) -> str:
    """A document-information entry, decoded from a literal or a UTF-16 hex string."""
    m = re.search(rb"/" + key.encode() + rb" (\((.*?)\)|<feff([0-9a-f]*)>)", pdf)
    assert m is not None, f"no /{key} in the PDF"
    if m.group(2) is not None:
        return m.group(2).decode("latin-1")
    return bytes.fromhex(m.group(3).decode()).decode("utf-16-be")


def _has_dejavu() -> bool:
    return any((d / "DejaVuSans.ttf").is_file() for d in FONT_DIRS)


@pytest.fixture(scope="module")
def babel_repair() -> BeritaAcara:
    """A finished babel network-repair ticket, as the /selesai dialog collects it."""
    return berita_acara_for(
        load_catalog("babel"),
        "jaringan-intra",
        "perbaikan",
        ticket_ref="BABEL-2026-00042",
        tanggal=date(2026, 11, 30),
        ditugaskan_kepada="Petugas Service Desk Bidang e-Government",
        petugas=[
            ("Andi Pratama, S.Kom.", "198501012010011001"),
            ("Siti Rahmawati", "199002022015022002"),
            ("Budi Santoso", None),
        ],
        ringkasan_pekerjaan="Mengganti patch cord fiber optik yang putus di ruang server lantai 2.",
        ringkasan_masalah="Koneksi internet BKPSDMD terputus; lampu LOS pada ONT menyala merah.",
        alternatif_solusi="Sementara memakai jalur cadangan melalui access point gedung sebelah.",
        lokasi="Kantor BKPSDMD, Komplek Perkantoran Gubernur, Air Itam",
        pemohon_name="Drs. Hendra Wijaya",
        pemohon_nip="197803032005011003",
    )


def test_the_report_is_a_pdf_titled_after_the_service_and_authored_by_the_agency(
    babel_repair: BeritaAcara,
) -> None:
    pdf = render_berita_acara(babel_repair)

    assert pdf.startswith(b"%PDF-")
    title = _metadata(pdf, "Title")
    assert "Berita Acara Penanganan Layanan Jaringan Intra Pemerintah Daerah" in title
    assert "BABEL-2026-00042" in title
    assert _metadata(pdf, "Author") == (
        "Dinas Komunikasi dan Informatika Provinsi Kepulauan Bangka Belitung"
    )
    assert _metadata(pdf, "CreationDate").startswith("D:20261130")


def test_rendering_the_same_report_twice_gives_the_same_bytes(babel_repair: BeritaAcara) -> None:
    first = render_berita_acara(babel_repair)

    assert render_berita_acara(babel_repair) == first
    assert render_berita_acara(replace(babel_repair, lokasi="Gedung B")) != first


def test_the_report_shows_every_field_the_officer_filled_in(babel_repair: BeritaAcara) -> None:
    text = _all_text(render_berita_acara(babel_repair))

    for expected in [
        "Berita Acara Penanganan Layanan Jaringan Intra Pemerintah Daerah",
        "Ditugaskan Kepada : Petugas Service Desk Bidang e-Government",
        "1. Andi Pratama, S.Kom. / NIP. 198501012010011001",
        "2. Siti Rahmawati / NIP. 199002022015022002",
        "3. Budi Santoso / NIP. -",
        "1.3. Perbaikan dan/atau pemeliharaan jaringan intra pemerintah daerah",
        "Ringkasan Pekerjaan : " + babel_repair.ringkasan_pekerjaan,
        "Ringkasan Masalah : " + babel_repair.ringkasan_masalah,
        "Alternatif Solusi : " + babel_repair.alternatif_solusi,
        "Lokasi : " + babel_repair.lokasi,
        "Pangkalpinang, 30 November 2026",
        "Pemohon,",
        "Petugas,",
        "Drs. Hendra Wijaya",
        "NIP. 197803032005011003",
        "*Diisi oleh petugas",
        "Tiket ID : BABEL-2026-00042",
        "Tanggal : 30 November 2026",
    ]:
        assert expected in text


def test_the_report_lists_every_product_of_the_service_as_a_need(
    babel_repair: BeritaAcara,
) -> None:
    text = _all_text(render_berita_acara(babel_repair))

    assert "Kebutuhan :" in text
    for label in [
        "1.1. Perancangan interkoneksi jaringan intra pemerintah daerah",
        "1.2. Pembangunan/pengembangan jaringan intra pemerintah daerah",
        "1.3. Perbaikan dan/atau pemeliharaan jaringan intra pemerintah daerah",
        "1.4. Rekomendasi kebutuhan peralatan jaringan intra pemerintah daerah",
    ]:
        assert label in text


def _ticked(data: BeritaAcara) -> set[str]:
    """The product codes whose checkbox is crossed on the rendered page."""
    pdf = render_berita_acara(data)
    words, _ = _words(pdf)
    ink: dict[str, float] = {}
    image: dict[int, Image.Image] = {}
    needs = _find(words, "Kebutuhan")
    for code, label in data.products:
        first = _find(words, " ".join(label.split()[:2]), after=needs)
        image.setdefault(first.page, _page_image(pdf, first.page))
        middle = (first.y0 + first.y1) / 2
        # The box sits just left of the label; look inside it, clear of its border.
        inside = (first.x0 - 15.5, middle - 2.5, first.x0 - 9.5, middle + 2.5)
        frame = (first.x0 - 19.0, middle - 7.0, first.x0 - 6.0, middle + 7.0)
        assert _ink(image[first.page], frame) > 0.05, f"no checkbox drawn next to {label!r}"
        ink[code] = _ink(image[first.page], inside)
    return {code for code, share in ink.items() if share > 0.1}


@pytest.mark.parametrize("selected", ["perancangan", "perbaikan", "rekomendasi"])
def test_only_the_requested_product_is_ticked(babel_repair: BeritaAcara, selected: str) -> None:
    data = replace(babel_repair, selected_product=selected)

    assert _ticked(data) == {selected}


def test_no_box_is_ticked_when_no_product_was_chosen(babel_repair: BeritaAcara) -> None:
    assert _ticked(replace(babel_repair, selected_product=None)) == set()


def test_a_service_without_products_ticks_its_own_name_as_the_need() -> None:
    data = berita_acara_for(
        load_catalog("kalbar"),
        "konsultasi",
        None,
        ticket_ref="KALBAR-2026-00007",
        tanggal=date(2026, 1, 5),
        ditugaskan_kepada="Bidang Aplikasi Informatika",
        petugas=[("Rina Oktaviani", None)],
        ringkasan_pekerjaan="Konsultasi tata kelola SPBE",
        ringkasan_masalah="Belum ada arsitektur SPBE",
        alternatif_solusi="Pendampingan lanjutan",
        lokasi="Ruang rapat Diskominfo",
    )

    assert data.products == [("konsultasi", "Pelayanan Konsultasi")]
    assert data.city == "Pontianak"
    assert _ticked(data) == {"konsultasi"}
    assert "Pontianak, 5 Januari 2026" in _all_text(render_berita_acara(data))


def test_the_catalog_helper_refuses_an_unknown_service_or_product() -> None:
    catalog = load_catalog("babel")
    common = dict(
        ticket_ref="BABEL-2026-00001",
        tanggal=date(2026, 3, 2),
        ditugaskan_kepada="x",
        petugas=[],
        ringkasan_pekerjaan="x",
        ringkasan_masalah="x",
        alternatif_solusi="x",
        lokasi="x",
    )

    with pytest.raises(KeyError):
        berita_acara_for(catalog, "tidak-ada", None, **common)  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        berita_acara_for(catalog, "jaringan-intra", "tidak-ada", **common)  # type: ignore[arg-type]


def test_the_first_officer_signs_unless_another_signer_is_named(
    babel_repair: BeritaAcara,
) -> None:
    assert babel_repair.petugas_signer == ("Andi Pratama, S.Kom.", "198501012010011001")

    data = replace(babel_repair, petugas_signer=("Siti Rahmawati", "199002022015022002"))
    words, _ = _words(render_berita_acara(data))
    petugas_label = _find(words, "Petugas,")
    signer = _find(words, "Siti Rahmawati", after=petugas_label)
    signer_nip = _find(words, "NIP. 199002022015022002", after=signer)
    pemohon = _find(words, "Drs. Hendra Wijaya")

    # The officer signs in the right-hand block, below "Petugas,", with room to sign between.
    assert signer.page == petugas_label.page
    assert signer.y0 - petugas_label.y1 > 15 * PT_PER_MM
    assert signer.x0 > pemohon.x1
    assert signer_nip.y0 > signer.y0
    assert abs(signer.y0 - pemohon.y0) < 1


def test_blank_signers_leave_dots_to_fill_in(babel_repair: BeritaAcara) -> None:
    data = replace(babel_repair, pemohon_name=None, pemohon_nip=None, petugas_signer=None)

    text = _all_text(render_berita_acara(data))

    assert text.count("NIP. .....") == 2
    assert "Drs. Hendra Wijaya" not in text


@pytest.mark.parametrize("length", [900, 1500, 2000])
def test_long_texts_flow_onto_a_second_page_without_touching_the_signatures(
    babel_repair: BeritaAcara, length: int
) -> None:
    sentence = "Switch distribusi lantai tiga mati karena catu daya rusak. "
    long_text = (sentence * (length // len(sentence) + 1))[:length].rstrip() + " AKHIRTEKS"
    data = replace(babel_repair, ringkasan_masalah=long_text)

    pdf = render_berita_acara(data)
    words, page_height = _words(pdf)

    assert " ".join(long_text.split()) in _all_text(pdf)
    pages = {w.page for w in words}
    assert len(pages) >= 2
    end = _find(words, "AKHIRTEKS")
    lokasi = _find(words, "Kantor BKPSDMD, Komplek Perkantoran Gubernur, Air Itam")
    date_line = _find(words, "Pangkalpinang, 30 November 2026")
    block = [date_line, _find(words, "Pemohon,"), _find(words, "Petugas,")]
    block += [_find(words, "Tiket ID"), _find(words, "NIP. 197803032005011003")]
    # The signature blocks and the officer's box stay together on the last page ...
    assert {w.page for w in block} == {max(pages)}
    # ... after the texts, never beside or under them.
    for text_word in (end, lokasi):
        assert (text_word.page, text_word.y1) < (date_line.page, date_line.y0)
    # Nothing but the page footer runs into the bottom margin.
    footer_top = page_height - 15 * PT_PER_MM
    bottom_limit = page_height - 20 * PT_PER_MM + 1
    assert all(w.y1 <= bottom_limit for w in words if w.y0 < footer_top)
    assert f"Halaman {max(pages)}/{max(pages)}" in _text(pdf)[-1]


def test_indonesian_typography_renders_with_the_unicode_font(babel_repair: BeritaAcara) -> None:
    if not _has_dejavu():
        if os.environ.get("CI") == "true":
            pytest.fail("DejaVu fonts (fonts-dejavu-core) are not installed")
        pytest.skip("DejaVu fonts are not installed")
    data = replace(babel_repair, ringkasan_pekerjaan="Kabel “FO” diganti – selesai… 100 m²")

    pdf = render_berita_acara(data)

    assert b"DejaVu" in pdf
    assert "Kabel “FO” diganti – selesai… 100 m²" in _all_text(pdf)


def test_without_the_unicode_font_unsupported_characters_are_replaced(
    babel_repair: BeritaAcara, tmp_path: Path
) -> None:
    data = replace(
        babel_repair,
        ringkasan_pekerjaan="Kabel “FO” diganti – selesai… ✓ café",
        lokasi="Ruang server\r\nlantai\t2",
    )

    pdf = render_berita_acara(data, font_dirs=[tmp_path])

    assert b"/BaseFont /Helvetica" in pdf
    text = _all_text(pdf)
    assert 'Kabel "FO" diganti - selesai... ? café' in text
    assert "Lokasi : Ruang server lantai 2" in text


def test_dates_are_written_the_indonesian_way() -> None:
    assert format_tanggal(date(2026, 11, 30)) == "30 November 2026"
    assert format_tanggal(date(2027, 1, 1)) == "1 Januari 2027"
    assert format_tanggal(date(2026, 8, 17)) == "17 Agustus 2026"


def test_a_long_requester_name_wraps_inside_its_own_signature_block(
    babel_repair: BeritaAcara,
) -> None:
    name = "Dr. Ir. H. Muhammad Abdurrahman Wahidin Saputra, S.Kom., M.T., M.Kom."
    data = replace(babel_repair, pemohon_name=name)

    pdf = render_berita_acara(data)
    words, _ = _words(pdf)
    pemohon = _find(words, "Pemohon,")
    petugas = _find(words, "Petugas,")
    first = _find(words, "Dr. Ir. H.", after=pemohon)
    name_words = words[words.index(first) :][: len(name.split())]
    nip = _find(words, "NIP. 197803032005011003", after=first)

    assert " ".join(w.text for w in name_words) == name
    # Within the left block: inside the 25 mm page margin and clear of the officer's block.
    assert all(w.x0 >= 25 * PT_PER_MM - 1 for w in name_words)
    assert all(w.x1 < min(petugas.x0, 105 * PT_PER_MM) for w in name_words)
    assert all(pemohon.y1 < w.y0 and w.y1 <= nip.y0 + 1 for w in name_words)
