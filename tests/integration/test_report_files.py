"""The period report end to end: tickets moved through babel's workflow, read back by
storage.reports, counted by core.figures, written by bot.report_files and `servicedesk report`.

April 2026 at babel (08:00-16:00 WIB; Friday 3 April is Jumat Agung):

- repair R1: filed Thu 2 Apr 14:00, finished Mon 6 Apr 10:00: 4 office hours, on time;
- repair R2: filed Mon 6 Apr 09:00, the officer asks the requester at 11:00, the requester
  answers Wed 8 Apr 10:00 (15 office hours waited), finished Thu 9 Apr 12:00: 27 - 15 = 12 h;
- outage O1 (impact: the whole office): filed Tue 28 Apr 14:00, finished Wed 29 Apr 10:00:
  2 h + 2 h = 4 h down of April's 168 office hours;
- repair X rejected Tue 21 Apr; repair W filed Thu 23 Apr, still open (5 working days old);
- complaint C1 filed Mon 13 Apr, classified "normatif", still open; repair M filed Wed 25 Mar,
  still open;
- repair F filed and finished in February: not read for April.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import struct
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from sqlalchemy import event
from typer.testing import CliRunner

from bot.cli import app
from bot.desk import file_ticket
from bot.report_files import (
    CSV_COLUMNS,
    PNG_SIZE,
    render_csv,
    render_json,
    render_png,
    render_xlsx,
)
from bot.reports import period_report as load_figures
from core.catalog.loader import load_catalog
from core.figures import Pause, PeriodFigures, period_bounds
from core.kinds import EventKind
from core.settings import get_settings
from core.sla import calendar_for
from core.workflow import (
    BERITA_ACARA_FIELDS,
    Transition,
    WorkflowTicket,
    dispose,
    finish,
    reject,
    request_completion,
    requester_completed,
)
from storage import repositories as repo
from storage.db import Database
from storage.reports import period_tickets
from tests.support.sweeps import Office, act, babel_office, file_request, wib

APRIL = (date(2026, 4, 1), date(2026, 4, 30))
NOW = wib(2026, 5, 4, 12)
BERITA_ACARA = {name: "Selesai dikerjakan" for name in BERITA_ACARA_FIELDS}
XLSX_SHEETS = [
    "Ringkasan",
    "Per layanan",
    "Per petugas",
    "Umur tiket terbuka",
    "Pengaduan",
    "Ketersediaan",
    "Gangguan",
]
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
runner = CliRunner()


# --------------------------------------------------------------------------- the office


async def file_with(
    office: Office, at: datetime, *, service: str, product: str | None, fields: dict[str, Any]
) -> repo.TicketRecord:
    async with office.db.transaction() as conn:
        requester_id = await repo.get_or_create_requester(
            conn, channel="test", external_id="pemohon", display_name=None, at=at
        )
        return await file_ticket(
            conn,
            desk=office.desk(at),
            service=service,
            product=product,
            fields=fields,
            requirements={},
            requester_id=requester_id,
            channel="test",
            chat_id="chat-pemohon",
        )


async def walk(office: Office, ref: str, at: datetime) -> None:
    """Dispose every step up to the last one at `at` (sari holds the work)."""
    sari = office.officers["sari"]
    calendar = office.engine.calendar
    for _ in range(5):
        await act(office, ref, at, lambda t: dispose(t, calendar=calendar, by=sari, at=at))


async def finish_at(office: Office, ref: str, at: datetime) -> repo.TicketRecord:
    sari = office.officers["sari"]
    return await act(office, ref, at, lambda t: finish(t, BERITA_ACARA, by=sari, at=at))


async def april_office(db: Database, tmp_path: Path) -> Office:
    office = await babel_office(db, tmp_path)
    sari = office.officers["sari"]
    calendar = office.engine.calendar

    r1 = await file_request(office, wib(2026, 4, 2, 14))
    await walk(office, r1.ref, wib(2026, 4, 2, 15))
    await finish_at(office, r1.ref, wib(2026, 4, 6, 10))

    r2 = await file_request(office, wib(2026, 4, 6, 9))
    await walk(office, r2.ref, wib(2026, 4, 6, 10))

    def ask(t: WorkflowTicket) -> Transition:
        return request_completion(t, "Mohon foto perangkat", by=sari, at=wib(2026, 4, 6, 11))

    await act(office, r2.ref, wib(2026, 4, 6, 11), ask)
    answered = wib(2026, 4, 8, 10)
    await act(
        office,
        r2.ref,
        answered,
        lambda t: requester_completed(t, calendar=calendar, at=answered),
    )
    await finish_at(office, r2.ref, wib(2026, 4, 9, 12))

    o1 = await file_with(
        office,
        wib(2026, 4, 28, 14),
        service="jaringan-intra",
        product="perbaikan",
        fields={"dampak": "seluruh-kantor"},
    )
    assert o1.priority == 0
    await walk(office, o1.ref, wib(2026, 4, 28, 15))
    await finish_at(office, o1.ref, wib(2026, 4, 29, 10))

    x = await file_request(office, wib(2026, 4, 21, 9))
    refused = wib(2026, 4, 21, 10)
    await act(office, x.ref, refused, lambda t: reject(t, "Bukan kewenangan", by=sari, at=refused))
    await file_request(office, wib(2026, 4, 23, 9))
    await file_request(office, wib(2026, 3, 25, 9))

    c1 = await file_with(office, wib(2026, 4, 13, 9), service="pengaduan", product=None, fields={})
    async with office.db.transaction() as conn:
        await repo.add_event(
            conn,
            ticket_id=c1.id,
            at=wib(2026, 4, 13, 10),
            actor_kind="officer",
            actor_id=sari,
            kind=EventKind.COMPLAINT_CLASSIFIED,
            data={"class": "normatif"},
        )

    f = await file_request(office, wib(2026, 2, 2, 9))
    await walk(office, f.ref, wib(2026, 2, 2, 10))
    await finish_at(office, f.ref, wib(2026, 2, 3, 10))
    return office


async def april_figures(db: Database) -> PeriodFigures:
    catalog = load_catalog("babel")
    async with db.transaction() as conn:
        return await load_figures(
            conn,
            catalog=catalog,
            calendar=calendar_for(catalog.agency),
            first=APRIL[0],
            last=APRIL[1],
            now=NOW,
        )


# --------------------------------------------------------------------------- storage


async def test_the_query_reads_the_tickets_touching_the_period_with_their_pauses(
    db: Database, tmp_path: Path
) -> None:
    office = await april_office(db, tmp_path)
    calendar = office.engine.calendar
    start, end = period_bounds(calendar, *APRIL)

    async with db.transaction() as conn:
        found = await period_tickets(conn, agency="babel", start=start, end=end)
        paused = await repo.get_ticket_by_id(conn, ticket_id=next(t.id for t in found if t.pauses))

    # R1 R2 O1 X W M C1: everything but February's F, which closed before the period began.
    assert len(found) == 7
    assert all(t.created_at >= wib(2026, 3, 1) for t in found)
    (waited,) = [t for t in found if t.pauses]
    assert waited.pauses == (Pause(wib(2026, 4, 6, 11), wib(2026, 4, 8, 10)),)
    # The events give the same office time as the ticket's own running sum.
    assert paused is not None and paused.paused_seconds == 15 * 3600
    (complaint,) = [t for t in found if t.service == "pengaduan"]
    assert complaint.complaint_class == "normatif"
    finished = [t for t in found if t.closed_at is not None and t.status == "selesai"]
    assert {t.officer_id for t in finished} == {office.officers["sari"]}


async def test_every_query_of_the_report_reads_an_index_not_the_whole_table(
    sqlite_db: Database, tmp_path: Path
) -> None:
    await april_office(sqlite_db, tmp_path)
    start, end = period_bounds(calendar_for(load_catalog("babel").agency), *APRIL)
    statements: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        _conn, _cursor, statement, parameters, _context, _many = args
        if statement.lstrip().upper().startswith("SELECT"):  # not the transaction's own
            statements.append((statement, parameters))

    engine = sqlite_db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        async with sqlite_db.transaction() as conn:
            await period_tickets(conn, agency="babel", start=start, end=end)
    finally:
        event.remove(engine, "before_cursor_execute", capture)

    plans = []
    async with sqlite_db.transaction() as conn:
        for statement, parameters in statements:
            found = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.append(" / ".join(str(row[-1]) for row in found))
    assert len(plans) == 4  # created, closed, open; then the events
    assert all("USING INDEX" in plan and "SCAN" not in plan for plan in plans), plans
    # Created in the period: the (agency, created_at) index, a range of the period's days.
    assert "ix_tickets_agency_created_at" in plans[0]
    assert "ix_tickets_closed_at" in plans[1]
    assert "ix_tickets_agency_status" in plans[2]


async def test_the_figures_from_the_database_match_the_hand_count(
    db: Database, tmp_path: Path
) -> None:
    await april_office(db, tmp_path)

    figures = await april_figures(db)

    total = figures.total
    # Received: R1 R2 O1 X W C1; completed: R1 R2 O1; rejected: X; open at the end: W (5
    # working days), C1 (14) and M (since March).
    assert (total.received, total.completion.completed, total.rejected) == (6, 3, 1)
    assert total.backlog.counts == (0, 0, 1, 2)
    assert (total.completion.on_time, total.completion.late) == (3, 0)
    # [4, 12, 4] h (O1: Tue 14-16 + Wed 8-10): median 4 h; p90 h = 1.8 -> 4 + 0.8 * 8 = 10.4 h.
    assert total.completion.median is not None and total.completion.p90 is not None
    assert total.completion.median.total_seconds() == 4 * 3600
    assert total.completion.p90.total_seconds() == 10.4 * 3600
    assert total.completion.paused.total_seconds() == 15 * 3600
    (sari,) = figures.officers
    assert (sari.name, sari.completion.completed) == ("Sari", 3)
    (network,) = figures.availability
    assert network.downtime.total_seconds() == 4 * 3600
    assert network.availability == pytest.approx(1 - 4 / 168)


# --------------------------------------------------------------------------- the files


async def test_the_json_is_the_documented_shape_with_hours_to_one_decimal(
    db: Database, tmp_path: Path
) -> None:
    await april_office(db, tmp_path)
    catalog = load_catalog("babel")

    report = json.loads(render_json(await april_figures(db), catalog))

    assert set(report) == {
        "agency",
        "agency_name",
        "from",
        "to",
        "counted_until",
        "percentile_method",
        "total",
        "services",
        "officers",
        "complaints",
        "availability",
    }
    assert (report["from"], report["to"]) == ("2026-04-01", "2026-04-30")
    assert report["counted_until"] == "2026-05-01T00:00:00+07:00"
    total = report["total"]
    assert total["median_hours"] == 4.0 and total["p90_hours"] == 10.4
    assert total["paused_hours"] == 15.0
    assert total["open_at_end"] == {"0-1": 0, "2-3": 0, "4-5": 1, ">5": 2, "total": 3}
    assert [s["service"] for s in report["services"]] == ["jaringan-intra", "pengaduan"]
    assert report["services"][0]["name"] == "Layanan Jaringan Intra Pemerintah Daerah"
    assert report["officers"] == [
        {
            "officer_id": report["officers"][0]["officer_id"],
            "name": "Sari",
            "completed": 3,
            "on_time": 3,
            "late": 0,
            "with_target": 3,
            "on_target": 3,
            "past_target": 0,
            "paused_hours": 15.0,
            "median_hours": 4.0,
            "p90_hours": 10.4,
        }
    ]
    complaints = {c["class"]: c["received"] for c in report["complaints"]}
    assert complaints == {
        "ringan": 0,
        "normatif": 1,
        "tidak-berkadar-pengawasan": 0,
        "berkadar-pengawasan": 0,
        None: 0,
    }
    (month,) = report["availability"]
    assert month["month"] == "2026-04" and month["office_hours"] == 168.0
    assert month["downtime_hours"] == 4.0 and month["availability_percent"] == 97.62
    assert month["guarantee_percent"] == 90.0 and month["meets_guarantee"] is True
    (down,) = month["outages"]
    assert down["from"] == "2026-04-28T14:00:00+07:00"
    assert down["to"] == "2026-04-29T10:00:00+07:00"
    assert down["hours"] == 4.0


async def test_the_csv_has_one_row_per_service_and_the_total_last(
    db: Database, tmp_path: Path
) -> None:
    await april_office(db, tmp_path)

    data = render_csv(await april_figures(db), load_catalog("babel"), lang="en")

    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [(r["service"], r["name"]) for r in rows] == [
        ("jaringan-intra", "Regional Government Intranet Service"),
        ("pengaduan", "Service complaint"),
        ("", "Total"),
    ]
    network = rows[0]
    assert (network["received"], network["completed"], network["rejected"]) == ("5", "3", "1")
    assert (network["median_hours"], network["p90_hours"]) == ("4.0", "10.4")
    assert (network["open_4_5"], network["open_over_5"], network["open_total"]) == ("1", "1", "2")
    assert rows[1]["median_hours"] == ""  # no complaint finished: no time to show


async def test_the_workbook_has_a_sheet_per_table_with_numbers_as_numbers(
    db: Database, tmp_path: Path
) -> None:
    await april_office(db, tmp_path)

    book = Workbook(render_xlsx(await april_figures(db), load_catalog("babel")))

    assert book.sheet_names == XLSX_SHEETS
    services = book.rows("Per layanan")
    assert services[0][:3] == ["Layanan", "Diterima", "Selesai"]
    assert services[1][:3] == ["Layanan Jaringan Intra Pemerintah Daerah", 5.0, 3.0]
    assert services[-1][0] == "Jumlah"
    median = services[0].index("Median penyelesaian (jam kerja)")
    assert services[1][median] == 4.0
    assert book.frozen("Per layanan") and book.frozen("Gangguan")
    assert book.has_column_widths("Per layanan")
    availability = book.rows("Ketersediaan")
    assert availability[1][6] == pytest.approx(1 - 4 / 168)  # a fraction shown as a percent
    outages = book.rows("Gangguan")
    assert outages[1][2].startswith("BABEL-2026-")
    # 28 Apr 2026 14:00 as an Excel serial day: a number, not text.
    assert outages[1][3] == pytest.approx(46140 + 14 / 24)
    complaints = book.rows("Pengaduan")
    assert ["Pengaduan bersifat normatif", 1.0] in complaints


async def test_the_chart_is_a_png_a_phone_shows_at_full_width(db: Database, tmp_path: Path) -> None:
    await april_office(db, tmp_path)
    figures = await april_figures(db)

    for lang in ("id", "en"):
        data = render_png(figures, load_catalog("babel"), lang=lang)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])  # IHDR comes first
        assert (width, height) == PNG_SIZE


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def april_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated SQLite file holding April's office, and the settings pointing at it."""
    path = tmp_path / "desk.db"

    async def build() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await database.upgrade()
            await april_office(database, tmp_path)
        finally:
            await database.dispose()

    asyncio.run(build())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("AGENCY", "babel")
    get_settings.cache_clear()
    return path


@pytest.fixture(autouse=True)
def _fresh_settings() -> Any:
    yield
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["report", *args])
    # Errors must be messages, never tracebacks.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("file_format", "check"),
    [
        ("json", lambda data: json.loads(data)["total"]["received"] == 6),
        ("csv", lambda data: data.startswith(b"service,name,received")),
        ("xlsx", lambda data: data[:2] == b"PK"),
        ("png", lambda data: data[:4] == b"\x89PNG"),
    ],
)
def test_the_command_writes_each_format(
    april_file: Path, tmp_path: Path, file_format: str, check: Callable[[bytes], bool]
) -> None:
    out = tmp_path / f"laporan.{file_format}"

    code, stdout, stderr = run(
        "--agency", "babel", "--from", "2026-04-01", "--to", "2026-04-30",
        "--format", file_format, "--out", str(out),
    )  # fmt: skip

    assert code == 0, stderr
    assert str(out) in stdout
    assert check(out.read_bytes())


def test_the_command_takes_the_format_from_the_file_name_and_english_labels(
    april_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "april.json"

    code, _, stderr = run(
        "--from", "2026-04-01", "--to", "2026-04-30", "-o", str(out), "--lang", "en"
    )

    assert code == 0, stderr
    report = json.loads(out.read_bytes())
    assert report["services"][0]["name"] == "Regional Government Intranet Service"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agency", "atlantis"], "instansi atlantis tidak dikenal"),
        (["--from", "2026-04-31"], "--from: tanggal 2026-04-31 tidak dikenali"),
        (["--to", "30/04/2026"], "--to: tanggal 30/04/2026 tidak dikenali"),
        (["--from", "2026-05-01"], "--from (2026-05-01) jatuh setelah --to (2026-04-30)"),
        (["--format", "pdf"], "format pdf tidak dikenal"),
        (["--lang", "fr"], "bahasa fr tidak dikenal"),
        (["--out", "no/such/dir/x.json"], "tidak dapat ditulis"),
    ],
)
def test_bad_input_is_a_message_and_exit_code_2(
    april_file: Path, args: list[str], message: str
) -> None:
    given = {"--from": "2026-04-01", "--to": "2026-04-30", "--out": "laporan.json"}
    for i in range(0, len(args), 2):
        given[args[i]] = args[i + 1]
    flat = [part for pair in given.items() for part in pair]

    code, _, stderr = run(*flat)

    assert code == 2
    assert message in stderr
    assert "Traceback" not in stderr


def test_a_file_name_without_a_known_suffix_needs_a_format(april_file: Path) -> None:
    code, _, stderr = run("--from", "2026-04-01", "--to", "2026-04-30", "--out", "laporan")

    assert code == 2
    assert "berikan --format" in stderr


def test_a_database_without_the_schema_is_a_message_and_exit_code_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()

    code, _, stderr = run(
        "-a", "babel", "--from", "2026-04-01", "--to", "2026-04-30", "-o", "x.csv"
    )

    assert code == 1
    assert "basis data tidak dapat dipakai" in stderr
    assert not (tmp_path / "x.csv").exists()


# --------------------------------------------------------------------------- XLSX reader


class Workbook:
    """Just enough of an .xlsx reader (zip + sheet XML) to check what XlsxWriter wrote."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        book = ElementTree.fromstring(self.zip.read("xl/workbook.xml"))
        self.sheet_names = [s.attrib["name"] for s in book.iterfind("m:sheets/m:sheet", NS)]
        self.strings = [
            "".join(t.text or "" for t in si.iterfind(".//m:t", NS))
            for si in ElementTree.fromstring(self.zip.read("xl/sharedStrings.xml")).iterfind(
                "m:si", NS
            )
        ]

    def _sheet(self, name: str) -> ElementTree.Element:
        index = self.sheet_names.index(name) + 1
        return ElementTree.fromstring(self.zip.read(f"xl/worksheets/sheet{index}.xml"))

    def rows(self, name: str) -> list[list[Any]]:
        """Each row's values: shared strings as text, numbers as floats, gaps as None."""
        found = []
        for row in self._sheet(name).iterfind("m:sheetData/m:row", NS):
            values: list[Any] = []
            for cell in row.iterfind("m:c", NS):
                column = _column(cell.attrib["r"])
                values += [None] * (column - len(values))
                raw = cell.find("m:v", NS)
                if raw is None or raw.text is None:
                    values.append(None)
                elif cell.attrib.get("t") == "s":
                    values.append(self.strings[int(raw.text)])
                elif cell.attrib.get("t") == "b":
                    values.append(raw.text == "1")
                else:
                    values.append(float(raw.text))
            found.append(values)
        return found

    def frozen(self, name: str) -> bool:
        pane = self._sheet(name).find("m:sheetViews/m:sheetView/m:pane", NS)
        return pane is not None and pane.attrib.get("state") == "frozen"

    def has_column_widths(self, name: str) -> bool:
        return self._sheet(name).find("m:cols/m:col", NS) is not None


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    assert letters is not None
    index = 0
    for letter in letters[0]:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1
