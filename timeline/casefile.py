"""Case files: a whole talks written by hand in YAML, recorded all or nothing.

The demo's data file is a case file. Recording one calls the same domain
commands (and the same actor checks) as the CLI's single entries, then saves
every event in one transaction: a bad entry anywhere means nothing is stored.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from events import Actor, InvalidInput, PartialDate, Talks, actor_id, talks_id
from events.values import optional_date, slugify

if TYPE_CHECKING:
    from timeline.application import Timeline


class _Strict(BaseModel):
    # A year written bare in YAML (``on: 2024``) is read as a number: as text.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class CaseActor(_Strict):
    key: str
    name: str
    kind: str = "group"


class CaseAgendaItem(_Strict):
    key: str | None = None
    title: str
    detail: str | None = None
    on: str | None = None


class CaseStance(_Strict):
    actor: str
    position: str
    interests: list[str] = Field(default_factory=list)
    on: str | None = None


class CaseMotivation(_Strict):
    actor: str
    text: str
    on: str | None = None


class CaseAssessment(_Strict):
    likelihood: str
    note: str | None = None
    on: str | None = None


class CaseScenario(_Strict):
    key: str | None = None
    outcome: str
    impact: str
    on: str | None = None
    assessments: list[CaseAssessment] = Field(default_factory=list)


class CaseRecommendation(_Strict):
    model_config = ConfigDict(populate_by_name=True)

    key: str | None = None
    title: str
    outcome: str | None = None
    detail: str | None = None
    audience: str | None = Field(default=None, alias="for")
    on: str | None = None


class CaseDevelopment(_Strict):
    on: str
    text: str
    sources: list[str] = Field(default_factory=list)


class CaseTalks(_Strict):
    slug: str
    title: str
    location: str
    parties: list[str]
    on: str | None = None
    summary: str | None = None
    sources: list[str] = Field(default_factory=list)
    agenda: list[CaseAgendaItem] = Field(default_factory=list)
    stances: list[CaseStance] = Field(default_factory=list)
    motivations: list[CaseMotivation] = Field(default_factory=list)
    scenarios: list[CaseScenario] = Field(default_factory=list)
    recommendations: list[CaseRecommendation] = Field(default_factory=list)
    developments: list[CaseDevelopment] = Field(default_factory=list)


class Case(_Strict):
    actors: list[CaseActor] = Field(default_factory=list)
    talks: CaseTalks


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


def record_case(app: Timeline, case: Case) -> bool:
    """Record the case unless its talks exist already; True if recorded."""
    spec = case.talks
    if app.exists(talks_id(spec.slug)):
        return False
    by = app.author
    actors = [
        Actor.register(actor.key, actor.name, actor.kind, by)
        for actor in case.actors
        if not app.exists(actor_id(actor.key))
    ]
    pending = {actor.key for actor in actors}
    for code in _actor_codes(spec):
        app.require_actor(code, pending)
    talks = Talks.open(
        slug=spec.slug,
        title=spec.title,
        location=spec.location,
        parties=spec.parties,
        on=optional_date(spec.on),
        summary=spec.summary,
        sources=spec.sources,
        recorded_by=by,
    )
    for item in spec.agenda:
        talks.add_agenda_item(
            item.key or slugify(item.title), item.title, item.detail, by,
            on=optional_date(item.on),
        )  # fmt: skip
    for stance in spec.stances:
        talks.record_stance(
            stance.actor,
            stance.position,
            stance.interests,
            optional_date(stance.on),
            by,
        )
    for motive in spec.motivations:
        talks.record_motivation(
            motive.actor, motive.text, by, on=optional_date(motive.on)
        )
    for scenario in spec.scenarios:
        key = scenario.key or slugify(scenario.outcome)
        talks.add_scenario(
            key, scenario.outcome, scenario.impact, by, on=optional_date(scenario.on)
        )
        for assessment in scenario.assessments:
            talks.assess_scenario(
                key, assessment.likelihood, assessment.note,
                optional_date(assessment.on), by,
            )  # fmt: skip
    for rec in spec.recommendations:
        talks.add_recommendation(
            rec.key or slugify(rec.title),
            rec.title,
            rec.outcome,
            rec.detail,
            rec.audience,
            by,
            on=optional_date(rec.on),
        )
    for development in spec.developments:
        talks.record_development(
            PartialDate.parse(development.on), development.text, development.sources, by
        )
    app.record_all(actors, talks)
    return True


def _actor_codes(spec: CaseTalks) -> list[str]:
    return [
        *spec.parties,
        *(stance.actor for stance in spec.stances),
        *(motive.actor for motive in spec.motivations),
        *(rec.audience for rec in spec.recommendations if rec.audience),
    ]


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
