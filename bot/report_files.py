"""The period report (core.figures.PeriodFigures) as files: JSON, CSV, XLSX and a PNG chart.

Each `render_*` function returns the file's bytes, so the CLI writes them and a chat could send
them as a document. Names (services, complaint classes, headers, the chart's words) follow
`lang` ("id" by default, "en"); JSON keys and CSV columns are fixed English identifiers.

**JSON** (`report_dict`, then UTF-8): dates ISO (YYYY-MM-DD), instants ISO 8601 on the agency's
clock, office time in hours as numbers with one decimal, percentages with two::

    {"agency": "babel", "agency_name": str, "from": "2026-03-01", "to": "2026-03-31",
     "counted_until": "2026-04-01T00:00:00+07:00",
     "percentile_method": "linear interpolation between closest ranks (PERCENTILE.INC)",
     "total": GROUP,                          # the whole agency
     "services": [{"service": code, "name": str, **GROUP}],
     "officers": [{"officer_id": int | null, "name": str, **COMPLETION}],
     "complaints": [{"class": code | null, "name": str, "received": int}],
     "availability": [{"service": code, "name": str, "month": "2026-03", "from": date,
                       "to": date, "office_hours": float, "downtime_hours": float,
                       "availability_percent": float | null, "guarantee_percent": float | null,
                       "meets_guarantee": bool | null,
                       "outages": [{"ref": str, "from": instant, "to": instant | null,
                                    "hours": float}]}]}
    COMPLETION = {"completed", "on_time", "late", "with_target", "on_target", "past_target":
                  int, "paused_hours": float, "median_hours", "p90_hours": float | null}
    GROUP = {"received", "rejected": int, **COMPLETION,
             "open_at_end": {"0-1", "2-3", "4-5", ">5", "total": int}}

**CSV**: the per-service table only (one row per service, then one row with an empty `service`
and the agency's total), columns `CSV_COLUMNS`; the other tables are in the XLSX and the JSON.

**XLSX**: one sheet per table (Ringkasan, Per layanan, Per petugas, Umur tiket terbuka,
Pengaduan, Ketersediaan, Gangguan), numbers and dates as Excel values, frozen header row.

**PNG**: 1080 x 1350 px (a phone's width): completed tickets on time and late per service, and
the tickets open at the period's end by age.
"""

from __future__ import annotations

import csv
import io
import json
import math
import textwrap
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import xlsxwriter
from babel.dates import format_date

from bot.labels import service_label, service_short_label
from core.catalog.schema import Catalog
from core.complaints import COMPLAINT_SERVICE
from core.figures import (
    AGE_BANDS,
    Availability,
    Completion,
    GroupFigures,
    OfficerFigures,
    PeriodFigures,
)
from locales import Translator, translator

PERCENTILE_METHOD = "linear interpolation between closest ranks (PERCENTILE.INC)"
CSV_COLUMNS: tuple[str, ...] = (
    "service",
    "name",
    "received",
    "completed",
    "on_time",
    "late",
    "with_target",
    "on_target",
    "past_target",
    "rejected",
    "paused_hours",
    "median_hours",
    "p90_hours",
    "open_0_1",
    "open_2_3",
    "open_4_5",
    "open_over_5",
    "open_total",
)
PNG_SIZE = (1080, 1350)  # pixels: a phone screen's width, 4:5 like a portrait photo
_DPI = 100
_ON_TIME_COLOUR = "#1b7f5a"  # green and orange stay apart for red-green colour blindness
_LATE_COLOUR = "#e07b00"
_BACKLOG_COLOUR = "#3a6ea5"
_MIN_ROWS = 4  # the bar chart's height in rows, however few services finished something


def hours(value: timedelta | None) -> float | None:
    """Office time as hours with one decimal (None stays None)."""
    return None if value is None else round(value.total_seconds() / 3600, 1)


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 2)


# --------------------------------------------------------------------------- JSON


def report_dict(figures: PeriodFigures, catalog: Catalog, *, lang: str = "id") -> dict[str, Any]:
    """The figures as the documented JSON object (see the module's docstring)."""
    t = translator(lang)
    zone = figures.until.tzinfo
    return {
        "agency": figures.agency,
        "agency_name": catalog.agency.name.get(t.locale),
        "from": figures.first.isoformat(),
        "to": figures.last.isoformat(),
        "counted_until": figures.until.isoformat(),
        "percentile_method": PERCENTILE_METHOD,
        "total": _group(figures.total),
        "services": [
            {"service": g.code, "name": service_label(catalog, g.code, None, t), **_group(g)}
            for g in figures.services
        ],
        "officers": [
            {"officer_id": o.officer_id, "name": _officer_name(o, t), **_completion(o.completion)}
            for o in figures.officers
        ],
        "complaints": [
            {
                "class": c.class_code,
                "name": _class_name(catalog, c.class_code, t),
                "received": c.received,
            }
            for c in figures.complaints
        ],
        "availability": [
            {
                "service": a.service,
                "name": service_label(catalog, a.service, None, t),
                "month": a.month.strftime("%Y-%m"),
                "from": a.first.isoformat(),
                "to": a.last.isoformat(),
                "office_hours": hours(a.office_time),
                "downtime_hours": hours(a.downtime),
                "availability_percent": _percent(a.availability),
                "guarantee_percent": a.guarantee,
                "meets_guarantee": a.meets_guarantee,
                "outages": [
                    {
                        "ref": o.ref,
                        "from": o.reported_at.astimezone(zone).isoformat(),
                        "to": None
                        if o.restored_at is None
                        else o.restored_at.astimezone(zone).isoformat(),
                        "hours": hours(o.downtime),
                    }
                    for o in a.outages
                ],
            }
            for a in figures.availability
        ],
    }


def render_json(figures: PeriodFigures, catalog: Catalog, *, lang: str = "id") -> bytes:
    """The report as UTF-8 JSON, indented for reading."""
    text = json.dumps(report_dict(figures, catalog, lang=lang), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def _completion(c: Completion) -> dict[str, Any]:
    return {
        "completed": c.completed,
        "on_time": c.on_time,
        "late": c.late,
        "with_target": c.with_target,
        "on_target": c.on_target,
        "past_target": c.past_target,
        "paused_hours": hours(c.paused),
        "median_hours": hours(c.median),
        "p90_hours": hours(c.p90),
    }


def _group(g: GroupFigures) -> dict[str, Any]:
    ages = dict(zip(AGE_BANDS, g.backlog.counts, strict=True))
    return {
        "received": g.received,
        "rejected": g.rejected,
        **_completion(g.completion),
        "open_at_end": {**ages, "total": g.backlog.total},
    }


# --------------------------------------------------------------------------- CSV


def render_csv(figures: PeriodFigures, catalog: Catalog, *, lang: str = "id") -> bytes:
    """The per-service table as UTF-8 CSV (header `CSV_COLUMNS`), the agency's total last."""
    t = translator(lang)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = [(g.code, service_label(catalog, g.code, None, t), g) for g in figures.services]
    rows.append(("", t("Jumlah"), figures.total))
    for code, name, g in rows:
        c = g.completion
        writer.writerow(
            [
                code,
                name,
                g.received,
                c.completed,
                c.on_time,
                c.late,
                c.with_target,
                c.on_target,
                c.past_target,
                g.rejected,
                _csv_number(hours(c.paused)),
                _csv_number(hours(c.median)),
                _csv_number(hours(c.p90)),
                *g.backlog.counts,
                g.backlog.total,
            ]
        )
    return out.getvalue().encode("utf-8")


def _csv_number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


# --------------------------------------------------------------------------- XLSX

Cell = str | int | float | bool | date | datetime | None
Kinded = tuple[Cell, str]  # a cell with its own kind, for a column of mixed values


class _Sheets:
    """The workbook's formats and a writer of one table per sheet."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.header = book.add_format(
            {"bold": True, "bg_color": "#dbe5f1", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.bold = book.add_format({"bold": True})
        self.hours = book.add_format({"num_format": "0.0"})
        self.bold_hours = book.add_format({"num_format": "0.0", "bold": True})
        self.percent = book.add_format({"num_format": "0.00%"})
        self.day = book.add_format({"num_format": "yyyy-mm-dd"})
        self.moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})

    def table(
        self,
        name: str,
        headers: Sequence[str],
        rows: Sequence[Sequence[Cell | Kinded]],
        *,
        kinds: Sequence[str] = (),
        total_rows: int = 0,
    ) -> None:
        """A sheet: bold header row, frozen; each column written as its kind ("hours",
        "percent", "day", "moment", else as is; a `Kinded` cell gives its own); the last
        `total_rows` rows in bold. Columns are as wide as their longest value (headers wrap
        at word boundaries instead)."""
        sheet = self.book.add_worksheet(name[:31])
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 0)
        widths = [max(len(word) for word in header.split()) + 2 for header in headers]
        for r, row in enumerate(rows, start=1):
            bold = r > len(rows) - total_rows
            for c, cell in enumerate(row):
                value, kind = cell if isinstance(cell, tuple) else (cell, "")
                kind = kind or (kinds[c] if c < len(kinds) else "")
                self._cell(sheet, r, c, value, kind, bold)
                widths[c] = min(max(widths[c], _shown_width(value)), 60)
        for c, width in enumerate(widths):
            sheet.set_column(c, c, width)
        # Set, not left to the viewer: not every spreadsheet grows a row for wrapped text.
        lines = max(math.ceil(len(h) / max(widths[c] - 1, 1)) for c, h in enumerate(headers))
        sheet.set_row(0, 15 * max(lines, 1) + 3)
        if rows:
            sheet.autofilter(0, 0, len(rows), len(headers) - 1)

    def _cell(self, sheet: Any, r: int, c: int, value: Cell, kind: str, bold: bool) -> None:
        if value is None:
            sheet.write_blank(r, c, None)
        elif isinstance(value, bool):
            sheet.write_boolean(r, c, value)
        elif isinstance(value, datetime):
            # Excel has no time zones: the agency's wall clock, as the report's other times.
            sheet.write_datetime(r, c, value.replace(tzinfo=None), self.moment)
        elif isinstance(value, date):
            sheet.write_datetime(r, c, datetime.combine(value, datetime.min.time()), self.day)
        elif kind == "hours" and isinstance(value, float | int):
            sheet.write_number(r, c, value, self.bold_hours if bold else self.hours)
        elif kind == "percent" and isinstance(value, float | int):
            sheet.write_number(r, c, value, self.percent)
        elif isinstance(value, int | float):
            sheet.write_number(r, c, value, self.bold if bold else None)
        else:
            sheet.write_string(r, c, value, self.bold if bold else None)


def _shown_width(value: Cell) -> int:
    if isinstance(value, datetime):
        return 17
    if isinstance(value, date):
        return 11
    if value is None:
        return 0
    return len(str(value)) + 2


def render_xlsx(figures: PeriodFigures, catalog: Catalog, *, lang: str = "id") -> bytes:
    """The report as a workbook, one sheet per table (sheet names in `lang`)."""
    t = translator(lang)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheets = _Sheets(book)
    _summary_sheet(sheets, figures, catalog, t)
    _services_sheet(sheets, figures, catalog, t)
    _officers_sheet(sheets, figures, t)
    _backlog_sheet(sheets, figures, catalog, t)
    _complaints_sheet(sheets, figures, catalog, t)
    _availability_sheets(sheets, figures, catalog, t)
    book.close()
    return out.getvalue()


def _summary_sheet(
    sheets: _Sheets, figures: PeriodFigures, catalog: Catalog, t: Translator
) -> None:
    total, c = figures.total, figures.total.completion
    zone = figures.until.tzinfo
    rows: list[tuple[str, Cell | Kinded]] = [
        (t("Instansi"), catalog.agency.name.get(t.locale)),
        (t("Dari tanggal"), figures.first),
        (t("Sampai tanggal"), figures.last),
        (t("Dihitung sampai"), figures.until.astimezone(zone)),
        (t("Diterima"), total.received),
        (t("Selesai"), c.completed),
        (t("Tepat batas"), c.on_time),
        (t("Terlambat"), c.late),
        (t("Selesai dengan target"), c.with_target),
        (t("Tepat target"), c.on_target),
        (t("Lewat target"), c.past_target),
        (t("Ditolak"), total.rejected),
        (t("Terbuka di akhir periode"), total.backlog.total),
        (t("Waktu jeda (jam kerja)"), (hours(c.paused), "hours")),
        (t("Waktu penyelesaian, median (jam kerja)"), (hours(c.median), "hours")),
        (t("Waktu penyelesaian, persentil 90 (jam kerja)"), (hours(c.p90), "hours")),
        (t("Pengaduan diterima"), sum(x.received for x in figures.complaints)),
        (t("Metode persentil"), t("interpolasi linear antarperingkat (PERCENTILE.INC)")),
    ]
    sheets.table(t("Ringkasan"), [t("Keterangan"), t("Nilai")], rows)


def _completion_cells(c: Completion) -> list[Cell]:
    return [
        c.completed,
        c.on_time,
        c.late,
        c.with_target,
        c.on_target,
        c.past_target,
        hours(c.paused),
        hours(c.median),
        hours(c.p90),
    ]


def _completion_headers(t: Translator) -> list[str]:
    return [
        t("Selesai"),
        t("Tepat batas"),
        t("Terlambat"),
        t("Selesai dengan target"),
        t("Tepat target"),
        t("Lewat target"),
        t("Jeda (jam kerja)"),
        t("Median penyelesaian (jam kerja)"),
        t("Persentil 90 penyelesaian (jam kerja)"),
    ]


def _services_sheet(
    sheets: _Sheets, figures: PeriodFigures, catalog: Catalog, t: Translator
) -> None:
    headers = [
        t("Layanan"),
        t("Diterima"),
        *_completion_headers(t),
        t("Ditolak"),
        t("Terbuka di akhir periode"),
    ]
    groups = [(service_label(catalog, g.code, None, t), g) for g in figures.services]
    groups.append((t("Jumlah"), figures.total))
    rows = [
        [name, g.received, *_completion_cells(g.completion), g.rejected, g.backlog.total]
        for name, g in groups
    ]
    kinds = ["", "", *[""] * 6, "hours", "hours", "hours"]
    sheets.table(t("Per layanan"), headers, rows, kinds=kinds, total_rows=1)


def _officers_sheet(sheets: _Sheets, figures: PeriodFigures, t: Translator) -> None:
    headers = [t("Petugas"), *_completion_headers(t)]
    rows = [[_officer_name(o, t), *_completion_cells(o.completion)] for o in figures.officers]
    kinds = ["", *[""] * 6, "hours", "hours", "hours"]
    sheets.table(t("Per petugas"), headers, rows, kinds=kinds)


def _backlog_sheet(
    sheets: _Sheets, figures: PeriodFigures, catalog: Catalog, t: Translator
) -> None:
    bands = [t("{band} hari kerja").format(band=band) for band in AGE_BANDS]
    headers = [t("Layanan"), *bands, t("Jumlah")]
    groups = [(service_label(catalog, g.code, None, t), g) for g in figures.services]
    groups = [(name, g) for name, g in groups if g.backlog.total]
    groups.append((t("Jumlah"), figures.total))
    rows: list[list[Cell]] = [[name, *g.backlog.counts, g.backlog.total] for name, g in groups]
    sheets.table(t("Umur tiket terbuka"), headers, rows, total_rows=1)


def _complaints_sheet(
    sheets: _Sheets, figures: PeriodFigures, catalog: Catalog, t: Translator
) -> None:
    rows: list[list[Cell]] = [
        [_class_name(catalog, c.class_code, t), c.received] for c in figures.complaints
    ]
    rows.append([t("Jumlah"), sum(c.received for c in figures.complaints)])
    sheets.table(t("Pengaduan"), [t("Klasifikasi"), t("Diterima")], rows, total_rows=1)


def _availability_sheets(
    sheets: _Sheets, figures: PeriodFigures, catalog: Catalog, t: Translator
) -> None:
    headers = [
        t("Layanan"),
        t("Bulan"),
        t("Dari tanggal"),
        t("Sampai tanggal"),
        t("Jam kerja"),
        t("Gangguan (jam kerja)"),
        t("Ketersediaan"),
        t("Dijamin"),
        t("Memenuhi"),
    ]
    rows = [
        [
            service_label(catalog, a.service, None, t),
            _month(a, t),
            a.first,
            a.last,
            hours(a.office_time),
            hours(a.downtime),
            a.availability,
            None if a.guarantee is None else a.guarantee / 100,
            _yes_no(a.meets_guarantee, t),
        ]
        for a in figures.availability
    ]
    kinds = ["", "", "day", "day", "hours", "hours", "percent", "percent"]
    sheets.table(t("Ketersediaan"), headers, rows, kinds=kinds)
    zone = figures.until.tzinfo
    outage_rows = [
        [
            service_label(catalog, a.service, None, t),
            _month(a, t),
            o.ref,
            o.reported_at.astimezone(zone),
            None if o.restored_at is None else o.restored_at.astimezone(zone),
            hours(o.downtime),
        ]
        for a in figures.availability
        for o in a.outages
    ]
    outage_headers = [
        t("Layanan"),
        t("Bulan"),
        t("Tiket"),
        t("Dilaporkan"),
        t("Dipulihkan"),
        t("Durasi dalam bulan (jam kerja)"),
    ]
    kinds = ["", "", "", "moment", "moment", "hours"]
    sheets.table(t("Gangguan"), outage_headers, outage_rows, kinds=kinds)


def _month(a: Availability, t: Translator) -> str:
    return format_date(a.month, "MMMM y", locale=t.locale)


def _yes_no(value: bool | None, t: Translator) -> str:
    if value is None:
        return "-"
    return t("Ya") if value else t("Tidak")


def _officer_name(o: OfficerFigures, t: Translator) -> str:
    if o.officer_id is None:
        return t("(tanpa petugas)")
    return o.name or t("Petugas #{id}").format(id=o.officer_id)


def _class_name(catalog: Catalog, code: str | None, t: Translator) -> str:
    if code is None:
        return t("Belum diklasifikasikan")
    found = next(
        (c for c in catalog.complaint_classes_for(COMPLAINT_SERVICE) if c.code == code), None
    )
    return code if found is None else found.name.get(t.locale)


# --------------------------------------------------------------------------- PNG


def render_png(figures: PeriodFigures, catalog: Catalog, *, lang: str = "id") -> bytes:
    """Two panels on one phone-sized PNG (`PNG_SIZE`): completed on time and late per service
    (stacked horizontal bars), and the tickets open at the period's end by age."""
    # Imported here: matplotlib takes a moment to load and only this format needs it. The
    # object API with the Agg canvas draws without pyplot's global state or a display.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    t = translator(lang)
    width, height = PNG_SIZE
    # A margin (inches) so the longest service name does not touch the image's edge.
    layout = ConstrainedLayoutEngine(w_pad=0.15, h_pad=0.15)
    fig = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, layout=layout)
    FigureCanvasAgg(fig)
    fig.suptitle(_chart_title(figures, catalog, t), fontsize=24, fontweight="bold")
    # The bars' panel grows with the services shown; the backlog's keeps a fixed share.
    shown = sum(1 for g in figures.services if g.completion.completed)
    top, bottom = fig.subplots(2, 1, height_ratios=[max(shown, _MIN_ROWS) + 2, 7])
    _completed_panel(top, figures, catalog, t)
    _backlog_panel(bottom, figures, t)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=_DPI)
    return out.getvalue()


def _completed_panel(axes: Any, figures: PeriodFigures, catalog: Catalog, t: Translator) -> None:
    """Per service with completed tickets, on time then late, first service at the top."""
    from matplotlib.ticker import MaxNLocator

    axes.set_title(t("Tiket selesai per layanan"), fontsize=21, loc="left", pad=12)
    axes.spines[["top", "right"]].set_visible(False)
    done = [g for g in figures.services if g.completion.completed]
    if not done:
        _empty(axes, t("Belum ada tiket selesai pada periode ini."))
        return
    # Numeric rows, not categories: two services may share a short name.
    rows = list(range(len(done)))[::-1]
    on_time = [g.completion.on_time for g in done]
    late = [g.completion.late for g in done]
    widest = max(a + b for a, b in zip(on_time, late, strict=True))
    segments = (
        axes.barh(rows, on_time, height=0.65, color=_ON_TIME_COLOUR, label=t("Tepat batas")),
        axes.barh(rows, late, left=on_time, height=0.65, color=_LATE_COLOUR, label=t("Terlambat")),
    )
    for bars in segments:
        # A count only where it fits inside its segment.
        labels = [str(int(v)) if v and v >= widest * 0.04 else "" for v in bars.datavalues]
        axes.bar_label(
            bars, labels=labels, label_type="center", color="white", fontsize=18, weight="bold"
        )
    names = [textwrap.fill(service_short_label(catalog, g.code, None, t), 20) for g in done]
    axes.set_yticks(rows, names, fontsize=18)
    # At least a few rows' height, so one or two services do not become slabs; top-aligned.
    axes.set_ylim(len(done) - 0.5 - max(len(done), _MIN_ROWS), len(done) - 0.5)
    axes.set_xlabel(t("Jumlah tiket"), fontsize=17)
    axes.tick_params(axis="x", labelsize=15)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    # Under the axis, where it can never cover a bar.
    axes.legend(
        fontsize=17,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.13),
        ncols=2,
        frameon=False,
    )


def _backlog_panel(axes: Any, figures: PeriodFigures, t: Translator) -> None:
    """The agency's open tickets at the period's end, one bar per age band."""
    from matplotlib.ticker import MaxNLocator

    counts = figures.total.backlog.counts
    axes.set_title(
        t("Tiket terbuka di akhir periode: {count}").format(count=figures.total.backlog.total),
        fontsize=21,
        loc="left",
        pad=12,
    )
    bars = axes.bar(list(AGE_BANDS), counts, color=_BACKLOG_COLOUR, width=0.6)
    axes.bar_label(bars, fontsize=18, padding=4)
    axes.set_xlabel(t("Umur tiket (hari kerja sejak dibuat)"), fontsize=17)
    axes.set_ylabel(t("Jumlah tiket"), fontsize=17)
    axes.tick_params(axis="x", labelsize=18)
    axes.tick_params(axis="y", labelsize=15)
    axes.set_ylim(0, max(*counts, 1) * 1.2)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)


def _chart_title(figures: PeriodFigures, catalog: Catalog, t: Translator) -> str:
    first = format_date(figures.first, "d MMM y", locale=t.locale)
    last = format_date(figures.last, "d MMM y", locale=t.locale)
    title = t("Laporan layanan {agency}").format(agency=catalog.agency.short_name)
    return f"{title}\n{first} – {last}"


def _empty(axes: Any, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", fontsize=18, transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])
    axes.spines[:].set_visible(False)


RENDERERS: dict[str, Callable[..., bytes]] = {
    "json": render_json,
    "csv": render_csv,
    "xlsx": render_xlsx,
    "png": render_png,
}
"""Format name → renderer: each is called as `render(figures, catalog, lang=...)`."""
