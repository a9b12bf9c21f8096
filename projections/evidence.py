"""What stands behind each entry of a talks: its citations and their grades.

Plain functions over a talks view and a source's reliability by key (see
:mod:`projections.sources`): which entries stand, how each is graded, which
rest on no source, and the view keeping only those graded well enough.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple, cast

from events.grades import Grade, Reliability, best, citations, cited, meets, unsourced
from events.kinds import KINDS
from projections.rows import Clocks
from projections.snapshot import Snapshot
from projections.sources import SourceView
from projections.talks import TalksView, current, latest, standing

JUDGEMENTS = frozenset({"scenario", "assessment"})
"""Kinds of entry that are the analyst's judgement, not a report."""


class Graded(NamedTuple):
    """An entry that stands, with what it cites."""

    ref: str
    kind: str
    text: str
    grade: Grade | None
    """Its best citation's grade (None: it cites nothing)."""
    cited: list[str]
    """Each citation as listed: ``un-report B2 (p.4)``."""
    unsourced: bool


def standing_entries(view: TalksView) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every entry of the view that stands, with its ref, in the order a
    view lists them: the talks, then each kind's (an actor's latest stance
    and motivation, a scenario's latest assessment)."""
    yield "talks", cast(dict[str, Any], view)
    for name, kind in KINDS.items():
        if kind.collection is None:
            continue
        entries: list[Any] = cast(Any, view)[kind.collection]
        kept = current(entries) if kind.repeated else standing(entries)
        for entry in kept:
            yield kind.ref_of(entry), entry
            if name == "scenario" and (holds := latest(entry["assessments"])):
                yield f"assessment:{entry['key']}", cast(dict[str, Any], holds)


def graded_entries(view: TalksView, reliability: Reliability) -> list[Graded]:
    """Every entry that stands, graded by ``reliability``."""
    from projections.entries import main_text

    graded = []
    for ref, entry in standing_entries(view):
        kind = ref.partition(":")[0]
        graded.append(Graded(
            ref, kind, main_text(kind, entry), best(entry, reliability),
            [cited(cite, reliability) for cite in citations(entry)],
            unsourced(entry, reliability),
        ))  # fmt: skip
    return graded


def at_least(view: TalksView, least: Grade, reliability: Reliability) -> TalksView:
    """The view keeping only entries backed by a citation at or above
    ``least`` (the talks' own fields stay: they name what the view is of).
    A scenario stays, with the assessments that are so backed, if it is
    itself or one of them is: an assessment is read in its scenario."""
    result = cast(dict[str, Any], dict(view))

    def kept(entries: list[Any]) -> list[Any]:
        return [e for e in entries if meets(e, least, reliability)]

    for kind in KINDS.values():
        if kind.collection and kind.collection != "scenarios":
            result[kind.collection] = kept(result[kind.collection])
    scenarios = [
        {**s, "assessments": kept(s["assessments"])} for s in result["scenarios"]
    ]
    result["scenarios"] = [
        s for s in scenarios if s["assessments"] or meets(s, least, reliability)
    ]
    return cast(TalksView, result)


def graded_snapshot(
    snapshot: Snapshot, clocks: Clocks, least: Grade | None = None
) -> Snapshot:
    """The snapshot with its sources as they stood on ``clocks`` and each
    timeline entry's grade by them; with ``least``, only the entries backed
    by a citation graded that well or better, in the talks and the timeline."""
    from projections.sources import reliability as reliability_of
    from projections.sources import sourced

    reliability = reliability_of(snapshot["sources"], clocks)
    snapshot["sources"] = [sourced(s, clocks) for s in snapshot["sources"]]
    for entry in snapshot["timeline"]:
        found = best(cast(dict[str, Any], entry), reliability)
        entry["grade"] = str(found) if found else None
        entry["cited"] = [cited(cite, reliability) for cite in entry["cites"]]
    if least is not None:
        snapshot["talks"] = [at_least(v, least, reliability) for v in snapshot["talks"]]
        snapshot["timeline"] = [
            entry for entry in snapshot["timeline"]
            if meets(cast(dict[str, Any], entry), least, reliability)
        ]  # fmt: skip
    return snapshot


def held(sources: Iterable[SourceView]) -> Reliability:
    """The reliability each source of a snapshot held on its clocks, by key."""
    grades = {source["key"]: source["reliability"] for source in sources}
    return lambda key: grades.get(key, "F")


def unfounded(view: TalksView, reliability: Reliability) -> list[Graded]:
    """The judgements (scenarios, assessments) that cite no source at all."""
    return [
        entry
        for entry in graded_entries(view, reliability)
        if entry.kind in JUDGEMENTS and entry.grade is None
    ]
