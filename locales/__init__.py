"""Gettext-style translations. Message ids are the Indonesian text (the default language);
`locales/<lang>.po` holds the other languages, read with babel at import (no compiled .mo).

Translate at render time, for the conversation's language:

    t = translator(state.locale)
    t("Tiket {ref} dibuat").format(ref=ref)

`_()` translates into the language of the current context (`use_locale`), Indonesian by default,
for code that has no conversation at hand (CLI, admin pages).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

SUPPORTED: tuple[str, ...] = ("id", "en")
DEFAULT = "id"

_DIR = Path(__file__).resolve().parent
_current: ContextVar[str] = ContextVar("locale", default=DEFAULT)

Translate = Callable[[str], str]


class Translator:
    """Translates Indonesian msgids into one locale; falls back to the msgid."""

    __slots__ = ("_table", "locale")

    def __init__(self, locale: str, table: dict[str, str]) -> None:
        self.locale = locale
        self._table = table

    def __call__(self, message: str) -> str:
        return self._table.get(message, message)

    def __repr__(self) -> str:
        return f"Translator({self.locale!r})"


def _load(locale: str) -> dict[str, str]:
    """Read `<locale>.po` into msgid → translation, leaving out fuzzy and empty entries."""
    path = _DIR / f"{locale}.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    table: dict[str, str] = {}
    for message in catalog:
        if not isinstance(message.id, str) or not message.id or message.fuzzy:
            continue
        if isinstance(message.string, str) and message.string:
            table[message.id] = message.string
    return table


_TABLES: dict[str, dict[str, str]] = {
    locale: _load(locale) for locale in SUPPORTED if locale != DEFAULT
}


def normalize(locale: str | None) -> str:
    """Map a language tag ("en-US", "EN", None) to a supported locale, Indonesian by default."""
    if not locale:
        return DEFAULT
    base = locale.replace("_", "-").split("-")[0].strip().lower()
    return base if base in SUPPORTED else DEFAULT


@cache
def translator(locale: str | None) -> Translator:
    """A function translating Indonesian msgids into `locale` (falls back to the msgid)."""
    code = normalize(locale)
    return Translator(code, _TABLES.get(code, {}))


def _(message: str) -> str:
    """Translate into the locale of the current context."""
    return translator(_current.get())(message)


def current_locale() -> str:
    """The locale `_()` translates into right now."""
    return _current.get()


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Make `_()` translate into `locale` inside the block."""
    token = _current.set(normalize(locale))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def translations(locale: str) -> dict[str, str]:
    """A copy of the loaded msgid → translation table (for tests and tooling)."""
    return dict(_TABLES.get(normalize(locale), {}))
