"""Event logs written before tags, links, confidence and the rule that a
change must change something still import, and read back as they were."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from timeline.bootstrap import open_service
from timeline.service import Service

SLUG = "vienna"


def lines(app: Service) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in app.export("jsonl")]


def as_written_before(line: dict[str, Any]) -> dict[str, Any]:
    """A log line as the program wrote it before this version: no tags, no
    actors of developments, no confidence, and the class versions of then."""
    payload = dict(line["payload"])
    for name in ("tags", "actors", "confidence", "chain"):  # and no hashes
        payload.pop(name, None)
    before = {"TalksOpened": 1, "StanceRecorded": 1, "ScenarioAssessed": 1,
              "DevelopmentRecorded": 1, "AgendaItemAdded": 2,
              "MotivationRecorded": 2, "ScenarioAdded": 2,
              "RecommendationAdded": 2}  # fmt: skip
    version = before.get(line["type"])
    payload.pop("class_version", None)
    if version and version > 1:
        payload["class_version"] = version
    return {**line, "payload": payload}


def test_an_earlier_log_imports_and_reads_back(app: Service, tmp_path: Path) -> None:
    with open_service(tmp_path / "earlier.sqlite", "analyst") as earlier:
        earlier.open_talks(SLUG, "Vienna round", "Vienna", ["UKR"], on="2024-05")
        earlier.add_agenda_item(SLUG, "aid", "Aid", "Food")
        earlier.add_scenario(SLUG, "deal", "Deal", "Gas")
        earlier.assess_scenario(SLUG, "deal", "likely")
        earlier.record_development(SLUG, "2024-06", "Adjourned", ["AP"])
        earlier.record_stance(SLUG, "UKR", "Open")
        written = [as_written_before(line) for line in lines(earlier)]
    last = written[-1]
    # An amendment that changed nothing, as the program let one be recorded.
    written.append({
        **last, "position": last["position"] + 1,
        "id": f"{last['aggregate_id']}/{last['version'] + 1}",
        "version": last["version"] + 1, "type": "EntryAmended",
        "topic": "diplomatic-timeline/EntryAmended",
        "payload": {"ref": "agenda:aid", "changes": {"title": "Aid"},
                    "reason": "Checked"},
    })  # fmt: skip
    log = tmp_path / "earlier.jsonl"
    log.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in written))

    imported = app.import_log(log)
    assert imported.added == len(written)
    view = app.talks_view(SLUG)
    assert view["tags"] == []
    assert view["developments"][0]["actors"] == []
    assert view["scenarios"][0]["assessments"][0]["confidence"] is None
    corrections = view["agenda"][0]["corrections"]
    assert corrections[0]["changes"] == {"title": "Aid"}
    # the amendment is in the history, but a diff shows no empty change
    assert [e["type"] for e in app.history(SLUG)][-1] == "EntryAmended"
    changes = app.changes(SLUG, app.history(SLUG)[0]["recorded_at"])
    assert [c["change"] for c in changes if c["ref"] == "agenda:aid"] == ["added"]
    assert app.import_log(log).present == len(written)  # twice: nothing new
    # the store writes back the events it read, as they were stored
    assert [orjson.loads(line) for line in app.export("jsonl")] == written
