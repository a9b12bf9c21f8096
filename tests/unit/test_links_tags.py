"""Links between talks, tags on entries, the actors of developments and the
confidence of assessments, on the Talks aggregate in memory."""

from __future__ import annotations

from typing import Any

import pytest

from events import AlreadyExists, AlreadyRetracted, InvalidInput, PartialDate, Talks
from events.tags import as_tag, as_tags

BY = "analyst"


@pytest.fixture
def talks() -> Talks:
    opened = Talks.open(
        slug="minsk-ii", title="Minsk II", location="Minsk", parties=["UKR", "RUS"],
        on=PartialDate.parse("2015-02-11/2015-02-12"), summary=None, sources=[],
        recorded_by=BY,
    )  # fmt: skip
    opened.collect_events()
    return opened


# -- links ------------------------------------------------------------------------


def test_link_records_the_target_and_the_relation(talks: Talks) -> None:
    talks.link("minsk-protocol", "supersedes", " Package ", BY, tags=["ceasefire"])
    (event,) = talks.collect_events()
    assert isinstance(event, Talks.TalksLinked)
    assert (event.target, event.relation, event.note, event.tags) == (
        "minsk-protocol", "supersedes", "Package", ["ceasefire"],
    )  # fmt: skip
    assert len(talks.standing("link:minsk-protocol")) == 1


@pytest.mark.parametrize(
    ("target", "relation", "message"),
    [
        ("minsk-ii", "follows", "cannot be linked to themselves"),
        ("Minsk Protocol", "follows", "linked talks 'Minsk Protocol' must be"),
        ("minsk-protocol", "precedes", "relation 'precedes' must be one of"),
        ("minsk-protocol", "Supersedes", "relation 'Supersedes'"),
    ],
)
def test_bad_links_are_refused(
    talks: Talks, target: str, relation: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        talks.link(target, relation, None, BY)
    assert talks.pending_events == []


def test_a_second_link_to_the_same_talks_is_refused_until_unlinked(
    talks: Talks,
) -> None:
    talks.link("minsk-protocol", "supersedes", None, BY)
    with pytest.raises(AlreadyExists, match="link:minsk-protocol already exists"):
        talks.link("minsk-protocol", "related", None, BY)
    talks.retract("link:minsk-protocol", "Recorded in error", BY)
    with pytest.raises(AlreadyRetracted):
        talks.retract("link:minsk-protocol", "Again", BY)
    talks.link("minsk-protocol", "related", None, BY)  # may be made again
    talks.amend("link:minsk-protocol", {"relation": "follows"}, "Read again", BY)
    *_, amended = talks.collect_events()
    assert isinstance(amended, Talks.EntryAmended)
    assert amended.changes == {"relation": "follows"}


def test_a_retracted_key_of_another_kind_stays_used(talks: Talks) -> None:
    talks.add_agenda_item("aid", "Aid", None, BY)
    talks.retract("agenda:aid", "Not discussed", BY)
    with pytest.raises(AlreadyExists, match="agenda:aid already exists"):
        talks.add_agenda_item("aid", "Aid again", None, BY)


# -- tags -------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["ceasefire", "grain-deal", "перемир'я"[:7], "2015"])
def test_tags_are_lowercase_words(tag: str) -> None:
    assert as_tag(tag) == tag


@pytest.mark.parametrize(
    "tag", ["Ceasefire", "grain deal", "-x", "x-", "a--b", "", "a_b", "x" * 101]
)
def test_other_tags_are_refused(tag: str) -> None:
    with pytest.raises(InvalidInput, match="must be one lowercase word"):
        as_tag(tag)


def test_tags_are_kept_once_in_order_and_one_empty_value_means_none() -> None:
    assert as_tags(["b", "a", "b"]) == ["b", "a"]
    assert as_tags([""]) == []
    assert as_tags("single") == ["single"]
    with pytest.raises(InvalidInput):
        as_tags(["a", ""])


COMMANDS: list[tuple[str, Any]] = [
    ("agenda:aid",
     lambda t, tags: t.add_agenda_item("aid", "Aid", None, BY, tags=tags)),
    ("stance:UKR",
     lambda t, tags: t.record_stance("UKR", "P", [], None, BY, tags=tags)),
    ("motive:UKR", lambda t, tags: t.record_motivation("UKR", "M", BY, tags=tags)),
    ("scenario:s", lambda t, tags: t.add_scenario("s", "O", "I", BY, tags=tags)),
    ("recommendation:r",
     lambda t, tags: t.add_recommendation("r", "T", None, None, None, BY, tags=tags)),
    ("development:1", lambda t, tags: t.record_development(
        PartialDate.parse("2015"), "D", [], BY, tags=tags)),
    ("link:minsk", lambda t, tags: t.link("minsk", "follows", None, BY, tags=tags)),
]  # fmt: skip


@pytest.mark.parametrize(("ref", "command"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_entry_takes_tags_and_an_amendment_replaces_them(
    talks: Talks, ref: str, command: Any
) -> None:
    with pytest.raises(InvalidInput, match="tag 'Bad'"):
        command(talks, ["Bad"])
    command(talks, ["ceasefire", "prisoners"])
    (event,) = talks.collect_events()
    assert event.tags == ["ceasefire", "prisoners"]  # type: ignore[attr-defined]
    talks.amend(ref, {"tags": ["prisoners"]}, "Refiled", BY)
    talks.amend(ref, {"tags": [""]}, "Unfiled", BY)
    replaced, cleared = talks.collect_events()
    assert replaced.changes == {"tags": ["prisoners"]}  # type: ignore[attr-defined]
    assert cleared.changes == {"tags": []}  # type: ignore[attr-defined]


def test_assessments_and_talks_take_tags_too(talks: Talks) -> None:
    talks.add_scenario("s", "O", "I", BY)
    talks.assess_scenario("s", "likely", None, None, BY, tags=["collapse"])
    talks.amend("talks", {"tags": ["minsk"]}, "Filed", BY)
    _, assessed, amended = talks.collect_events()
    assert assessed.tags == ["collapse"]  # type: ignore[attr-defined]
    assert amended.changes == {"tags": ["minsk"]}  # type: ignore[attr-defined]


# -- the actors of a development ----------------------------------------------------


def test_a_development_names_its_actors(talks: Talks) -> None:
    on = PartialDate.parse("2022-02-21")
    talks.record_development(on, "Recognition", [], BY, actors=["RUS", "dpr"])
    talks.amend("development:1", {"actors": ["RUS"]}, "DPR is not an actor", BY)
    talks.amend("development:1", {"actors": [""]}, "None named", BY)
    recorded, narrowed, cleared = talks.collect_events()
    assert recorded.actors == ["RUS", "dpr"]  # type: ignore[attr-defined]
    assert narrowed.changes == {"actors": ["RUS"]}  # type: ignore[attr-defined]
    assert cleared.changes == {"actors": []}  # type: ignore[attr-defined]
    for actors, message in ((["Russia"], "actor 'Russia'"), (["RUS", "RUS"], "once")):
        with pytest.raises(InvalidInput, match=message):
            talks.record_development(on, "Again", [], BY, actors=actors)


# -- confidence ---------------------------------------------------------------------


def test_an_assessment_records_its_confidence_apart_from_its_likelihood(
    talks: Talks,
) -> None:
    talks.add_scenario("collapse", "Collapse", "War", BY)
    talks.assess_scenario("collapse", "likely", None, None, BY, confidence="Moderate")
    talks.amend("assessment:collapse", {"confidence": "high"}, "New sources", BY)
    talks.amend("assessment:collapse", {"confidence": ""}, "Not stated", BY)
    _, assessed, raised, cleared = talks.collect_events()
    assert (assessed.likelihood, assessed.confidence) == ("likely", "moderate")  # type: ignore[attr-defined]
    assert raised.changes == {"confidence": "high"}  # type: ignore[attr-defined]
    assert cleared.changes == {"confidence": None}  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput, match="confidence 'sure' must be one of"):
        talks.assess_scenario("collapse", "unlikely", None, None, BY, confidence="sure")
