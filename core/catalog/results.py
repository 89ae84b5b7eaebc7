"""What the matcher answers: ranked matches, and on request the reasons behind them.

`MatchResult` is what the bot reads (`.confident`, `.matches` of (service, product));
`Explanation` is what `servicedesk match --explain` shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Match:
    service: str
    product: str | None
    score: float


@dataclass(frozen=True)
class MatchResult:
    query: str
    confident: bool
    matches: list[Match] = field(default_factory=list)

    @property
    def best(self) -> Match | None:
        """The top match, if any."""
        return self.matches[0] if self.matches else None

    def to_json_dict(self) -> dict[str, Any]:
        """The result as plain JSON data (scores rounded to one decimal)."""
        return {
            "query": self.query,
            "confident": self.confident,
            "matches": [
                {"service": m.service, "product": m.product, "score": round(m.score, 1)}
                for m in self.matches
            ],
        }


@dataclass(frozen=True)
class Term:
    """One query word that counted for a candidate: which catalog word, how and where."""

    word: str  # as normalised from the query
    catalog_word: str
    how: str  # exact, root, alias, compound, cognate, related, typo, ngram
    similarity: float
    source: str  # "phrase" (code, names, synonyms) or "description"


@dataclass(frozen=True)
class Candidate:
    """A ranked match with the evidence behind it."""

    match: Match
    strength: float  # how well a naming phrase (or the description) is present, 0-100
    coverage: float  # share of the query the service explains, 0-1
    named: bool  # whether an identifying word names the service
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Explanation:
    """Why `match` decided what it did (for `servicedesk match --explain`)."""

    result: MatchResult
    words: tuple[str, ...]  # the content words read from the text, normalised
    letter_stripped: bool  # whether a letter's wrapping was removed first
    focus: str | None  # the request word after which the text counts fully
    complaint: tuple[str, ...]  # the words that make it a complaint
    complaints_service: str | None  # where the catalog takes complaints, if anywhere
    personal: tuple[str, ...]  # the words saying it is about a phone or home, not an office
    candidates: tuple[Candidate, ...]
    # The example-learnt classifier's class and posterior, when the matcher asked it.
    learnt: tuple[str, float] | None = None

    def lines(self) -> list[str]:
        """The reasons, one fact a line (the verdict itself is `result`)."""
        out = ["  words: " + (" ".join(self.words) or "(none)")]
        if self.letter_stripped:
            out.append("  letter: salutation, closing and signature ignored")
        if self.focus:
            out.append(f"  focus: words before {self.focus!r} count less")
        if self.complaint:
            where = self.complaints_service or "no complaints service: not confident"
            out.append(f"  complaint: {', '.join(self.complaint)} -> {where}")
        if self.personal:
            out.append(f"  personal, not an office: {', '.join(self.personal)}")
        if self.learnt is not None:
            label, posterior = self.learnt
            out.append(f"  examples say: {label.rstrip('/')} ({posterior:.2f})")
        for candidate in self.candidates:
            m = candidate.match
            name = f"{m.service}/{m.product}" if m.product else m.service
            if self.complaint and m.service == self.complaints_service:
                out.append(f"  {name} {m.score:.1f}: the agency's complaints service")
            else:
                named = "" if candidate.named else ", not named outright"
                out.append(
                    f"  {name} {m.score:.1f}: strength {candidate.strength:.0f}, "
                    f"coverage {100 * candidate.coverage:.0f}%{named}"
                )
            for term in candidate.terms:
                via = "" if term.how == "exact" else f", {term.how}"
                out.append(
                    f"    {term.word} -> {term.catalog_word} "
                    f"({term.source}{via}, {term.similarity:.2f})"
                )
        return out

    def to_json_dict(self) -> dict[str, Any]:
        """The explanation as plain JSON data: the result's keys plus the reasons."""
        return {
            **self.result.to_json_dict(),
            "words": list(self.words),
            "letter_stripped": self.letter_stripped,
            "focus": self.focus,
            "complaint": list(self.complaint),
            "personal": list(self.personal),
            "learnt": (
                {"class": self.learnt[0].rstrip("/"), "posterior": round(self.learnt[1], 3)}
                if self.learnt is not None
                else None
            ),
            "candidates": [
                {
                    "service": c.match.service,
                    "product": c.match.product,
                    "score": round(c.match.score, 1),
                    "strength": round(c.strength, 1),
                    "coverage": round(c.coverage, 3),
                    "named": c.named,
                    "terms": [
                        {
                            "word": t.word,
                            "catalog_word": t.catalog_word,
                            "how": t.how,
                            "source": t.source,
                            "similarity": round(t.similarity, 2),
                        }
                        for t in c.terms
                    ],
                }
                for c in self.candidates
            ],
        }
