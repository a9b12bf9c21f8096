"""Case files: a whole talks written by hand in YAML (or JSON), read and checked.

The demo's data file is a case file. The application records one
(:meth:`timeline.application.DiplomaticRecord.record_case`) through the same
domain commands and actor checks as the CLI's single entries, in one
transaction: a bad entry anywhere means nothing is stored.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from events.errors import InvalidInput
from events.kinds import KINDS
from events.policy import checked_document


class _Strict(BaseModel):
    # A year written bare in YAML (``on: 2024``) is read as a number: as text.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class CaseActor(_Strict):
    key: str
    name: str
    kind: str = "group"


class CaseSource(_Strict):
    key: str
    title: str
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    reliability: str = "F"
    note: str | None = None


class _Entry(_Strict):
    """What every entry may carry: its date, its tags, what it cites."""

    on: str | None = None
    tags: list[str] = Field(default_factory=list)
    cites: list[str] = Field(default_factory=list)
    """Citations of sources, ``KEY[:CREDIBILITY][@LOCATOR]``."""


class CaseAgendaItem(_Entry):
    key: str | None = None
    title: str
    detail: str | None = None


class CaseStance(_Entry):
    actor: str
    position: str
    interests: list[str] = Field(default_factory=list)


class CaseMotivation(_Entry):
    actor: str
    text: str


class CaseAssessment(_Entry):
    likelihood: str
    confidence: str | None = None
    note: str | None = None


class CaseScenario(_Entry):
    key: str | None = None
    outcome: str
    impact: str
    assessments: list[CaseAssessment] = Field(default_factory=list)


class CaseRecommendation(_Entry):
    model_config = ConfigDict(populate_by_name=True)

    key: str | None = None
    title: str
    outcome: str | None = None
    detail: str | None = None
    audience: str | None = Field(default=None, alias="for")


class CaseDevelopment(_Entry):
    on: str
    text: str
    sources: list[str] = Field(default_factory=list)
    actors: list[str] = Field(default_factory=list)


class CaseLink(_Entry):
    """A link to other talks, recorded before this file is read."""

    model_config = ConfigDict(populate_by_name=True)

    target: str = Field(alias="to")
    relation: str = Field(alias="as")
    note: str | None = None


class CaseTalks(_Entry):
    slug: str
    title: str
    location: str
    parties: list[str]
    summary: str | None = None
    sources: list[str] = Field(default_factory=list)
    agenda: list[CaseAgendaItem] = Field(default_factory=list)
    stances: list[CaseStance] = Field(default_factory=list)
    motivations: list[CaseMotivation] = Field(default_factory=list)
    scenarios: list[CaseScenario] = Field(default_factory=list)
    recommendations: list[CaseRecommendation] = Field(default_factory=list)
    developments: list[CaseDevelopment] = Field(default_factory=list)
    links: list[CaseLink] = Field(default_factory=list)


class Case(_Strict):
    actors: list[CaseActor] = Field(default_factory=list)
    sources: list[CaseSource] = Field(default_factory=list)
    talks: CaseTalks

    def cited_sources(self) -> list[str]:
        """The key of every source the talks' entries cite."""
        from events.grades import as_citations

        spec = self.talks
        entries: list[_Entry] = [spec]
        for kind in KINDS.values():
            entries.extend(getattr(spec, kind.collection or "", None) or [])
        entries.extend(a for s in spec.scenarios for a in s.assessments)
        return [c["source"] for e in entries for c in as_citations(e.cites)]

    def actor_codes(self) -> list[str]:
        """Every actor code the talks' entries name, as the registry of kinds
        says where (parties, stance actors, audiences...)."""
        spec = self.talks
        codes = KINDS["talks"].named_actors(spec.model_dump())
        for kind in KINDS.values():
            for item in getattr(spec, kind.collection or "", None) or []:
                codes.extend(kind.named_actors(item.model_dump()))
        return codes

    def linked_talks(self) -> list[str]:
        """The slugs of the talks the file's talks link to."""
        return [link.target for link in self.talks.links]


def demo_case() -> Case:
    """The seed case shipped inside the package."""
    data = resources.files("timeline") / "data" / "beijing-talks.yaml"
    return parse_case(data.read_text(encoding="utf-8"), "beijing-talks.yaml")


def load_case(path: Path) -> Case:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as error:
        raise InvalidInput(f"{path}: cannot read it as UTF-8 text: {error}") from None
    return parse_case(text, str(path))


def parse_case(text: str, name: str) -> Case:
    import yaml

    checked_document(text, name)
    try:
        return Case.model_validate(yaml.load(text, Loader=_loader()))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or error
        message = f"{name}: {where}not valid YAML or JSON: {problem}"
        raise InvalidInput(message) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = "".join(
            f"{part}: " for part in [".".join(map(str, first["loc"]))] if part
        )
        line = _line_of(text, first["loc"])
        raise InvalidInput(f"{name}: line {line}: {where}{first['msg']}") from None


def _line_of(text: str, loc: tuple[int | str, ...]) -> int:
    """The line where the value at ``loc`` (or its nearest parent) is written."""
    import yaml

    node = yaml.compose(text, Loader=_loader())
    line = node.start_mark.line if node else 0
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = [v for k, v in node.value if k.value == part]
            node = found[0] if found else None
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line
    return line + 1


@cache
def _loader() -> type[Any]:
    """YAML's safe loader with YAML 1.2 scalars: only true and false are
    booleans (so ``on:`` is a key, not True) and dates stay as written."""
    import yaml

    class CaseLoader(yaml.SafeLoader):
        pass

    dropped = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
    CaseLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in dropped]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    CaseLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    return CaseLoader
