"""Rendering replies for WhatsApp: within Meta's limits, buttons for short lists, paged lists."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.messages import Choice, Outbound, OutboundDocument
from bot.whatsapp import render
from bot.whatsapp.text import fit, split, units
from tests.fakes.graph_api import choice_ids, choice_titles, readable_text


def choices(n: int, label: str = "Layanan nomor {i}") -> tuple[Choice, ...]:
    return tuple(Choice(f"svc:{i}", label.format(i=i)) for i in range(1, n + 1))


def only(parts: list[render.Part]) -> dict[str, Any]:
    (part,) = parts
    assert isinstance(part, dict)
    return part


def test_a_short_text_is_one_text_message() -> None:
    message = only(render.render(Outbound("Selamat datang, Bapak/Ibu.")))
    assert message == {
        "type": "text",
        "text": {"body": "Selamat datang, Bapak/Ibu.", "preview_url": False},
    }


def test_a_long_text_is_split_into_pieces_meta_accepts_with_nothing_lost() -> None:
    paragraph = "Persyaratan layanan ini adalah surat pengantar dari kepala OPD. " * 40
    text = "\n\n".join([paragraph] * 3)
    parts = render.render(Outbound(text))
    bodies = [readable_text(p) for p in parts if isinstance(p, dict)]
    assert len(bodies) >= 2
    assert all(units(b) <= 4096 for b in bodies)
    assert "".join("".join(bodies).split()) == "".join(text.split())
    assert bodies[0].endswith("OPD.")  # cut between sentences, not inside a word


def test_up_to_three_choices_are_reply_buttons_with_their_ids() -> None:
    message = only(
        render.render(Outbound("Lanjutkan?", choices=(Choice("y", "Ya"), Choice("n", "Tidak"))))
    )
    assert message["interactive"]["type"] == "button"
    assert message["interactive"]["body"]["text"] == "Lanjutkan?"
    assert choice_ids(message) == ["y", "n"]
    assert choice_titles(message) == ["Ya", "Tidak"]


def test_a_button_label_too_long_is_shortened_with_an_ellipsis() -> None:
    long = Choice("svc:email", "Pembuatan akun email dinas resmi")
    message = only(render.render(Outbound("Pilih:", choices=(long,))))
    (title,) = choice_titles(message)
    assert units(title) <= 20 and title.endswith("…")
    assert title.startswith("Pembuatan akun")


def test_buttons_that_would_look_the_same_are_shown_as_a_list_with_full_labels() -> None:
    same_start = (
        Choice("a", "Permohonan subdomain baru untuk OPD"),
        Choice("b", "Permohonan subdomain baru untuk desa"),
    )
    message = only(render.render(Outbound("Pilih:", choices=same_start)))
    assert message["interactive"]["type"] == "list"
    rows = message["interactive"]["action"]["sections"][0]["rows"]
    assert [r["description"] for r in rows] == [c.label for c in same_start]


def test_four_to_ten_choices_are_one_list_within_meta_limits() -> None:
    message = only(
        render.render(
            Outbound(
                "Pilih layanan:",
                choices=choices(10, "Layanan yang sangat panjang sekali nomor {i}"),
            )
        )
    )
    interactive = message["interactive"]
    assert interactive["type"] == "list"
    assert choice_ids(message) == [f"svc:{i}" for i in range(1, 11)]
    assert units(interactive["action"]["button"]) <= 20
    for section in interactive["action"]["sections"]:
        assert units(section["title"]) <= 24
        for row in section["rows"]:
            assert units(row["title"]) <= 24
            assert units(row.get("description", "")) <= 72


def test_more_than_ten_choices_show_nine_and_a_row_leading_to_the_rest() -> None:
    many = choices(25)
    message = only(render.render(Outbound("Pilih layanan:", choices=many)))
    ids = choice_ids(message)
    assert ids[:9] == [f"svc:{i}" for i in range(1, 10)]
    assert len(ids) == 10
    digest = render.parse_more_choice(ids[9])
    assert digest == render.fingerprint(many)
    rest = render.rest_after_first_page(many)
    assert [c.data for c in rest] == [f"svc:{i}" for i in range(10, 26)]
    assert "16" in message["interactive"]["action"]["sections"][0]["rows"][9]["description"]


def test_the_rest_of_a_long_list_pages_on_the_same_way_until_it_fits() -> None:
    rest = render.rest_after_first_page(choices(25))
    second = only(render.render(Outbound("Pilihan lainnya:", choices=tuple(rest))))
    assert render.parse_more_choice(choice_ids(second)[-1]) == render.fingerprint(rest)
    last = render.rest_after_first_page(rest)
    third = only(render.render(Outbound("Pilihan lainnya:", choices=tuple(last))))
    assert choice_ids(third) == [f"svc:{i}" for i in range(19, 26)]


def test_ordinary_choices_are_never_mistaken_for_the_more_row() -> None:
    assert render.parse_more_choice("svc:email") is None
    assert render.parse_more_choice("wa:more:not-a-digest") is None


def test_duplicate_choice_ids_are_shown_once() -> None:
    doubled = (Choice("y", "Ya"), Choice("y", "Ya lagi"), Choice("n", "Tidak"))
    assert choice_ids(only(render.render(Outbound("?", choices=doubled)))) == ["y", "n"]


def test_a_question_too_long_for_an_interactive_body_is_sent_first_as_text() -> None:
    question = "Mohon baca ketentuan berikut. " * 50
    parts = render.render(Outbound(question, choices=(Choice("ok", "Setuju"),)))
    *texts, buttons = parts
    assert isinstance(buttons, dict) and buttons["interactive"]["type"] == "button"
    shown = "".join(readable_text(t) for t in texts if isinstance(t, dict))
    assert "".join(shown.split()) == "".join(question.split())
    assert buttons["interactive"]["body"]["text"] == "Silakan pilih:"


def test_a_document_is_uploaded_with_the_text_as_its_caption() -> None:
    doc = OutboundDocument("tiket.pdf", "application/pdf", b"%PDF-1.4")
    (part,) = render.render(Outbound("Bukti tiket terlampir.", document=doc))
    assert part == render.Upload(doc, "Bukti tiket terlampir.")


def test_a_document_with_choices_comes_before_the_buttons() -> None:
    doc = OutboundDocument("tiket.pdf", "application/pdf", b"%PDF-1.4")
    upload, buttons = render.render(
        Outbound("Ada lagi?", choices=(Choice("n", "Tidak"),), document=doc)
    )
    assert upload == render.Upload(doc, None)
    assert isinstance(buttons, dict) and buttons["interactive"]["body"]["text"] == "Ada lagi?"


def test_the_template_parameter_is_one_trimmed_line() -> None:
    message = render.template_message("tiket_update", "id", "Tiket A\n\tselesai.   " + "x" * 2000)
    template = message["template"]
    assert (template["name"], template["language"]) == ("tiket_update", {"code": "id"})
    (parameter,) = template["components"][0]["parameters"]
    text = parameter["text"]
    assert text.startswith("Tiket A selesai. x")
    assert "\n" not in text and "\t" not in text and "    " not in text
    assert units(text) <= render.TEMPLATE_PARAM_LIMIT


@pytest.mark.parametrize("label", ["👨‍👩‍👧‍👦" * 12, "é" * 30, "Pengadaan 🖥️🖥️🖥️🖥️🖥️🖥️🖥️🖥️", "ꦱꦼꦤ꧀ꦠꦼꦤ꧀" * 9])
def test_shortened_titles_never_break_a_character(label: str) -> None:
    title = fit(label, 20)
    assert units(title) <= 20
    title.encode("utf-8")  # no lone surrogates
    head = title.removesuffix("…")
    assert label.startswith(head)
    assert not head.endswith("\u200d")


@given(st.text(max_size=9000), st.integers(min_value=2, max_value=4096))
def test_split_loses_no_visible_character_and_respects_the_limit(text: str, limit: int) -> None:
    pieces = split(text, limit)
    assert all(units(p) <= limit for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())
