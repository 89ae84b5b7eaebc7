"""Load and validate agency catalogs (one `<agency>.yaml` per agency).

The built-in catalogs live in `core/catalog/data/`; an office adds or overrides one by dropping
`<agency>.yaml` into the extra directory (`Settings.catalog_dir`), no code change needed.
Every problem in a file is reported at once, each as "path.in.file: message (line N)", so whoever
edits the YAML can fix them all in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from core.catalog.schema import CODE_PATTERN, Catalog

BUILTIN_DIR = Path(__file__).resolve().parent / "data"

Loc = tuple[str | int, ...]


class CatalogError(Exception):
    """A catalog file that cannot be used; `errors` lists every problem found."""

    def __init__(self, errors: list[str], *, path: Path | None = None) -> None:
        self.errors = errors
        self.path = path
        where = f"{path}: " if path is not None else ""
        super().__init__(f"{where}{len(errors)} error(s)\n" + "\n".join(f"  {e}" for e in errors))


class UnknownAgency(LookupError):
    """No catalog file exists for the agency code."""

    def __init__(self, agency: str, available: list[str]) -> None:
        self.agency = agency
        self.available = available
        known = ", ".join(available) or "none"
        super().__init__(f"no catalog for agency {agency!r} (available: {known})")


def catalog_dirs(extra_dir: Path | None) -> list[Path]:
    """The directories searched for catalogs: built-in first, then the office's own."""
    dirs = [BUILTIN_DIR]
    if extra_dir is not None and Path(extra_dir).resolve() != BUILTIN_DIR:
        dirs.append(Path(extra_dir))
    return dirs


def available_agencies(extra_dir: Path | None = None) -> list[str]:
    """Agency codes that have a catalog file, sorted."""
    codes = {path.stem for path in _catalog_files(extra_dir)}
    return sorted(codes)


def load_catalog(agency: str, *, extra_dir: Path | None = None) -> Catalog:
    """The validated catalog of `agency`; a file in `extra_dir` wins over the built-in one."""
    path = find_catalog_file(agency, extra_dir=extra_dir)
    return _load_cached(path, path.stat().st_mtime_ns)


def find_catalog_file(agency: str, *, extra_dir: Path | None = None) -> Path:
    """The file that defines `agency` (the last directory that has one wins)."""
    if re.fullmatch(CODE_PATTERN, agency):
        for directory in reversed(catalog_dirs(extra_dir)):
            candidate = directory / f"{agency}.yaml"
            if candidate.is_file():
                return candidate
    raise UnknownAgency(agency, available_agencies(extra_dir))


def clear_cache() -> None:
    """Forget loaded catalogs (files edited in place are reloaded anyway, by mtime)."""
    _load_cached.cache_clear()


def load_catalog_file(path: Path, *, expect_code: str | None = None) -> Catalog:
    """Parse and validate one catalog file; raise CatalogError listing every problem.

    With `expect_code`, the file's agency.code must equal it (load_catalog passes the file stem).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError([f"(file): cannot read: {exc}"], path=path) from exc
    return parse_catalog(text, path=path, expect_code=expect_code)


def parse_catalog(
    text: str, *, path: Path | None = None, expect_code: str | None = None
) -> Catalog:
    """Validate catalog YAML text; raise CatalogError listing every problem."""
    data, root, errors = _parse_yaml(text)
    if errors:
        raise CatalogError(errors, path=path)
    if not isinstance(data, dict):
        raise CatalogError(["(file): expected a mapping with 'agency' and 'services'"], path=path)
    lines = _LineIndex(root)
    problems = _duplicate_keys(root)
    catalog: Catalog | None = None
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            message = _clean_message(error["msg"])
            if _CROSS_CHECKED.search(message):
                continue  # reported below with a precise path
            problems.append((_data_loc(data, error["loc"]), message))
    problems.extend(_cross_references(data))
    agency = data.get("agency")
    code = agency.get("code") if isinstance(agency, dict) else None
    if expect_code is not None and isinstance(code, str) and code != expect_code:
        problems.append(
            (("agency", "code"), f"{code!r} does not match the file name {expect_code + '.yaml'!r}")
        )
    if problems or catalog is None:
        ordered = sorted(_dedupe(problems), key=lambda p: lines.line(p[0]) or 0)
        raise CatalogError([_format(loc, msg, lines) for loc, msg in ordered], path=path)
    return catalog


@lru_cache(maxsize=32)
def _load_cached(path: Path, mtime_ns: int) -> Catalog:
    """Load a file once per modification time."""
    del mtime_ns  # part of the cache key only
    return load_catalog_file(path, expect_code=path.stem)


def _catalog_files(extra_dir: Path | None) -> Iterator[Path]:
    """Every `<code>.yaml` in the catalog directories."""
    for directory in catalog_dirs(extra_dir):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.yaml")):
            if path.is_file() and re.fullmatch(CODE_PATTERN, path.stem):
                yield path


# --- YAML parsing -------------------------------------------------------------------------


def _parse_yaml(text: str) -> tuple[Any, yaml.Node | None, list[str]]:
    """The data, its node tree (for line numbers and duplicate keys) and any syntax error."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = exc.problem or exc.context or "invalid YAML"
        return None, None, [f"{where}: YAML syntax error: {problem}"]
    except yaml.YAMLError as exc:
        return None, None, [f"(file): YAML error: {exc}"]
    finally:
        loader.dispose()
    return data, root, []


def _duplicate_keys(root: yaml.Node | None) -> list[tuple[Loc, str]]:
    """Keys written twice in one mapping (YAML would silently keep only the last one)."""
    problems: list[tuple[Loc, str]] = []
    visited: set[int] = set()

    def walk(node: yaml.Node, loc: Loc) -> None:
        if id(node) in visited:  # anchors/aliases share nodes
            return
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if key is None or key == "<<":
                    continue
                if key in seen:
                    problems.append(((*loc, key), f"duplicate key {key!r}, only the last counts"))
                seen.add(key)
                walk(value_node, (*loc, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*loc, index))

    if root is not None:
        walk(root, ())
    return problems


class _LineIndex:
    """Finds the line of a data path in the YAML node tree."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def line(self, loc: Loc) -> int | None:
        """1-based line of the deepest node on `loc` that exists."""
        node = self.root
        if node is None:
            return None
        for part in loc:
            child = self._child(node, part)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1

    @staticmethod
    def _child(node: yaml.Node, part: str | int) -> yaml.Node | None:
        """The value node under a key or index, if present."""
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                    return value_node
        if (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child: yaml.Node = node.value[part]
            return child
        return None


# --- error reporting ----------------------------------------------------------------------

# Consistency messages raised by the schema's model validators that _cross_references reports
# itself, with the exact path (pydantic only has the enclosing model's location for them).
_CROSS_CHECKED = re.compile(r"unknown role|unknown superior|duplicate service codes")


def _clean_message(message: str) -> str:
    """Drop pydantic's "Value error, " prefix."""
    return re.sub(r"^(Value|Assertion) error, ", "", message)


def _data_loc(data: Any, loc: tuple[Any, ...]) -> Loc:
    """Keep the parts of a pydantic location that name keys/indexes in the data.

    Union members add tags such as 'LText' or 'list[ComplaintClass]', and RootModel adds
    'root'; those are not in the file and are dropped. A missing key (the last part) is kept.
    """
    out: list[str | int] = []
    current = data
    for i, part in enumerate(loc):
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        in_dict = isinstance(current, dict) and isinstance(part, str) and part in current
        if in_list or in_dict:
            out.append(part)
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str) and i == len(loc) - 1:
            out.append(part)
    return tuple(out)


def _path(loc: Loc) -> str:
    """A location as written in messages, e.g. services[2].products[0].sla."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(catalog)"


def _format(loc: Loc, message: str, lines: _LineIndex) -> str:
    """One error line: "path: message (line N)"."""
    line = lines.line(loc)
    suffix = f" (line {line})" if line is not None else ""
    return f"{_path(loc)}: {message}{suffix}"


def _dedupe(problems: list[tuple[Loc, str]]) -> list[tuple[Loc, str]]:
    """The problems in order, each once."""
    seen: set[tuple[Loc, str]] = set()
    out = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return out


def _cross_references(data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """Role references and service-code uniqueness, checked even when other fields are broken."""
    problems: list[tuple[Loc, str]] = []
    agency = data.get("agency")
    roles = agency.get("roles") if isinstance(agency, dict) else None
    role_codes: set[str] | None = None
    if isinstance(roles, list):
        role_codes = {
            r["code"] for r in roles if isinstance(r, dict) and isinstance(r.get("code"), str)
        }
        for i, role in enumerate(roles):
            superior = role.get("superior") if isinstance(role, dict) else None
            if isinstance(superior, str) and superior not in role_codes:
                problems.append((("agency", "roles", i, "superior"), f"unknown role {superior!r}"))
    services = data.get("services")
    if not isinstance(services, list):
        return problems
    first_seen: dict[str, int] = {}
    for i, service in enumerate(services):
        if not isinstance(service, dict):
            continue
        code = service.get("code")
        if isinstance(code, str):
            if code in first_seen:
                problems.append(
                    (
                        ("services", i, "code"),
                        f"duplicate service code {code!r} (also services[{first_seen[code]}])",
                    )
                )
            else:
                first_seen[code] = i
        steps = service.get("procedure")
        if role_codes is None or not isinstance(steps, list):
            continue
        for j, step in enumerate(steps):
            role = step.get("role") if isinstance(step, dict) else None
            if isinstance(role, str) and role not in role_codes:
                problems.append((("services", i, "procedure", j, "role"), f"unknown role {role!r}"))
    return problems
