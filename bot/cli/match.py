"""`servicedesk match`: which catalog service does a piece of free text ask for?

    servicedesk match --agency babel "wifi di ruang rapat mati"
    servicedesk match --agency kalbar --json "vicon besok"
    servicedesk match --agency kalbar --explain "petugas di loket tidak ramah"
    printf 'halo\\nzoom besok\\n' | servicedesk match --agency kalbar --json -

With "-" every stdin line is one query and every output line one answer, in order and flushed
at once, so another program can drive it line by line.

--explain adds why: the words read from the text (after spelling, dialect and English are
normalised and a letter's wrapping is dropped), whether it reads as a complaint, and for each
candidate its strength, how much of the text it explains and the words that counted, with how
each was found (exact, root, typo, ...) and where (the catalog's names and synonyms, or its
descriptions). With --json the same reasons come as extra keys of the one JSON object.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from core.catalog.loader import CatalogError, UnknownAgency, load_catalog
from core.catalog.matching import Matcher, MatchResult, matcher_for
from core.settings import get_settings
from locales import _

app = typer.Typer(
    help="Match free text against an agency's services.",
    add_completion=False,
    subcommand_metavar="",  # a single command: hide click's "COMMAND [ARGS]..."
)


@app.callback(invoke_without_command=True)
def match(
    text: Annotated[
        list[str], typer.Argument(help='The requester\'s text (quotes optional), or "-" for stdin.')
    ],
    agency: Annotated[str | None, typer.Option(help="Agency code (default: settings).")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per query.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=10, help="How many matches to show.")] = 3,
    catalog_dir: Annotated[
        Path | None, typer.Option(help="Extra catalog directory (default: settings).")
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Also show the words behind each candidate.")
    ] = False,
) -> None:
    """Show the services (and products) TEXT most likely asks for, best first."""
    settings = get_settings()
    try:
        catalog = load_catalog(
            agency or settings.agency, extra_dir=catalog_dir or settings.catalog_dir
        )
    except UnknownAgency as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from exc
    except CatalogError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from exc
    matcher = matcher_for(catalog)
    queries = _stdin_lines() if text == ["-"] else iter([" ".join(text)])
    for query in queries:
        _answer(matcher, query, as_json=as_json, limit=limit, explain=explain)


def _stdin_lines() -> Iterator[str]:
    """Lines of stdin without their line ends, read lazily so answers stream."""
    for line in sys.stdin:
        yield line.rstrip("\r\n")


def _answer(matcher: Matcher, query: str, *, as_json: bool, limit: int, explain: bool) -> None:
    """Match one query and print the result as a JSON line or a readable line (or block)."""
    if explain:
        why = matcher.explain(query, limit=limit)
        if as_json:
            typer.echo(json.dumps(why.to_json_dict(), ensure_ascii=False))
        else:
            typer.echo("\n".join([describe(why.result), *why.lines()]))
    else:
        result = matcher.match(query, limit=limit)
        data = result.to_json_dict()
        typer.echo(json.dumps(data, ensure_ascii=False) if as_json else describe(result))
    sys.stdout.flush()


def describe(result: MatchResult) -> str:
    """One readable line: the verdict, then each candidate with its score."""
    if not result.matches:
        return _("{query!r}: tidak ada layanan yang cocok").format(query=result.query)
    verdict = _("yakin") if result.confident else _("tidak yakin")
    candidates = ", ".join(
        f"{m.service}/{m.product} ({m.score:.1f})" if m.product else f"{m.service} ({m.score:.1f})"
        for m in result.matches
    )
    return f"{result.query!r}: {verdict}: {candidates}"
