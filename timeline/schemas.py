"""JSON Schemas of what the tool writes and reads, generated from its models."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from projections.snapshot import SCHEMA_VERSION, Snapshot


def snapshot_schema() -> dict[str, Any]:
    schema = TypeAdapter(Snapshot).json_schema()
    schema["title"] = f"diplomatic-timeline snapshot, schema version {SCHEMA_VERSION}"
    return schema


def case_schema() -> dict[str, Any]:
    from timeline.casefile import Case

    schema = Case.model_json_schema(by_alias=True)
    schema["title"] = "diplomatic-timeline case file"
    return schema


def event_schema() -> dict[str, Any]:
    from timeline.transfer import LoggedEvent

    schema = LoggedEvent.model_json_schema()
    schema["title"] = "diplomatic-timeline event log line"
    return schema
