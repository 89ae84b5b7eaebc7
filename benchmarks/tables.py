"""The README's "Performance" tables, from the latest `benchmarks/results/*.json`.

    python benchmarks/tables.py

`make bench` prints them last, so the README can be brought up to date by pasting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def machine_line(result: dict[str, Any]) -> str:
    m = result["machine"]
    return (
        f"_{result['when'][:16].replace('T', ' ')} UTC, {m['cores']} cores ({m['cpu']}), "
        f"{m['memory_gb']} GB, {m['os']}, Python {m['python']}._"
    )


def webhook(result: dict[str, Any]) -> list[str]:
    lines = [
        "| DB | processes | mix | connections | req/s | p50 / p99 ms | CPU ms/update "
        "| bare req/s | ratio | machine busy |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['database']} | {r['processes']} | {r['mix']} | {r['connections']} "
            f"| {r['req_s']:.0f} | {r['p50_ms']:.0f} / {r['p99_ms']:.0f} "
            f"| {r['cpu_ms_per_update']:.1f} | {r['bare_req_s']:,.0f} | {r['ratio']:.3f} "
            f"| {r.get('machine_busy_percent', '?')}% |"
        )
    shares = result.get("profile_main_thread_percent")
    if shares:
        lines += [
            "",
            "| where the SQLite server's main thread goes (dialog mix, 8 connections) | share |",
        ]
        lines.append("|---|---|")
        lines += [f"| {part} | {share:.0f}% |" for part, share in shares.items()]
    return lines


def sweeps(result: dict[str, Any]) -> list[str]:
    lines = [
        "| DB | tickets | idle ms | 5 due ms | 50 due ms | 500 due ms |",
        "|---|---|---|---|---|---|",
    ]
    for database, name in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        for size in result.get(database) or []:
            due = size["due"]
            lines.append(
                f"| {name} | {size['tickets']:,} | {size['idle_ms']:.1f} | "
                + " | ".join(f"{due[k]['median_ms']:.0f}" for k in ("5", "50", "500"))
                + " |"
            )
    return lines


def relay(result: dict[str, Any]) -> list[str]:
    m = result["median"]
    setup = result["setup"]
    return [
        f"{setup['messages']} notices to {setup['chats']} chats through the real sweep and "
        f"Telegram sender, against a fake Bot API enforcing 30 msg/s and about 1 msg/s per chat:",
        "",
        "| drain s | msg/s (ratio to 30/s) | best drain the limits allow | 429s | failed "
        "| most in 1 s, bot / chat | order kept |",
        "|---|---|---|---|---|---|---|",
        f"| {m['drain_s']:.1f} | {m['messages_per_s']:.1f} ({m['ratio_to_30_per_s']:.2f}) "
        f"| {m['best_drain_s']:.0f} s | {m['http_429']:.0f} | {m['failed_for_good']:.0f} "
        f"| {m['most_in_1s_bot']:.0f} / {m['most_in_1s_chat']:.0f} "
        f"| {'yes' if m['in_order'] else 'no'} |",
    ]


def memory(result: dict[str, Any]) -> list[str]:
    lines = [
        "| tickets in the database | idle RSS MB | peak RSS under load MB | updates/s |",
        "|---|---|---|---|",
    ]
    for size in result["sizes"]:
        m = size["median"]
        lines.append(
            f"| {size['tickets']:,} | {m['idle_rss_mb']:.0f} | {m['load_peak_mb']:.0f} "
            f"| {m['updates_per_s']:.0f} |"
        )
    return lines


def main() -> None:
    for name, render in (
        ("webhook", webhook),
        ("sweeps", sweeps),
        ("outbox_relay", relay),
        ("memory", memory),
    ):
        result = load(name)
        if result is None:
            continue
        print(f"### {name}\n")
        print("\n".join(render(result)))
        print(f"\n{machine_line(result)}\n")


if __name__ == "__main__":
    main()
