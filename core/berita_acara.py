"""The Berita Acara (handover report) PDF, laid out like the form in the babel service catalog.

Pure: takes the filled-in values and returns PDF bytes. The same input always gives the same
bytes (the PDF's creation date is the report's date), so a stored copy can be re-rendered and
compared. DejaVu Sans is used when installed (any Indonesian text renders); without it the PDF
falls back to the built-in Helvetica and characters outside Latin-1 are replaced.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from core.catalog.schema import Catalog

FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian/Ubuntu (fonts-dejavu-core)
    Path("/usr/share/fonts/dejavu"),  # Fedora
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/local/share/fonts"),
)
_REGULAR = "DejaVuSans.ttf"
_BOLD = "DejaVuSans-Bold.ttf"


# Millimetres. A4 portrait; the left margin is wider, as on Indonesian official letters.
_MARGIN_LEFT = 25.0
_MARGIN_RIGHT = 20.0
_MARGIN_TOP = 20.0
_MARGIN_BOTTOM = 20.0
_LABEL_W = 42.0
_COLON_W = 5.0
_LINE_H = 5.5
_ROW_GAP = 2.5
_BOX = 3.8  # checkbox side
_SIGN_COL_W = 72.0
_SIGN_SPACE = 22.0  # room for a wet signature
_STAMP_W = 90.0
_STAMP_W_WITH_DUE = 125.0
_FONT_SIZE = 10.5

# What the core-font fallback writes instead of common typographic characters.
_LATIN1_SUBSTITUTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": ",",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "‑": "-",
        "−": "-",
        "…": "...",
        "•": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)


@dataclass(frozen=True)
class BeritaAcara:
    """Everything printed on one Berita Acara."""

    agency_name: str
    city: str
    service_name: str
    products: Sequence[tuple[str, str]]  # (code, label): every need listed as a checkbox
    selected_product: str | None  # the code ticked
    ditugaskan_kepada: str
    petugas: Sequence[tuple[str, str | None]]  # (name, NIP)
    ringkasan_pekerjaan: str
    ringkasan_masalah: str
    alternatif_solusi: str
    lokasi: str
    ticket_ref: str
    tanggal: date
    pemohon_name: str | None = None
    pemohon_nip: str | None = None
    petugas_signer: tuple[str, str | None] | None = None  # (name, NIP) signing for the office
    # The ticket's due in words (the published standard, as the requester was told it).
    batas_waktu: str | None = None


def format_tanggal(day: date) -> str:
    """The date as written on Indonesian documents, e.g. "30 November 2026"."""
    return format_date(day, "d MMMM y", locale="id")


def berita_acara_for(
    catalog: Catalog,
    service_code: str,
    product_code: str | None,
    *,
    ticket_ref: str,
    tanggal: date,
    ditugaskan_kepada: str,
    petugas: Sequence[tuple[str, str | None]],
    ringkasan_pekerjaan: str,
    ringkasan_masalah: str,
    alternatif_solusi: str,
    lokasi: str,
    pemohon_name: str | None = None,
    pemohon_nip: str | None = None,
    petugas_signer: tuple[str, str | None] | None = None,
    batas_waktu: str | None = None,
) -> BeritaAcara:
    """A Berita Acara with the agency, service and product list taken from the catalog.

    Needs are numbered like the form ("1.3." is the third product of the agency's first
    service); a service without products lists its own name as the single, ticked need. The
    first petugas signs unless `petugas_signer` says otherwise.
    """
    service = catalog.service(service_code)
    if service is None:
        raise KeyError(f"unknown service {service_code!r}")
    number = catalog.services.index(service) + 1
    if service.products:
        if product_code is not None and service.product(product_code) is None:
            raise KeyError(f"service {service_code!r} has no product {product_code!r}")
        products = [
            (p.code, f"{number}.{i}. {p.name.get('id')}")
            for i, p in enumerate(service.products, start=1)
        ]
        selected = product_code
    else:
        products = [(service.code, service.name.get("id"))]
        selected = service.code
    signer = petugas_signer if petugas_signer is not None else (petugas[0] if petugas else None)
    return BeritaAcara(
        agency_name=catalog.agency.name.get("id"),
        city=catalog.agency.city,
        service_name=service.name.get("id"),
        products=products,
        selected_product=selected,
        ditugaskan_kepada=ditugaskan_kepada,
        petugas=list(petugas),
        ringkasan_pekerjaan=ringkasan_pekerjaan,
        ringkasan_masalah=ringkasan_masalah,
        alternatif_solusi=alternatif_solusi,
        lokasi=lokasi,
        ticket_ref=ticket_ref,
        tanggal=tanggal,
        pemohon_name=pemohon_name,
        pemohon_nip=pemohon_nip,
        petugas_signer=signer,
        batas_waktu=batas_waktu,
    )


def render_berita_acara(data: BeritaAcara, *, font_dirs: Sequence[Path] = FONT_DIRS) -> bytes:
    """The Berita Acara as PDF bytes (A4 portrait; page 2 and on when the texts are long)."""
    pdf = _Sheet(font_dirs, footer=f"Berita Acara · Tiket {data.ticket_ref}")
    pdf.set_title(pdf.clean(f"Berita Acara Penanganan {data.service_name} – {data.ticket_ref}"))
    pdf.set_author(pdf.clean(data.agency_name))
    pdf.set_subject(pdf.clean(f"Tiket {data.ticket_ref}"))
    pdf.set_creator("servicedesk")
    pdf.set_lang("id")
    # A fixed creation date keeps the output byte-for-byte reproducible.
    pdf.set_creation_date(datetime.combine(data.tanggal, time(0, 0), tzinfo=UTC))
    pdf.add_page()
    _heading(pdf, data)
    _text_row(pdf, "Ditugaskan Kepada", data.ditugaskan_kepada)
    _text_row(pdf, "Nama Petugas", _petugas_lines(data.petugas))
    _needs_row(pdf, data.products, data.selected_product)
    _text_row(pdf, "Ringkasan Pekerjaan", data.ringkasan_pekerjaan)
    _text_row(pdf, "Ringkasan Masalah", data.ringkasan_masalah)
    _text_row(pdf, "Alternatif Solusi", data.alternatif_solusi)
    _text_row(pdf, "Lokasi", data.lokasi)
    _closing(pdf, data)
    return bytes(pdf.output())


class _Sheet(FPDF):
    """An A4 page set up with the report's fonts, margins and page footer."""

    def __init__(self, font_dirs: Sequence[Path], *, footer: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(_MARGIN_LEFT, _MARGIN_TOP, _MARGIN_RIGHT)
        self.set_auto_page_break(True, margin=_MARGIN_BOTTOM)
        self.c_margin = 0  # columns are placed by hand; no hidden inner padding
        self.family = self._load_fonts(font_dirs)
        self.unicode = self.family != "helvetica"
        self.footer_text = self.clean(footer)
        self.set_font(self.family, size=_FONT_SIZE)

    def _load_fonts(self, font_dirs: Sequence[Path]) -> str:
        """Register DejaVu Sans from the first directory that has it, else use Helvetica."""
        for folder in font_dirs:
            regular, bold = folder / _REGULAR, folder / _BOLD
            if regular.is_file() and bold.is_file():
                self.add_font("dejavu", "", str(regular))
                self.add_font("dejavu", "B", str(bold))
                return "dejavu"
        return "helvetica"

    def clean(self, text: str) -> str:
        """Text the current font can print: no control characters, Latin-1 for Helvetica."""
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        text = "".join(
            ch for ch in text if ch == "\n" or not unicodedata.category(ch).startswith("C")
        )
        if self.unicode:
            return text
        text = unicodedata.normalize("NFC", text).translate(_LATIN1_SUBSTITUTES)
        return text.encode("latin-1", errors="replace").decode("latin-1")

    @property
    def content_width(self) -> float:
        """Width between the margins."""
        return self.w - self.l_margin - self.r_margin

    def footer(self) -> None:
        """Ticket and page number, so a printed page that comes loose can be put back."""
        self.set_y(-13)
        self.set_font(self.family, size=8)
        self.set_text_color(110)
        self.cell(0, 4, f"{self.footer_text} · Halaman {self.page_no()}/{{nb}}", align=Align.C)
        self.set_text_color(0)
        self.set_font(self.family, size=_FONT_SIZE)


def _heading(pdf: _Sheet, data: BeritaAcara) -> None:
    """The agency line and the centred, bold title."""
    pdf.set_font(pdf.family, size=9)
    pdf.multi_cell(0, 4.5, pdf.clean(data.agency_name.upper()), align=Align.C)
    pdf.ln(2)
    pdf.set_font(pdf.family, "B", 12)
    title = pdf.clean(f"Berita Acara Penanganan {data.service_name}")
    pdf.multi_cell(0, 6.5, title, align=Align.C)
    pdf.set_font(pdf.family, size=_FONT_SIZE)
    pdf.ln(6)


def _start_row(pdf: _Sheet, label: str) -> float:
    """Print "label :" at the left and return the x where the value column starts."""
    if pdf.will_page_break(_LINE_H):
        pdf.add_page()
    x = pdf.l_margin
    pdf.set_x(x)
    pdf.cell(_LABEL_W, _LINE_H, label)
    pdf.cell(_COLON_W, _LINE_H, ":")
    return x + _LABEL_W + _COLON_W


def _text_row(pdf: _Sheet, label: str, value: str) -> None:
    """A label row whose value wraps inside the value column (and onto the next page)."""
    value_x = _start_row(pdf, label)
    text = pdf.clean(value).strip() or "-"
    width = pdf.l_margin + pdf.content_width - value_x
    pdf.set_x(value_x)
    pdf.multi_cell(width, _LINE_H, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(_ROW_GAP)


def _petugas_lines(petugas: Sequence[tuple[str, str | None]]) -> str:
    """ "1. Name / NIP. 1985…" per officer, as numbered on the form."""
    lines = [f"{i}. {name} / NIP. {nip or '-'}" for i, (name, nip) in enumerate(petugas, 1)]
    return "\n".join(lines)


def _needs_row(pdf: _Sheet, products: Sequence[tuple[str, str]], selected: str | None) -> None:
    """ "Kebutuhan :" with one checkbox per need, the selected one crossed."""
    value_x = _start_row(pdf, "Kebutuhan")
    text_x = value_x + _BOX + 2.5
    width = pdf.l_margin + pdf.content_width - text_x
    for index, (code, label) in enumerate(products):
        if index and pdf.will_page_break(_LINE_H):
            pdf.add_page()
        top = pdf.y + (_LINE_H - _BOX) / 2
        _checkbox(pdf, value_x, top, ticked=code == selected)
        pdf.set_x(text_x)
        pdf.multi_cell(width, _LINE_H, pdf.clean(label), align=Align.L, new_x=XPos.LMARGIN)
    if not products:
        pdf.ln(_LINE_H)
    pdf.ln(_ROW_GAP)


def _checkbox(pdf: _Sheet, x: float, y: float, *, ticked: bool) -> None:
    """A square box, crossed when ticked (drawn, not a glyph: fonts lack ☒)."""
    pdf.set_line_width(0.3)
    pdf.rect(x, y, _BOX, _BOX)
    if ticked:
        inset = 0.7
        pdf.set_line_width(0.45)
        pdf.line(x + inset, y + inset, x + _BOX - inset, y + _BOX - inset)
        pdf.line(x + inset, y + _BOX - inset, x + _BOX - inset, y + inset)
    pdf.set_line_width(0.2)


def _closing(pdf: _Sheet, data: BeritaAcara) -> None:
    """The two signature blocks and the officer's box, kept together on one page."""
    stamp_h = 3 * _LINE_H + 2
    needed = 8 + 2 * _LINE_H + _SIGN_SPACE + 2 * _LINE_H + 8 + stamp_h
    if pdf.will_page_break(needed):
        pdf.add_page()
    pdf.ln(8)
    left = pdf.l_margin
    right = pdf.l_margin + pdf.content_width - _SIGN_COL_W
    top = pdf.y
    _centred(pdf, right, top, f"{data.city}, {format_tanggal(data.tanggal)}")
    _centred(pdf, left, top + _LINE_H, "Pemohon,")
    _centred(pdf, right, top + _LINE_H, "Petugas,")
    name_y = top + 2 * _LINE_H + _SIGN_SPACE
    signer = data.petugas_signer
    _signature(pdf, left, name_y, data.pemohon_name, data.pemohon_nip)
    _signature(pdf, right, name_y, signer[0] if signer else None, signer[1] if signer else None)
    pdf.set_xy(pdf.l_margin, name_y + 2 * _LINE_H + 8)
    _stamp(pdf, data)


def _centred(pdf: _Sheet, x: float, y: float, text: str, *, bold: bool = False) -> None:
    """One line centred in a signature column."""
    pdf.set_font(pdf.family, "B" if bold else "", _FONT_SIZE)
    pdf.set_xy(x, y)
    pdf.cell(_SIGN_COL_W, _LINE_H, pdf.clean(text), align=Align.C)
    pdf.set_font(pdf.family, size=_FONT_SIZE)


def _signature(pdf: _Sheet, x: float, y: float, name: str | None, nip: str | None) -> None:
    """The signer's name over a dotted line, then the NIP (dots to fill in when unknown)."""
    if name:
        _signer_name(pdf, x, y, name)
    inset = 8.0
    pdf.set_dash_pattern(dash=0.6, gap=0.8)
    pdf.line(x + inset, y + _LINE_H - 0.3, x + _SIGN_COL_W - inset, y + _LINE_H - 0.3)
    pdf.set_dash_pattern()
    _centred(pdf, x, y + _LINE_H + 0.5, f"NIP. {nip}" if nip else "NIP. " + "." * 30)


def _signer_name(pdf: _Sheet, x: float, y: float, name: str) -> None:
    """The name in bold on the line at y; a long name with titles wraps upwards."""
    size = _FONT_SIZE
    while True:
        pdf.set_font(pdf.family, "B", size)
        found = pdf.multi_cell(
            _SIGN_COL_W, _LINE_H, pdf.clean(name), align=Align.C, dry_run=True, output="LINES"
        )
        lines = [str(line) for line in found] if isinstance(found, list) else [name]
        if len(lines) <= 3 or size <= 6:  # three lines still leave room to sign
            break
        size -= 1
    line_h = size * 0.45 if len(lines) > 1 else _LINE_H
    for i, line in enumerate(lines):
        pdf.set_xy(x, y + _LINE_H - line_h * (len(lines) - i))
        pdf.cell(_SIGN_COL_W, line_h, line, align=Align.C)
    pdf.set_font(pdf.family, size=_FONT_SIZE)


def _stamp(pdf: _Sheet, data: BeritaAcara) -> None:
    """The boxed "*Diisi oleh petugas" block with the ticket ID, date and the ticket's due."""
    x, y = pdf.l_margin, pdf.y
    rows = [("Tiket ID", data.ticket_ref), ("Tanggal", format_tanggal(data.tanggal))]
    width, label_w = _STAMP_W, 22.0
    if data.batas_waktu:
        rows.append(("Batas waktu", data.batas_waktu))
        width, label_w = _STAMP_W_WITH_DUE, 25.0  # a moment in words is longer than a date
    height = (len(rows) + 1) * _LINE_H + 2
    pdf.set_line_width(0.3)
    pdf.rect(x, y, width, height)
    pdf.line(x, y + _LINE_H + 1, x + width, y + _LINE_H + 1)
    pdf.set_line_width(0.2)
    pdf.set_font(pdf.family, size=9)
    pdf.set_xy(x + 2, y + 0.5)
    pdf.cell(width - 4, _LINE_H, "*Diisi oleh petugas")
    pdf.set_font(pdf.family, size=_FONT_SIZE)
    for i, (label, value) in enumerate(rows):
        pdf.set_xy(x + 2, y + (i + 1) * _LINE_H + 1.5)
        pdf.cell(label_w, _LINE_H, label)
        pdf.cell(_COLON_W, _LINE_H, ":")
        pdf.cell(width - 4 - label_w - _COLON_W, _LINE_H, pdf.clean(value))
    pdf.set_xy(pdf.l_margin, y + height)
