"""SQL of the full-text search view: SQLite FTS5 over every recorded text.

``search_entries`` holds the current text of each entry that stands (an
amendment replaces it, a retraction removes it), with the first and last day
of its date and its tags; ``search_index`` is an FTS5 index over its text,
talks id and tags (external content). Talks ids are kept as 32 hex digits,
as the event store keeps them: one token each in the index, not five (the
index was half again as large, and its rebuild as slow); a tag as the hex
digits of its UTF-8, one token however it is spelt (``grain-deal`` would be
two words of text).

Words: FTS5's ``porter`` tokenizer over ``unicode61`` (diacritics folded),
so the text and the query are read alike: lowercased, unaccented and
reduced to an English stem ("Agreements" and "agreement" are both
``agreement``, "negotiations" and "negotiate" ``negoti``). Every word is
kept, however common ("the" finds the entries that hold it): PostgreSQL's
configuration keeps them too, and stems with Snowball's English, which
differs from Porter's on a few words (see its ``search`` module). The
stemmer may trim a final "e" from a hex token, the same in the index and in
the query: ids and tags stay distinct.

A query is :func:`projections.rows.parse_search`'s structure rendered as
FTS5 syntax (:func:`match_expression`): each user word a quoted string,
where FTS5 reads nothing as syntax, phrases joined by ``+``, groups by
``OR`` and ``AND``.

Ranking: hits are ranked among the RANKED most recently recorded matches,
which are found in well under a millisecond however large the store. Each
is scored as bm25 scores a document, from its own text alone: how often the
query's words occur in it (``highlight`` marks each occurrence), saturating,
against its length (in characters) relative to the other candidates'.
FTS5's own bm25 also weighs each word by how many rows of the whole index
hold it, a read that grows with the store (36 of 38 ms for a common phrase
at ten million entries); every candidate holds every word of the query
(one of those joined by OR), so that weight mostly sets the words' weights
against each other. PostgreSQL's
``ts_rank`` has no such weight either. The talks and tag filters are part of
the FTS query, and the dates a condition on the rows as the matches are read
newest first, so all three narrow before ranking (a match older than the
RANKED newest of the whole store is still found when it passes them);
snippets are made for the hits returned only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from eventsourcing.sqlite import SQLiteCursor

from projections.entries import Amended, Applied, NewEntry
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

INSERT_ENTRY = "INSERT INTO search_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
INSERT_INDEX = (
    "INSERT INTO search_index (rowid, text, talks_id, tags) VALUES (?, ?, ?, ?)"
)
DELETE_INDEX = (
    "INSERT INTO search_index (search_index, rowid, text, talks_id, tags)"
    " VALUES ('delete', ?, ?, ?, ?)"
)
SELECT_CURRENT = (
    "SELECT id, entry_id, fields, text, tags FROM search_entries"
    " WHERE talks_id = ? AND ref = ? ORDER BY entry_id DESC LIMIT 1"
)
RANKED = 2_000
"""How many of the most recent matches are ranked by relevance."""
OLDEST_RANKED = (
    "SELECT rowid FROM search_index WHERE search_index MATCH :match"
    " ORDER BY rowid DESC LIMIT 1 OFFSET :offset"
)
OLDEST_RANKED_DATED = (
    "SELECT search_index.rowid FROM search_index"
    " JOIN search_entries e ON e.id = search_index.rowid{dated}"
    " WHERE search_index MATCH :match"
    " ORDER BY search_index.rowid DESC LIMIT 1 OFFSET :offset"
)
"""The same, of the matches dated within ``--since`` and ``--until``: read
newest first, each looked up by its id until RANKED have passed."""
CANDIDATES = (
    "SELECT e.id, e.slug, e.kind, e.ref, e.entry_id,"
    " length(m.marked) - length(replace(m.marked, char(1), '')) AS hits,"
    " length(e.text) AS size"
    " FROM (SELECT rowid, highlight(search_index, 0, char(1), '') AS marked"
    "  FROM search_index WHERE search_index MATCH :match"
    "  AND search_index.rowid >= :oldest) m"
    " JOIN search_entries e ON e.id = m.rowid{dated}"
)
SINCE = " AND e.valid_upper >= :since"
UNTIL = " AND e.valid_lower <= :until"
SNIPPETS = (
    "SELECT rowid, snippet(search_index, 0, '[', ']', '...', 12) FROM search_index"
    " WHERE search_index MATCH :match"
    " AND rowid IN (SELECT value FROM json_each(:ids))"
)
K1, B = 1.2, 0.75
"""bm25's usual constants: how fast more occurrences stop counting, and how
much a longer text is discounted."""


class SearchIndex:
    name = "search"
    revision = 3

    def create(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS search_entries ("
            " id INTEGER PRIMARY KEY, talks_id TEXT NOT NULL, slug TEXT NOT NULL,"
            " kind TEXT NOT NULL, ref TEXT NOT NULL, entry_id INTEGER NOT NULL,"
            " fields TEXT NOT NULL, text TEXT NOT NULL, valid_lower TEXT,"
            " valid_upper TEXT, tags TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS search_entries_ref"
            " ON search_entries (talks_id, ref, entry_id)",
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5("
            " text, talks_id, tags, content='search_entries', content_rowid='id',"
            " tokenize='porter unicode61 remove_diacritics 2')",
            "CREATE TABLE IF NOT EXISTS search_talks ("
            " talks_id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE)",
        ]

    def drop(self) -> list[str]:
        return [
            f"DROP TABLE IF EXISTS {table}"
            for table in ("search_index", "search_entries", "search_talks")
        ]

    def replay_started(self) -> list[str]:
        return []  # the index is left as it is, and rebuilt whole at the end

    def replay_finished(self) -> list[str]:
        return ["INSERT INTO search_index (search_index) VALUES ('rebuild')"]

    def __init__(self) -> None:
        self.slugs: dict[str, str] = {}  # talks id -> slug; slugs never change

    def prepare(
        self, c: SQLiteCursor, batch: Batch, read: Batch
    ) -> dict[int, tuple[Any, ...]]:
        """The rows of the batch's new entries, by position, made before the
        write lock (corrections read rows the same batch may write)."""
        return new_search_rows(batch, lambda i: self._slug(c, i))

    def apply(
        self, c: SQLiteCursor, batch: Batch, replaying: bool,
        prepared: dict[int, tuple[Any, ...]],
    ) -> None:  # fmt: skip
        """Replaying, only ``search_entries`` is written: the index is rebuilt
        from it when the replay reaches the head (one pass, no merges)."""
        docs: list[tuple[Any, ...]] = []

        def flush() -> None:  # before reading rows this batch may have added
            rows = [(*d[:-1], tag_tokens(d[-1])) for d in docs]
            c.executemany(INSERT_ENTRY, rows)
            if not replaying:
                c.executemany(INSERT_INDEX, [(r[0], r[7], r[1], r[-1]) for r in rows])
            docs.clear()

        for item in batch:
            change = item.change
            if isinstance(change, NewEntry):
                if change.kind == "talks":
                    self.slugs[item.talks_id] = change.fields["slug"]
                    c.execute(
                        "INSERT INTO search_talks VALUES (?, ?)",
                        (hex_id(item.talks_id), change.fields["slug"]),
                    )
                docs.append(prepared[item.position])
            elif change is not None:
                flush()
                c.execute(SELECT_CURRENT, (hex_id(item.talks_id), change.ref))
                current = c.fetchone()
                if current is None:
                    continue
                if not replaying:
                    c.execute(DELETE_INDEX, (current["id"], current["text"],
                                             hex_id(item.talks_id),
                                             current["tags"]))  # fmt: skip
                c.execute("DELETE FROM search_entries WHERE id = ?", (current["id"],))
                if isinstance(change, Amended):
                    fields = {**orjson.loads(current["fields"]), **change.changes}
                    slug = self._slug(c, item.talks_id)
                    docs.append(search_row(slug, item, current["entry_id"], fields))
        flush()

    def _slug(self, c: SQLiteCursor, talks_id: str) -> str:
        if talks_id not in self.slugs:
            c.execute(
                "SELECT slug FROM search_talks WHERE talks_id = ?", (hex_id(talks_id),)
            )
            self.slugs[talks_id] = c.fetchone()[0]
        return self.slugs[talks_id]

    @staticmethod
    def search(
        c: SQLiteCursor, query: str, slug: str | None = None, *,
        tag: str | None = None, clocks: Clocks = NOW, limit: int = 20,
    ) -> list[SearchHit]:  # fmt: skip
        """The best ``limit`` of the RANKED newest matches in talks ``slug``,
        carrying ``tag``, dated within ``clocks.since`` and ``clocks.until``."""
        match = _match(c, query, slug, tag)
        if match is None:
            return []
        dated = (SINCE if clocks.since else "") + (UNTIL if clocks.until else "")
        params: dict[str, Any] = {
            "match": match, "since": clocks.since, "until": clocks.until
        }  # fmt: skip
        oldest = OLDEST_RANKED_DATED.format(dated=dated) if dated else OLDEST_RANKED
        c.execute(oldest, {**params, "offset": RANKED - 1})
        row = c.fetchone()
        params["oldest"] = row[0] if row else 0
        c.execute(CANDIDATES.format(dated=dated), params)
        hits = ranked(c.fetchall())[:limit]
        c.execute(SNIPPETS, {"match": match, "ids": orjson.dumps(
            [hit["id"] for _, hit in hits]).decode()})  # fmt: skip
        snippets = dict(c.fetchall())
        return [
            SearchHit(slug=hit["slug"], kind=hit["kind"], ref=hit["ref"],
                      entry_id=hit["entry_id"], snippet=snippets[hit["id"]],
                      rank=rank)
            for rank, hit in hits
        ]  # fmt: skip


def _match(
    c: SQLiteCursor, query: str, slug: str | None, tag: str | None
) -> str | None:
    """The FTS5 query: the user's words in the text (never in a hidden id or
    tag), narrowed to talks ``slug`` and to ``tag`` (None: no such talks)."""
    match = f"text : ({match_expression(parse_search(query))})"
    if slug:
        c.execute("SELECT talks_id FROM search_talks WHERE slug = ?", (slug,))
        row = c.fetchone()
        if row is None:
            return None
        match = f'({match}) AND talks_id : "{row[0]}"'
    if tag is not None:
        match = f'({match}) AND tags : "{tag_tokens([tag])}"'
    return match


def ranked(candidates: list[Any]) -> list[tuple[float, Any]]:
    """Each candidate with its rank, best (lowest) first, then in the order
    recorded: minus bm25's score of the candidate's own occurrences of the
    query's words (``hits``, counted by ``highlight``'s marks), its length
    against the candidates' mean."""
    mean = sum(row["size"] for row in candidates) / len(candidates) if candidates else 1
    scored = []
    for row in candidates:
        hits, norm = row["hits"], K1 * (1 - B + B * row["size"] / (mean or 1))
        scored.append((-hits * (K1 + 1) / (hits + norm), row))
    scored.sort(key=lambda pair: (pair[0], pair[1]["entry_id"]))
    return scored


def match_expression(query: SearchQuery) -> str:
    """A parsed search as an FTS5 query: every group must match, any term of
    a group may; a phrase's words follow one another (``+``)."""
    groups = []
    for group in query:
        terms = [" + ".join(_quoted(word) for word in term) for term in group]
        groups.append(terms[0] if len(terms) == 1 else f"({' OR '.join(terms)})")
    return " AND ".join(groups)


def _quoted(word: SearchWord) -> str:
    """A user's word as an FTS5 string, which FTS5 reads as text, never as
    syntax; a ``*`` after it asks for a prefix."""
    return '"' + word.text.replace('"', '""') + '"' + ("*" if word.prefix else "")


def tag_tokens(tags: list[str]) -> str:
    """Tags as the index keeps them: each the hex digits of its UTF-8, one
    token, matched whole."""
    return " ".join(tag.encode().hex() for tag in tags)
