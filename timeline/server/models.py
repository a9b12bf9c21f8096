"""The bodies of the API's requests and answers, as pydantic models: the
OpenAPI document is made from them. Each request body mirrors a CLI
command's options; the views' own types (:mod:`projections.rows`,
:mod:`projections.talks`) describe the reads."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from events.actors import ActorKind

Text = str
Date = str
"""A valid date as analysts write it: ``2024``, ``2024-07``, ``2024-07-24``, ..."""


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


Tags = list[str]
"""Tags to file an entry under: lowercase words, ``ceasefire``, ``grain-deal``."""
Cites = Annotated[
    list[str],
    Field(
        description="Recorded sources the entry cites, KEY[:CREDIBILITY][@LOCATOR]:"
        " credibility 1 (confirmed) to 6 (cannot be judged, the default).",
        examples=[["mfa-readout:2@para.3"]],
    ),
]


class TalksIn(Body):
    slug: str = Field(examples=["geneva-round"])
    title: Text
    location: Text
    parties: list[str] = Field(min_length=1, examples=[["UKR", "RUS"]])
    on: Date | None = None
    summary: Text | None = None
    sources: list[str] = []
    tags: Tags = []
    cites: Cites = []


class AgendaIn(Body):
    key: str
    title: Text
    detail: Text | None = None
    on: Date | None = None
    tags: Tags = []
    cites: Cites = []


class StanceIn(Body):
    actor: str = Field(examples=["CHN"])
    position: Text
    interests: list[Text] = []
    on: Date | None = None
    tags: Tags = []
    cites: Cites = []


class MotiveIn(Body):
    actor: str
    text: Text
    on: Date | None = None
    tags: Tags = []
    cites: Cites = []


class ScenarioIn(Body):
    key: str
    outcome: Text
    impact: Text
    on: Date | None = None
    tags: Tags = []
    cites: Cites = []


class AssessmentIn(Body):
    likelihood: str = Field(examples=["likely"])
    confidence: Literal["low", "moderate", "high"] | None = Field(
        None, description="The analyst's confidence in the judgement (ICD 203)."
    )
    note: Text | None = None
    on: Date | None = None
    tags: Tags = []
    cites: Cites = []


class RecommendationIn(Body):
    key: str
    title: Text
    outcome: Text | None = None
    detail: Text | None = None
    audience: str | None = Field(None, description="Whom it is for (an actor).")
    on: Date | None = None
    tags: Tags = []
    cites: Cites = []


class DevelopmentIn(Body):
    text: Text
    on: Date
    sources: list[str] = []
    actors: list[str] = Field(
        [], description="The actors it concerns.", examples=[["RUS"]]
    )
    tags: Tags = []
    cites: Cites = []


class LinkIn(Body):
    target: str = Field(
        description="The other talks' slug.", examples=["minsk-protocol"]
    )
    relation: Literal["follows", "supersedes", "part-of", "related"]
    note: Text | None = None
    on: Date | None = None
    tags: Tags = []
    cites: Cites = []


class AmendmentIn(Body):
    """Fields left out stay as they are; an empty text clears an optional one."""

    entry: str = Field(examples=["stance:CHN"])
    reason: Text
    title: Text | None = None
    location: Text | None = None
    summary: Text | None = None
    detail: Text | None = None
    position: Text | None = None
    interests: list[Text] | None = None
    text: Text | None = None
    outcome: Text | None = None
    impact: Text | None = None
    likelihood: str | None = None
    confidence: str | None = None
    note: Text | None = None
    relation: str | None = None
    actors: list[str] | None = None
    on: Date | None = None
    audience: str | None = None
    tags: Tags | None = None
    cite: Cites = []
    """Citations to add (one of a source cited already replaces it)."""
    uncite: list[str] = Field(
        [], description="Keys of sources whose citation the entry withdraws."
    )

    def changes(self) -> dict[str, Any]:
        dumped = self.model_dump(exclude={"entry", "reason", "cite", "uncite"})
        return {name: value for name, value in dumped.items() if value is not None}


class RetractionIn(Body):
    entry: str = Field(examples=["agenda:regional-security"])
    reason: Text


class ActorIn(Body):
    key: str = Field(examples=["OSCE"])
    name: Text
    kind: ActorKind = ActorKind.GROUP


class SourceIn(Body):
    key: str = Field(examples=["mfa-readout"])
    title: Text
    publisher: Text | None = None
    url: str | None = None
    published: Date | None = None
    reliability: Literal["A", "B", "C", "D", "E", "F"] = Field(
        "F",
        description="Admiralty scale: A completely reliable ... F cannot be judged.",
    )
    note: Text | None = None


class RegradeIn(Body):
    reliability: Literal["A", "B", "C", "D", "E", "F"]
    reason: Text
    on: Date | None = Field(None, description="From when, in the world, it holds.")


class TokenIn(Body):
    name: str
    role: Literal["reader", "analyst", "admin"]


class Recorded(BaseModel):
    """What a write recorded: the talks, the entry and the talks' new version
    (also the answer's ``ETag``)."""

    talks: str | None = None
    entry: str
    version: int | None = None


class Page(BaseModel):
    """A page of the timeline; ``cursor`` asks for the next (null: the last)."""

    entries: list[dict[str, Any]]
    cursor: str | None = None


class NewToken(BaseModel):
    name: str
    role: str
    token: str


class Health(BaseModel):
    status: Literal["ok"]
    backend: str
    events: int
    head: int
    lag: dict[str, int]
