"""The sources entries cite, as a read model, with every grade each had.

A source's view keeps its grades in the order recorded: the one it was
added with, then each regrade, with when it was recorded and from when (in
the world) it holds. Which grade a query reads is a matter of its clocks
(:func:`reliability_at`): as of a record time, the latest recorded by then;
at a day in the world, the latest in force that day. So an earlier view of
the record keeps the grade its sources had.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from typing_extensions import TypedDict  # pydantic reads it on Python 3.11

from events.grades import Reliability
from projections.records import EventRecord
from projections.rows import NOW, Clocks

SOURCE_EVENTS = frozenset({"SourceAdded", "SourceRegraded"})


class SourceGrade(TypedDict):
    reliability: str
    on: str | None
    """From when it holds, in the world (None: from the start)."""
    reason: str | None
    """Why it was regraded (None: the grade the source was added with)."""
    recorded_at: str
    recorded_by: str
    position: int
    """Store position of the event that graded it."""


class SourceView(TypedDict):
    key: str
    title: str
    publisher: str | None
    url: str | None
    published: str | None
    note: str | None
    reliability: str
    """Its grade as it stands now."""
    grades: list[SourceGrade]
    """Every grade it had, in the order recorded."""
    recorded_at: str
    recorded_by: str


def is_source(record: EventRecord) -> bool:
    return record.type in SOURCE_EVENTS


def evolve(view: SourceView | None, record: EventRecord) -> SourceView:
    """The view of a source after its event ``record``."""
    d = record.data
    grade = SourceGrade(
        reliability=d["reliability"],
        on=d.get("on"),
        reason=d.get("reason"),
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by,
        position=record.position,
    )
    if record.type == "SourceAdded":
        return SourceView(
            key=d["key"], title=d["title"], publisher=d["publisher"], url=d["url"],
            published=d["published"], note=d["note"], reliability=d["reliability"],
            grades=[grade], recorded_at=record.recorded_at,
            recorded_by=record.recorded_by,
        )  # fmt: skip
    assert view is not None, "a source is added before it is regraded"
    view["grades"].append(grade)
    view["reliability"] = grade["reliability"]
    return view


def reliability_at(view: SourceView, clocks: Clocks = NOW) -> str:
    """The source's reliability on ``clocks``: of its grades recorded by
    ``as_of`` and in force by ``at``, the latest recorded."""
    from projections.talks import first_day

    held = view["grades"][0]["reliability"]
    for grade in view["grades"]:
        if clocks.as_of and grade["recorded_at"] > clocks.as_of:
            break
        if clocks.at and grade["on"] and first_day(grade["on"]) > clocks.at:
            continue
        held = grade["reliability"]
    return held


def reliability(sources: Iterable[SourceView], clocks: Clocks = NOW) -> Reliability:
    """Each source's reliability on ``clocks``, by key (F: not recorded then)."""
    grades = {
        view["key"]: reliability_at(view, clocks)
        for view in sources
        if not clocks.as_of or view["recorded_at"] <= clocks.as_of
    }
    return lambda key: grades.get(key, "F")


def sourced(view: SourceView, clocks: Clocks = NOW) -> SourceView:
    """The view as it stood on ``clocks``: its grades then, and the one held."""
    grades = [g for g in view["grades"]
              if not clocks.as_of or g["recorded_at"] <= clocks.as_of]  # fmt: skip
    held = reliability_at(view, clocks)
    return cast(SourceView, {**view, "grades": grades, "reliability": held})
