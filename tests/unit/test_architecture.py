"""The layout the architecture promises (docs/ARCHITECTURE.md): no import cycles, no module too
long to read, and the README's command lists equal to the command table."""

from __future__ import annotations

import re
from pathlib import Path

import grimp
import pytest

from bot.handlers.commands import BY_NAME, CHOICES, COMMANDS, Audience, markdown_lists, menu_for

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "core", "storage", "locales")
MAX_LINES = 800


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def test_no_module_imports_itself_through_others() -> None:
    # grimp counts every import: module level, TYPE_CHECKING blocks and function bodies.
    assert import_cycles(grimp.build_graph(*PACKAGES)) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "b", "c"):
        graph.add_module(module)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="a")
    graph.add_import(importer="b", imported="c")
    assert import_cycles(graph) == [["a", "b"]]


def test_no_module_outside_migrations_is_over_800_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        and (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long


def test_the_readme_lists_exactly_the_commands_of_the_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- commands:start -->\n(.*?)<!-- commands:end -->", readme, re.DOTALL)
    assert found is not None, "README.md needs its generated command lists"
    assert found[1] == markdown_lists(), "regenerate with: servicedesk commands --markdown"


def test_every_command_name_and_alias_answers_exactly_one_command() -> None:
    names = [name for command in COMMANDS for name in command.names]
    assert len(names) == len(set(names)) == len(BY_NAME)


def test_every_requester_menu_entry_is_a_requester_command_and_officers_see_theirs_first() -> None:
    requester = [name for name, _ in menu_for(Audience.REQUESTER)]
    officer = [name for name, _ in menu_for(Audience.OFFICER)]
    assert all(BY_NAME[n].audience is Audience.REQUESTER for n in requester)
    assert officer[0] == "antrian" and set(requester) < set(officer)


@pytest.mark.parametrize("prefix", sorted(CHOICES))
def test_button_prefixes_are_short_and_distinct(prefix: str) -> None:
    assert 1 < len(prefix) <= 3 and ":" not in prefix
