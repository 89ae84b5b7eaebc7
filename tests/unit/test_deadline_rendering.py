"""The deadline questions as each chat channel shows them: the early-event question's two
choices reach Telegram's keyboard and WhatsApp's interactive message intact."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.dialogs import intake
from bot.dialogs.state import Context, State, Step, Turn
from bot.messages import Inbound, Outbound
from bot.telegram.render import keyboard
from bot.whatsapp.render import render as whatsapp_parts
from core.catalog.loader import load_catalog
from core.sla.calendar import calendar_for

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB
ANSWERS = {"opd": "Biro Umum", "nama_acara": "Rapat SPBE", "jumlah_peserta": "40"}


def early_event_question() -> Outbound:
    """kalbar's video conference asked for tomorrow 09:00, before the office can be ready."""
    catalog = load_catalog("kalbar")
    ctx = Context(catalog=catalog, calendar=calendar_for(catalog.agency), now=NOW)
    step = intake.step(Turn(State.CHOOSE_SERVICE), chat(choice="svc:video-conference"), ctx)
    service = catalog.service("video-conference")
    assert service is not None
    for _ in range(10):
        turn = Turn(step.state, step.data, step.locale)
        spec = next(f for f in service.fields if f.code == turn.data["field"])
        if spec.event:
            asked: Step = intake.step(turn, chat(text="besok jam 9"), ctx)
            return asked.replies[-1]
        text = ANSWERS.get(spec.code, "081234567890" if spec.type.value == "phone" else "Biro")
        step = intake.step(turn, chat(text=text), ctx)
    raise AssertionError("no event question")


def chat(*, text: str | None = None, choice: str | None = None) -> Inbound:
    return Inbound(channel="test", chat_id="c", user_id="u", text=text, choice=choice)


def test_telegram_shows_both_answers_to_an_early_event_as_buttons() -> None:
    markup = keyboard(early_event_question().choices)
    assert markup is not None
    buttons = [b for row in markup.inline_keyboard for b in row]
    assert [(b.text, b.callback_data) for b in buttons] == [
        ("Pilih waktu lain", "evt:later"),
        ("Ajukan sebagai mendesak", "evt:urgent"),
    ]


def test_whatsapp_shows_both_answers_to_an_early_event_within_its_limits() -> None:
    question = early_event_question()
    assert "siap" in question.text
    parts = whatsapp_parts(question)
    ids = [str(p) for p in parts]
    assert any("evt:later" in i and "evt:urgent" in i for i in ids)
