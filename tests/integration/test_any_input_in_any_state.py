"""Whatever a person types or taps, in whatever state their conversation is, they get an answer
of the dialog (a question asked again, a polite refusal), never the apology for a crash, and the
log gets no ERROR.

The states are reached the way people reach them (the intake dialog on three agencies'
catalogs, a complaint, a walk-in, an answer to /lengkapi, an officer's /disposisi and /selesai
forms); each example puts one conversation back into one of them and sends one random message.
Texts include digits of other scripts ("²" passes str.isdigit() but not int()), lone surrogates,
NUL and format characters; taps include the buttons on offer, known prefixes and garbage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import DialogEngine, HandleResult
from bot.handlers.commands import CHOICES
from locales import translator
from storage import repositories as repo
from storage.db import Database
from storage.models import tickets
from tests.support.dialog import ANSWERS, PDF, Chat, add_officer, conversation, make_engine, rows

APOLOGY = (
    "Maaf, terjadi gangguan saat memproses pesan Bapak/Ibu. Jawaban sebelumnya tetap "
    "tersimpan; silakan kirim ulang pesan terakhir sebentar lagi."
)
CRASH_WORDS = {APOLOGY, translator("en")(APOLOGY), "kirim ulang"}
# Digits from other keyboards and scripts: all pass str.isdigit(), "²" and "½" fail int().
DIGITS = "0123456789²³¹⁴½٣۳१１"


@dataclass(frozen=True)
class Snapshot:
    """One conversation as a person left it: enough to put it back and to tap its buttons."""

    name: str  # "kalbar/hosting/ask_field", "officer/disposisi"...
    chat: Chat
    state: str
    data: dict[str, Any]
    locale: str
    requester_id: int | None
    agency: str
    choices: tuple[str, ...]

    @property
    def kind(self) -> str:
        """The intake's state, or the form and its stage: what examples are spread over."""
        return self.state if self.name.count("/") == 2 else self.name


@dataclass
class World:
    """The database, the engines and every snapshot, on one private event loop."""

    runner: asyncio.Runner
    db: Database
    snapshots: list[Snapshot] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    untouched_ref: str = ""  # a ticket at its first step, for the digit test's commands
    prefixes: set[str] = field(default_factory=set)

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    async def record(self, name: str, chat: Chat, result: HandleResult) -> None:
        row = await conversation(self.db, f"chat-{chat.user}")
        choices = tuple(c.data for reply in result.replies for c in reply.choices)
        self.prefixes |= {data.split(":", 1)[0] + ":" for data in choices}
        self.snapshots.append(
            Snapshot(
                name=name,
                chat=chat,
                state=row["state"],
                data=dict(row["data"] or {}),
                locale=row["locale"],
                requester_id=row["requester_id"],
                agency=row["agency"],
                choices=choices,
            )
        )

    async def restore(self, snap: Snapshot) -> None:
        async with self.db.transaction() as conn:
            await repo.save_conversation(
                conn,
                channel=snap.chat.channel,
                chat_id=f"chat-{snap.chat.user}",
                requester_id=snap.requester_id,
                agency=snap.agency,
                state=snap.state,
                data=snap.data,
                locale=snap.locale,
                at=snap.chat.engine.clock(),
            )


async def walk_intake(world: World, engine: DialogEngine, user: str, service: str) -> str:
    """A requester choosing `service`, answering every question (recording each state on the
    way), looking at the summary's edit menu and sending it; returns the ticket's ref."""
    chat = Chat(engine, user)
    result = await chat.tap(f"svc:{service}")
    spec = engine.catalog.service(service)
    assert spec is not None
    for _ in range(40):
        row = await conversation(world.db, f"chat-{user}")
        state, data = row["state"], row["data"]
        await world.record(f"{engine.agency}/{service}/{state}", chat, result)
        choices = [c.data for reply in result.replies for c in reply.choices]
        if state == "choose_product":
            result = await chat.tap(next(c for c in choices if c.startswith("prd:")))
        elif state == "ask_field":
            fields = spec.fields_for(data.get("product"))
            spec_field = next(f for f in fields if f.code == data["field"])
            if spec_field.choices:
                result = await chat.tap(f"fld:{spec_field.choices[0].code}")
            else:
                result = await chat.say(ANSWERS[spec_field.type])
        elif state == "ask_document":
            srikandi = [c for c in choices if "srikandi" in c]
            if srikandi:
                asked = await chat.tap(srikandi[0])
                await world.record(f"{engine.agency}/{service}/ask_srikandi", chat, asked)
                result = await chat.say("000.1/123/DISKOMINFO/2026")
            else:
                result = await chat.send_file(PDF)
        elif state == "confirm":
            edit = next(c for c in choices if c.startswith("sum:") and "edit" in c)
            await world.record(f"{engine.agency}/{service}/choose_edit", chat, await chat.tap(edit))
            await world.restore(world.snapshots[-2])
            result = await chat.tap("sum:send")
            await world.record(f"{engine.agency}/{service}/filed", chat, result)
            (ticket,) = [t for t in await rows(world.db, tickets) if t["chat_id"] == f"chat-{user}"]
            return str(ticket["ref"])
        else:
            raise AssertionError(f"unexpected state {state} in {service}")
    raise AssertionError(f"{service}: the summary never came")


async def walk_forms(world: World, babel: DialogEngine, kalbar: DialogEngine) -> None:
    """The handlers' forms: a complaint, a walk-in, an answer to /lengkapi, /disposisi, /selesai."""
    complainant = Chat(kalbar, "pengadu")
    for name, step in (
        ("about", lambda: complainant.say("/pengaduan")),
        ("text", lambda: complainant.tap("pg:about:-")),
        ("contact", lambda: complainant.say("Petugas tidak membalas pesan saya berhari-hari.")),
        ("confirm", lambda: complainant.tap("pg:skip")),
    ):
        await world.record(f"complaint/{name}", complainant, await step())

    counter = Chat(kalbar, "loket")
    await add_officer(kalbar.db, counter, name="Petugas Loket", roles=["petugas-informasi"])
    for name, step in (
        ("service", lambda: counter.say("/datang")),
        ("name", lambda: counter.tap("wi:svc:hosting")),
        ("phone", lambda: counter.say("Ibu Sari Wulandari")),
        ("field", lambda: counter.say("0812 3456 7890")),
    ):
        await world.record(f"walkin/{name}", counter, await step())
    for answer in ("Dinas Pendidikan", "SIPINTAR", "sipintar.kalbarprov.go.id"):
        await counter.say(answer)
    await world.record("walkin/doc", counter, await counter.tap("wi:skip"))
    await world.record("walkin/confirm", counter, await counter.tap("wi:doc:yes"))

    coordinator = Chat(babel, "koordinator")
    await add_officer(babel.db, coordinator, name="Maya Lestari", roles=["coordinator"])
    for user, name in (("andi", "Andi Pratama"), ("budi", "Budi Santoso")):
        await add_officer(babel.db, Chat(babel, user), name=name, roles=["service-desk"])
    ref = world.refs[0]
    requester = next(s.chat for s in world.snapshots if s.chat.user == "warga")
    asked = await coordinator.say(f"/lengkapi {ref} Mohon kirim surat yang sudah ditandatangani.")
    await world.record("officer/idle", coordinator, asked)
    waiting = await conversation(world.db, f"chat-{requester.user}")
    if waiting["state"] != "answer_completion":
        await requester.say(f"/kelengkapan {ref}")
    await world.record("completion/answer", requester, HandleResult(duplicate=False))
    await requester.say("Surat sudah kami kirim lewat SRIKANDI.")

    for _ in range(8):  # to the step with two officers: "Kepada siapa?"
        result = await coordinator.say(f"/disposisi {ref}")
        if (await conversation(world.db, "chat-koordinator"))["state"] == "officer_form":
            await world.record("officer/disposisi", coordinator, result)
            break
    await coordinator.say(f"/disposisi {ref} @semua")
    for _ in range(8):
        last = await coordinator.say(f"/disposisi {ref} @semua")
        if "tahap terakhir" in " ".join(r.text for r in last.replies):
            break
    result = await coordinator.say(f"/selesai {ref}")
    for index in range(8):
        await world.record(f"officer/selesai/{index}", coordinator, result)
        choices = [c.data for reply in result.replies for c in reply.choices]
        if "of:ba:edit" in choices:
            await world.record(
                "officer/selesai/edit", coordinator, await coordinator.tap("of:ba:edit")
            )
            break
        result = await (coordinator.tap(choices[0]) if choices else coordinator.say("Selesai"))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp_path: Path = tmp_path_factory.mktemp("any-input")
    with asyncio.Runner() as runner:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'any.db'}")
        runner.run(db.upgrade())
        world = World(runner=runner, db=db)
        babel = make_engine(db, tmp_path, agency="babel")
        kalbar = make_engine(db, tmp_path, agency="kalbar")
        purbalingga = make_engine(db, tmp_path, agency="purbalingga")

        async def build() -> None:
            first = Chat(babel, "baru")
            await world.record("start", first, await first.say("/start"))
            await world.record("choose_service", first, await first.say("/layanan"))
            guess = Chat(babel, "tebak")
            await world.record("confirm_service", guess, await guess.say("internet kantor mati"))
            world.refs.append(await walk_intake(world, babel, "warga", "jaringan-intra"))
            for number, service in enumerate(s.code for s in kalbar.catalog.services):
                await walk_intake(world, kalbar, f"kalbar{number}", service)
            await walk_intake(world, purbalingga, "desa", "internet-jaringan")
            world.untouched_ref = await walk_intake(world, babel, "warga2", "jaringan-intra")
            await walk_forms(world, babel, kalbar)

        runner.run(build())
        try:
            yield world
        finally:
            runner.run(db.dispose())


class ErrorLog(logging.Handler):
    """Every ERROR (or worse) any logger writes while installed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


any_char = st.characters(exclude_categories=())  # surrogates, NUL and format characters too
numbers = st.text(st.sampled_from(DIGITS), min_size=1, max_size=3)
texts = (
    numbers
    | st.builds(lambda sign, n: sign + n, st.sampled_from(["#", "@", "-", " "]), numbers)
    | st.text(any_char, max_size=40)
    | st.text(st.sampled_from(DIGITS + " #/.,\u200b\u202e\x00\ud800ab"), max_size=8)
)
COMMANDS = ["/disposisi {ref} ", "/tugaskan {ref} ", "/tiket ", "/status ", "/lengkapi {ref} "]


@st.composite
def messages(draw: st.DrawFn, world: World) -> tuple[Snapshot, dict[str, str]]:
    """A snapshot and one message (text, command or tap) sent from it."""
    kind = draw(st.sampled_from(sorted({s.kind for s in world.snapshots})))
    snap = draw(st.sampled_from([s for s in world.snapshots if s.kind == kind]))
    sent = draw(st.sampled_from(["text", "command", "tap"]))
    if sent == "text":
        return snap, {"text": draw(texts)}
    if sent == "command":
        command = draw(st.sampled_from(COMMANDS)).format(ref=draw(st.sampled_from(world.refs)))
        return snap, {"text": command + draw(texts)}
    prefixes = sorted(world.prefixes | set(CHOICES))
    tap = draw(
        st.sampled_from(snap.choices or ("sum:send",))
        | st.builds(lambda p, rest: p + rest, st.sampled_from(prefixes), texts)
        | st.text(any_char, max_size=64)
    )
    return snap, {"choice": tap}


def test_the_walk_reaches_every_state_of_the_dialog_and_the_forms(world: World) -> None:
    reached = {snap.state for snap in world.snapshots}
    assert reached == {
        "idle",
        "choose_service",
        "confirm_service",
        "choose_product",
        "ask_field",
        "ask_document",
        "ask_srikandi",
        "confirm",
        "choose_edit",
        "complaint",
        "walkin",
        "answer_completion",
        "officer_form",
    }


def test_a_digit_of_another_script_in_any_state_gets_an_answer_and_no_error(
    world: World, errors: ErrorLog
) -> None:
    ref = world.untouched_ref
    typed = ["²", "#²", "٣", "１", f"/disposisi {ref} #²", f"/tugaskan {ref} #²"]
    for snap in world.snapshots:
        for text in typed:
            errors.records.clear()
            world.run(world.restore(snap))

            result = world.run(snap.chat.engine.handle(snap.chat.inbound(text=text)))

            said = " ".join(reply.text for reply in result.replies)
            assert said and not any(words in said for words in CRASH_WORDS), (snap.name, text)
            assert [r.getMessage() for r in errors.records] == [], (snap.name, text)


@settings(
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_text_or_tap_in_any_state_gets_an_answer_and_no_error(
    world: World, errors: ErrorLog, data: st.DataObject
) -> None:
    snap, content = data.draw(messages(world))
    errors.records.clear()
    world.run(world.restore(snap))

    result = world.run(snap.chat.engine.handle(snap.chat.inbound(**content)))

    said = " ".join(reply.text for reply in result.replies)
    assert not any(words in said for words in CRASH_WORDS), (snap.name, content, said)
    assert [r.getMessage() for r in errors.records] == [], (snap.name, content)
