"""An import keeps few aggregates whole: the others are packed as snapshots
while the log is checked, and unpacked as they stood when next needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import timeline.transfer
from events.errors import InvalidInput
from tests.support import rehashed
from timeline.bootstrap import open_service
from timeline.service import Service

TALKS = [f"round-{n}" for n in range(5)]


def interleaved(service: Service) -> None:
    """Five talks whose entries alternate, with corrections of early entries
    made after many others: each talks is packed and unpacked many times."""
    for slug in TALKS:
        service.open_talks(slug, slug.title(), "Geneva", ["UKR", "RUS"])
    for step in range(6):
        for slug in TALKS:
            service.record_development(slug, f"2024-0{step + 1}", f"{slug} step {step}")
            service.record_stance(slug, "UKR", f"Position {step}", ["Peace"])
    for slug in TALKS:
        service.amend(slug, "development:1", {"text": "Corrected"}, "Misread")
        service.retract(slug, "development:2", "Never happened")


def log_of(service: Service) -> str:
    return "".join(service.export("jsonl"))


def test_a_log_of_interleaved_talks_imports_with_two_kept_whole(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline.transfer, "LIVE", 2)
    with open_service(store, "analyst") as source:
        interleaved(source)
        log = log_of(source)
    path = tmp_path / "log.jsonl"
    path.write_text(log, encoding="utf-8")
    with open_service(tmp_path / "copy.sqlite", "importer") as target:
        imported = target.import_log(path)
        assert imported.added == len(log.splitlines())
        assert log_of(target) == log
        assert target.talks_view("round-3")["developments"][0]["text"] == "Corrected"


def test_a_packed_talks_still_refuses_what_its_state_forbids(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline.transfer, "LIVE", 2)
    with open_service(store, "analyst") as source:
        interleaved(source)
        lines = log_of(source).splitlines()
    # round-0's retraction of its development 2, given again as its next
    # event after every other talks was used: only a talks that still knows
    # the first retraction (unpacked as it stood) refuses it.
    events = [json.loads(line) for line in lines]
    first = next(e for e in events if e["type"] == "EntryRetracted")
    talks = first["aggregate_id"]
    last = max(e["version"] for e in events if e["aggregate_id"] == talks)
    again = {**first, "version": last + 1, "position": len(lines) + 1,
             "id": f"{talks}/{last + 1}"}  # fmt: skip
    path = tmp_path / "log.jsonl"
    forged = rehashed([*events, again])  # so that the domain is what refuses it
    path.write_text("\n".join(json.dumps(e) for e in forged) + "\n", encoding="utf-8")
    with (
        open_service(tmp_path / "copy.sqlite", "importer") as target,
        pytest.raises(InvalidInput, match=f"line {len(lines) + 1}: .*retracted"),
    ):
        target.import_log(path)
    with open_service(tmp_path / "copy.sqlite", "importer") as target:
        assert target.store_info()["events"] == 0  # nothing written
