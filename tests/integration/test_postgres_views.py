"""What the PostgreSQL views do that the backends' contract cannot say:
schemas are independent stores, searches use their GIN index, and query
syntax in user text is read as words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres import fresh_schema, server
from timeline.application import DiplomaticRecord
from timeline.bootstrap import open_record
from timeline.catchup import catch_up
from timeline.settings import Settings

SLUG = "geneva-talks"


@pytest.fixture
def record() -> Iterator[DiplomaticRecord]:
    with fresh_schema() as url:
        app = open_record(Settings.resolve(url, "tester"))
        try:
            yield app
        finally:
            app.views.close()
            app.close()


def test_two_schemas_are_two_stores(record: DiplomaticRecord) -> None:
    record.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    catch_up(record)
    with fresh_schema() as url:
        other = open_record(Settings.resolve(url, "tester"))
        try:
            assert other.views.head() == 0
            assert other.views.talks_list() == []
            assert other.views.search("geneva") == []
            other.open_talks("vienna-talks", "Vienna Talks", "Vienna", ["CHN"])
            catch_up(other)
            assert [t["slug"] for t in other.views.talks_list()] == ["vienna-talks"]
        finally:
            other.views.close()
            other.close()
    assert [t["slug"] for t in record.views.talks_list()] == [SLUG]
    import psycopg

    with psycopg.connect(server()) as connection:
        leaked = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename LIKE ANY (ARRAY['%view%', 'timeline%', 'search%'])"
        ).fetchall()
    assert leaked == []


@pytest.mark.parametrize(
    "query", ["a & !b | c:*", "'hesitant", "hesitant'", "\\", "x' | 'y", "(a <-> b"]
)
def test_tsquery_syntax_in_user_text_is_words(
    record: DiplomaticRecord, query: str
) -> None:
    record.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    record.record_stance(SLUG, "CHN", "Hesitant about a, b and c")
    catch_up(record)
    found = record.views.search(query)  # never raises
    assert all(hit["ref"] == "stance:CHN" for hit in found)
    assert [h["ref"] for h in record.views.search("a & !b | c:*")] == ["stance:CHN"]


def test_search_ignores_accents_and_marks_hits(record: DiplomaticRecord) -> None:
    record.open_talks(SLUG, "Genève Talks", "Genève", ["CHN", "UKR"])
    catch_up(record)
    (hit,) = record.views.search("GENEVE")
    assert "[Genève]" in hit["snippet"]
    assert [h["ref"] for h in record.views.search("genè*")] == ["talks"]


def test_search_uses_the_gin_index(record: DiplomaticRecord) -> None:
    record.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    catch_up(record)
    views = record.views
    schema = record.opened_with[0]["POSTGRES_SCHEMA"]
    with views.datastore.transaction(commit=False) as c:  # type: ignore[attr-defined]
        c.execute("SET LOCAL enable_seqscan = off")  # a tiny table: force the choice
        c.execute(
            f'EXPLAIN SELECT id FROM "{schema}".search_entries'
            f" WHERE words @@ to_tsquery('\"{schema}\".timeline_search', 'geneva')"
        )
        plan = "\n".join(row["QUERY PLAN"] for row in c.fetchall())
    assert "search_entries_words" in plan
