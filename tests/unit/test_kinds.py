"""The registry of kinds is what every layer reads: it must match each of them."""

from __future__ import annotations

import re
from typing import get_type_hints

import pytest

from events import Talks
from events.base import TOPIC_PREFIX
from events.kinds import BY_EVENT, KINDS, REPEATED, parse_ref
from events.talks import RecordedAggregate
from projections.talks import TalksView
from timeline.casefile import CaseTalks
from timeline.cli.record import AMEND_OPTIONS


def test_each_kind_is_recorded_by_an_event_of_the_talks() -> None:
    events = {
        value.TOPIC.removeprefix(TOPIC_PREFIX): value
        for value in vars(Talks).values()
        if isinstance(value, type) and issubclass(value, RecordedAggregate.Event)
        and hasattr(value, "TOPIC")
    }  # fmt: skip
    for kind in KINDS.values():
        fields = events[kind.event].model_fields
        assert kind.main in fields
        assert set(kind.text) <= set(fields)
        assert set(kind.actors) | {kind.audience} - {None} <= set(fields)
        assert set(kind.amendable) <= set(fields), kind.name
        if kind.ref != "talks":
            assert kind.ref in fields
    assert set(BY_EVENT) == {kind.event for kind in KINDS.values()}


def test_collections_are_those_of_a_talks_view_and_a_case_file() -> None:
    view_fields = get_type_hints(TalksView)
    for kind in KINDS.values():
        if kind.collection:
            assert kind.collection in view_fields
            assert kind.collection in CaseTalks.model_fields


def test_refs_follow_each_kinds_rule() -> None:
    assert KINDS["stance"].ref_of({"actor": "CHN"}) == "stance:CHN"
    assert KINDS["development"].ref_of({"number": 3}) == "development:3"
    assert KINDS["talks"].ref_of({"slug": "x"}) == "talks"
    assert parse_ref("assessment:neutral-stance") == ("assessment", "neutral-stance")
    assert REPEATED == ("stance", "motive", "assessment")


@pytest.mark.parametrize("ref", ["stance:chn!", "development:x", "agenda:Bad", "x:y"])
def test_bad_refs_are_refused(ref: str) -> None:
    from events.errors import InvalidInput

    with pytest.raises(InvalidInput):
        parse_ref(ref)


def test_actors_named_and_concerned() -> None:
    recommendation = {"audience": "UKR", "title": "t"}
    assert KINDS["recommendation"].named_actors(recommendation) == ["UKR"]
    assert KINDS["recommendation"].concerned_actors(recommendation) == []
    assert KINDS["talks"].named_actors({"parties": ["CHN", "UKR"]}) == ["CHN", "UKR"]


def test_amend_options_name_the_kinds_that_have_each_field() -> None:
    """The CLI words each option; the registry decides which kinds it names."""
    amendable = {name for kind in KINDS.values() for name in kind.amendable}
    assert set(AMEND_OPTIONS) == amendable
    for field, (_, _, help_text) in AMEND_OPTIONS.items():
        kinds = [name for name, kind in KINDS.items() if field in kind.amendable]
        named = re.search(r"\(([^)]*)\)", help_text)
        assert named is not None
        if len(kinds) == len(KINDS):
            assert named.group(1) == "any entry"
        else:
            assert named.group(1).split(";")[0].split(", ") == kinds, field


def test_what_a_diff_calls_a_superseding_entry_is_a_change_kind() -> None:
    from typing import get_args

    from projections.changes import ChangeKind

    replaced = {kind.replaced for kind in KINDS.values() if kind.replaced}
    assert replaced == set(get_args(ChangeKind)) - {"added", "amended", "retracted"}
