"""The two clocks through the application on a real store: record time
(``as_of``: the record as it stood then) and valid time (``at``, ``since``,
``until``: the world on a date), and the changes between two record times."""

from __future__ import annotations

from typing import Any

import pytest

from events.errors import InvalidInput, NotFound
from projections.queries import Queries
from projections.rows import EntryRow
from projections.talks import TalksView, current, latest, standing
from timeline.bootstrap import open_service
from timeline.catchup import rebuild
from timeline.service import Service

SLUG = "geneva-talks"
OTHER = "vienna-talks"
SUPERSESSION = ("version_to", "superseded_at")
"""Row columns that say when a version was superseded: not part of what it said."""


def recorded(app: Service, slug: str = SLUG) -> str:
    """Record time of the latest event of talks ``slug``."""
    return app.record.history(slug)[-1]["recorded_at"]


def unversioned(rows: list[EntryRow]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in SUPERSESSION} for row in rows]


def view(app: Service, **clocks: str) -> TalksView:
    return app.queries.talks_view(SLUG, app.queries.clocks(**clocks))


def stances_in_force(app: Service, **clocks: str) -> dict[str, str]:
    return {s["actor"]: s["position"] for s in current(view(app, **clocks)["stances"])}


def entries(
    app: Service, kind: str | None = None, **clocks: str
) -> list[tuple[str, str]]:
    """(ref, text) of the timeline's rows of talks SLUG, in timeline order."""
    rows = app.queries.entries(app.queries.clocks(**clocks), slug=SLUG, kind=kind)
    return [(row["ref"], row["text"]) for row in rows]


def record_case(app: Service) -> None:
    """Talks with every kind of entry, most of them dated."""
    app.register_actor("mediators", "Mediators", "group")
    app.open_talks(
        SLUG,
        "Geneva Talks",
        "Geneva",
        ["CHN", "UKR"],
        on="2024-07",
        summary="A second round.",
    )
    app.add_agenda_item(SLUG, "trade", "Trade", "Tariffs", on="2024-07-02")
    app.record_stance(SLUG, "CHN", "Hesitant", ["Trade"], on="2024-07-01")
    app.record_stance(SLUG, "UKR", "Firm", ["Security"])
    app.record_motivation(SLUG, "CHN", "Stability", on="2024")
    app.add_scenario(
        SLUG, "ceasefire", "Ceasefire holds", "Fewer casualties", on="2024-07"
    )
    app.assess_scenario(SLUG, "ceasefire", "likely", "Both sides tired", "2024-07")
    app.add_recommendation(
        SLUG,
        "monitor",
        "Monitor the truce",
        "Fewer breaches",
        None,
        "mediators",
        on="2024-08",
    )
    app.record_development(SLUG, "2024-08", "Second round in Geneva")


def record_more(app: Service) -> None:
    """Everything that may be recorded later: it must change no past answer."""
    app.amend(
        SLUG, "stance:CHN", {"position": "Open", "interests": ["Energy"]}, "Misquoted"
    )
    app.amend(SLUG, "scenario:ceasefire", {"impact": "Talks resume"}, "Misquoted")
    app.amend(SLUG, "assessment:ceasefire", {"likelihood": "very likely"}, "Typo")
    app.amend(SLUG, "talks", {"title": "Geneva Talks II", "on": "2024-06"}, "Renamed")
    app.retract(SLUG, "agenda:trade", "Not discussed")
    app.retract(SLUG, "stance:UKR", "Not said")
    app.record_stance(SLUG, "CHN", "Firm", on="2024-06")  # a backfill
    app.record_stance(SLUG, "UKR", "Wary", on="2024-07-05")
    app.record_motivation(SLUG, "CHN", "Trade", on="2024-07")
    app.assess_scenario(SLUG, "ceasefire", "unlikely", None, "2024-06-15")
    app.record_development(SLUG, "2024-07-20", "Talks postponed")
    app.register_actor("observers", "Observers", "group")
    app.open_talks(OTHER, "Vienna Talks", "Vienna", ["observers", "UKR"], on="2024-05")
    app.record_stance(OTHER, "UKR", "Neutral", on="2024-05")


# -- as of a record time ---------------------------------------------------------


def answers(queries: Queries, app: Service, as_of: str) -> dict[str, Any]:
    """Every answer the queries give as of ``as_of``."""
    state = queries.clocks(as_of=as_of)
    return {
        "view": queries.talks_view(SLUG, state),
        "view at": queries.talks_view(SLUG, queries.clocks(as_of=as_of, at="2024-07")),
        "timeline": unversioned(queries.entries(state)),
        "timeline at": unversioned(
            queries.entries(queries.clocks(as_of=as_of, at="2024-07"))
        ),
        "dated": unversioned(
            queries.entries(queries.clocks(as_of=as_of, since="2024-07"))
        ),
        "stances": unversioned(queries.stances(SLUG, None, state)),
        "stances of CHN": unversioned(queries.stances(SLUG, "CHN", state)),
        "snapshot": queries.snapshot(None, state),
        "snapshot of talks": queries.snapshot(SLUG, state),
        "history": app.record.history(SLUG, as_of),
    }


def test_an_answer_as_of_a_past_time_never_changes(app: Service, store: str) -> None:
    record_case(app)
    as_of = recorded(app)
    then = answers(app.queries, app, as_of)
    # As of the latest record time, the answer is the record as it stands.
    assert then["view"] == app.queries.talks_view(SLUG)
    assert then["timeline"] == unversioned(app.queries.entries())
    assert then["stances"] == unversioned(app.queries.stances(SLUG))
    assert then["snapshot"]["talks"] == app.queries.snapshot()["talks"]
    assert then["snapshot"]["as_of"] == as_of
    assert len(then["history"]) == 9  # the talks' own events

    record_more(app)

    assert app.queries.talks_view(SLUG) != then["view"]  # the record did move on
    assert answers(app.queries, app, as_of) == then
    fresh = open_service(store, "someone else")
    try:
        assert answers(fresh.queries, fresh, as_of) == then
    finally:
        fresh.close()
    rebuild(app.record, app.record.views.names())
    assert answers(app.queries, app, as_of) == then


def test_rows_as_of_a_past_time_say_nothing_recorded_later(app: Service) -> None:
    """``events --as-of T --json`` and ``stance history --as-of T --json`` print
    these rows whole: the same T must give the same rows, whatever came later."""
    record_case(app)
    state = app.queries.clocks(as_of=recorded(app))
    timeline = app.queries.entries(state)
    stances = app.queries.stances(SLUG, None, state)

    app.amend(SLUG, "stance:CHN", {"position": "Open"}, "Misquoted")
    app.retract(SLUG, "agenda:trade", "Not discussed")

    assert app.queries.stances(SLUG, None, state) == stances
    assert app.queries.entries(state) == timeline


def test_as_of_shows_the_original_before_an_amendment_and_the_entry_before_a_retraction(
    app: Service,
) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.add_agenda_item(SLUG, "trade", "Trade", on="2024-07-02")
    app.record_stance(SLUG, "CHN", "Hesitant", ["Trade"], on="2024-07-01")
    original = recorded(app)
    app.amend(
        SLUG,
        "stance:CHN",
        {"position": "Open", "interests": ["Trade", "Oil"]},
        "Misquoted",
    )
    app.amend(SLUG, "agenda:trade", {"title": "Trade and tariffs"}, "Fuller title")
    amended = recorded(app)
    app.retract(SLUG, "agenda:trade", "Not discussed")
    app.retract(SLUG, "stance:CHN", "Not said")
    retracted = recorded(app)

    then = view(app, as_of=original)
    assert [
        (s["position"], s["interests"], s["retracted"], s["corrections"])
        for s in then["stances"]
    ] == [("Hesitant", ["Trade"], False, [])]
    assert [(a["title"], a["retracted"], a["corrections"]) for a in then["agenda"]] == [
        ("Trade", False, [])
    ]
    assert entries(app, as_of=original) == [
        ("stance:CHN", "Hesitant"),
        ("agenda:trade", "Trade"),
        ("talks", "Geneva Talks"),
    ]

    then = view(app, as_of=amended)
    (stance,) = then["stances"]
    assert (stance["position"], stance["interests"], stance["retracted"]) == (
        "Open",
        ["Trade", "Oil"],
        False,
    )
    assert [
        (c["action"], c["reason"], c["changes"]) for c in stance["corrections"]
    ] == [("amended", "Misquoted", {"position": "Open", "interests": ["Trade", "Oil"]})]
    assert [(a["title"], a["retracted"]) for a in then["agenda"]] == [
        ("Trade and tariffs", False)
    ]
    assert entries(app, as_of=amended) == [
        ("stance:CHN", "Open"),
        ("agenda:trade", "Trade and tariffs"),
        ("talks", "Geneva Talks"),
    ]

    now = view(app, as_of=retracted)
    assert now == app.queries.talks_view(SLUG)
    assert [(s["position"], s["retracted"]) for s in now["stances"]] == [("Open", True)]
    assert [c["action"] for c in now["stances"][0]["corrections"]] == [
        "amended",
        "retracted",
    ]
    assert current(now["stances"]) == []
    assert [(a["title"], a["retracted"]) for a in now["agenda"]] == [
        ("Trade and tariffs", True)
    ]
    assert standing(now["agenda"]) == []
    assert entries(app, as_of=retracted) == [("talks", "Geneva Talks")]

    def stance_rows(as_of: str) -> list[tuple[Any, ...]]:
        rows = app.queries.stances(SLUG, "CHN", app.queries.clocks(as_of=as_of))
        return [(r["text"], r["retracted"], r["reason"], r["valid_text"]) for r in rows]

    assert stance_rows(original) == [("Hesitant", False, None, "2024-07-01")]
    assert stance_rows(amended) == [("Open", False, "Misquoted", "2024-07-01")]
    assert stance_rows(retracted) == [("Open", True, "Not said", "2024-07-01")]


def test_as_of_a_time_exactly_at_an_event_includes_it(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "Hesitant")
    first = recorded(app)
    app.record_stance(SLUG, "CHN", "Firm")
    second = recorded(app)
    assert first < second

    assert stances_in_force(app, as_of=first) == {"CHN": "Hesitant"}
    assert stances_in_force(app, as_of=second) == {"CHN": "Firm"}
    assert [e["type"] for e in app.record.history(SLUG, first)] == [
        "TalksOpened",
        "StanceRecorded",
    ]
    assert len(app.record.history(SLUG, second)) == 3
    assert [t for _, t in entries(app, kind="stance", as_of=first)] == ["Hesitant"]
    assert [t for _, t in entries(app, kind="stance", as_of=second)] == [
        "Hesitant",
        "Firm",
    ]


def test_as_of_before_a_talks_was_opened_it_is_not_found(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "Hesitant")
    before = recorded(app)
    app.register_actor("observers", "Observers", "group")
    app.open_talks(OTHER, "Vienna Talks", "Vienna", ["observers", "UKR"])
    opened = recorded(app, OTHER)
    app.record_stance(OTHER, "UKR", "Neutral")
    queries = app.queries
    state = queries.clocks(as_of=before)

    with pytest.raises(NotFound, match=f"talks '{OTHER}' were not recorded yet"):
        queries.talks_view(OTHER, state)
    with pytest.raises(NotFound, match=f"talks '{OTHER}' were not recorded yet"):
        queries.snapshot(OTHER, state)
    assert {row["slug"] for row in queries.entries(state)} == {SLUG}
    snapshot = queries.snapshot(None, state)
    assert [talks["slug"] for talks in snapshot["talks"]] == [SLUG]
    assert {entry["talks"] for entry in snapshot["timeline"]} == {SLUG}
    assert "observers" not in [actor["key"] for actor in snapshot["actors"]]

    # Now, and as of its opening, it is there.
    assert queries.talks_view(OTHER)["stances"][0]["position"] == "Neutral"
    assert queries.talks_view(OTHER, queries.clocks(as_of=opened))["stances"] == []
    assert {row["slug"] for row in queries.entries()} == {SLUG, OTHER}
    assert [talks["slug"] for talks in queries.snapshot()["talks"]] == [SLUG, OTHER]


def test_as_of_a_bare_date_is_the_end_of_that_day(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    today = recorded(app)[:10]  # record times are UTC, as bare dates are
    as_of = app.queries.clocks(as_of=today).as_of
    assert as_of is not None
    assert as_of >= recorded(app)
    assert view(app, as_of=today)["title"] == "Geneva Talks"
    # A time without a zone is UTC; any zone is converted to UTC.
    assert app.queries.record_time(recorded(app)[:-1], "--as-of") == recorded(app)
    assert (
        app.queries.record_time(
            "2024-03-01T14:00:00+02:00", "--from", before_start=True
        )
        == "2024-03-01T12:00:00.000000Z"
    )


# -- at a valid date ---------------------------------------------------------------


def test_at_a_date_the_stance_in_force_is_the_latest_dated(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"], on="2024-07")
    app.record_stance(SLUG, "CHN", "Hesitant", on="2024-07-01")
    app.record_stance(
        SLUG, "CHN", "Firm", on="2024-06"
    )  # recorded later, dated earlier
    app.record_stance(SLUG, "UKR", "Undated")
    app.record_stance(SLUG, "UKR", "Dated", on="2024-05")

    # Now, the latest recorded holds; on a date, the latest dated on or before it.
    assert stances_in_force(app) == {"CHN": "Firm", "UKR": "Dated"}
    assert stances_in_force(app, at="2024-04") == {"UKR": "Undated"}
    assert stances_in_force(app, at="2024-05") == {"UKR": "Dated"}
    assert stances_in_force(app, at="2024-06-30") == {"CHN": "Firm", "UKR": "Dated"}
    for day in ("2024-07-01", "2024-07", "2024", "2025"):
        assert stances_in_force(app, at=day) == {"CHN": "Hesitant", "UKR": "Dated"}

    assert entries(app, "stance", at="2024-04") == [("stance:UKR", "Undated")]
    assert entries(app, "stance", at="2024-06") == [
        ("stance:UKR", "Dated"),
        ("stance:CHN", "Firm"),
    ]
    assert entries(app, "stance", at="2024-07") == [
        ("stance:UKR", "Dated"),
        ("stance:CHN", "Hesitant"),
    ]
    assert entries(app, "stance") == [
        ("stance:UKR", "Dated"),
        ("stance:CHN", "Firm"),
        ("stance:CHN", "Hesitant"),
        ("stance:UKR", "Undated"),
    ]
    # The talks, dated 2024-07, are left out of the world before then.
    assert ("talks", "Geneva Talks") not in entries(app, at="2024-06")
    assert ("talks", "Geneva Talks") in entries(app, at="2024-07")


def test_at_a_date_equal_days_go_to_the_latest_recorded_and_retractions_yield(
    app: Service,
) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "A", on="2024-07")
    app.record_stance(SLUG, "CHN", "B", on="2024-07-01")  # the same first day
    assert stances_in_force(app, at="2024-07-15") == {"CHN": "B"}
    app.record_stance(SLUG, "CHN", "C", on="2024-07")
    assert stances_in_force(app, at="2024-07-15") == {"CHN": "C"}
    assert entries(app, "stance", at="2024-07-15") == [("stance:CHN", "C")]
    app.retract(SLUG, "stance:CHN", "Not said")  # C, the latest recorded
    assert stances_in_force(app, at="2024-07-15") == {"CHN": "B"}
    assert entries(app, "stance", at="2024-07-15") == [("stance:CHN", "B")]
    app.record_stance(SLUG, "CHN", "Undated")  # counts as older than any date
    assert stances_in_force(app, at="2024-07-15") == {"CHN": "B"}
    assert entries(app, "stance", at="2024-07-15") == [("stance:CHN", "B")]
    assert stances_in_force(app, at="2024-06") == {"CHN": "Undated"}
    assert stances_in_force(app) == {"CHN": "Undated"}


def test_at_a_date_motivations_follow_the_same_rule(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_motivation(SLUG, "CHN", "Later", on="2024-09")
    app.record_motivation(SLUG, "CHN", "Year", on="2024")
    app.record_motivation(SLUG, "CHN", "Spring", on="2024-03")

    def motive(**clocks: str) -> list[str]:
        return [m["text"] for m in current(view(app, **clocks)["motivations"])]

    assert motive() == ["Spring"]
    assert motive(at="2023") == []
    assert motive(at="2024-02") == ["Year"]
    assert motive(at="2024-08") == ["Spring"]
    assert motive(at="2024-09-01") == ["Later"]
    assert entries(app, "motive", at="2024-08") == [("motive:CHN", "Spring")]


def test_at_a_date_entries_dated_later_are_left_out_undated_ones_stay(
    app: Service,
) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_development(SLUG, "2024-07-23", "First")
    app.record_development(SLUG, "2024-08", "Second")
    app.record_development(SLUG, "2024", "In the year")
    app.record_development(SLUG, "2024-07-31", "End of July")
    app.add_agenda_item(SLUG, "trade", "Trade")
    app.add_agenda_item(SLUG, "energy", "Energy", on="2024-09")
    app.add_recommendation(SLUG, "monitor", "Monitor", on="2024-08-01")
    app.add_scenario(SLUG, "truce", "Truce", "Calm", on="2024-07-24")

    def developments(**clocks: str) -> list[str]:
        return [d["text"] for d in view(app, **clocks)["developments"]]

    assert developments(at="2023") == []
    assert developments(at="2024-07-22") == ["In the year"]
    assert developments(at="2024-07-23") == ["First", "In the year"]
    assert developments(at="2024-07") == ["First", "In the year", "End of July"]
    assert developments(at="2024-08") == [
        "First",
        "Second",
        "In the year",
        "End of July",
    ]
    assert developments() == developments(at="2024-08")
    assert [t for _, t in entries(app, "development", at="2024-07")] == [
        "In the year",
        "First",
        "End of July",
    ]

    then = view(app, at="2024-07-23")
    assert [a["key"] for a in then["agenda"]] == ["trade"]  # undated: stays
    assert then["recommendations"] == []
    assert then["scenarios"] == []
    assert [r for r, _ in entries(app, at="2024-07-23")] == [
        "development:3",
        "development:1",
        "talks",
        "agenda:trade",
    ]
    later = view(app, at="2024-09")
    assert [a["key"] for a in later["agenda"]] == ["trade", "energy"]
    assert [r["key"] for r in later["recommendations"]] == ["monitor"]
    assert [s["key"] for s in later["scenarios"]] == ["truce"]


def test_at_a_date_the_assessment_in_force_is_the_latest_dated(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.add_scenario(SLUG, "ceasefire", "Ceasefire holds", "Fewer casualties")
    app.assess_scenario(SLUG, "ceasefire", "likely", "Both tired", "2024-08")
    app.assess_scenario(SLUG, "ceasefire", "unlikely", None, "2024-06-15")
    app.assess_scenario(SLUG, "ceasefire", "almost certain", None, None)

    def likelihood(**clocks: str) -> str | None:
        (scenario,) = standing(view(app, **clocks)["scenarios"])
        assessment = latest(scenario["assessments"])
        return assessment["likelihood"] if assessment else None

    assert likelihood() == "almost certain"  # now: the latest recorded
    assert likelihood(at="2024-06-14") == "almost certain"  # only the undated one
    assert likelihood(at="2024-06") == "unlikely"
    assert likelihood(at="2024-07") == "unlikely"
    assert likelihood(at="2024-08-01") == "likely"
    assert entries(app, "assessment", at="2024-07") == [
        ("assessment:ceasefire", "unlikely")
    ]
    assert entries(app, "assessment", at="2024-08") == [
        ("assessment:ceasefire", "likely")
    ]
    assert [t for _, t in entries(app, "assessment")] == [
        "unlikely",
        "likely",
        "almost certain",
    ]

    # The REF names the latest recorded that stands: here the undated one.
    app.retract(SLUG, "assessment:ceasefire", "Withdrawn")
    assert likelihood() == "unlikely"
    assert likelihood(at="2024-06-14") is None
    assert likelihood(at="2024-07") == "unlikely"
    app.amend(SLUG, "assessment:ceasefire", {"on": "2024-09"}, "Later")  # "unlikely"
    assert likelihood(at="2024-07") is None
    assert likelihood(at="2024-08") == "likely"
    assert likelihood(at="2024-09") == "unlikely"


def test_as_of_and_at_together(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "Hesitant", on="2024-07-01")
    app.record_development(SLUG, "2024-08", "Second round")
    before = recorded(app)
    app.record_stance(SLUG, "CHN", "Firm", on="2024-06")  # a backfill
    app.record_development(SLUG, "2024-05", "Early contacts")  # another
    app.amend(SLUG, "stance:CHN", {"position": "Firm but open"}, "Misquoted")

    assert stances_in_force(app, as_of=before, at="2024-06") == {}
    assert stances_in_force(app, as_of=before, at="2024-07") == {"CHN": "Hesitant"}
    assert stances_in_force(app, at="2024-06") == {"CHN": "Firm but open"}
    assert stances_in_force(app, at="2024-07") == {"CHN": "Hesitant"}
    assert [
        d["text"] for d in view(app, as_of=before, at="2024-08")["developments"]
    ] == ["Second round"]
    assert [d["text"] for d in view(app, at="2024-08")["developments"]] == [
        "Second round",
        "Early contacts",
    ]
    assert entries(app, as_of=before, at="2024-06") == [("talks", "Geneva Talks")]
    assert entries(app, as_of=before, at="2024-07") == [
        ("stance:CHN", "Hesitant"),
        ("talks", "Geneva Talks"),
    ]
    assert entries(app, at="2024-06") == [
        ("development:2", "Early contacts"),
        ("stance:CHN", "Firm but open"),
        ("talks", "Geneva Talks"),
    ]


# -- since and until -----------------------------------------------------------------


def test_since_and_until_keep_dated_entries_that_overlap(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.add_agenda_item(SLUG, "trade", "Trade")  # undated
    for on, text in [
        ("2023-12-31", "Eve"),
        ("2024", "Year"),
        ("2024-06", "June"),
        ("2024-07-15", "Mid July"),
        ("2024-08-01", "August first"),
        ("2024-06-28/2024-07-02", "Across"),
    ]:
        app.record_development(SLUG, on, text)

    def texts(**clocks: str) -> list[str]:
        return [t for _, t in entries(app, **clocks)]

    assert texts() == [
        "Eve",
        "Year",
        "June",
        "Across",
        "Mid July",
        "August first",
        "Geneva Talks",
        "Trade",
    ]
    assert texts(since="2024-07") == ["Year", "Across", "Mid July", "August first"]
    assert texts(since="2024-07-16") == ["Year", "August first"]
    assert texts(since="2024") == [
        "Year",
        "June",
        "Across",
        "Mid July",
        "August first",
    ]
    assert texts(since="2025") == []
    assert texts(until="2023") == ["Eve"]
    assert texts(until="2024-06") == ["Eve", "Year", "June", "Across"]
    assert texts(until="2024-06-27") == ["Eve", "Year", "June"]
    assert texts(until="2024-07-14") == ["Eve", "Year", "June", "Across"]
    assert texts(since="2024-07", until="2024-07") == ["Year", "Across", "Mid July"]
    assert texts(since="2024-07-15", until="2024-07-15") == ["Year", "Mid July"]
    assert texts(since="2024-08-02", until="2024-12") == ["Year"]
    assert texts(since="2024-07-03", until="2024-07-14") == ["Year"]
    # An amended date moves the entry in and out of the bounds.
    app.amend(SLUG, "development:1", {"on": "2024-07-10"}, "Wrong year")
    assert texts(since="2024-07-03", until="2024-07-14") == ["Year", "Eve"]
    assert "Eve" not in texts(until="2023")


# -- changes between two record times ----------------------------------------------


def test_changes_between_two_record_times(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "Hesitant", ["Trade"], on="2024-07-01")
    app.record_motivation(SLUG, "CHN", "Stability")
    app.add_scenario(SLUG, "ceasefire", "Ceasefire holds", "Fewer casualties")
    app.assess_scenario(SLUG, "ceasefire", "likely", None, None)
    start = recorded(app)
    app.add_agenda_item(SLUG, "trade", "Trade", on="2024-07-02")
    app.amend(SLUG, "scenario:ceasefire", {"impact": "Talks resume"}, "Misquoted")
    app.record_stance(SLUG, "CHN", "Firm", ["Trade"], on="2024-07-05")
    app.record_motivation(SLUG, "CHN", "Trade", on="2024")
    app.assess_scenario(SLUG, "ceasefire", "very likely", "Both tired", "2024-07")
    app.retract(SLUG, "agenda:trade", "Not discussed")
    end = recorded(app)
    app.record_development(SLUG, "2024-08", "Second round")
    events = app.record.history(SLUG)
    position = {e["position"]: e for e in events}
    first = events[5]["position"]  # the agenda item

    def change(offset: int, **fields: Any) -> dict[str, Any]:
        event = position[first + offset]
        return {
            "position": event["position"],
            "recorded_at": event["recorded_at"],
            "recorded_by": "tester",
            **fields,
        }

    changes = app.queries.changes(SLUG, start, end)
    assert changes == [
        change(
            0,
            change="added",
            kind="agenda",
            ref="agenda:trade",
            entry_id=first,
            text="Trade",
            before=None,
            date="2024-07-02",
            fields={},
            reason=None,
        ),
        change(
            1,
            change="amended",
            kind="scenario",
            ref="scenario:ceasefire",
            entry_id=4,
            text="Ceasefire holds",
            before="Ceasefire holds",
            date=None,
            reason="Misquoted",
            fields={"impact": {"before": "Fewer casualties", "after": "Talks resume"}},
        ),
        change(
            2,
            change="stance changed",
            kind="stance",
            ref="stance:CHN",
            entry_id=first + 2,
            text="Firm",
            before="Hesitant",
            date="2024-07-05",
            reason=None,
            fields={
                "position": {"before": "Hesitant", "after": "Firm"},
                "on": {"before": "2024-07-01", "after": "2024-07-05"},
            },
        ),
        change(
            3,
            change="motivation changed",
            kind="motive",
            ref="motive:CHN",
            entry_id=first + 3,
            text="Trade",
            before="Stability",
            date="2024",
            reason=None,
            fields={
                "text": {"before": "Stability", "after": "Trade"},
                "on": {"before": None, "after": "2024"},
            },
        ),
        change(
            4,
            change="likelihood changed",
            kind="assessment",
            ref="assessment:ceasefire",
            entry_id=first + 4,
            text="very likely",
            before="likely",
            date="2024-07",
            reason=None,
            fields={
                "likelihood": {"before": "likely", "after": "very likely"},
                "note": {"before": None, "after": "Both tired"},
                "on": {"before": None, "after": "2024-07"},
            },
        ),
        change(
            5,
            change="retracted",
            kind="agenda",
            ref="agenda:trade",
            entry_id=first,
            text="Trade",
            before="Trade",
            date="2024-07-02",
            fields={},
            reason="Not discussed",
        ),
    ]
    # The change at exactly the start is left out; the one at the end is in.
    assert changes[0]["recorded_at"] > start
    assert changes[-1]["recorded_at"] == end
    # Without an end: up to now.
    assert [c["change"] for c in app.queries.changes(SLUG, start)] == [
        *(c["change"] for c in changes),
        "added",
    ]
    # Narrower windows.
    third = changes[2]["recorded_at"]
    assert [
        c["change"] for c in app.queries.changes(SLUG, changes[0]["recorded_at"], third)
    ] == [
        "amended",
        "stance changed",
    ]
    assert app.queries.changes(SLUG, third, third) == []
    assert app.queries.changes(SLUG, recorded(app)) == []
    # From before the record: the error `show --as-of` gives.
    with pytest.raises(InvalidInput, match=r"^--from 2000-01-01 is before the record"):
        app.queries.changes(SLUG, "2000-01-01")
    # From its first record time: every later event, the first of each "added".
    everything = app.queries.changes(SLUG, app.record.history(SLUG)[0]["recorded_at"])
    assert [(c["change"], c["ref"]) for c in everything[:4]] == [
        ("added", "stance:CHN"),
        ("added", "motive:CHN"),
        ("added", "scenario:ceasefire"),
        ("added", "assessment:ceasefire"),
    ]
    assert len(everything) == len(events) - 1  # each later event made one
    assert everything[4:10] == changes


def test_changes_of_an_amended_assessment_and_an_amended_stance(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "Hesitant", on="2024-07-01")
    app.add_scenario(SLUG, "ceasefire", "Ceasefire holds", "Fewer casualties")
    app.assess_scenario(SLUG, "ceasefire", "likely", None, None)
    start = recorded(app)
    app.amend(SLUG, "assessment:ceasefire", {"likelihood": "unlikely"}, "Typo")
    app.amend(SLUG, "stance:CHN", {"on": "2024-06"}, "Wrong month")
    app.retract(SLUG, "stance:CHN", "Not said")
    app.record_stance(SLUG, "CHN", "Firm")

    changes = app.queries.changes(SLUG, start)
    assert [
        (c["change"], c["ref"], c["text"], c["before"], c["fields"], c["reason"])
        for c in changes
    ] == [
        (
            "amended",
            "assessment:ceasefire",
            "unlikely",
            "likely",
            {"likelihood": {"before": "likely", "after": "unlikely"}},
            "Typo",
        ),
        (
            "amended",
            "stance:CHN",
            "Hesitant",
            "Hesitant",
            {"on": {"before": "2024-07-01", "after": "2024-06"}},
            "Wrong month",
        ),
        ("retracted", "stance:CHN", "Hesitant", "Hesitant", {}, "Not said"),
        ("added", "stance:CHN", "Firm", None, {}, None),  # nothing stood before it
    ]


# -- mistakes ----------------------------------------------------------------------


def test_a_future_record_time_is_an_error(app: Service) -> None:
    record_case(app)
    with pytest.raises(InvalidInput, match=r"^--as-of 9999-01-01 is in the future$"):
        app.queries.clocks(as_of="9999-01-01")
    with pytest.raises(InvalidInput, match="is in the future"):
        app.queries.clocks(as_of="2999-03-01T12:00:00Z")
    began = app.record.history(SLUG)[0]["recorded_at"]
    with pytest.raises(InvalidInput, match=r"^--to 2999-01-01 is in the future$"):
        app.queries.changes(SLUG, began, "2999-01-01")
    with pytest.raises(InvalidInput, match=r"^--from 2999-01-01 is in the future$"):
        app.queries.changes(SLUG, "2999-01-01")


def test_a_record_time_before_the_record_is_an_error(app: Service) -> None:
    with pytest.raises(
        InvalidInput, match=r"^--as-of 2024-03-01 is before the record: it is empty$"
    ):
        app.queries.clocks(as_of="2024-03-01")
    record_case(app)
    began = app.record.history(SLUG)[0]["recorded_at"]
    with pytest.raises(InvalidInput) as error:
        app.queries.clocks(as_of="2024-03-01T12:00:00Z")
    assert str(error.value) == (
        f"--as-of 2024-03-01T12:00:00Z is before the record: it began at {began}"
    )
    # A diff may not start before the record either (the same error).
    with pytest.raises(InvalidInput) as error:
        app.queries.changes(SLUG, "2000-01-01", "2001-01-01")
    assert str(error.value) == (
        f"--from 2000-01-01 is before the record: it began at {began}"
    )


@pytest.mark.parametrize(
    "text", ["nope", "2024-02-30", "2024-03", "yesterday", "2024-03-01T25:00"]
)
def test_an_unreadable_record_time_is_an_error(app: Service, text: str) -> None:
    record_case(app)
    with pytest.raises(InvalidInput, match=r"^--as-of '.*' must be an ISO 8601 time"):
        app.queries.clocks(as_of=text)
    with pytest.raises(InvalidInput, match=r"^--from '.*' must be an ISO 8601 time"):
        app.queries.changes(SLUG, text)
    began = app.record.history(SLUG)[0]["recorded_at"]
    with pytest.raises(InvalidInput, match=r"^--to '.*' must be an ISO 8601 time"):
        app.queries.changes(SLUG, began, text)


@pytest.mark.parametrize("option", ["at", "since", "until"])
@pytest.mark.parametrize("text", ["nope", "2024-13", "2024-07/2024-06"])
def test_an_unreadable_valid_date_is_an_error(
    app: Service, option: str, text: str
) -> None:
    with pytest.raises(InvalidInput, match=f"^--{option}: date '{text}'"):
        app.queries.clocks(**{option: text})


@pytest.mark.parametrize(
    ("since", "until"),
    [("2024-08", "2024-07"), ("2024-07-02", "2024-07-01"), ("2025", "2024-12-31")],
)
def test_since_after_until_is_an_error(app: Service, since: str, until: str) -> None:
    with pytest.raises(InvalidInput) as error:
        app.queries.clocks(since=since, until=until)
    assert str(error.value) == f"--since {since} is after --until {until}"


def test_a_diff_from_after_its_end_is_an_error(app: Service) -> None:
    record_case(app)
    first, last = app.record.history(SLUG)[0]["recorded_at"], recorded(app)
    with pytest.raises(InvalidInput) as error:
        app.queries.changes(SLUG, last, first)
    assert str(error.value) == f"--from {last} is after --to {first}"
    with pytest.raises(NotFound, match="no talks 'nope'"):
        app.queries.changes("nope", first)
