"""The API's response shapes, for its OpenAPI document only.

The routes build their JSON by hand (bot.api.views) so that the bytes an ETag is computed from
are the bytes sent and a `fields` selection can leave members out; these models describe that
JSON. The contract test (tests/e2e/test_api_contract.py) checks every answer against them.
Members that `fields` may leave out have defaults, so they are not `required`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Unit = Literal["working_days", "hours", "minutes"]


class Problem(BaseModel):
    """An error (RFC 9457 problem details), sent as application/problem+json."""

    type: str = Field(description='Always "about:blank": `title` is the HTTP status phrase.')
    title: str
    status: int
    detail: str
    instance: str = Field(description="The request's path.")
    code: str = Field(description="A stable word for programs, e.g. invalid_token.")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="422 only: each invalid parameter (loc, msg, type)."
    )


# --------------------------------------------------------------------------- tickets


class Requirement(BaseModel):
    kind: Literal["file", "srikandi"] | None = Field(description="None: not given (optional).")
    attachment_id: int | None = None
    srikandi_number: str | None = None


class TicketItem(BaseModel):
    """A ticket. With `fields`, only the members named there."""

    ref: str = ""
    service: str = ""
    product: str | None = None
    status: Literal["baru", "diproses", "menunggu_pemohon", "selesai", "ditolak", "dibatalkan"] = (
        "baru"
    )
    step: str | None = None
    assigned_role: str | None = None
    assigned_officer_id: int | None = None
    channel: str = ""
    priority: Literal["tinggi", "sedang", "rendah"] | None = None
    created_at: str = Field(default="", description="ISO 8601 on the agency's clock.")
    updated_at: str = ""
    start_at: str = Field(default="", description="When the SLA clock started.")
    target_at: str | None = None
    due_at: str = ""
    step_due_at: str | None = None
    paused_at: str | None = None
    paused_seconds: int = 0
    closed_at: str | None = None
    event_at: str | None = None
    answers: dict[str, Any] = Field(
        default_factory=dict, description="The requester's answers (personal data: logged)."
    )
    requirements: dict[str, Requirement | None] = Field(
        default_factory=dict, description="Each document asked for (personal data: logged)."
    )


class Links(BaseModel):
    next: str | None


class TicketPage(BaseModel):
    items: list[TicketItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
    links: Links


class Event(BaseModel):
    kind: str
    at: str
    actor_kind: Literal["requester", "officer", "system"]
    officer_id: int | None
    data: dict[str, Any] = Field(
        description="Codes, times and ids only (steps, roles, officers, dues, classes); the "
        "free text of notes, instructions, reasons, messages and the Berita Acara is left out."
    )


class Attachment(BaseModel):
    id: int
    filename: str
    mime: str
    size: int
    created_at: str


class TicketDetail(TicketItem):
    events: list[Event] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)


# --------------------------------------------------------------------------- reports


class Completion(BaseModel):
    completed: int
    on_time: int
    late: int
    with_target: int
    on_target: int
    past_target: int
    paused_hours: float
    median_hours: float | None
    p90_hours: float | None


class OpenAtEnd(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    days_0_1: int = Field(alias="0-1")
    days_2_3: int = Field(alias="2-3")
    days_4_5: int = Field(alias="4-5")
    over_5: int = Field(alias=">5")
    total: int


class Group(Completion):
    received: int
    rejected: int
    open_at_end: OpenAtEnd


class ServiceGroup(Group):
    service: str
    name: str


class OfficerCompletion(Completion):
    officer_id: int | None
    name: str


class ComplaintCount(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    class_: str | None = Field(alias="class")
    name: str
    received: int


class Outage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    ref: str
    from_: str = Field(alias="from")
    to: str | None
    hours: float | None


class Availability(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    service: str
    name: str
    month: str
    from_: str = Field(alias="from")
    to: str
    office_hours: float | None
    downtime_hours: float | None
    availability_percent: float | None
    guarantee_percent: float | None
    meets_guarantee: bool | None
    outages: list[Outage]


class Report(BaseModel):
    """The period report: the same JSON as `servicedesk report --format json`."""

    model_config = ConfigDict(populate_by_name=True)

    agency: str
    agency_name: str
    from_: str = Field(alias="from")
    to: str
    counted_until: str
    percentile_method: str
    total: Group
    services: list[ServiceGroup]
    officers: list[OfficerCompletion]
    complaints: list[ComplaintCount]
    availability: list[Availability]


# --------------------------------------------------------------------------- IKM


class IkmElement(BaseModel):
    code: str
    name: str
    answered: int
    nrr: float | None = Field(description="Rounded half up to 3 decimals; None: no answers.")


class IkmLine(BaseModel):
    respondents: int
    served: int = Field(description="Tickets finished in the period (the population).")
    sample_needed: int = Field(description="Respondents the sample needs (Krejcie-Morgan).")
    sample_adequate: bool
    ikm: float | None = Field(description="Rounded half up to 2 decimals.")
    grade: Literal["A", "B", "C", "D"] | None
    mutu: str | None
    elements: list[IkmElement]


class IkmService(IkmLine):
    service: str
    name: str


class Ikm(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    agency: str
    from_: str = Field(alias="from")
    to: str
    total: IkmLine
    services: list[IkmService]


# --------------------------------------------------------------------------- catalog


class Duration(BaseModel):
    amount: int
    unit: Unit


class Sla(BaseModel):
    text: str = Field(description='As the standard publishes it, e.g. "1-3 hari kerja".')
    due: Duration
    target: Duration | None = Field(description="A range's lower bound; None for a fixed time.")


class Hours(BaseModel):
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]]
    open: str
    close: str


class Choice(BaseModel):
    code: str
    label: str


class FieldSpec(BaseModel):
    code: str
    label: str
    prompt: str
    type: str
    required: bool
    choices: list[Choice]
    max_length: int
    min_days_ahead: int | None


class RequirementSpec(BaseModel):
    code: str
    name: str
    description: str | None
    kind: str
    accepts_srikandi: bool
    required: bool


class Step(BaseModel):
    code: str
    role: str
    action: str
    duration: Sla | None
    uses_service_sla: bool


class Product(BaseModel):
    code: str
    name: str
    description: str | None
    sla: Sla | None
    fields: list[FieldSpec]
    requirements: list[RequirementSpec]


class ComplaintClass(BaseModel):
    code: str
    name: str
    limit: Sla


class Service(BaseModel):
    code: str
    name: str
    description: str
    audience: list[str]
    cost: str
    outcome: str | None
    sla: Sla | None
    sla_note: str | None
    availability_percent: float | None
    daily_capacity: int | None
    fields: list[FieldSpec]
    requirements: list[RequirementSpec]
    procedure: list[Step]
    products: list[Product]
    complaint_classes: list[ComplaintClass]


class Agency(BaseModel):
    code: str
    name: str
    short_name: str
    city: str
    timezone: str
    office_hours: list[Hours]


class Catalog(BaseModel):
    agency: Agency
    services: list[Service]


# --------------------------------------------------------------------------- calendar


class Holiday(BaseModel):
    date: str
    name: str
    kind: Literal["holiday", "cuti_bersama"]


class Override(BaseModel):
    date: str
    open: bool = Field(description="True: a working day although a holiday; False: closed.")
    reason: str | None


class Calendar(BaseModel):
    agency: str
    year: int
    timezone: str
    office_hours: list[Hours]
    holidays: list[Holiday]
    overrides: list[Override]
    working_days: int
