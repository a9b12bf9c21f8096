"""Likelihood of an outcome, and confidence in the judgement, in the terms of
ICD 203 (Analytic Standards).

US Intelligence Community Directive 203 fixes seven expressions of
likelihood and the probability range each stands for, so that "likely" means
the same to every reader of every assessment; and it asks for the analyst's
confidence (low, moderate, high) beside it, never folded into it.
"""

from __future__ import annotations

from typing import Literal, cast, get_args

from events.errors import InvalidInput, excerpt

Likelihood = Literal[
    "almost no chance",
    "very unlikely",
    "unlikely",
    "roughly even chance",
    "likely",
    "very likely",
    "almost certain",
]

TERMS: tuple[Likelihood, ...] = get_args(Likelihood)

RANGES: dict[Likelihood, tuple[int, int]] = {
    "almost no chance": (1, 5),
    "very unlikely": (5, 20),
    "unlikely": (20, 45),
    "roughly even chance": (45, 55),
    "likely": (55, 80),
    "very likely": (80, 95),
    "almost certain": (95, 99),
}
"""Each term's probability range in percent, as ICD 203 gives it."""


def as_likelihood(value: str) -> Likelihood:
    """One of the ICD 203 terms; case, hyphens and underscores do not matter."""
    term = " ".join(value.replace("-", " ").replace("_", " ").lower().split())
    for known in TERMS:
        if term == known:
            return known
    raise InvalidInput(
        f"likelihood {excerpt(value)} must be one of the ICD 203 terms: "
        + ", ".join(f"{t} ({RANGES[t][0]}-{RANGES[t][1]}%)" for t in TERMS)
    )


def describe(term: str) -> str:
    """``likely (55-80%)``: a term of :data:`TERMS` with its range."""
    low, high = RANGES[cast(Likelihood, term)]
    return f"{term} ({low}-{high}%)"


Confidence = Literal["low", "moderate", "high"]
"""Analytic confidence in an assessment, recorded apart from its likelihood
as ICD 203 asks: how well the judgement is founded (the sources, their
agreement, the reasoning), not how probable the outcome is."""

CONFIDENCE: tuple[Confidence, ...] = get_args(Confidence)


def as_confidence(value: str) -> Confidence:
    """One of low, moderate, high; case does not matter."""
    level = value.strip().lower()
    for known in CONFIDENCE:
        if level == known:
            return known
    raise InvalidInput(
        f"confidence {excerpt(value)} must be one of: {', '.join(CONFIDENCE)}"
    )


def assessed(likelihood: str, confidence: str | None) -> str:
    """``likely (55-80%), moderate confidence``: how an assessment reads."""
    text = describe(likelihood)
    return f"{text}, {confidence} confidence" if confidence else text
