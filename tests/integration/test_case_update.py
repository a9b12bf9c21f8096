"""Importing an edited case file whose talks are recorded already: what is new
is recorded, what changed is amended, what left the file is kept or (asked)
retracted, a dry run writes nothing, and what cannot be done writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from events import InvalidInput
from timeline.caseupdate import Step
from timeline.service import Service

SLUG = "vienna-round"
CASE: dict[str, Any] = {
    "actors": [{"key": "mediators", "name": "Mediators"}],
    "talks": {
        "slug": SLUG,
        "title": "Vienna round",
        "location": "Vienna",
        "parties": ["UKR", "mediators"],
        "on": "2024-05",
        "agenda": [
            {"key": "energy", "title": "Energy corridor"},
            {"key": "grain", "title": "Grain", "detail": "Ports"},
        ],
        "stances": [
            {"actor": "UKR", "position": "Open to talks", "interests": ["Energy"]},
        ],
        "scenarios": [
            {
                "key": "deal",
                "outcome": "Deal signed",
                "impact": "Gas flows",
                "assessments": [{"likelihood": "unlikely"}],
            },
        ],
        "recommendations": [{"key": "talk", "title": "Keep talking"}],
        "developments": [
            {"on": "2024-06", "text": "Round adjourned"},
            {"on": "2024-07", "text": "Round resumed"},
        ],
    },
}


def write(path: Path, case: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(case, allow_unicode=True), encoding="utf-8")
    return path


def edited(**talks: Any) -> dict[str, Any]:
    return {**CASE, "talks": {**CASE["talks"], **talks}}


@pytest.fixture
def recorded(app: Service, tmp_path: Path) -> Path:
    path = write(tmp_path / "vienna.yaml", CASE)
    assert app.import_case(path).opened
    return path


def test_an_unchanged_file_adds_nothing(app: Service, recorded: Path) -> None:
    count = app.record.event_count()
    again = app.import_case(recorded)
    assert (again.opened, again.steps) == (False, [])
    assert app.record.event_count() == count


def test_an_edited_file_appends_what_is_new_or_changed(
    app: Service, recorded: Path
) -> None:
    agenda = [{"key": "energy", "title": "Energy corridor", "tags": ["gas"]},
              {"key": "grain", "title": "Grain", "detail": "Ports and rail"},
              {"key": "prisoners", "title": "Prisoners"}]  # fmt: skip
    later = {"actor": "UKR", "position": "Ceasefire first", "on": "2024-07"}
    stances = [*CASE["talks"]["stances"], later]
    signed = {"on": "2024-08", "text": "Deal signed", "actors": ["UKR"]}
    developments = [*CASE["talks"]["developments"], signed]
    write(recorded, edited(agenda=agenda, stances=stances, developments=developments,
                           title="Vienna round two"))  # fmt: skip

    done = app.import_case(recorded)

    assert done.steps == [
        Step("amend", "talks", ("title",)),
        Step("amend", "agenda:energy", ("tags",)),
        Step("amend", "agenda:grain", ("detail",)),
        Step("record", "agenda:prisoners"),
        Step("record", "stance:UKR"),
        Step("record", "development:3"),
    ]
    view = app.talks_view(SLUG)
    assert view["title"] == "Vienna round two"
    assert [a["detail"] for a in view["agenda"]] == [None, "Ports and rail", None]
    assert [s["position"] for s in view["stances"]] == [
        "Open to talks", "Ceasefire first",
    ]  # fmt: skip
    assert view["developments"][-1]["actors"] == [{"code": "UKR", "name": "Ukraine"}]
    reasons = {c["reason"] for c in view["agenda"][1]["corrections"]}
    assert reasons == {f"case file {recorded} updated"}
    assert app.import_case(recorded).steps == []  # now as the file has it


def test_entries_no_longer_in_the_file_are_kept_unless_asked(
    app: Service, recorded: Path
) -> None:
    shorter = edited(
        agenda=CASE["talks"]["agenda"][:1], recommendations=[],
        developments=CASE["talks"]["developments"][:1],
    )  # fmt: skip
    write(recorded, shorter)
    kept = app.import_case(recorded)
    assert kept.steps == [
        Step("keep", "agenda:grain"), Step("keep", "recommendation:talk"),
        Step("keep", "development:2"),
    ]  # fmt: skip
    count = app.record.event_count()
    assert app.record.event_count() == count

    retracted = app.import_case(recorded, retract_missing=True)
    assert [step.action for step in retracted.steps] == ["retract"] * 3
    view = app.talks_view(SLUG)
    assert [a["retracted"] for a in view["agenda"]] == [False, True]
    assert view["recommendations"][0]["retracted"]
    assert view["developments"][1]["corrections"][0]["reason"] == (
        f"case file {recorded} updated"
    )
    assert app.import_case(recorded).steps == []


def test_a_dry_run_says_what_it_would_do_and_writes_nothing(
    app: Service, recorded: Path
) -> None:
    write(recorded, edited(location="Geneva", recommendations=[]))
    count = app.record.event_count()
    planned = app.import_case(recorded, dry_run=True, retract_missing=True)
    assert planned.steps == [
        Step("amend", "talks", ("location",)),
        Step("retract", "recommendation:talk"),
    ]
    assert app.record.event_count() == count
    assert app.talks_view(SLUG)["location"] == "Vienna"
    assert app.import_case(recorded, retract_missing=True).steps == planned.steps


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parties": ["UKR"]}, "talks: its parties differ"),
        ({"developments": [{"on": "2024-06", "text": "Round adjourned",
                            "sources": ["AP"]}]},
         "development:1: its sources differ"),
        ({"stances": [{"actor": "UKR", "position": "Changed"},
                      {"actor": "UKR", "position": "Later"}]},
         None),  # the first, not the latest, would be amended: refused below
        ({"agenda": [{"key": "energy", "title": ""}]}, "title must not be empty"),
    ],
)  # fmt: skip
def test_what_cannot_be_done_writes_nothing(
    app: Service, recorded: Path, change: dict[str, Any], message: str | None
) -> None:
    app.record_stance(SLUG, "UKR", "Later")  # two stances of UKR stand
    count = app.record.event_count()
    write(recorded, edited(**change))
    with pytest.raises(InvalidInput, match=message or "only the latest stance:UKR"):
        app.import_case(recorded)
    assert app.record.event_count() == count


def test_an_actor_registered_otherwise_is_an_error(
    app: Service, recorded: Path
) -> None:
    write(recorded, {**CASE, "actors": [{"key": "mediators", "name": "Brokers"}]})
    with pytest.raises(InvalidInput, match="registered as 'Mediators'"):
        app.import_case(recorded)


def test_assessments_and_links_update_too(app: Service, recorded: Path) -> None:
    app.open_talks("geneva-process", "Geneva process", "Geneva", ["UKR"])
    scenarios = [{**CASE["talks"]["scenarios"][0], "assessments": [
        {"likelihood": "unlikely"},
        {"likelihood": "likely", "confidence": "moderate", "on": "2024-08"},
    ]}]  # fmt: skip
    links = [{"to": "geneva-process", "as": "part-of"}]
    write(recorded, edited(scenarios=scenarios, links=links))
    assert app.import_case(recorded).steps == [
        Step("record", "assessment:deal"), Step("record", "link:geneva-process"),
    ]  # fmt: skip
    view = app.talks_view(SLUG)
    assert view["scenarios"][0]["assessments"][-1]["confidence"] == "moderate"
    assert view["linked"][0]["talks"] == "geneva-process"
    links[0]["as"] = "follows"
    write(recorded, edited(scenarios=scenarios, links=links))
    assert app.import_case(recorded).steps == [
        Step("amend", "link:geneva-process", ("relation",))
    ]
