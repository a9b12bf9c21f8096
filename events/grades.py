"""Grades of evidence, on the Admiralty scale (NATO AJP-2.1), and citations.

A *source* has a reliability, A to F; a *citation* of it, on an entry, says
how credible the cited information is, 1 to 6. Analysts write the two
together, reliability first: ``B2`` is information from a usually reliable
source that is probably true. F (reliability cannot be judged) and 6 (truth
cannot be judged) are the defaults: nothing is graded better than it was
graded by someone.

A citation is stored as plain data, ``{"source": KEY, "credibility": 1-6,
"locator": TEXT or None}``; a free-text source of the record's first
versions (``--source URL``) reads back as an ungraded citation,
``{"text": URL}`` (see :func:`citations`). Plain data and functions: the
views grade entries with it without loading an event model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from typing_extensions import TypedDict  # pydantic reads it on Python 3.11

from events.errors import InvalidInput, excerpt

RELIABILITY: dict[str, str] = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY: dict[int, str] = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}
UNJUDGED_RELIABILITY = "F"
UNJUDGED_CREDIBILITY = 6
UNSOURCED = "F6"
"""The grade of an entry that rests on nothing better than it: unsourced."""

_CITATION = re.compile(
    r"(?P<source>[^:@]*)(?::(?P<credibility>[^@]*))?(?:@(?P<locator>.*))?", re.DOTALL
)
_GRADE = re.compile(r"([A-Fa-f])([1-6])")
LOCATOR_LIMIT = 1_000


class Citation(TypedDict):
    """A source cited by an entry, as stored."""

    source: str
    """The source's key."""
    credibility: int
    locator: str | None
    """Where in the source: a page, a paragraph, a quote."""


class Grade(NamedTuple):
    """A citation's grade: its source's reliability and its credibility."""

    reliability: str
    credibility: int

    def __str__(self) -> str:
        return f"{self.reliability}{self.credibility}"

    def meets(self, least: Grade) -> bool:
        """At or above ``least`` on both scales (A and 1 are best)."""
        return (
            self.reliability <= least.reliability
            and self.credibility <= least.credibility
        )

    @property
    def words(self) -> str:
        """``usually reliable source; probably true``."""
        return (
            f"{RELIABILITY[self.reliability]} source; {CREDIBILITY[self.credibility]}"
        )


def as_reliability(value: str) -> str:
    """A reliability grade, A to F (either case)."""
    letter = value.strip().upper()
    if letter not in RELIABILITY:
        raise InvalidInput(
            f"reliability {excerpt(value)} must be one of A-F:"
            " A completely reliable ... E unreliable, F cannot be judged"
        )
    return letter


def as_grade(value: str, option: str = "--min-grade") -> Grade:
    """A grade as analysts write it, ``B3``."""
    found = _GRADE.fullmatch(value.strip())
    if found is None:
        raise InvalidInput(
            f"{option} {excerpt(value)} must be a reliability A-F and a"
            " credibility 1-6, as in B3"
        )
    return Grade(found[1].upper(), int(found[2]))


def as_citation(value: Any) -> Citation:
    """A citation from ``KEY[:CREDIBILITY][@LOCATOR]`` (``un-report:2@p.4``)
    or from its stored form, checked."""
    from events.values import as_slug, optional_text

    if isinstance(value, Mapping):
        source, credibility = value.get("source", ""), value.get("credibility")
        locator = value.get("locator")
    else:
        parts = _CITATION.fullmatch(str(value))
        assert parts is not None, "every text matches"
        source, credibility, locator = parts.group("source", "credibility", "locator")
        if locator is not None and not locator.strip():
            raise InvalidInput(f"citation {excerpt(value)}: nothing after '@'")
    as_slug(str(source), "cited source")
    level = _credibility(credibility, value)
    return Citation(
        source=str(source),
        credibility=level,
        locator=optional_text(locator, "locator") if locator else None,
    )


def as_citations(values: Iterable[Any]) -> list[Citation]:
    """Citations, each source cited once."""
    if not values:  # most entries cite nothing: no work on the append path
        return []
    from events.policy import checked_items

    given = [values] if isinstance(values, str) else list(values)
    checked_items(len(given), "citation")
    cites = [as_citation(value) for value in given]
    keys = [cite["source"] for cite in cites]
    if len(set(keys)) != len(keys):
        repeated = next(key for key in keys if keys.count(key) > 1)
        raise InvalidInput(f"source {repeated!r} is cited twice; cite it once")
    return cites


def _credibility(value: Any, given: Any) -> int:
    if value is None or value == "":
        if value == "":
            raise InvalidInput(f"citation {excerpt(str(given))}: nothing after ':'")
        return UNJUDGED_CREDIBILITY
    text = str(value).strip()
    if text not in {"1", "2", "3", "4", "5", "6"}:
        raise InvalidInput(
            f"credibility {excerpt(text)} must be 1-6: 1 confirmed by other"
            " sources ... 5 improbable, 6 truth cannot be judged"
        )
    return int(text)


def citations(fields: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An entry's citations: those recorded with ``--cite``, then each
    free-text source it names, ungraded (``{"text": URL}``)."""
    cites = list(fields.get("cites") or ())
    cites.extend({"text": text} for text in fields.get("sources") or ())
    return cites


Reliability = Callable[[str], str]
"""A registered source's reliability, by key, at the time a query reads."""


def graded(cite: Mapping[str, Any], reliability: Reliability) -> Grade:
    """A citation's grade; a free-text source's is F6."""
    if "source" not in cite:
        return Grade(UNJUDGED_RELIABILITY, UNJUDGED_CREDIBILITY)
    return Grade(reliability(cite["source"]), int(cite["credibility"]))


def best(fields: Mapping[str, Any], reliability: Reliability) -> Grade | None:
    """The best grade of an entry's citations (by reliability, then
    credibility); None: it cites nothing."""
    grades = [graded(cite, reliability) for cite in citations(fields)]
    return min(grades) if grades else None


def unsourced(fields: Mapping[str, Any], reliability: Reliability) -> bool:
    """No citation, or none better than F6."""
    found = best(fields, reliability)
    return found is None or str(found) == UNSOURCED


def meets(fields: Mapping[str, Any], least: Grade, reliability: Reliability) -> bool:
    """Backed by at least one citation at or above ``least``."""
    return any(graded(cite, reliability).meets(least) for cite in citations(fields))


def cited(cite: Mapping[str, Any], reliability: Reliability) -> str:
    """A citation as listed: ``un-report B2 (p.4)``, or a free text's."""
    if "source" not in cite:
        return f"{cite['text']} (ungraded)"
    where = f" ({cite['locator']})" if cite.get("locator") else ""
    return f"{cite['source']} {graded(cite, reliability)}{where}"
