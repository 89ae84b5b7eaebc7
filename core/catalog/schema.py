"""The catalog data model: one YAML file per agency, transcribed from its service standards.

Every text a requester may see is a `LText`: a plain string (Indonesian) or a mapping
`{id: ..., en: ...}`; `.get(locale)` falls back to Indonesian.
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    RootModel,
    field_validator,
    model_validator,
)

from core.sla.duration import SlaSpec, parse_sla

Audience = Literal["opd", "public"]

CODE_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Code = Annotated[str, Field(pattern=CODE_PATTERN, max_length=40)]


def _to_sla(value: Any) -> Any:
    if isinstance(value, SlaSpec):
        return value
    if isinstance(value, int):
        raise ValueError("write the unit too, e.g. '3 hari kerja'")
    if isinstance(value, str):
        return parse_sla(value)
    raise ValueError("expected a duration such as '3 hari kerja', '1-3 hari kerja' or '60 menit'")


Sla = Annotated[SlaSpec, BeforeValidator(_to_sla), PlainSerializer(str, return_type=str)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LText(RootModel[dict[str, str]]):
    """Localised text; Indonesian ("id") is required."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _from_plain(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"id": value}
        return value

    @field_validator("root")
    @classmethod
    def _needs_indonesian(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get("id", "").strip():
            raise ValueError("Indonesian text ('id') is required")
        return value

    def get(self, locale: str = "id") -> str:
        return self.root.get(locale) or self.root["id"]

    def __str__(self) -> str:
        return self.root["id"]


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday is 0, as `date.weekday()` counts."""
        return list(Weekday).index(self)


class OfficeHours(_Strict):
    """Opening hours for some weekdays (opening inclusive, closing exclusive)."""

    days: list[Weekday]
    open: time
    close: time

    @model_validator(mode="after")
    def _ordered(self) -> OfficeHours:
        if self.close <= self.open:
            raise ValueError("close must be after open")
        return self


class Contact(_Strict):
    kind: Literal[
        "web", "email", "phone", "whatsapp", "chat", "portal", "address", "social", "lapor"
    ]
    value: str
    label: LText | None = None


class Role(_Strict):
    code: Code
    name: LText
    superior: Code | None = None  # escalation target on breach


class ComplaintClass(_Strict):
    code: Literal["ringan", "normatif", "tidak-berkadar-pengawasan", "berkadar-pengawasan"]
    name: LText
    limit: Sla


class FieldType(StrEnum):
    TEXT = "text"  # one line, non-empty
    LONG_TEXT = "long_text"
    DATE = "date"  # a calendar day (event date)
    DATETIME = "datetime"  # day and time (event start)
    EMAIL = "email"
    PHONE = "phone"
    DOMAIN = "domain"  # a host name, e.g. "sipd.kalbarprov.go.id"
    NUMBER = "number"
    CHOICE = "choice"
    NIP = "nip"  # a civil servant's 18-digit Nomor Induk Pegawai (or NI PPPK)


Priority = Literal["tinggi", "sedang", "rendah"]
PRIORITY_ORDER: dict[str, int] = {"tinggi": 0, "sedang": 1, "rendah": 2}


class FieldChoice(_Strict):
    code: Code
    label: LText
    # The handling priority this answer gives a disturbance ("berdasarkan dampak dan
    # kepentingan"): the impact question's choices carry one each.
    priority: Priority | None = None


class FieldSpec(_Strict):
    """One thing the requester must tell us for the request to be actionable."""

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
    label: LText  # short name, used in summaries ("Lokasi")
    prompt: LText  # the one question the bot asks ("Di mana lokasinya, Bapak/Ibu?")
    type: FieldType = FieldType.TEXT
    required: bool = True
    choices: list[FieldChoice] = Field(default_factory=list)
    min_days_ahead: int | None = None  # dates: 0 = today or later, 1 = strictly future, 7 = a week
    max_length: int = 1000
    example: str | None = None
    # The event's start (a datetime): checked against the request's SLA due, shown to officers.
    event: bool = False
    official: bool = False  # e-mail: must be a government address (go.id or the agency's domain)

    @model_validator(mode="after")
    def _choices_iff_choice(self) -> FieldSpec:
        if (self.type is FieldType.CHOICE) != bool(self.choices):
            raise ValueError("choices are given exactly when type is 'choice'")
        if self.min_days_ahead is not None and self.type not in (
            FieldType.DATE,
            FieldType.DATETIME,
        ):
            raise ValueError("min_days_ahead applies to date and datetime fields only")
        if self.event and self.type is not FieldType.DATETIME:
            raise ValueError("an event's start is a datetime field")
        if self.official and self.type is not FieldType.EMAIL:
            raise ValueError("official applies to e-mail fields only")
        return self


class Requirement(_Strict):
    """A document the requester must provide (upload, or a SRIKANDI letter number)."""

    code: Code
    name: LText
    description: LText | None = None
    kind: Literal["letter", "identity", "supporting", "form"] = "letter"
    accepts_srikandi: bool = False  # a SRIKANDI letter number may replace the upload
    required: bool = True


class ProcedureStep(_Strict):
    code: Code
    role: Code  # who acts (Agency.roles)
    action: LText
    duration: Sla | None = None  # None with uses_service_sla: the product's/service's own SLA
    uses_service_sla: bool = False
    inputs: list[str] = Field(default_factory=list)  # "kelengkapan"
    output: str | None = None

    @model_validator(mode="after")
    def _has_time(self) -> ProcedureStep:
        if (self.duration is None) == (not self.uses_service_sla):
            raise ValueError("give either duration or uses_service_sla: true")
        return self


class RequesterStep(_Strict):
    """A step of the published procedure that the requester takes (not tracked as officer work)."""

    action: LText
    duration: Sla | None = None  # e.g. babel's SOP gives the requester's submission 3 jam


class Product(_Strict):
    code: Code
    name: LText
    short_name: LText | None = None  # for buttons (WhatsApp list rows allow 24 characters)
    description: LText | None = None
    sla: Sla | None = None
    fields: list[FieldSpec] = Field(default_factory=list)  # asked after the service's fields
    requirements: list[Requirement] = Field(default_factory=list)  # after the service's ones
    synonyms: list[str] = Field(default_factory=list)


def _opd_only() -> list[Audience]:
    return ["opd"]


class Service(_Strict):
    code: Code
    name: LText
    short_name: LText | None = None  # for buttons (Telegram/WhatsApp titles are short)
    description: LText
    audience: list[Audience] = Field(default_factory=_opd_only)
    requirements: list[Requirement] = Field(default_factory=list)
    fields: list[FieldSpec] = Field(default_factory=list)
    sla: Sla | None = None  # used when the product has none
    sla_note: LText | None = None  # e.g. "Konferensi pers: sesuai materi/keperluan"
    cost: LText
    requester_steps: list[RequesterStep] = Field(default_factory=list)  # before the ticket
    procedure: list[ProcedureStep]
    products: list[Product] = Field(default_factory=list)
    outcome: LText | None = None  # "Produk pelayanan" / what the requester receives
    complaint_classes: list[ComplaintClass] | None = None  # None: the agency's
    synonyms: list[str] = Field(default_factory=list)
    source: str | None = None  # which seed document it was transcribed from
    # Requests a working day the office takes on for this service ("jika permintaan layanan pada
    # hari yang sama sudah overload maka akan dilakukan dihari kerja berikutnya"): once a day is
    # full, a new request starts on the next working day with room. None: no limit.
    daily_capacity: int | None = Field(default=None, ge=1)
    # The guaranteed share of office hours the service is up, in percent ("Ketersediaan yang
    # Dijamin 90 %"): the period report compares each month's measured availability with it.
    # None: the standard promises none.
    availability: float | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _consistent(self) -> Service:
        _unique([p.code for p in self.products], "product codes")
        _unique([f.code for f in self.fields], "field codes")
        _unique([r.code for r in self.requirements], "requirement codes")
        _unique([s.code for s in self.procedure], "procedure step codes")
        if not self.procedure:
            raise ValueError("procedure must have at least one step")
        for product in self.products:
            if product.sla is None and self.sla is None:
                raise ValueError(f"product {product.code!r} has no SLA and the service has none")
            clash = {f.code for f in product.fields} & {f.code for f in self.fields}
            if clash:
                raise ValueError(f"product {product.code!r} repeats service fields {sorted(clash)}")
            _unique([r.code for r in product.requirements], "requirement codes")
            clash = {r.code for r in product.requirements} & {r.code for r in self.requirements}
            if clash:
                raise ValueError(
                    f"product {product.code!r} repeats service requirements {sorted(clash)}"
                )
        if not self.products and self.sla is None:
            raise ValueError("a service without products needs an SLA")
        return self

    def product(self, code: str | None) -> Product | None:
        return next((p for p in self.products if p.code == code), None)

    def sla_for(self, product: str | None) -> SlaSpec:
        found = self.product(product)
        spec = found.sla if found is not None and found.sla is not None else self.sla
        assert spec is not None  # guaranteed by validation
        return spec

    def fields_for(self, product: str | None) -> list[FieldSpec]:
        found = self.product(product)
        return [*self.fields, *(found.fields if found else [])]

    def requirements_for(self, product: str | None) -> list[Requirement]:
        found = self.product(product)
        return [*self.requirements, *(found.requirements if found else [])]

    def priority_of(self, product: str | None, answers: dict[str, Any]) -> Priority | None:
        """The handling priority the requester's answer to the impact question gives."""
        for spec in self.fields_for(product):
            for option in spec.choices:
                if option.priority is not None and answers.get(spec.code) == option.code:
                    return option.priority
        return None


class Agency(_Strict):
    code: Code
    name: LText
    short_name: str
    city: str
    timezone: str  # IANA, e.g. "Asia/Jakarta"
    office_hours: list[OfficeHours]
    ticket_prefix: Annotated[str, Field(pattern=r"^[A-Z0-9]{2,12}$")] | None = None
    contacts: list[Contact] = Field(default_factory=list)
    roles: list[Role]
    complaint_classes: list[ComplaintClass] = Field(default_factory=list)
    notes: list[LText] = Field(default_factory=list)  # facts requesters should know
    # The office's privacy notice (UU PDP 27/2022) when it has its own wording; {retention} and
    # {contact} are filled in. Without it requesters get bot.dialogs.privacy's default.
    privacy: LText | None = None
    # Days after a ticket closes before its personal data is anonymised (figures are kept).
    retention_days: int = Field(default=730, ge=30, le=3650)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            # ZoneInfoNotFoundError is a KeyError, which pydantic would not report as invalid
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Agency:
        _unique([r.code for r in self.roles], "role codes")
        codes = {r.code for r in self.roles}
        for role in self.roles:
            if role.superior is not None and role.superior not in codes:
                raise ValueError(f"role {role.code!r}: unknown superior {role.superior!r}")
        seen: set[Weekday] = set()
        for hours in self.office_hours:
            if seen & set(hours.days):
                raise ValueError("a weekday appears in two office_hours entries")
            seen |= set(hours.days)
        return self

    @property
    def prefix(self) -> str:
        return self.ticket_prefix or re.sub(r"[^A-Z0-9]", "", self.code.upper())


class Catalog(_Strict):
    agency: Agency
    services: list[Service]

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        _unique([s.code for s in self.services], "service codes")
        roles = {r.code for r in self.agency.roles}
        for service in self.services:
            for step in service.procedure:
                if step.role not in roles:
                    raise ValueError(
                        f"service {service.code!r} step {step.code!r}: unknown role {step.role!r}"
                    )
        return self

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    def complaint_classes_for(self, service: str) -> list[ComplaintClass]:
        found = self.service(service)
        if found is not None and found.complaint_classes is not None:
            return found.complaint_classes
        return self.agency.complaint_classes


def _unique(codes: list[str], what: str) -> None:
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise ValueError(f"duplicate {what}: {dupes}")
