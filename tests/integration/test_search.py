"""Search as analysts write it: English stems, ``OR``, quoted phrases and
prefixes, filtered by talks, tag and valid dates; the same hits on every
backend, and no query that is not an answer or one error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.errors import InvalidInput, NotFound
from projections.rows import SearchWord, parse_search
from tests.postgres import fresh_schema
from timeline.bootstrap import open_service
from timeline.service import Service

SLUG = "geneva-talks"
OTHER = "vienna-talks"
NO_WORD = "search needs at least one word"


def record_round(app: Service) -> None:
    """Two talks and developments on their ceasefire, dated and not:
    developments 1 to 5 of SLUG, and 1 of OTHER."""
    app.open_talks(SLUG, "Geneva Talks", "Genève", ["RUS", "UKR"], on="2024-07")
    app.open_talks(OTHER, "Vienna Talks", "Vienna", ["RUS", "UKR"])
    app.record_development(
        SLUG, "2024-07-01", "Ceasefire agreed with a prisoner exchange"
    )
    app.record_development(
        SLUG, "2024-07-23/2024-07-26", "Truce holds; prisoner exchange next"
    )
    app.record_development(SLUG, "2024-08", "Ceasefire talks: an exchange of prisoners")
    app.record_development(
        SLUG, "2024", "Prisoner exchange completed, the end of the war"
    )
    app.record_development(
        SLUG, "2025-01-10", "Agreements on negotiations for a follow-up round",
        sources=["https://example.org/follow-up"],
    )  # fmt: skip
    app.record_stance(SLUG, "UKR", "Sanctions must stay", ["An end to the war"])
    app.record_development(OTHER, "2024-07-02", "Ceasefire monitors arrive")


def refs(app: Service, query: str, slug: str | None = None, **filters: str) -> set[str]:
    """The entries found, as ``talks ref`` (``since``, ``until`` and ``tag`` filter)."""
    tag = filters.pop("tag", None)
    clocks = app.clocks(**filters)
    return {
        f"{h['slug']} {h['ref']}"
        for h in app.search(query, slug, tag=tag, clocks=clocks)
    }


def here(*numbers: int) -> set[str]:
    """Developments of SLUG, as :func:`refs` names them."""
    return {f"{SLUG} development:{number}" for number in numbers}


@pytest.fixture
def recorded(app: Service) -> Service:
    """The application with :func:`record_round` recorded."""
    record_round(app)
    return app


# -- the query language, without a store -----------------------------------------------


@pytest.mark.own_stores  # none: the parser alone
@pytest.mark.parametrize(
    ("query", "groups"),
    [
        ("ceasefire", [["ceasefire"]]),
        ("ceasefire truce", [["ceasefire"], ["truce"]]),
        ("ceasefire OR truce", [["ceasefire", "truce"]]),
        ('ceasefire OR truce "prisoner exchange"',
         [["ceasefire", "truce"], ["prisoner exchange"]]),
        ('"prisoner exchange" OR swap talks',
         [["prisoner exchange", "swap"], ["talks"]]),
        ("a OR b OR c", [["a", "b", "c"]]),
        ("ceasefire or truce", [["ceasefire"], ["or"], ["truce"]]),  # a word
        ('"ceasefire OR truce"', [["ceasefire OR truce"]]),  # quoted: words
        ("OR ceasefire", [["ceasefire"]]),
        ("ceasefire OR", [["ceasefire"]]),
        ("ceasefire OR OR truce", [["ceasefire", "truce"]]),
        ("ceasefire OR - truce", [["ceasefire", "truce"]]),  # "-" is no term
        ('"prisoner exchange', [["prisoner exchange"]]),  # open: to the end
        ('talks "prisoner', [["talks"], ["prisoner"]]),
        ('say"prisoner exchange"now', [["say"], ["prisoner exchange"], ["now"]]),
        ("(ceasefire OR truce)", [["ceasefire", "truce"]]),
        ("follow-up 1.5 example.org", [["follow-up"], ["1.5"], ["example.org"]]),
        ("NOT ceasefire AND truce", [["NOT"], ["ceasefire"], ["AND"], ["truce"]]),
    ],
)  # fmt: skip
def test_a_query_is_groups_of_terms_any_of_which_may_match(
    query: str, groups: list[list[str]]
) -> None:
    parsed = parse_search(query)
    assert [[" ".join(w.text for w in term) for term in group]
            for group in parsed] == groups  # fmt: skip


@pytest.mark.own_stores
def test_a_star_after_a_word_asks_for_a_prefix() -> None:
    assert parse_search("negot*") == [[(SearchWord("negot", True),)]]
    assert parse_search('"prisoner exch*"') == [
        [(SearchWord("prisoner", False), SearchWord("exch", True))]
    ]
    assert parse_search("(trad*)") == [[(SearchWord("trad", True),)]]
    assert parse_search("*trade") == [[(SearchWord("trade", False),)]]


@pytest.mark.own_stores
@pytest.mark.parametrize(
    "query", ["", "  ", "OR", "OR OR", '" "', '"" OR ""', '"-" OR', "() OR -", "*", "_"]
)
def test_a_query_without_a_word_has_no_terms(query: str) -> None:
    assert parse_search(query) == []


# -- stems -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [("agreement", here(5)), ("AGREEMENTS", here(5)), ("negotiate", here(5)),
     ("negotiation", here(5)), ("prisoner", here(1, 2, 3, 4)),
     ("exchanged", here(1, 2, 3, 4)), ("sanction", {f"{SLUG} stance:UKR"}),
     ("completing", here(4)), ("geneve", {f"{SLUG} talks"})],
)  # fmt: skip
def test_words_match_in_any_english_form(
    recorded: Service, query: str, found: set[str]
) -> None:
    assert refs(recorded, query) == found


def test_a_prefix_matches_the_start_of_a_stem(recorded: Service) -> None:
    assert refs(recorded, "negot*") == here(5)
    assert refs(recorded, "negotiation*") == here(5)  # its stem: negoti
    assert refs(recorded, "negotiat*") == set()  # longer than the stem negoti
    assert refs(recorded, "negot") == set()  # a prefix only with a star


def test_common_words_are_words_on_every_backend(recorded: Service) -> None:
    """No stop words: "the" is indexed and found as any word is."""
    assert refs(recorded, "the") == {*here(4), f"{SLUG} stance:UKR"}
    assert refs(recorded, "the war") == {*here(4), f"{SLUG} stance:UKR"}
    assert refs(recorded, '"end of the war"') == here(4)
    assert refs(recorded, '"an end to the war"') == {f"{SLUG} stance:UKR"}
    assert refs(recorded, "of an") == here(3)
    assert refs(recorded, "a OR an") == {*here(1, 3, 5), f"{SLUG} stance:UKR"}


# -- OR and phrases --------------------------------------------------------------------


def test_or_joins_the_terms_beside_it_and_phrases_keep_their_order(
    recorded: Service,
) -> None:
    either = {*here(1, 2, 3), f"{OTHER} development:1"}
    assert refs(recorded, "ceasefire OR truce") == either
    assert refs(recorded, 'ceasefire OR truce "prisoner exchange"') == here(1, 2)
    assert refs(recorded, '"prisoner exchange"') == here(1, 2, 4)
    assert refs(recorded, '"exchange prisoner"') == set()
    assert refs(recorded, '"exchange of prisoners"') == here(3)
    assert refs(recorded, '"prisoner exch*"') == here(1, 2, 4)
    assert refs(recorded, '"prisoner exchange') == here(1, 2, 4)  # open to the end
    assert refs(recorded, "ceasefire or truce") == set()  # "or" is a word here
    assert refs(recorded, "truce OR monitors", OTHER) == {f"{OTHER} development:1"}


def test_words_joined_by_punctuation_match_as_written(recorded: Service) -> None:
    assert refs(recorded, "follow-up") == here(5)
    assert refs(recorded, "follow up") == here(5)
    assert refs(recorded, "example.org") == here(5)  # in the source
    assert refs(recorded, "(ceasefire OR truce) completed") == set()
    assert refs(recorded, "(prisoner OR truce) completed,") == here(4)


@pytest.mark.parametrize(
    "query",
    ['ceasefire"', "ceasefire AND", "NOT ceasefire", "-ceasefire", "ceasefire:",
     "text:ceasefire", "talks_id:x", "tags:x", "^ceasefire", "ceasefire + truce",
     "NEAR(ceasefire truce)", "ceasefire*truce", "{text}: ceasefire", "'ceasefire'",
     "ceasefire & !truce | war:*", "ceasefire <-> truce", "\\ceasefire\\", "x' | 'y",
     "ceasefire; DROP TABLE search_entries", '"ceasefire" "', "OR OR ceasefire OR"],
)  # fmt: skip
def test_any_other_syntax_is_text(recorded: Service, query: str) -> None:
    found = refs(recorded, query)  # never raises
    assert found <= refs(recorded, "ceasefire OR truce")


@pytest.mark.parametrize(
    "query", ["", "   ", "OR", "OR OR", '"', '""', "() OR -", "*", "^ : +", "_"]
)
def test_a_query_without_a_word_is_an_error(recorded: Service, query: str) -> None:
    with pytest.raises(InvalidInput, match=NO_WORD):
        recorded.search(query)


# -- filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dates",
    [{"since": "2024-07-25"}, {"until": "2024-07-01"}, {"since": "2024-08"},
     {"since": "2024-07-24", "until": "2024-07-24"}, {"until": "2023"},
     {"since": "2025"}, {"since": "2024-07", "until": "2024-07"}],
)  # fmt: skip
def test_dates_keep_what_events_keeps(recorded: Service, dates: dict[str, str]) -> None:
    """An entry is kept when its dates reach into the range; undated ones
    are left out: the same entries as ``events --since --until``."""
    listed = {
        f"{r['slug']} {r['ref']}" for r in recorded.entries(recorded.clocks(**dates))
    }
    everything = "ceasefire OR truce OR prisoner OR agreements OR sanctions OR talks"
    assert refs(recorded, everything, **dates) == refs(recorded, everything) & listed


def test_dates_narrow_a_search(recorded: Service) -> None:
    assert refs(recorded, "prisoner", since="2024-07-25") == here(2, 3, 4)
    assert refs(recorded, "prisoner", until="2024-07-01") == here(1, 4)
    day = {"since": "2024-07-24", "until": "2024-07-24"}
    assert refs(recorded, "prisoner", **day) == here(2, 4)  # the interval, the year
    other = {f"{OTHER} development:1"}
    assert refs(recorded, "ceasefire", OTHER, until="2024-07") == other
    assert refs(recorded, "sanctions", since="2000") == set()  # undated
    assert refs(recorded, "talks", since="2024-07") == {f"{SLUG} talks", *here(3)}


def test_wrong_dates_are_errors(recorded: Service) -> None:
    with pytest.raises(InvalidInput, match="after --until"):
        refs(recorded, "prisoner", since="2025", until="2024")
    with pytest.raises(InvalidInput, match="--since"):
        refs(recorded, "prisoner", since="July")


def test_a_tag_keeps_the_entries_filed_under_it(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["RUS", "UKR"])
    app.record_development(
        SLUG, "2024-07", "Ceasefire talks", tags=["ceasefire", "grain-deal"]
    )
    app.record_development(
        SLUG, "2024-08", "Ceasefire grain deal", tags=["grain", "deal"]
    )
    app.record_development(SLUG, "2024-09", "Ceasefire holds")  # no tags
    app.record_stance(SLUG, "UKR", "Ceasefire first", tags=["ceasefire"])
    assert refs(app, "ceasefire", tag="ceasefire") == {*here(1), f"{SLUG} stance:UKR"}
    assert refs(app, "ceasefire", tag="grain-deal") == here(1)  # whole, as filed
    assert refs(app, "ceasefire", tag="grain") == here(2)
    assert refs(app, "ceasefire", tag="deal") == here(2)
    assert refs(app, "ceasefire", tag="ceasefires") == set()  # tags are not stemmed
    assert refs(app, "ceasefire", tag="nowhere") == set()
    assert refs(app, "ceasefire", tag="") == set()
    assert refs(app, "ceasefire", tag="ceasefire", until="2024-07") == here(1)
    assert refs(app, "holds", tag="ceasefire") == set()


def test_a_tag_follows_amendments_and_retractions(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["RUS", "UKR"])
    app.record_development(SLUG, "2024-07", "Ceasefire talks", tags=["ceasefire"])
    app.record_development(SLUG, "2024-08", "Ceasefire holds", tags=["ceasefire"])
    app.amend(SLUG, "development:1", {"tags": ["truce"]}, "Filed wrongly")
    app.retract(SLUG, "development:2", "Not reported")
    assert refs(app, "ceasefire", tag="ceasefire") == set()
    assert refs(app, "ceasefire", tag="truce") == here(1)
    app.amend(SLUG, "development:1", {"on": "2025"}, "Misdated")  # tags kept
    assert refs(app, "ceasefire", tag="truce", since="2025") == here(1)
    app.amend(SLUG, "development:1", {"tags": ""}, "No tags after all")
    assert refs(app, "ceasefire", tag="truce") == set()
    assert refs(app, "ceasefire") == here(1)


def test_filters_find_matches_older_than_the_ranked_newest(
    app: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filters narrow before the RANKED newest matches are taken: an older
    match that passes them is found however many newer ones do not."""
    for backend in ("sqlite", "postgres"):
        monkeypatch.setattr(f"projections.{backend}.search.RANKED", 3)
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["RUS", "UKR"])
    app.record_development(SLUG, "2020", "Ceasefire, the first", tags=["first"])
    for number in range(2, 8):
        app.add_agenda_item(SLUG, f"take-{number}", f"Ceasefire, take {number}")
    assert len(refs(app, "ceasefire")) == 3  # the newest three matches, ranked
    assert refs(app, "ceasefire", tag="first") == here(1)
    assert refs(app, "ceasefire", until="2021") == here(1)
    assert refs(app, "ceasefire", since="2019", until="2020") == here(1)


def test_an_unknown_talks_is_an_error_and_a_control_character_refused(
    recorded: Service,
) -> None:
    with pytest.raises(NotFound, match="no talks 'nope'"):
        refs(recorded, "ceasefire", "nope")
    with pytest.raises(InvalidInput, match="tag"):
        refs(recorded, "ceasefire", tag="cease\x00fire")


# -- every backend alike, and never a crash --------------------------------------------

VOCABULARY = [
    "ceasefire", "Ceasefires", "truce", "prisoner", "prisoners", "exchange",
    "exchanged", "the", "of", "an", "end", "war", "talks", "agreement",
    "negotiate", "negot*", "follow-up", "example.org", "Genève", "sanction",
    "monitors", "holds", "2024", "xyzzy", "OR", "OR", "AND", "NOT", '"', "*",
    "-", "(", ")", ":", "'", "\\", "&", "|", "!", "<->", "^", "+",
]  # fmt: skip
queries = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=6).map(" ".join)


@pytest.fixture
def both(tmp_path: Path) -> Iterator[tuple[Service, Service]]:
    """The round recorded on a SQLite file and on a PostgreSQL schema."""
    with fresh_schema() as url:
        sqlite, postgres = (open_service(tmp_path / "s.sqlite", "tester"),
                            open_service(url, "tester"))  # fmt: skip
        try:
            for app in (sqlite, postgres):
                record_round(app)
            yield sqlite, postgres
        finally:
            sqlite.close()
            postgres.close()


@pytest.mark.own_stores
@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(query=queries)
def test_both_backends_find_the_same_entries(
    both: tuple[Service, Service], query: str
) -> None:
    answers = []
    for app in both:
        try:
            answers.append(refs(app, query))
        except InvalidInput as error:
            answers.append({str(error)})
    assert answers[0] == answers[1], query
    assert (answers[0] == {NO_WORD}) == (parse_search(query) == [])


@pytest.mark.own_stores
@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(query=st.text(st.characters(codec="utf-8"), max_size=40)
       | st.lists(st.sampled_from(VOCABULARY), max_size=400).map(" ".join))  # fmt: skip
def test_no_query_crashes_either_backend(
    both: tuple[Service, Service], query: str
) -> None:
    """Any text is an answer or one error: no word, or what no entry can hold
    (a control character, more than 1,000 characters)."""
    for app in both:
        refused = None
        try:
            app.search(query)
        except InvalidInput as error:
            refused = str(error)
        assert refused != NO_WORD or parse_search(query) == [], query
