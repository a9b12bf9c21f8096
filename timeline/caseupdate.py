"""Updating recorded talks from an edited case file: what to append.

The file's talks are first built anew, as if they were new, by the domain's
own commands (:func:`timeline.application.case_talks`): every entry is
checked, and each becomes the event the domain would record for it. Those
events are then compared, field by field, with the entries of the talks as
recorded (as their events say: :meth:`events.talks.Talks.fields`), and each
difference becomes a command on the recorded talks:

- an entry in the file but not recorded is recorded;
- an entry whose fields differ is amended, those fields only;
- an entry recorded but no longer in the file is retracted, if asked
  (``retract_missing``), else kept and said so.

Entries are matched as they are named: agenda items, scenarios,
recommendations and links by their key (or target); an actor's stances and
motivations, and a scenario's assessments, in order, the file's first with
the first recorded that stands (only the latest can be amended: an earlier
one that differs is an error); developments in order, the file's first with
the first recorded that stands. A difference in what cannot be amended (the
talks' parties or sources, a development's sources) is an error. Nothing
here writes: the caller saves the talks, or not (a dry run).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

from events import InvalidInput, Talks
from events.base import RecordedAggregate
from events.kinds import BY_EVENT, KINDS
from events.talks import IDENTITY, Reader

Action = Literal["record", "amend", "retract", "keep"]


class Step(NamedTuple):
    """One thing an update does (or, for ``keep``, leaves as it is)."""

    action: Action
    ref: str
    fields: tuple[str, ...] = ()
    """The fields an amendment changes."""


def update_steps(
    talks: Talks,
    wanted: Sequence[Any],
    by: str,
    reason: str,
    *,
    retract_missing: bool = False,
    read: Reader | None = None,
) -> list[Step]:
    """Bring ``talks`` (as recorded) to what the events ``wanted`` (the case
    file's talks, built anew) record, by commands on ``talks``; the steps.
    ``read`` fetches a recorded event the talks do not hold in memory."""
    steps: list[Step] = []
    matched: Counter[str] = Counter()
    for event in wanted:
        ref = _ref(talks, event, matched["development"])
        developed = isinstance(event, Talks.DevelopmentRecorded)
        series = "development" if developed else ref
        place = matched[series] if KINDS[_kind(ref)].repeated else 0
        matched[series] += 1
        steps += _bring(talks, event, ref, place, by, reason, read)
    for ref in _unmatched(talks, matched):
        if retract_missing:
            talks.retract(ref, reason, by)
        steps.append(Step("retract" if retract_missing else "keep", ref))
    return steps


def _ref(talks: Talks, event: Any, developments: int) -> str:
    """The ref of the recorded entry the file's ``event`` stands for (after
    ``developments`` developments of the file were matched)."""
    if isinstance(event, Talks.DevelopmentRecorded):
        standing = _developments(talks)
        return standing[developments] if developments < len(standing) else ""
    return ref_of(event)


def _bring(
    talks: Talks,
    event: RecordedAggregate.Event,
    ref: str,
    place: int,
    by: str,
    reason: str,
    read: Reader | None,
) -> list[Step]:
    """The steps that make the ``place``-th entry of ``ref`` that stands (by
    the order recorded) say what ``event`` says."""
    standing = talks.standing(ref) if ref else []
    if place >= len(standing):
        talks.redo(event.model_copy(update={"recorded_by": by}))
        return [Step("record", ref_of(talks.pending_events[-1]))]
    stored = event.model_dump(mode="json")
    found = talks.fields(standing[place], read)
    fields = {
        name: value
        for name, value in stored.items()
        if name not in IDENTITY and found.get(name) != value
    }
    if not fields:
        return []
    if place != len(standing) - 1:
        raise InvalidInput(
            f"{ref} number {place + 1} differs from the one recorded, and only"
            f" the latest {ref} that stands can be amended"
        )
    fixed = [name for name in fields if name not in KINDS[_kind(ref)].amendable]
    if fixed:
        raise InvalidInput(
            f"{ref}: its {', '.join(fixed)} differ from what is recorded, and"
            " cannot be amended"
        )
    talks.amend(ref, fields, reason, by, read=read)
    return [Step("amend", ref, tuple(fields))]


def ref_of(event: Any) -> str:
    """The ref of the entry an event records: ``agenda:aid``."""
    return BY_EVENT[event.type_name()].ref_of(vars(event))


def _kind(ref: str) -> str:
    return ref.partition(":")[0] or "development"


def _developments(talks: Talks) -> list[str]:
    """The refs of the developments that stand, in the order numbered."""
    return [
        f"development:{number}"
        for number in range(1, talks.developments + 1)
        if talks.standing(f"development:{number}")
    ]


def _unmatched(talks: Talks, matched: Counter[str]) -> list[str]:
    """The refs of entries recorded and standing that no entry of the file
    stood for: one per entry (a repeated ref as often as it has more)."""
    left: list[str] = []
    for ref, standing in list(talks.entries.items()):
        if ref != "talks" and not ref.startswith("development:"):
            left += [ref] * max(len(standing) - matched[ref], 0)
    return left + _developments(talks)[matched["development"] :]
