"""`servicedesk demo-data`: fill the database with months of realistic tickets to try reports on.

    servicedesk demo-data --agency babel --months 12 [--seed 1] [--until 2026-03-31] [--force]

One `random.Random(seed)` draws everything, so a seed and an `--until` give the same rows in an
empty database. Tickets are stored by the app's own code: `bot.desk.file_ticket` files each one
and every later change is a `core.workflow` (or `core.complaints.set_limit`) transition written
by `bot.desk.commit_transition`, so rows, events and alert times are what the bot would write.
Nobody is told anything: transitions are committed without their notices (so no survey
invitation goes out either), and the outbox rows `file_ticket` queues for the first step's
officers with a chat are deleted in the same transaction. Survey rows are written with
`storage.repositories.surveys`, for tickets filed by chat, as the bot would.
"""

from __future__ import annotations

import asyncio
import random
from calendar import monthrange
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.desk import commit_transition, file_ticket, workflow_ticket
from bot.dialogs import values
from bot.handlers.survey import PROFILE
from bot.office import Desk
from core import complaints
from core import workflow as wf
from core.catalog.loader import CatalogError, UnknownAgency, load_catalog
from core.catalog.schema import Catalog, FieldSpec, FieldType, Service
from core.kinds import EventKind
from core.officers import role_codes
from core.settings import Settings, get_settings
from core.sla import CalendarError, calendar_for
from core.tickets import TicketStatus
from locales import _, translator
from storage import repositories as repo
from storage.attachments import AttachmentStore
from storage.db import STORAGE_FAILURES, Database
from storage.models import outbox, tickets

COMPLAINT = complaints.COMPLAINT_SERVICE
CHAT = "demo"  # requests "sent by chat": no sender exists for this channel
COUNTER = "loket"  # walk-ins filed by an officer (bot.handlers.walkin's channel)
_ID = translator("id")  # answers are validated as an Indonesian requester types them

# --- how often things happen ----------------------------------------------------------------

WEEKLY = (8.0, 25.0)  # tickets a week at a provincial Diskominfo desk (babel-sized)
WEEKDAY = (1.25, 1.1, 1.0, 0.95, 0.7, 0.5, 0.5)  # Monday brings the weekend's problems
WALK_IN = 0.2
REJECTED, PAUSED, LATE = 0.03, 0.10, 0.12  # shares of all tickets
STALLED = 0.08  # of the last weeks' tickets: still held, or waiting for the requester, at the end
RECENT = timedelta(days=35)
OUTAGE = 0.06  # of the disturbances: a whole office or public service is down
SURVEY_ANSWERED = 0.5  # of the invited (chat tickets): about 40% of all finished tickets

# fmt: off
# Service kinds (by product, else service code) and their weights: disturbances come most.
KIND_OF = {
    "perbaikan": "gangguan", "gangguan": "gangguan", "jaringan": "jaringan",
    "internet-jaringan": "jaringan", "email": "akun", "domain": "akun", "data-cloud": "akun",
    "hosting": "akun", "hosting-integrasi": "akun", "video-conference": "acara",
    "konferensi-pers": "acara", "fasilitasi": "acara", "konsultasi": "konsultasi",
    "ppid": "informasi", "perancangan": "kajian", "rekomendasi": "kajian",
    "pengujian-kelaikan": "kajian", "pembangunan": "pembangunan", "colocation": "pembangunan",
    COMPLAINT: "pengaduan",
}
WEIGHT = {
    "gangguan": 10.0, "jaringan": 6.0, "akun": 4.0, "acara": 3.0, "konsultasi": 3.0,
    "informasi": 2.0, "kajian": 1.5, "pembangunan": 1.5, "pengaduan": 1.0, "lain": 2.0,
}
_Kind = tuple[Service, str | None, float]  # a service, a product of it, how often it is asked
# Complaint classes; berkadar pengawasan (an investigation) is the rare rest.
CLASS_WEIGHT = {"ringan": 45, "normatif": 25, "tidak-berkadar-pengawasan": 25}

# --- what people are called and what they write --------------------------------------------

MEN = ("Agus", "Ahmad", "Andi", "Arif", "Bambang", "Budi", "Dedi", "Dimas", "Eko", "Fajar",
       "Gilang", "Hasan", "Hendra", "Herman", "Ilham", "Irfan", "Joko", "Muhammad", "Rahmat",
       "Rizky", "Rudi", "Stefanus", "Syarif", "Teguh", "Wahyu", "Yohanes", "Zulkifli")
WOMEN = ("Anisa", "Ayu", "Dewi", "Dian", "Eka", "Fitri", "Indah", "Kartika", "Lestari", "Liana",
         "Maria", "Maya", "Mega", "Nadia", "Novi", "Nurul", "Putri", "Rahma", "Ratna", "Rina",
         "Sari", "Siti", "Sri", "Tuti", "Wulan", "Yuni")
SURNAMES = ("Pratama", "Saputra", "Santoso", "Wijaya", "Kurniawan", "Hidayat", "Setiawan",
            "Nugroho", "Siregar", "Nasution", "Harahap", "Lubis", "Rahman", "Hakim", "Syahputra",
            "Firmansyah", "Gunawan", "Halim", "Susanto", "Permana", "Ramadhan", "Sinaga", "Tanjung",
            "Suryadi")
WOMEN_SURNAMES = ("Anggraini", "Lestari", "Puspitasari", "Rahmawati", "Wulandari", "Handayani",
                  "Utami", "Maharani", "Safitri", "Kusumawati")
ONE_NAME = (("Suparman", "Sutrisno", "Mulyadi", "Rusdi", "Asmawi"),
            ("Sumarni", "Suyanti", "Jumiati", "Mariani", "Rosmiati"))
HEAD_DEGREES = (", S.Kom., M.T.", ", S.T., M.Si.", ", S.Sos., M.Si.", ", S.E., M.M.")
STAFF_DEGREES = (", S.Kom.", ", S.T.", ", A.Md.Kom.", ", S.I.Kom.", "", "")
PHONE_PREFIXES = ("0811", "0812", "0813", "0821", "0822", "0852", "0853", "0857", "0878", "0896")
OPDS = ("Badan Kepegawaian Daerah", "Badan Pengelolaan Keuangan dan Aset Daerah",
        "Badan Perencanaan Pembangunan Daerah", "Dinas Kesehatan", "Dinas Pendidikan",
        "Dinas Sosial", "Dinas Perhubungan", "Dinas Pekerjaan Umum dan Penataan Ruang",
        "Dinas Penanaman Modal dan PTSP", "Dinas Kependudukan dan Pencatatan Sipil",
        "Dinas Pariwisata dan Kebudayaan", "Dinas Lingkungan Hidup", "Inspektorat Daerah",
        "Satuan Polisi Pamong Praja", "Biro Umum Sekretariat Daerah", "Badan Pendapatan Daerah",
        "Rumah Sakit Umum Daerah", "Dinas Ketahanan Pangan")
ROOMS = ("ruang server", "ruang rapat", "ruang pelayanan", "ruang tata usaha", "aula",
         "ruang keuangan", "ruang arsip", "ruang kepala dinas")
APPS = (("SIMPEG", "simpeg"), ("SIPD", "sipd"), ("e-Kinerja", "ekinerja"), ("e-Office", "eoffice"),
        ("SIMDA Keuangan", "simda"), ("Sistem Informasi Perizinan", "perizinan"),
        ("Satu Data", "satudata"), ("e-Arsip", "earsip"), ("SAKIP Online", "sakip"))
# What requesters write, by field code ("uraian" and "masalah": by service kind), with {opd},
# {room} and {app} filled in; other fields take the catalog's example.
TEXTS: dict[str, tuple[str, ...]] = {
    "gangguan": ("Internet di {room} mati sejak pagi, lampu switch berkedip oranye.",
                 "Wifi kantor sering putus dan koneksi sangat lambat.",
                 "Komputer di {room} tidak mendapat alamat IP dari jaringan kantor.",
                 "Aplikasi {app} tidak bisa diakses dari jaringan kantor.",
                 "Kabel LAN di {room} putus terkena renovasi gedung."),
    "jaringan": ("Pemasangan akses internet untuk {room}.",
                 "Mohon tambahan titik jaringan di {room} untuk 6 komputer baru.",
                 "Koneksi internet di {room} putus-putus sejak kemarin."),
    "kajian": ("Mohon perancangan jaringan untuk gedung baru {opd}.",
               "Mohon rekomendasi spesifikasi switch dan access point untuk pengadaan.",
               "Kajian kebutuhan jaringan untuk {room}."),
    "pembangunan": ("Penambahan titik LAN di {room} untuk 10 komputer.",
                    "Penarikan kabel fiber optik dari gedung utama ke {room}."),
    "isi_pengaduan": ("Wifi publik di taman kota tidak bisa diakses sejak seminggu lalu.",
                      "Permohonan informasi saya belum dijawab lebih dari 10 hari kerja.",
                      "Petugas loket kurang ramah dan antrean sangat lama.",
                      "Website dinas sering tidak bisa dibuka pada jam kerja.",
                      "Laporan gangguan jaringan kami lambat ditanggapi."),
    "topik": ("Cara mengajukan subdomain untuk aplikasi desa.", "Keamanan website {opd}.",
              "Integrasi aplikasi {app} ke Satu Data.", "Prosedur permohonan informasi publik."),
    "keterangan": ("Pegawai baru.", "Lupa kata sandi.", "Mutasi pegawai."),
    "judul_acara": ("Rapat koordinasi SPBE", "Sosialisasi Satu Data", "Bimtek aplikasi {app}"),
    "tempat": ("Ruang Praja Kantor Gubernur", "Aula {opd}", "Ruang rapat {opd}"),
}
WORK_DONE: dict[str, tuple[str, ...]] = {
    "gangguan": ("Pengecekan perangkat, penggantian patch cord dan restart switch.",
                 "Konfigurasi ulang access point dan uji koneksi di lokasi.",
                 "Penyambungan ulang kabel jaringan yang putus dan uji koneksi."),
    "akun": ("Akun dibuat dan diuji bersama pemohon.", "Konfigurasi selesai dan telah diuji."),
    "lain": ("Permohonan ditindaklanjuti sesuai standar pelayanan.",),
}
ALTERNATIVES = ("Tidak ada.", "Pemantauan berkala oleh petugas.",
                "Disarankan pengadaan perangkat baru pada tahun anggaran berikutnya.")
INSTRUCTIONS = ("", "", "", "Mohon segera ditindaklanjuti.", "Koordinasikan dengan OPD pemohon.",
                "Cek ketersediaan perangkat di gudang.")
ASKS = ("Mohon lampirkan surat permohonan yang ditandatangani kepala OPD.",
        "Mohon kirim foto perangkat yang bermasalah.",
        "Mohon konfirmasi nama dan nomor penanggung jawab di lokasi.")
REPLIES = ("Sudah kami lampirkan, terima kasih.", "Berikut fotonya.", "Dokumen sudah dikirim.")
REASONS = ("Permohonan di luar kewenangan Diskominfo.",
           "Tiket ganda; sudah ditangani pada tiket sebelumnya.",
           "Perangkat milik vendor; silakan hubungi penyedia sesuai kontrak.",
           "Kelengkapan tidak dipenuhi dan pemohon tidak dapat dihubungi.")
PRAISE = ("Pelayanan cepat, terima kasih.", "Petugas ramah dan sigap.",
          "Masalah langsung beres, mantap.", "Sangat membantu.", "Mudah lewat chat.")
GRUMBLES = ("Mohon kabar perkembangan lebih sering.", "Penanganan agak lama, tapi tuntas.",
            "Petugas sulit dihubungi.", "Semoga ke depan lebih cepat.")
# fmt: on


class _BadInput(Exception):
    """Input the operator must fix; its message is shown as is."""


class _PastEnd(Exception):
    """The next action would happen after `--until`: the ticket stays where it is."""


@dataclass(frozen=True)
class _Person:
    key: str
    name: str
    female: bool
    born: date
    phone: str  # as stored (E.164), whether typed 0812-3456-7890 or +62 812...
    nip: str | None  # civil servants (OPD staff) only
    opd: str | None
    education: str
    job: str


@dataclass
class _Arrival:
    at: datetime
    service: Service
    product: str | None
    person: _Person
    walk_in: bool
    fields: dict[str, Any] = field(default_factory=dict)
    requirements: dict[str, Any] = field(default_factory=dict)
    fate: str = "ok"  # ok, late, pause, wait, reject, stall, outage

    @property
    def kind(self) -> str:
        return KIND_OF.get(self.product or "", KIND_OF.get(self.service.code, "lain"))


def demo_data(
    agency: Annotated[
        str | None, typer.Option("--agency", "-a", help="Kode instansi (bawaan: AGENCY).")
    ] = None,
    months: Annotated[
        int, typer.Option("--months", "-m", min=1, max=36, help="Berapa bulan ke belakang.")
    ] = 12,
    seed: Annotated[int, typer.Option("--seed", help="Benih acak (sama = data sama).")] = 1,
    until: Annotated[
        str | None, typer.Option("--until", help="Hari terakhir, YYYY-MM-DD (bawaan: hari ini).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Tetap tambahkan walau instansi sudah punya tiket.")
    ] = False,
) -> None:
    """Isi basis data dengan petugas, pemohon, tiket dan survei contoh yang realistis."""
    settings = get_settings()
    try:
        demo = _Demo(_catalog(agency or settings.agency), settings, seed, until)
    except (_BadInput, CalendarError) as exc:
        _fail(exc)
    first = _months_before(demo.last, months)
    arrivals = demo.plan(first)
    try:
        tally = asyncio.run(demo.store(Database.from_settings(settings), arrivals, force))
    except _BadInput as exc:
        _fail(exc)
    except STORAGE_FAILURES as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        _fail(_BadInput(_("basis data tidak dapat dipakai: {detail}").format(detail=detail)), 1)
    _report(demo.catalog, first, demo.last, len(arrivals), tally)


class _Demo:
    """Draws the period's tickets (`plan`, no database), then stores them (`store`)."""

    def __init__(self, catalog: Catalog, settings: Settings, seed: int, until: str | None) -> None:
        self.catalog, self.locale, self.rng = catalog, settings.locale, random.Random(seed)
        self.calendar = calendar = calendar_for(catalog.agency, extra_dir=settings.calendar_dir)
        now = datetime.now(UTC).astimezone(calendar.zone)
        try:
            self.last = now.date() if until is None else date.fromisoformat(until.strip())
        except ValueError:
            text = _(
                "{option}: tanggal {value} tidak dikenali; gunakan YYYY-MM-DD, mis. 2026-03-31."
            )
            raise _BadInput(text.format(option="--until", value=until)) from None
        # Up to the end of `--until`, but nothing happens after now.
        self.end = min(datetime.combine(self.last + timedelta(1), time(0), calendar.zone), now)
        self.attachments = AttachmentStore.from_settings(settings)  # a Desk needs one; unused
        self.domain = (values.agency_email_domains(catalog.agency) or ("contoh.go.id",))[0]
        self.officers: dict[str, list[int]] = {}
        self.names: dict[int, str] = {}
        self.tally: Counter[str] = Counter()  # what was stored, for the summary
        self.record: repo.TicketRecord  # the ticket being walked, as last stored

    # --- what happens, drawn before anything is stored --------------------------------------

    def plan(self, first: date) -> list[_Arrival]:
        """Every ticket's moment, service, requester, answers and fate, in filing order."""
        rng = self.rng
        kinds = self._kinds()
        people = [self._person(i, rng.random() < 0.75) for i in range(40 + 8 * len(kinds))]
        popularity = [1 / (rank + 1) ** 0.6 for rank in range(len(people))]  # regulars
        scale = min(1.5, max(1.0, len(kinds) / 8))  # a bigger catalog, a busier desk
        rate = rng.uniform(12.0, 18.0) * scale
        arrivals: list[_Arrival] = []
        monday = first - timedelta(days=first.weekday())
        while monday <= self.last:  # a busy or quiet week follows the last one
            rate = min(max(rate + rng.gauss(0, 2.5), WEEKLY[0] * scale), WEEKLY[1] * scale)
            week = [monday + timedelta(days=i) for i in range(7)]
            days = [d for d in week if first <= d <= self.last and self.calendar.is_working_day(d)]
            weights = [WEEKDAY[d.weekday()] for d in days]  # holidays and period ends: fewer
            count = round(rate * sum(weights) / 5)
            picked = Counter(rng.choices(days, weights, k=count) if days else ())
            moments = (at for d in days for at in self._moments(d, picked[d]))
            for at in (at for at in moments if at <= self.end):  # today: nothing after now
                service, product, _w = rng.choices(kinds, [w for *_s, w in kinds])[0]
                public = "public" in service.audience and rng.random() < 0.5
                pool = [i for i, p in enumerate(people) if (p.nip is None) == public]
                person = people[rng.choices(pool, [popularity[i] for i in pool])[0]]
                walk_in = rng.random() < WALK_IN and service.code != COMPLAINT
                arrivals.append(_Arrival(at, service, product, person, walk_in))
            monday += timedelta(days=7)
        self._cover(arrivals, kinds)
        for arrival in arrivals:
            arrival.fields = self._fields(arrival)
            arrival.requirements = self._documents(arrival)
        self._fates(arrivals)
        return arrivals

    def _kinds(self) -> list[_Kind]:
        """(service, product, weight) of everything the agency offers, complaints included."""
        services = list(self.catalog.services)
        synthesized = complaints.complaint_service(self.catalog)
        if synthesized is not None and self.catalog.service(synthesized.code) is None:
            services.append(synthesized)  # the one-step procedure of an agency without its own
        return [
            (s, p, WEIGHT[KIND_OF.get(p or "", KIND_OF.get(s.code, "lain"))])
            for s in services
            for p in ([p.code for p in s.products] if s.products else [None])
        ]

    def _cover(self, arrivals: list[_Arrival], kinds: list[_Kind]) -> None:
        """Give every service and product at least one ticket, taken from frequent ones."""
        counts = Counter((a.service.code, a.product) for a in arrivals)
        for service, product, _weight in kinds:
            spare = [a for a in arrivals if counts[a.service.code, a.product] > 1]
            if counts[service.code, product] or not spare:
                continue
            taken = self.rng.choice(spare)
            counts[taken.service.code, taken.product] -= 1
            counts[service.code, product] += 1
            taken.service, taken.product = service, product
            taken.walk_in = taken.walk_in and service.code != COMPLAINT

    def _moments(self, day: date, count: int) -> list[datetime]:
        """`count` filing moments inside the day's office hours, more of them in the morning."""
        opening = self.calendar.next_opening(datetime.combine(day, time(0), self.calendar.zone))
        length = self.calendar.office_time_between(opening, opening + timedelta(hours=12))
        shares = sorted(self.rng.triangular(0.01, 0.97, 0.3) for _n in range(count))
        return [opening + timedelta(seconds=int(length.total_seconds() * s)) for s in shares]

    def _person(self, index: int, civil_servant: bool) -> _Person:
        rng = self.rng
        female = rng.random() < 0.45
        name = self._name(female)
        born = date(rng.randint(1966, 1998 if civil_servant else 2003), rng.randint(1, 12), 1)
        born = born.replace(day=rng.randint(1, 28))
        nip = None
        if civil_servant:  # birth date, appointment (year, month), sex, sequence: 18 digits
            hired = min(born.year + rng.randint(22, 30), 2024)
            nip = f"{born:%Y%m%d}{hired}{rng.randint(1, 12):02d}{2 if female else 1}"
            nip += f"{rng.randint(1, 999):03d}"
        schooling = ("s1", "s1", "s1", "d3", "s2") if nip else ("sma", "sma", "d3", "s1")
        education, opd = rng.choice(schooling), rng.choice(OPDS) if nip else None
        job = "pns" if nip else rng.choice(("swasta", "wira", "lain", "swasta"))
        phone = f"+62{rng.choice(PHONE_PREFIXES)[1:]}{rng.randint(0, 99_999_999):08d}"
        return _Person(f"demo-{index + 1:04d}", name, female, born, phone, nip, opd, education, job)

    def _name(self, female: bool) -> str:
        rng = self.rng
        if rng.random() < 0.12:
            return rng.choice(ONE_NAME[female])
        family = WOMEN_SURNAMES if female and rng.random() < 0.5 else SURNAMES
        return f"{rng.choice(WOMEN if female else MEN)} {rng.choice(family)}"

    def _fields(self, arrival: _Arrival) -> dict[str, Any]:
        """The form's answers in their stored form (validated as the intake dialog does)."""
        rng, person = self.rng, arrival.person
        if arrival.service.code == COMPLAINT:  # the /pengaduan form's answers
            about = [s.code for s in self.catalog.services if s.code != COMPLAINT]
            return {
                "tentang": rng.choice(about) if about and rng.random() < 0.6 else None,
                "isi_pengaduan": rng.choice(TEXTS["isi_pengaduan"]),
                "kontak": person.phone if rng.random() < 0.7 else None,
            }
        app, slug = rng.choice(APPS)
        words = {"opd": person.opd or rng.choice(OPDS), "room": rng.choice(ROOMS), "app": app}
        words["slug"] = slug
        context = values.FieldContext(now=arrival.at, zone=self.calendar.zone)
        answers: dict[str, Any] = {}
        for spec in arrival.service.fields_for(arrival.product):
            if spec.type is FieldType.CHOICE:
                answers[spec.code] = self._choice(spec)
            else:
                typed = self._typed(spec, arrival, words)
                answers[spec.code] = _stored(spec, typed, context)
        return answers

    def _typed(self, spec: FieldSpec, arrival: _Arrival, words: dict[str, str]) -> str | None:
        """What the requester types for one field (None: they chose Lewati)."""
        rng, code, person, kind = self.rng, spec.code, arrival.person, spec.type
        slug = words["slug"]
        if not spec.required and rng.random() < 0.3:
            return None
        known = {
            "penanggung_jawab": person.name, "nama": person.name, "nama_admin": person.name,
            "narasumber": self._name(rng.random() < 0.4), "opd": words["opd"], "nip": person.nip,
            "nama_aplikasi": words["app"], "url_aplikasi": f"https://{slug}.{self.domain}",
            "lokasi": f"Gedung {words['opd']} lt. {rng.randint(1, 3)}, {words['room']}",
        }  # fmt: skip
        if code in known:
            return known[code]
        if kind is FieldType.PHONE:
            return person.phone
        if kind is FieldType.DOMAIN:
            return f"{slug}.{self.domain}"
        if kind is FieldType.EMAIL:
            local = f"admin.{slug}" if "admin" in code else person.name.lower().split()[0]
            return f"{local}@{self.domain}"
        if kind is FieldType.NUMBER:
            return str(rng.randrange(10, 150, 5))
        if kind in (FieldType.DATE, FieldType.DATETIME):  # an event after the filing
            day = arrival.at.date() + timedelta((spec.min_days_ahead or 0) + rng.randint(1, 14))
            while not self.calendar.is_working_day(day):
                day += timedelta(days=1)
            clock = rng.choice((" 09.00", " 10.00", " 13.00", " 14.00"))
            return f"{day:%d/%m/%Y}" + (clock if kind is FieldType.DATETIME else "")
        texts = TEXTS.get(arrival.kind if code in ("uraian", "masalah") else code)
        return rng.choice(texts).format(**words) if texts else spec.example or spec.label.get("id")

    def _choice(self, spec: FieldSpec) -> str:
        """A button; an impact question's top answer is left for the chosen outages."""
        options = [c for c in spec.choices if c.priority != "tinggi"] or list(spec.choices)
        weights = [{"rendah": 0.55, "sedang": 0.4}.get(c.priority or "", 1.0) for c in options]
        if spec.code == "jenis_kebutuhan":  # kalbar's network service: mostly disturbances
            weights = [2.0 if c.code == "gangguan" else 1.0 for c in options]
        return self.rng.choices(options, weights)[0].code

    def _documents(self, arrival: _Arrival) -> dict[str, Any]:
        """Documents as the counter or the chat intake records them (no file is stored)."""
        rng, service = self.rng, arrival.service
        if service.code == COMPLAINT:
            return {}
        if arrival.walk_in:
            needed = service.requirements_for(arrival.product)
            return {r.code: {"kind": "loket"} if rng.random() < 0.9 else None for r in needed}
        sent = [r for r in service.requirements if r.required or rng.random() < 0.6]
        file = {"kind": "file"}
        return {r.code: {**file, "filename": f"{r.code}.pdf"} if r in sent else None
                for r in service.requirements}  # fmt: skip

    def _fates(self, arrivals: list[_Arrival]) -> None:
        """Outages, tickets still open at the end, rejections, pauses and delays, by quota (so
        even two months show each), the last three on tickets old enough to run their course."""
        rng = self.rng
        by_month: dict[tuple[int, int], list[_Arrival]] = {}
        for arrival in arrivals:
            if _impact(arrival) is not None:
                by_month.setdefault((arrival.at.year, arrival.at.month), []).append(arrival)
        for month in by_month.values():
            for arrival in rng.sample(month, max(1, round(OUTAGE * len(month)))):
                code, top = _impact(arrival) or ("", "")
                arrival.fields[code] = top
                arrival.fate = "outage"
        recent = [a for a in arrivals if a.fate == "ok" and a.at >= self.end - RECENT]
        for arrival in rng.sample(recent, min(len(recent), max(2, round(STALLED * len(recent))))):
            arrival.fate = rng.choice(("stall", "wait"))
        older = [a for a in arrivals if a.fate == "ok" and a.at < self.end - RECENT / 2]
        rng.shuffle(older)
        for fate, share in (("reject", REJECTED), ("pause", PAUSED), ("late", LATE)):
            count = max(1, round(share * len(arrivals)))
            for arrival in older[:count]:
                arrival.fate = fate
            older = older[count:]

    # --- storing it, as the bot would have ------------------------------------------------

    async def store(
        self, database: Database, arrivals: list[_Arrival], force: bool
    ) -> Counter[str]:
        """Migrate; refuse an agency with tickets (unless `force`); then one transaction per
        ticket, so a failure keeps what was stored before it."""
        agency = self.catalog.agency.code
        try:
            await database.upgrade()
            async with database.transaction() as conn:
                query = select(func.count()).where(tickets.c.agency == agency)
                count = int((await conn.execute(query)).scalar_one())
                if count and not force:
                    raise _BadInput(
                        _(
                            "instansi {agency} sudah memiliki {count} tiket; data contoh tidak "
                            "ditambahkan. Pakai --force untuk tetap menambahkannya."
                        ).format(agency=agency, count=count)
                    )
                await self._add_officers(conn, arrivals[0].at if arrivals else self.end)
            for arrival in arrivals:
                async with database.transaction() as conn:
                    await self._ticket(conn, arrival)
        finally:
            await database.dispose()
        return self.tally

    async def _add_officers(self, conn: AsyncConnection, first: datetime) -> None:
        """A coordinator, one head for each role others report to, two of every other role."""
        agency = self.catalog.agency
        used = {step.role for service in self.catalog.services for step in service.procedure}
        used |= {"coordinator", wf.complaint_role(agency)}
        heads = {r.superior for r in agency.roles if r.superior} | {"coordinator"}
        for role in (r for r in role_codes(self.catalog) if r in used):
            for _n in range(1 if role in heads else 2):
                name = self._name(self.rng.random() < 0.4)
                name += self.rng.choice(HEAD_DEGREES if role in heads else STAFF_DEGREES)
                officer = await repo.add_officer(
                    conn, agency=agency.code, name=name, roles=[role], at=first - timedelta(30)
                )
                self.officers.setdefault(role, []).append(officer.id)
                self.names[officer.id] = officer.name
                self.tally[f"role:{role}"] += 1

    def _desk(self, at: datetime) -> Desk:
        return Desk(self.catalog, self.calendar, self.locale, at, self.attachments)

    async def _ticket(self, conn: AsyncConnection, arrival: _Arrival) -> None:
        """File the ticket, then walk it through its procedure until it closes or time ends."""
        person, at, service = arrival.person, arrival.at, arrival.service
        channel = COUNTER if arrival.walk_in else CHAT
        chat_id = person.phone if arrival.walk_in else person.key
        requester = await repo.get_or_create_requester(
            conn, channel=channel, external_id=chat_id, display_name=person.name, at=at
        )
        desk = self._desk(at)
        by = self._someone(service.procedure[0].role) if arrival.walk_in else None
        self.record = await file_ticket(
            conn, desk=desk, service=service.code, product=arrival.product, fields=arrival.fields,
            requirements=arrival.requirements, requester_id=requester, channel=channel,
            chat_id=chat_id, by=by,
        )  # fmt: skip
        # file_ticket told the first step's officers who have a chat: demo data tells nobody.
        if desk.queued:
            await conn.execute(delete(outbox).where(outbox.c.id.in_(desk.queued)))
        try:
            if service.code == COMPLAINT:  # the provisional limit /pengaduan sets
                about = arrival.fields["tentang"]
                limit = complaints.provisional_class(self.catalog, about, self.calendar, at)
                if limit is not None:
                    await self._classify(conn, limit.code, at, by=None)
            await self._walk(conn, arrival)
        except _PastEnd:
            pass  # still open at the end, where it stands
        self._count(arrival)

    async def _walk(self, conn: AsyncConnection, arrival: _Arrival) -> None:
        """Each step: someone takes it (unless it was disposed to them), works, and disposes
        it on, or finishes; the fate decides where it pauses, is rejected, overruns or stops."""
        rng, calendar, fate = self.rng, self.calendar, arrival.fate
        route = workflow_ticket(self.record, self._desk(arrival.at)).route
        sizes = [calendar.add(arrival.at, s.duration) for s in route]
        focus = next((i for i, s in enumerate(route) if s.elastic), sizes.index(max(sizes)))
        special = focus if rng.random() < 0.7 else 0  # the service's work, or the first step
        stall = rng.randrange(len(route))
        down = rng.uniform(60, 300) if rng.random() < 0.85 else rng.uniform(360, 1200)
        judge = wf.complaint_role(self.catalog.agency)
        classify = next((i for i, s in enumerate(route) if s.role == judge), None)
        at = arrival.at
        while True:
            ticket = workflow_ticket(self.record, self._desk(at))
            index = ticket.route.index(ticket.current)
            begin = max(at, ticket.step_started_at)
            if fate == "outage":  # everyone hurries; the repair itself takes `down` minutes
                work = timedelta(minutes=down if index == focus else rng.uniform(3, 20))
            else:  # mostly well inside the step's time, sometimes close to it
                allotted = calendar.office_time_between(begin, ticket.step_due_at)
                share = min(rng.betavariate(1.6, 3.0), 0.9)
                work = max(max(allotted, timedelta(minutes=10)) * share, timedelta(minutes=2))
            work += timedelta(seconds=rng.randint(0, 59))
            taken, classified, asked = sorted(rng.uniform(0.05, 0.8) for _n in range(3))
            holder = ticket.officer
            if holder is None:
                holder = self._someone(ticket.role)
                moment = calendar.add_office_time(begin, work * taken)
                await self._commit(conn, moment, wf.take, holder)
            if arrival.service.code == COMPLAINT and index == classify:
                moment = calendar.add_office_time(begin, work * classified)
                await self._classify(conn, self._complaint_class(arrival), moment, by=holder)
            if fate == "stall" and index == stall:
                return
            done = calendar.add_office_time(begin, work)
            if fate in ("pause", "wait") and index == special:
                moment = calendar.add_office_time(begin, work * asked)
                await self._commit(conn, moment, wf.request_completion, rng.choice(ASKS), by=holder)
                if fate == "wait":
                    return
                moment = self._working_days_later(moment, rng.randint(1, 3))
                await self._requester_answers(conn, moment)
                done = calendar.add_office_time(moment, work * (1 - asked))
            if fate == "reject" and index == special:
                await self._commit(conn, done, wf.reject, rng.choice(REASONS), by=holder)
                return
            if fate == "late" and index == special:  # past the ticket's due, not only the step's
                due = ticket.clock.due
                sla = calendar.office_time_between(ticket.clock.start, due)
                overrun = sla * rng.uniform(0.03, 0.35) + timedelta(minutes=rng.uniform(10, 90))
                done = calendar.add_office_time(max(done, due), overrun)
            following = ticket.next_step
            if following is None:
                report = self._berita_acara(arrival, holder)
                await self._commit(conn, done, wf.finish, report, by=holder)
                await self._survey(conn, arrival)
                return
            to = self._recipient(ticket, following.role, holder)
            say = rng.choice(INSTRUCTIONS) if to != holder else ""  # nothing to tell oneself
            await self._commit(
                conn, done, wf.dispose, calendar=calendar, by=holder, instruction=say, to_officer=to
            )
            at = done

    async def _commit(
        self, conn: AsyncConnection, at: datetime, change: Callable[..., wf.Transition], *args: Any,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        """`change(ticket, *args, at=at, **kwargs)` written as an officer's command writes it,
        but without its notices."""
        if at > self.end:
            raise _PastEnd
        desk = self._desk(at)
        ticket: wf.WorkflowTicket = workflow_ticket(self.record, desk)
        transition = change(ticket, *args, at=at, **kwargs)._replace(notices=())
        self.record = await commit_transition(
            conn, desk=desk, record=self.record, transition=transition
        )

    async def _classify(
        self, conn: AsyncConnection, code: str, at: datetime, *, by: int | None
    ) -> None:
        """A complaint's class and due as /klasifikasi sets them (`by` None: provisional)."""
        record, calendar = self.record, self.calendar
        about, paused = record.fields.get("tentang"), timedelta(seconds=record.paused_seconds)
        due = complaints.limit_due(
            self.catalog, about, code, calendar, received=record.created_at, paused=paused
        )
        service = self.catalog.service(record.service) or complaints.complaint_service(self.catalog)
        steps = service.procedure if service else []
        moves = any(s.code == record.step and s.uses_service_sla for s in steps)
        await self._commit(
            conn, at, complaints.set_limit, due=due, class_code=code, provisional=by is None,
            moves_step=moves, by=by,
        )  # fmt: skip
        self.tally["classified"] += by is not None

    def _complaint_class(self, arrival: _Arrival) -> str:
        found = complaints.classes_for(self.catalog, arrival.fields.get("tentang"))
        return self.rng.choices(found, [CLASS_WEIGHT.get(c.code, 5) for c in found])[0].code

    async def _requester_answers(self, conn: AsyncConnection, at: datetime) -> None:
        """The requester's answer, logged, then the clock resumed (bot.handlers.completion)."""
        if at > self.end:
            raise _PastEnd
        said = {"text": self.rng.choice(REPLIES), "attachment_ids": []}
        await repo.add_event(
            conn, ticket_id=self.record.id, at=at, actor_kind="requester", actor_id=None,
            kind=EventKind.REQUESTER_ANSWERED, data=said,
        )  # fmt: skip
        await self._commit(conn, at, wf.requester_completed, calendar=self.calendar)

    def _recipient(self, ticket: wf.WorkflowTicket, role: str, holder: int) -> int | None:
        """Whom /disposisi sends it to: the same officer for their own next step, one officer
        picked from the buttons when the role has several (sometimes all), else the role."""
        candidates = self.officers.get(role, [])
        if role == ticket.role and holder in candidates:
            return holder
        if len(candidates) > 1 and self.rng.random() < 0.85:
            return self.rng.choice(candidates)
        return None

    def _someone(self, role: str) -> int:
        return self.rng.choice(self.officers.get(role) or self.officers["coordinator"])

    def _working_days_later(self, at: datetime, days: int) -> datetime:
        """A moment inside office hours `days` working days after `at`'s day."""
        moment = at
        for _n in range(days):
            tomorrow = self.calendar.local(moment).date() + timedelta(days=1)
            moment = self.calendar.next_opening(datetime.combine(tomorrow, time(0), moment.tzinfo))
        return self.calendar.add_office_time(moment, timedelta(minutes=self.rng.uniform(15, 360)))

    def _berita_acara(self, arrival: _Arrival, holder: int) -> dict[str, str]:
        fields, rng = arrival.fields, self.rng
        asked = ("uraian", "masalah", "isi_pengaduan", "topik", "informasi_diminta")
        problem = next((str(fields[c]) for c in asked if fields.get(c)), None)
        place = fields.get("lokasi") or fields.get("tempat") or fields.get("opd")
        devices = arrival.kind in ("gangguan", "jaringan", "pembangunan")  # equipment to advise on
        return {
            "ringkasan_pekerjaan": rng.choice(WORK_DONE.get(arrival.kind, WORK_DONE["lain"])),
            "ringkasan_masalah": problem or arrival.service.name.get("id"),
            "alternatif_solusi": rng.choice(ALTERNATIVES if devices else ALTERNATIVES[:2]),
            "lokasi": str(place or self.catalog.agency.city),
            "petugas": self.names.get(holder, "-"),
        }

    async def _survey(self, conn: AsyncConnection, arrival: _Arrival) -> None:
        """Invite a chat requester as bot.notify does on /selesai; about half of them answer,
        mostly 3s and 4s (fewer after a late ticket), some questions skipped."""
        record, rng, closed = self.record, self.rng, self.record.closed_at
        if record.channel == COUNTER or closed is None:
            return
        await repo.invite_survey(
            conn, ticket_id=record.id, requester_id=record.requester_id, agency=record.agency,
            service=record.service, at=closed,
        )  # fmt: skip
        self.tally["invited"] += 1
        answered = closed + timedelta(minutes=rng.uniform(5, 36 * 60))
        if rng.random() >= SURVEY_ANSWERED or answered > self.end:
            return
        late = closed > record.due_at
        odds = (3, 30, 42, 25) if late else (1, 8, 43, 48)  # scores 1, 2, 3, 4
        answers: dict[str, Any] = {
            f"u{i}": rng.choices((1, 2, 3, 4), odds)[0] for i in range(1, 10) if rng.random() > 0.04
        }
        if rng.random() < 0.3:
            low = late or sum(answers.values()) < 3 * len(answers)
            answers["comment"] = rng.choice(GRUMBLES if low else PRAISE)
        if rng.random() < 0.6:
            answers.update(self._profile(arrival.person, answered))
        await repo.record_survey(
            conn, ticket_id=record.id, at=answered, status="answered", values=answers
        )
        self.tally["answered"] += 1

    def _profile(self, person: _Person, at: datetime) -> dict[str, str]:
        """The respondent's profile (codes of bot.handlers.survey.PROFILE), a few left out."""
        age = at.year - person.born.year
        chosen = {
            "usia": "lt20" if age < 20 else "ge50" if age >= 50 else f"{age // 10}0-{age // 10}9",
            "jenis_kelamin": "p" if person.female else "l",
            "pendidikan": person.education,
            "pekerjaan": person.job,
        }
        known = {key: {code for code, _label in options} for key, options in PROFILE.items()}
        return {k: v for k, v in chosen.items() if v in known[k] and self.rng.random() > 0.1}

    def _count(self, arrival: _Arrival) -> None:
        record, tally, closed = self.record, self.tally, self.record.closed_at
        finished = record.status is TicketStatus.SELESAI
        tally[f"status:{record.status.value}"] += 1
        tally["late"] += finished and closed is not None and closed > record.due_at
        tally["paused"] += record.paused_seconds > 0 or record.paused_at is not None
        tally["outages"] += arrival.fate == "outage"


# --- helpers --------------------------------------------------------------------------------


def _impact(arrival: _Arrival) -> tuple[str, str] | None:
    """(field, top answer) of the service's impact question, if it has one."""
    for spec in arrival.service.fields_for(arrival.product):
        top = next((c.code for c in spec.choices if c.priority == "tinggi"), None)
        if top is not None:
            return spec.code, top
    return None


def _stored(spec: FieldSpec, typed: str | None, context: values.FieldContext) -> Any:
    """The answer as the intake stores it; None for a skipped optional field."""
    if typed is None:
        return None
    try:
        return values.validate(spec, typed, context, _ID)
    except values.ValueProblem:  # a field this generator does not know: its example, as typed
        return spec.example or typed if spec.required else None


def _months_before(last: date, months: int) -> date:
    """The period's first day: the day after the same date `months` months earlier."""
    year, month = divmod(last.year * 12 + last.month - 1 - months, 12)
    same = date(year, month + 1, min(last.day, monthrange(year, month + 1)[1]))
    return same + timedelta(days=1)


def _catalog(code: str) -> Catalog:
    """The agency's catalog, or a message naming the agencies there are."""
    try:
        return load_catalog(code, extra_dir=get_settings().catalog_dir)
    except UnknownAgency as exc:
        raise _BadInput(
            _("instansi {agency} tidak dikenal. Pilihan: {known}.").format(
                agency=code, known=", ".join(exc.available) or "-"
            )
        ) from None
    except CatalogError as exc:
        raise _BadInput(str(exc)) from None


def _report(catalog: Catalog, first: date, last: date, count: int, tally: Counter[str]) -> None:
    statuses = ", ".join(f"{s} {n}" for s in TicketStatus if (n := tally[f"status:{s}"]))
    roles = {key[5:]: n for key, n in tally.items() if key.startswith("role:")}
    lines = [
        _("Data contoh {agency}: {count} tiket, {first} s.d. {last}.").format(
            agency=catalog.agency.code, count=count, first=first, last=last
        ),
        _("Tiket per status: {statuses}.").format(statuses=statuses or "-"),
        _(
            "Selesai terlambat: {late}; pernah menunggu pemohon: {paused}; gangguan seluruh "
            "kantor: {outages}; pengaduan diklasifikasikan: {classified}."
        ).format_map(tally),
        _("Survei: {invited} undangan, {answered} dijawab.").format_map(tally),
        _("Petugas: {count} ({roles}).").format(
            count=sum(roles.values()), roles=", ".join(f"{r} {n}" for r, n in roles.items())
        ),
    ]
    typer.echo("\n".join(lines))


def _fail(exc: Exception, code: int = 2) -> NoReturn:
    """Print the problem and exit (2: input to fix; 1: the database), without a traceback."""
    typer.echo(_("Kesalahan: {error}").format(error=exc), err=True)
    raise typer.Exit(code=code)
