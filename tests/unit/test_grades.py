"""The Admiralty scale as the domain reads it: citations as typed, grades
as analysts write them, and which entries a least grade keeps."""

from __future__ import annotations

import pytest

from events.errors import InvalidInput
from events.grades import (
    Grade,
    as_citation,
    as_citations,
    as_grade,
    best,
    meets,
    unsourced,
)

GRADES = {"wire": "B", "blog": "E", "agency": "A"}.__getitem__


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("wire", {"source": "wire", "credibility": 6, "locator": None}),
        ("wire:2", {"source": "wire", "credibility": 2, "locator": None}),
        ("wire@p.4", {"source": "wire", "credibility": 6, "locator": "p.4"}),
        ("wire:1@para 3: 'we agree'", {"source": "wire", "credibility": 1,
                                       "locator": "para 3: 'we agree'"}),
    ],
)  # fmt: skip
def test_a_citation_as_typed(typed: str, stored: dict[str, object]) -> None:
    assert as_citation(typed) == stored
    assert as_citation(stored) == stored  # as read back: the same


@pytest.mark.parametrize(
    "typed", ["", "Wire", "wire:", "wire:0", "wire:7", "wire:B", "wire:2@", "a b"]
)
def test_a_bad_citation_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        as_citation(typed)


def test_a_source_is_cited_once() -> None:
    with pytest.raises(InvalidInput, match="cited twice"):
        as_citations(["wire:2", "wire:3"])


@pytest.mark.parametrize(
    ("grade", "least", "kept"),
    [
        ("B3", "B3", True), ("A1", "B3", True), ("B2", "B3", True),
        ("C3", "B3", False), ("B4", "B3", False), ("A4", "B3", False),
        ("C1", "B3", False), ("F6", "F6", True), ("F6", "E6", False),
    ],
)  # fmt: skip
def test_a_grade_meets_a_least_grade_on_both_scales(
    grade: str, least: str, kept: bool
) -> None:
    assert as_grade(grade).meets(as_grade(least)) is kept


@pytest.mark.parametrize("typed", ["b3", " B3 ", "b 3", "G1", "B7", "B", "33", ""])
def test_a_grade_as_typed(typed: str) -> None:
    if typed.strip().upper() in ("B3",):
        assert as_grade(typed) == Grade("B", 3)
    else:
        with pytest.raises(InvalidInput, match="--min-grade"):
            as_grade(typed)


def test_an_entry_is_graded_by_its_best_citation() -> None:
    fields = {"cites": [as_citation("blog:1"), as_citation("wire:3")]}
    assert str(best(fields, GRADES)) == "B3"
    assert meets(fields, as_grade("B3"), GRADES)
    assert not meets(fields, as_grade("B2"), GRADES)  # none is B2 or better on both
    assert not unsourced(fields, GRADES)


def test_free_text_sources_are_ungraded_and_unsourced() -> None:
    fields = {"cites": [], "sources": ["https://example.org/a"]}
    assert str(best(fields, GRADES)) == "F6"
    assert unsourced(fields, GRADES)
    assert best({"cites": []}, GRADES) is None
    assert unsourced({"cites": []}, GRADES)
