"""SQL of the full-text search view: a ``tsvector`` over every recorded text.

``search_entries`` holds the current text of each entry that stands (an
amendment replaces its row, a retraction removes it), with its words as a
``tsvector`` column the server computes, under a GIN index, the first and
last day of its date, and its tags (an array, NULL when it has none, under
a GIN index of the entries that have some).

The words are read by a text-search configuration of the store's own,
``timeline_search``: PostgreSQL's parser, every word lowercased and, where
the database has the ``unaccent`` extension, stripped of its accents
("Genève" is found by "geneve"), as SQLite's ``unicode61 remove_diacritics``
tokenizer does, then reduced to its English stem by the Snowball stemmer of
``english_stem`` ("Agreements" and "agreement" are both ``agreement``,
"negotiations" and "negotiate" ``negoti``), as SQLite's ``porter`` does.
Unlike ``english_stem``, the store's dictionary (``timeline_english``) has
no stop words: "the" is indexed and found, as in SQLite, so a query holding
one, or made of them, means the same on both backends. The two stemmers
(Snowball's English here, Porter's original there) agree on most words and
differ on a few: Porter reads "general" and "generous" as one stem and
"news" as "new", Snowball "skies" as "sky". Without ``unaccent`` (which
:func:`projections.postgres.connect.prepare` installs where the user
may), accents count.

A query is never parsed as query syntax: :func:`projections.rows.parse_search`
reads it, and :func:`tsquery` renders each of its words as one quoted term
of a tsquery (``'trade' & ('ceasefire' | 'truce') & 'prisoner' <-> 'exch':*``),
read by ``to_tsquery`` with the same configuration, so it is lowercased,
unaccented and stemmed as the text was.

Ranking: hits are ranked by ``ts_rank`` (normalised by length; negated so
that, as SQLite's bm25, lower is better) among the RANKED most recently
recorded matches that pass the filters (talks, tag, dates), so a search
stays fast however large the store grows, and a filter never loses an
older match. Snippets are ``ts_headline``'s, each hit marked as ``[word]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from projections.entries import Amended, Applied, NewEntry
from projections.postgres.dialect import PgCursor, copy_rows, qualified, quoted
from projections.rows import (
    NOW,
    Clocks,
    SearchHit,
    SearchQuery,
    SearchWord,
    parse_search,
)
from projections.search import hex_id, new_search_rows, search_row

Batch = Sequence[Applied]

CONFIGURATION = "timeline_search"
DICTIONARY = "timeline_english"
ENTRY_COLUMNS = (
    "id, talks_id, slug, kind, ref, entry_id, fields, text, valid_lower,"
    " valid_upper, tags"
)
SERIAL = "SET LOCAL max_parallel_workers_per_gather = 0"
"""A search reads a few thousand rows at most: starting parallel workers
would cost more than they save."""
RANKED = 2_000
"""How many of the most recent matches are ranked by relevance."""
INDEXED = ("words", "tags")
"""The columns under the GIN indexes only queries need (away during a replay)."""
FILTERS = {
    "talks_id": " AND talks_id = %(talks_id)s",
    "tag": " AND tags @> ARRAY[%(tag)s::text]",
    "since": " AND valid_upper >= %(since)s",
    "until": " AND valid_lower <= %(until)s",
}
"""The conditions of the filters given, as the search's parameters name them."""
START, STOP = "\x01", "\x02"
"""How ``ts_headline`` marks a hit, made ``[word]`` once the snippet is read:
no text holds these, so a snippet is told from the text it came from."""
HEADLINE = (
    f'StartSel="{START}", StopSel="{STOP}",'
    " MaxFragments=1, MaxWords=12, MinWords=10, ShortWord=0"
)
"""``ts_headline``'s options: one passage of about 12 words around the hits,
as SQLite's ``snippet(..., 12)``."""
# The dictionary and configuration are made once per schema (CREATE has no
# IF NOT EXISTS): english_stem's Snowball stemmer without its stop words, for
# words of letters, after unaccent for words with letters beyond ASCII, where
# the extension is installed; numbers, hosts and the rest as PostgreSQL's
# simple dictionary reads them (lowercased).
CREATE_CONFIGURATION = """
DO $do$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_ts_dict WHERE dictname = '{dictionary_name}'
        AND dictnamespace = '{schema}'::regnamespace
    ) THEN
        CREATE TEXT SEARCH DICTIONARY {dictionary} (
            TEMPLATE = pg_catalog.snowball, Language = english);
    END IF;
    IF NOT EXISTS (
        SELECT FROM pg_ts_config
        WHERE cfgname = '{name}' AND cfgnamespace = '{schema}'::regnamespace
    ) THEN
        CREATE TEXT SEARCH CONFIGURATION {configuration} (COPY = pg_catalog.simple);
        ALTER TEXT SEARCH CONFIGURATION {configuration}
            ALTER MAPPING FOR asciiword, asciihword, hword_asciipart WITH {dictionary};
        ALTER TEXT SEARCH CONFIGURATION {configuration}
            ALTER MAPPING FOR word, hword, hword_part WITH {dictionary};
        IF EXISTS (SELECT FROM pg_ts_dict WHERE dictname = 'unaccent') THEN
            EXECUTE format(
                'ALTER TEXT SEARCH CONFIGURATION {configuration}'
                ' ALTER MAPPING FOR word, hword, hword_part WITH %s, {dictionary}',
                (SELECT oid FROM pg_ts_dict WHERE dictname = 'unaccent'
                 ORDER BY oid LIMIT 1)::regdictionary);
        END IF;
    END IF;
END
$do$"""


class SearchIndex:
    name = "search"
    revision = 2

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.entries = qualified(schema, "search_entries")
        self.talks = qualified(schema, "search_talks")
        self.configuration = qualified(schema, CONFIGURATION)
        self.dictionary = qualified(schema, DICTIONARY)
        self.indexes = [qualified(schema, f"search_entries_{n}") for n in INDEXED]
        self.slugs: dict[str, str] = {}  # talks id -> slug; slugs never change
        # The configuration as a constant: to_tsvector(regconfig, text) is
        # immutable, as a stored generated column needs.
        self.regconfig = f"'{self.configuration}'::regconfig"
        self.words = f"to_tsvector({self.regconfig}, text)"

    def create(self) -> list[str]:
        return [
            CREATE_CONFIGURATION.format(
                name=CONFIGURATION,
                dictionary_name=DICTIONARY,
                schema=quoted(self.schema),
                configuration=self.configuration,
                dictionary=self.dictionary,
            ),
            f"CREATE TABLE IF NOT EXISTS {self.entries} ("
            " id bigint PRIMARY KEY, talks_id text NOT NULL, slug text NOT NULL,"
            " kind text NOT NULL, ref text NOT NULL, entry_id bigint NOT NULL,"
            " fields text NOT NULL, text text NOT NULL, valid_lower text,"
            " valid_upper text, tags text[],"
            f" words tsvector GENERATED ALWAYS AS ({self.words}) STORED)",
            f"CREATE INDEX IF NOT EXISTS {quoted('search_entries_ref')}"
            f" ON {self.entries} (talks_id, ref, entry_id)",
            *self._query_indexes(),
            f"CREATE TABLE IF NOT EXISTS {self.talks} ("
            " talks_id text PRIMARY KEY, slug text NOT NULL UNIQUE)",
        ]

    def _query_indexes(self) -> list[str]:
        return [
            f"CREATE INDEX IF NOT EXISTS {quoted('search_entries_words')}"
            f" ON {self.entries} USING gin (words)",
            f"CREATE INDEX IF NOT EXISTS {quoted('search_entries_tags')}"
            f" ON {self.entries} USING gin (tags) WHERE tags IS NOT NULL",
        ]

    def drop(self) -> list[str]:
        return [
            f"DROP TABLE IF EXISTS {self.entries}",
            f"DROP TABLE IF EXISTS {self.talks}",
            f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {self.configuration}",
            f"DROP TEXT SEARCH DICTIONARY IF EXISTS {self.dictionary}",
        ]

    def replay_started(self) -> list[str]:
        return [f"DROP INDEX IF EXISTS {index}" for index in self.indexes]

    def replay_finished(self) -> list[str]:
        """The GIN indexes built in one pass over every row; then the table's
        statistics, without which the planner cannot tell a common word
        (walk the newest entries backwards, checking each: a few ms) from a
        rare one (read the index: a few matches), and reads every match of a
        common word (0.2 s at a million entries)."""
        return [*self._query_indexes(), f"ANALYZE {self.entries}"]

    def prepare(
        self, c: PgCursor, batch: Batch, read: Batch
    ) -> dict[int, tuple[Any, ...]]:
        """The rows of the batch's new entries, by position, made before the
        write transaction (corrections read rows the same batch may write)."""
        return new_search_rows(batch, lambda i: self._slug(c, i))

    def apply(
        self, c: PgCursor, batch: Batch, replaying: bool,
        prepared: dict[int, tuple[Any, ...]],
    ) -> None:  # fmt: skip
        """Replaying, the GIN index is away: it is built whole when the
        replay reaches the head."""
        docs: list[tuple[Any, ...]] = []
        talks: list[tuple[str, str]] = []

        def flush() -> None:  # before reading rows this batch may have added
            rows = [(*d[:-1], d[-1] or None) for d in docs]  # no tags: NULL
            copy_rows(c, self.entries, ENTRY_COLUMNS, rows)
            docs.clear()

        for item in batch:
            change = item.change
            if isinstance(change, NewEntry):
                if change.kind == "talks":
                    self.slugs[item.talks_id] = change.fields["slug"]
                    talks.append((hex_id(item.talks_id), change.fields["slug"]))
                docs.append(prepared[item.position])
            elif change is not None:
                flush()
                c.execute(
                    f"SELECT id, entry_id, fields FROM {self.entries}"
                    " WHERE talks_id = %s AND ref = %s ORDER BY entry_id DESC LIMIT 1",
                    (hex_id(item.talks_id), change.ref),
                )
                current = c.fetchone()
                if current is None:
                    continue
                c.execute(f"DELETE FROM {self.entries} WHERE id = %s", (current["id"],))
                if isinstance(change, Amended):
                    fields = {**orjson.loads(current["fields"]), **change.changes}
                    slug = self._slug(c, item.talks_id)
                    docs.append(search_row(slug, item, current["entry_id"], fields))
        flush()
        copy_rows(c, self.talks, "talks_id, slug", talks)

    def _slug(self, c: PgCursor, talks_id: str) -> str:
        if talks_id not in self.slugs:
            c.execute(
                f"SELECT slug FROM {self.talks} WHERE talks_id = %s",
                (hex_id(talks_id),),
            )
            row = c.fetchone()
            assert row is not None, f"no talks {talks_id} in {self.talks}"
            self.slugs[talks_id] = row["slug"]
        return self.slugs[talks_id]

    def search(
        self, c: PgCursor, query: str, slug: str | None = None, *,
        tag: str | None = None, clocks: Clocks = NOW, limit: int = 20,
    ) -> list[SearchHit]:  # fmt: skip
        """The best ``limit`` of the RANKED newest matches in talks ``slug``,
        carrying ``tag``, dated within ``clocks.since`` and ``clocks.until``."""
        params: dict[str, Any] = {
            "query": tsquery(parse_search(query)), "headline": HEADLINE,
            "ranked": RANKED, "limit": limit, "tag": tag, "since": clocks.since,
            "until": clocks.until,
        }  # fmt: skip
        if slug:
            c.execute(f"SELECT talks_id FROM {self.talks} WHERE slug = %s", (slug,))
            row = c.fetchone()
            if row is None:
                return []
            params["talks_id"] = row["talks_id"]
        filters = "".join(
            sql for name, sql in FILTERS.items() if params.get(name) is not None
        )
        c.execute(SERIAL)
        c.execute(_select_search(self.entries, self.regconfig, filters), params)
        return [
            SearchHit(
                slug=row["slug"], kind=row["kind"], ref=row["ref"],
                entry_id=row["entry_id"], rank=row["rank"],
                snippet=snippet(row["headline"], row["text"]),
            )
            for row in c.fetchall()
        ]  # fmt: skip


def _select_search(entries: str, regconfig: str, filters: str) -> str:
    """The search with the conditions of its ``filters``: the RANKED most
    recent matches that pass them, the best ``limit`` of them, and their
    snippets."""
    query = f"to_tsquery({regconfig}, %(query)s)"
    return (
        "SELECT slug, kind, ref, entry_id, text, rank,"
        f" ts_headline({regconfig}, text, {query}, %(headline)s) AS headline"
        f" FROM (SELECT r.*, -ts_rank(r.words, {query}, 1) AS rank FROM ("
        " SELECT slug, kind, ref, entry_id, text, words"
        f" FROM {entries} WHERE words @@ {query}{filters}"
        " ORDER BY id DESC LIMIT %(ranked)s) r"
        " ORDER BY rank, entry_id LIMIT %(limit)s) hits"
        " ORDER BY rank, entry_id"
    )


def snippet(headline: str, text: str) -> str:
    """A headline as SQLite's snippet reads: hits as ``[word]``, and "..."
    where the passage leaves text out before or after it."""
    passage = headline.replace(START, "").replace(STOP, "")
    marked = headline.replace(START, "[").replace(STOP, "]")
    before = "" if text.startswith(passage) else "..."
    after = "" if text.endswith(passage) else "..."
    return before + marked + after


def tsquery(query: SearchQuery) -> str:
    """A parsed search as a tsquery: every group must match (``&``), any
    term of a group may (``|``), a phrase's words follow one another (``<->``)."""
    groups = []
    for group in query:
        terms = [" <-> ".join(_quoted(word) for word in term) for term in group]
        groups.append(terms[0] if len(terms) == 1 else f"({' | '.join(terms)})")
    return " & ".join(groups)


def _quoted(word: SearchWord) -> str:
    """A user's word as one quoted tsquery term, so tsquery operators
    (``& | ! <-> :*``) and punctuation in it are never read as syntax; ``:*``
    asks for a prefix. A word the parser splits (``follow-up``, ``war_time``)
    matches as a phrase, as in SQLite."""
    text = word.text.replace("\\", "\\\\").replace("'", "''")
    return f"'{text}'" + (":*" if word.prefix else "")
