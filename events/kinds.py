"""The kinds of entry a talks holds: one registry that every layer reads.

Each :class:`Kind` says how its entries are recorded (the event type), named
(the ref rule), listed (the main field), searched (the text fields), corrected
(the amendable fields and how each is checked), where they sit in a talks
view (the collection) and which of their fields name actors. The write side,
the views, the CLI, case files and imports all read it, so a new kind is one
entry here, its event and command in :mod:`events.talks`, and its fold in
:mod:`projections.talks`.

Plain data: importing it builds no event model, and a query that loads the
views pays next to nothing for it.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from events.errors import InvalidInput, excerpt

RefRule = Literal["talks", "key", "actor", "number", "target"]
"""How an entry is named: ``talks`` alone, ``KIND:KEY`` (a slug chosen when
it is added), ``KIND:ACTOR`` (the actor's latest), ``KIND:N`` (numbered) or
``KIND:SLUG`` (the talks a link points to)."""

FieldRule = Literal[
    "text", "optional", "date", "required_date", "texts", "actor", "actors",
    "likelihood", "confidence", "relation", "tags", "citations",
]  # fmt: skip
"""How an amended field is checked: ``text`` required, ``optional`` (may be
cleared), ``date`` (a valid date, may be cleared), ``required_date``,
``texts`` (a list), ``actor`` (an actor code, may be cleared), ``actors`` (a
list of actor codes), ``likelihood`` (an ICD 203 term), ``confidence`` (low,
moderate or high, may be cleared), ``relation`` (of a link), ``tags``,
``citations`` (graded sources, see :mod:`events.grades`)."""


class Kind(NamedTuple):
    name: str
    """How refs and filters name it: ``stance``."""
    event: str
    """The type of the event that records an entry: ``StanceRecorded``."""
    ref: RefRule
    main: str
    """The field the entry is listed by, its text in the timeline."""
    text: tuple[str, ...]
    """Fields whose text is searchable, in the order they are joined."""
    amendable: dict[str, FieldRule]
    collection: str | None
    """Its list in a talks view (and in a case file); None: not a list of
    the talks' own (the talks itself; assessments sit in their scenario)."""
    actors: tuple[str, ...] = ()
    """Fields naming the actors the entry concerns (a list or one code)."""
    audience: str | None = None
    """A field naming the actor the entry is addressed to."""
    replaced: str | None = None
    """For a kind whose later entry of the same ref supersedes the earlier
    one (an actor's stance, a scenario's assessment), what a diff calls that:
    ``stance changed``. None: a second entry of the same ref is refused."""
    listed: str | None = None
    """How the timeline words the entry when every field this format names
    is given (``{likelihood}, {confidence} confidence``); else by ``main``."""
    reclaimable: bool = False
    """Whether a ref whose entry was retracted may be recorded again (a link
    undone, then made again); other keys, once used, are never used again."""

    @property
    def repeated(self) -> bool:
        """Whether a later entry of the same ref supersedes the earlier one."""
        return self.replaced is not None

    def ref_of(self, fields: dict[str, Any]) -> str:
        """The ref of an entry recorded with ``fields``: ``stance:CHN``."""
        if self.ref == "talks":
            return "talks"
        return f"{self.name}:{fields[self.ref]}"

    def named_actors(self, fields: dict[str, Any]) -> list[str]:
        """Every actor code the entry's fields name: those it concerns, then
        its audience."""
        codes = self.concerned_actors(fields)
        if self.audience and (audience := fields.get(self.audience)):
            codes.append(audience)
        return codes

    def concerned_actors(self, fields: dict[str, Any]) -> list[str]:
        """The actors the entry is about (the parties, for talks). A replay
        asks this of every version of every entry: plain loops, few calls."""
        codes: list[str] = []
        for name in self.actors:
            value = fields.get(name)
            if isinstance(value, list):
                codes.extend(value)
            elif value:
                codes.append(value)
        return codes


_DATED: dict[str, FieldRule] = {"on": "date", "tags": "tags", "cites": "citations"}

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "talks", "TalksOpened", "talks", "title",
            ("title", "location", "summary", "sources"),
            {"title": "text", "location": "text", "summary": "optional", **_DATED},
            collection=None, actors=("parties",),
        ),
        Kind(
            "agenda", "AgendaItemAdded", "key", "title", ("title", "detail"),
            {"title": "text", "detail": "optional", **_DATED},
            collection="agenda",
        ),
        Kind(
            "stance", "StanceRecorded", "actor", "position",
            ("position", "interests"),
            {"position": "text", "interests": "texts", **_DATED},
            collection="stances", actors=("actor",), replaced="stance changed",
        ),
        Kind(
            "motive", "MotivationRecorded", "actor", "text", ("text",),
            {"text": "text", **_DATED},
            collection="motivations", actors=("actor",),
            replaced="motivation changed",
        ),
        Kind(
            "scenario", "ScenarioAdded", "key", "outcome", ("outcome", "impact"),
            {"outcome": "text", "impact": "text", **_DATED},
            collection="scenarios",
        ),
        Kind(
            "assessment", "ScenarioAssessed", "key", "likelihood",
            ("likelihood", "note"),
            {"likelihood": "likelihood", "confidence": "confidence",
             "note": "optional", **_DATED},
            collection=None, replaced="likelihood changed",
            listed="{likelihood}, {confidence} confidence",
        ),
        Kind(
            "recommendation", "RecommendationAdded", "key", "title",
            ("title", "detail", "outcome"),
            {"title": "text", "outcome": "optional", "detail": "optional",
             "audience": "actor", **_DATED},
            collection="recommendations", audience="audience",
        ),
        Kind(
            "development", "DevelopmentRecorded", "number", "text",
            ("text", "sources"),
            {"text": "text", "on": "required_date", "actors": "actors",
             "tags": "tags", "cites": "citations"},
            collection="developments", actors=("actors",),
        ),
        Kind(
            "link", "TalksLinked", "target", "relation", ("relation", "note"),
            {"relation": "relation", "note": "optional", **_DATED},
            collection="links", listed="{relation} {target}", reclaimable=True,
        ),
    )
}  # fmt: skip
"""Every kind of entry, in the order a talks view lists them."""

BY_EVENT: dict[str, Kind] = {kind.event: kind for kind in KINDS.values()}
"""The kind of entry each recording event adds, by event type."""

REPEATED = tuple(name for name, kind in KINDS.items() if kind.repeated)
"""Kinds of which the latest entry of the same ref holds."""


def parse_ref(ref: str) -> tuple[str, str]:
    """Split ``kind:key`` (``stance:CHN``, ``agenda:humanitarian-aid``, ``talks``),
    checking the key by its kind's ref rule."""
    from events.values import as_actor_code, as_slug  # not when the views load

    name, _, key = ref.partition(":")
    kind = KINDS.get(name)
    if kind is not None and kind.ref == "talks" and not key:
        return name, ""
    if kind is None or not key:
        kinds = ", ".join(f"{k}:KEY" for k, v in KINDS.items() if v.ref != "talks")
        raise InvalidInput(f"entry {excerpt(ref)} must be 'talks' or one of {kinds}")
    if kind.ref == "actor":
        as_actor_code(key)
    elif kind.ref == "target":
        as_slug(key, "linked talks")
    elif kind.ref == "number":
        if not key.isdigit():
            raise InvalidInput(
                f"entry {excerpt(ref)}: developments are numbered, e.g. 1"
            )
    else:
        as_slug(key)
    return name, key
