"""SQL of the full-text search view: a ``tsvector`` over every recorded text.

``search_entries`` holds the current text of each entry that stands (an
amendment replaces its row, a retraction removes it), with its words as a
``tsvector`` column the server computes, under a GIN index.

The words are read by a text-search configuration of the store's own,
``timeline_search``: PostgreSQL's parser, every word lowercased and, where
the database has the ``unaccent`` extension, stripped of its accents
("Genève" is found by "geneve"), as SQLite's ``unicode61 remove_diacritics``
tokenizer does. There is no stemming and no stop word: a word matches only
itself, or with ``*`` every word it begins. Without ``unaccent`` (which
:func:`projections.postgres.connect.prepare` installs where the user
may), accents count.

A query is never parsed as query syntax: each word of
:func:`projections.rows.search_words` becomes one quoted term of a tsquery
(``'trade' & 'secur':*``), read by ``to_tsquery`` with the same
configuration, so it is lowercased and unaccented as the text was.

Ranking: hits are ranked by ``ts_rank`` (normalised by length; negated so
that, as SQLite's bm25, lower is better) among the RANKED most recently
recorded matches, so a search stays fast however large the store grows.
Snippets are ``ts_headline``'s, each hit marked as ``[word]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from projections.entries import Amended, Applied, NewEntry
from projections.postgres.dialect import PgCursor, copy_rows, qualified, quoted
from projections.rows import SearchHit, search_words
from projections.search import hex_id, new_search_rows, search_row

Batch = Sequence[Applied]

CONFIGURATION = "timeline_search"
ENTRY_COLUMNS = "id, talks_id, slug, kind, ref, entry_id, fields, text"
SERIAL = "SET LOCAL max_parallel_workers_per_gather = 0"
"""A search reads a few thousand rows at most: starting parallel workers
would cost more than they save."""
RANKED = 2_000
"""How many of the most recent matches are ranked by relevance."""
START, STOP = "\x01", "\x02"
"""How ``ts_headline`` marks a hit, made ``[word]`` once the snippet is read:
no text holds these, so a snippet is told from the text it came from."""
HEADLINE = (
    f'StartSel="{START}", StopSel="{STOP}",'
    " MaxFragments=1, MaxWords=12, MinWords=10, ShortWord=0"
)
"""``ts_headline``'s options: one passage of about 12 words around the hits,
as SQLite's ``snippet(..., 12)``."""
# The configuration is made once per schema (CREATE has no IF NOT EXISTS):
# PostgreSQL's simple dictionary (lowercase, no stop words), after unaccent
# for words with letters beyond ASCII, where the extension is installed.
CREATE_CONFIGURATION = """
DO $do$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_ts_config
        WHERE cfgname = '{name}' AND cfgnamespace = '{schema}'::regnamespace
    ) THEN
        CREATE TEXT SEARCH CONFIGURATION {configuration} (COPY = pg_catalog.simple);
        IF EXISTS (SELECT FROM pg_ts_dict WHERE dictname = 'unaccent') THEN
            EXECUTE format(
                'ALTER TEXT SEARCH CONFIGURATION {configuration}'
                ' ALTER MAPPING FOR word, hword, hword_part WITH %s, simple',
                (SELECT oid FROM pg_ts_dict WHERE dictname = 'unaccent'
                 ORDER BY oid LIMIT 1)::regdictionary);
        END IF;
    END IF;
END
$do$"""


class SearchIndex:
    name = "search"
    revision = 1

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.entries = qualified(schema, "search_entries")
        self.talks = qualified(schema, "search_talks")
        self.configuration = qualified(schema, CONFIGURATION)
        self.index = qualified(schema, "search_entries_words")
        self.slugs: dict[str, str] = {}  # talks id -> slug; slugs never change
        # The configuration as a constant: to_tsvector(regconfig, text) is
        # immutable, as a stored generated column needs.
        regconfig = f"'{self.configuration}'::regconfig"
        self.words = f"to_tsvector({regconfig}, text)"
        self.select = {
            within: _select_search(self.entries, regconfig, within)
            for within in (False, True)
        }

    def create(self) -> list[str]:
        return [
            CREATE_CONFIGURATION.format(
                name=CONFIGURATION,
                schema=quoted(self.schema),
                configuration=self.configuration,
            ),
            f"CREATE TABLE IF NOT EXISTS {self.entries} ("
            " id bigint PRIMARY KEY, talks_id text NOT NULL, slug text NOT NULL,"
            " kind text NOT NULL, ref text NOT NULL, entry_id bigint NOT NULL,"
            " fields text NOT NULL, text text NOT NULL,"
            f" words tsvector GENERATED ALWAYS AS ({self.words}) STORED)",
            f"CREATE INDEX IF NOT EXISTS {quoted('search_entries_ref')}"
            f" ON {self.entries} (talks_id, ref, entry_id)",
            self._words_index(),
            f"CREATE TABLE IF NOT EXISTS {self.talks} ("
            " talks_id text PRIMARY KEY, slug text NOT NULL UNIQUE)",
        ]

    def _words_index(self) -> str:
        return (
            f"CREATE INDEX IF NOT EXISTS {quoted('search_entries_words')}"
            f" ON {self.entries} USING gin (words)"
        )

    def drop(self) -> list[str]:
        return [
            f"DROP TABLE IF EXISTS {self.entries}",
            f"DROP TABLE IF EXISTS {self.talks}",
            f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {self.configuration}",
        ]

    def replay_started(self) -> list[str]:
        return [f"DROP INDEX IF EXISTS {self.index}"]

    def replay_finished(self) -> list[str]:
        """The GIN index built in one pass over every row; then the table's
        statistics, without which the planner cannot tell a common word
        (walk the newest entries backwards, checking each: a few ms) from a
        rare one (read the index: a few matches), and reads every match of a
        common word (0.2 s at a million entries)."""
        return [self._words_index(), f"ANALYZE {self.entries}"]

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
            copy_rows(c, self.entries, ENTRY_COLUMNS, docs)
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
        self, c: PgCursor, query: str, slug: str | None = None, limit: int = 20
    ) -> list[SearchHit]:
        params: dict[str, Any] = {
            "query": tsquery(query), "headline": HEADLINE, "ranked": RANKED,
            "limit": limit,
        }  # fmt: skip
        if slug:
            c.execute(f"SELECT talks_id FROM {self.talks} WHERE slug = %s", (slug,))
            row = c.fetchone()
            if row is None:
                return []
            params["talks_id"] = row["talks_id"]
        c.execute(SERIAL)
        c.execute(self.select[bool(slug)], params)
        return [
            SearchHit(
                slug=row["slug"], kind=row["kind"], ref=row["ref"],
                entry_id=row["entry_id"], rank=row["rank"],
                snippet=snippet(row["headline"], row["text"]),
            )
            for row in c.fetchall()
        ]  # fmt: skip


def _select_search(entries: str, regconfig: str, within: bool) -> str:
    """The search, in one talks (``within``) or in all: the RANKED most
    recent matches, the best ``limit`` of them, and their snippets."""
    query = f"to_tsquery({regconfig}, %(query)s)"
    talks = " AND talks_id = %(talks_id)s" if within else ""
    return (
        "SELECT slug, kind, ref, entry_id, text, rank,"
        f" ts_headline({regconfig}, text, {query}, %(headline)s) AS headline"
        f" FROM (SELECT r.*, -ts_rank(r.words, {query}, 1) AS rank FROM ("
        " SELECT slug, kind, ref, entry_id, text, words"
        f" FROM {entries} WHERE words @@ {query}{talks}"
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


def tsquery(query: str) -> str:
    """Each word of the user's query as a quoted tsquery term: all must match.

    Quoting keeps tsquery operators (``& | ! <-> :*``) and punctuation in user
    text from being read as query syntax; a trailing ``*`` on a word asks for
    a prefix. A quoted word that the parser splits in two (``war_time``) must
    match as a phrase, as in SQLite.
    """
    return " & ".join(
        "'"
        + word.replace("\\", "\\\\").replace("'", "''")
        + "'"
        + (":*" if prefix else "")
        for word, prefix in search_words(query)
    )
