"""`servicedesk sla due` on the shipped catalogs (2 March 2026 is a Monday)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli.sla import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["due", *args])
    # Errors must be messages, never tracebacks.
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def due_json(*args: str) -> dict[str, str | None]:
    code, out, err = run(*args, "--json")
    assert code == 0, err
    parsed: dict[str, str | None] = json.loads(out)
    return parsed


def test_a_duration_from_friday_afternoon_is_due_on_monday_in_json() -> None:
    # Babel closes at 16.00: 30 minutes on Friday, 2.5 hours from Monday 08.00.
    times = due_json("--agency", "babel", "--duration", "3 jam", "--at", "2026-03-06T15:30+07:00")
    assert times == {
        "start": "2026-03-06T15:30:00+07:00",
        "target": None,
        "due": "2026-03-09T10:30:00+07:00",
    }


def test_a_service_products_range_gives_target_and_due() -> None:
    # Babel "perbaikan jaringan" is 1-3 hari kerja: Monday 2 March -> Tuesday 3 and Thursday 5.
    times = due_json(
        "--agency",
        "babel",
        "--service",
        "jaringan-intra",
        "--product",
        "perbaikan",
        "--at",
        "2026-03-02T10:00:00+07:00",
    )
    assert times == {
        "start": "2026-03-02T10:00:00+07:00",
        "target": "2026-03-03T16:00:00+07:00",
        "due": "2026-03-05T16:00:00+07:00",
    }


def test_purbalingga_one_working_day_ends_at_its_friday_closing() -> None:
    # Purbalingga's internet service is 1 hari kerja; its Friday hours end at 16.30 WIB.
    times = due_json(
        "--agency",
        "purbalingga",
        "--service",
        "internet-jaringan",
        "--at",
        "2026-03-05T10:00+07:00",
    )
    assert times["due"] == "2026-03-06T16:30:00+07:00"


def test_kalbar_takes_wita_input_and_answers_in_pontianak_time() -> None:
    # 17.15 WITA is 16.15 in Pontianak, inside kalbar's Friday hours (to 16.30): 15 minutes on
    # Friday, 45 from Monday 07.30.
    times = due_json("--agency", "kalbar", "--duration", "1 jam", "--at", "2026-03-06T17:15+08:00")
    assert times["start"] == "2026-03-06T16:15:00+07:00"
    assert times["due"] == "2026-03-09T08:15:00+07:00"


def test_a_utc_submission_is_answered_in_the_agencys_offset() -> None:
    # 01.00 UTC is 08.00 WIB on Saturday 7 March: the clock starts Monday 08.00.
    times = due_json("--agency", "babel", "--duration", "60 menit", "--at", "2026-03-07T01:00Z")
    assert times["start"] == "2026-03-09T08:00:00+07:00"
    assert times["due"] == "2026-03-09T09:00:00+07:00"


def test_a_time_without_offset_is_read_on_the_agencys_clock() -> None:
    times = due_json("--agency", "babel", "--duration", "1 jam", "--at", "2026-03-09T15:00")
    assert times["due"] == "2026-03-09T16:00:00+07:00"


def test_without_json_the_answer_is_one_readable_indonesian_line() -> None:
    code, out, _ = run("--agency", "babel", "--duration", "3 jam", "--at", "2026-03-06T15:30+07:00")
    assert code == 0
    assert out.count("\n") == 1
    assert "Jumat, 6 Maret 2026 15.30 WIB" in out
    assert "batas waktu Senin, 9 Maret 2026 10.30 WIB" in out


def test_at_defaults_to_now() -> None:
    times = due_json("--agency", "babel", "--duration", "1 jam")
    assert times["start"] is not None and times["due"] is not None
    assert times["start"] < times["due"]


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--duration", "3 jam", "--at", "kemarin sore"], "ISO 8601"),
        (["--duration", "3 jam", "--at", "2026-02-30T10:00"], "ISO 8601"),
        (["--service", "warung-kopi"], "jaringan-intra"),
        (["--service", "jaringan-intra", "--product", "kopi"], "perbaikan"),
        (["--service", "jaringan-intra"], "--product"),
        (["--duration", "tiga jam"], "tiga jam"),
        (["--duration", "3 tahun"], "3 tahun"),
        ([], "--service"),
        (["--service", "jaringan-intra", "--duration", "3 jam"], "tepat satu"),
        (["--duration", "3 jam", "--product", "perbaikan"], "--product"),
    ],
)
def test_bad_input_gets_a_clear_message_and_exit_code_2(args: list[str], complaint: str) -> None:
    code, out, err = run("--agency", "babel", *args)
    assert code == 2
    assert out == ""
    assert complaint in err
    assert "Traceback" not in err


def test_an_unknown_agency_is_named_in_the_error() -> None:
    code, _, err = run("--agency", "atlantis", "--duration", "3 jam")
    assert code == 2
    assert "atlantis" in err
    assert "kalbar" in err  # the agencies that do exist
