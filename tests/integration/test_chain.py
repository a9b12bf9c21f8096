"""The hash chain: rows edited, deleted, swapped, inserted and cut short
directly in the store (the SQLite file, the PostgreSQL table) are each
caught by ``timeline verify``, naming the right link; a store recorded
before hashing began is chained from its next event, appending nothing."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import TimelineError, talks_id
from tests.support import fails, is_postgres, ok, pg_rows, run
from timeline.bootstrap import open_service
from timeline.chain import GENESIS, canonical, link, opened

SLUG = "beijing-talks"


def sql(store: str, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Run ``statement`` on the store's events table, as anyone with the file
    or the database could: ``EVENTS`` and ``POSITION`` name its table and
    position column."""
    if is_postgres(store):
        statement = statement.replace("EVENTS", "timeline_events")
        statement = statement.replace("POSITION", "notification_id")
        statement = statement.replace("?", "%s").replace("ID_OF", "")
        if not statement.lstrip().upper().startswith("SELECT"):
            statement += " RETURNING 1"
        return pg_rows(store, statement, params)
    statement = statement.replace("EVENTS", "stored_events")
    statement = statement.replace("POSITION", "rowid").replace("ID_OF", "")
    with closing(sqlite3.connect(store)) as connection, connection:
        return connection.execute(statement, params).fetchall()


def talks_rows(store: str) -> list[tuple[int, int, bytes]]:
    """(position, version, state) of every event of the demo talks."""
    aggregate: Any = talks_id(SLUG) if is_postgres(store) else talks_id(SLUG).hex
    found = sql(
        store,
        "SELECT POSITION, originator_version, state FROM EVENTS"
        " WHERE originator_id = ? ORDER BY originator_version",
        (aggregate,),
    )
    return [(p, v, bytes(s)) for p, v, s in found]


def set_state(store: str, position: int, state: bytes) -> None:
    sql(store, "UPDATE EVENTS SET state = ? WHERE POSITION = ?", (state, position))


def edited(state: bytes, field: str, value: Any) -> bytes:
    """The stored state with one field changed, the rest as stored."""
    hashed, body = opened(state)
    data = orjson.loads(body)
    data[field] = value
    new = canonical(data)
    return (b'{"chain":"' + hashed.encode() + b'",' + new[1:]) if hashed else new


def broken(store: str, *args: str) -> dict[str, Any]:
    """``verify --json`` of a store that does not verify: what it names."""
    result = run("verify", *args, "--json")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: broken link: ")
    assert len(result.stderr.splitlines()) == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    found: dict[str, Any] = report["broken"]
    return found


@pytest.fixture
def demo(store: str) -> str:
    ok("demo")
    ok("develop", SLUG, "--on", "2024-07", "Follow-up round announced")
    ok("develop", SLUG, "--on", "2024-08", "Second round held")
    return store


def test_a_store_as_recorded_verifies(demo: str) -> None:
    result = ok("verify")
    head = result.stdout.strip()
    assert result.stderr.startswith("Verified 22 events in 3 chains.")
    position, _, digest = head.partition(":")
    assert int(position) == len(talks_rows(demo)) + 2  # and the actor's, the source's
    assert len(digest) == 64
    report = json.loads(ok("verify", SLUG, "--json").stdout)
    assert report["ok"] is True
    assert report["events"] == 20
    assert report["head"].startswith("20:")
    assert report["unchained"] == {}


def test_each_hash_is_of_the_content_and_the_link_before(demo: str) -> None:
    """The documented form, recomputed here from the rows alone."""
    rows = sql(
        demo,
        "SELECT ID_OF originator_id, originator_version, topic, state FROM EVENTS"
        " ORDER BY POSITION",
    )
    last: dict[str, str] = {}
    for aggregate, version, topic, state in rows:
        key = str(aggregate).replace("-", "")
        hashed, body = opened(bytes(state))
        assert body == canonical(orjson.loads(body))  # stored in that form
        assert hashed == link(last.get(key, GENESIS), topic, key, version, body)
        last[key] = hashed


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "Forged title"), ("timestamp", "2020-01-01T00:00:00+00:00"),
     ("recorded_by", "someone else")],
    ids=["payload", "record time", "author"],
)  # fmt: skip
def test_an_edited_event_is_caught_where_it_is(
    demo: str, field: str, value: str
) -> None:
    position, version, state = talks_rows(demo)[1 if field == "title" else 4]
    if field == "title":  # an agenda item's title
        assert b'"title"' in state
    set_state(demo, position, edited(state, field, value))
    found = broken(demo)
    assert (found["aggregate"], found["version"], found["position"]) == (
        f"talks {SLUG}",
        version,
        position,
    )
    assert "is not what was hashed" in found["what"]
    assert broken(demo, SLUG)["version"] == version


def test_a_deleted_event_is_caught(demo: str) -> None:
    position, version, _ = talks_rows(demo)[5]
    sql(demo, "DELETE FROM EVENTS WHERE POSITION = ?", (position,))
    found = broken(demo)
    assert found["version"] == version + 1
    assert found["what"] == f"version {version} missing: deleted"


def test_two_swapped_events_are_caught(demo: str) -> None:
    rows = talks_rows(demo)
    (first, version, one), (second, _, other) = rows[3], rows[4]
    set_state(demo, first, other)
    set_state(demo, second, one)
    found = broken(demo)
    assert (found["version"], found["position"]) == (version, first)


def test_an_inserted_event_is_caught(demo: str) -> None:
    rows = talks_rows(demo)
    _, last, state = rows[-1]
    aggregate = talks_id(SLUG) if is_postgres(demo) else talks_id(SLUG).hex
    topic = sql(demo, "SELECT topic FROM EVENTS ORDER BY POSITION DESC LIMIT 1")[0][0]
    forged = edited(state, "text", "A round that never happened")
    sql(
        demo,
        "INSERT INTO EVENTS (originator_id, originator_version, topic, state)"
        " VALUES (?, ?, ?, ?)",
        (aggregate, last + 1, topic, forged),
    )
    found = broken(demo)
    assert found["version"] == last + 1
    assert "is not what was hashed" in found["what"]


def test_a_talks_cut_short_is_caught_against_a_head_published_earlier(
    demo: str,
) -> None:
    store_head = ok("verify").stdout.strip()
    talks_head = ok("verify", SLUG).stdout.strip()
    rows = talks_rows(demo)
    for position, _, _ in rows[-2:]:
        sql(demo, "DELETE FROM EVENTS WHERE POSITION = ?", (position,))
    ok("verify")  # what is left is whole: only a head published earlier knows
    assert fails("verify", "--head", store_head).startswith(
        f"Error: the head is {store_head.partition(':')[0]}:"
    )
    said = fails("verify", SLUG, "--head", talks_head)
    assert said.startswith(f"Error: the head is {len(rows) - 2}:")
    assert "changed, removed or added" in said
    ok("develop", SLUG, "--on", "2024-09", "Third round")  # a later write
    assert fails("verify", SLUG, "--head", talks_head)


def test_a_head_published_earlier_still_holds_after_later_writes(demo: str) -> None:
    store_head = ok("verify").stdout.strip()
    talks_head = ok("verify", SLUG).stdout.strip()
    ok("develop", SLUG, "--on", "2024-09", "Third round")
    ok("verify", "--head", store_head)
    ok("verify", SLUG, "--head", talks_head)
    assert fails("verify", "--head", "12:nothex").startswith("Error: head '12:nothex'")


def test_a_store_recorded_before_hashing_is_chained_from_its_next_event(
    demo: str,
) -> None:
    """Stores of earlier versions hold events without hashes: the next event
    of each talks links to their hashes, computed then; nothing is added."""
    for position, _, state in talks_rows(demo):
        _, body = opened(state)  # as an earlier version stored it
        set_state(demo, position, body)
    count = len(talks_rows(demo))
    report = json.loads(ok("verify", "--json").stdout)
    assert report["unchained"] == {f"talks {SLUG}": count}
    ok("develop", SLUG, "--on", "2024-09", "Third round")
    assert len(talks_rows(demo)) == count + 1  # only the development
    report = json.loads(ok("verify", "--json").stdout)
    assert report["ok"] is True
    assert report["unchained"] == {f"talks {SLUG}": count}
    position, _, state = talks_rows(demo)[2]  # an unhashed event, edited
    set_state(demo, position, edited(state, "position", "Forged"))
    found = broken(demo)
    assert found["version"] == count + 1  # the first hash no longer holds


@pytest.mark.sqlite_only
@settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip
@given(
    row=st.integers(0, 10_000),
    column=st.sampled_from(["state", "topic", "originator_version"]),
    place=st.integers(0, 10**6),
    flip=st.integers(1, 255),
)
def test_any_single_row_mutation_is_caught(
    tmp_path_factory: pytest.TempPathFactory, row: int, column: str, place: int,
    flip: int,
) -> None:  # fmt: skip
    store = str(tmp_path_factory.mktemp("mutated") / "store.sqlite")
    with open_service(store, "analyst") as service:
        service.record_demo()
        service.record_development(SLUG, "2024-07", "Follow-up round announced")
    rows = sql(store, "SELECT POSITION, originator_version, topic, state FROM EVENTS")
    position, version, topic, state = rows[row % len(rows)]
    if column == "state":  # one byte changed, anywhere
        index = place % len(state)
        value: Any = state[:index] + bytes([state[index] ^ flip]) + state[index + 1 :]
    elif column == "topic":  # another event's type
        others = sorted({r[2] for r in rows} - {topic})
        value = others[place % len(others)]
    else:  # another version
        value = version + 1 + place % 50
    try:
        sql(store, f"UPDATE EVENTS SET {column} = ? WHERE POSITION = ?",
            (value, position))  # fmt: skip
    except sqlite3.IntegrityError:
        return  # the store itself refuses the mutation
    try:
        with open_service(store, "analyst") as service:
            report = service.verify()
    except TimelineError:
        return  # the store refuses to open: caught before verify
    assert not report.ok, (column, position)


def test_an_import_recomputes_the_hashes_and_refuses_a_line_changed(
    demo: str, tmp_path: Path
) -> None:
    log = ok("export", "--format", "jsonl").stdout.splitlines()
    lines = [json.loads(line) for line in log]
    assert all(len(line["payload"]["chain"]) == 64 for line in lines)
    lines[4]["payload"]["position"] = "Changed after export"
    changed = tmp_path / "changed.jsonl"
    changed.write_text("".join(json.dumps(line) + "\n" for line in lines))
    target = tmp_path / "target.sqlite"
    said = fails("--db", str(target), "import", str(changed))
    assert said.startswith(f"Error: {changed}: line 5: event ")
    assert "its hash does not verify" in said
    whole = tmp_path / "whole.jsonl"
    whole.write_text("\n".join(log) + "\n")
    ok("--db", str(target), "import", str(whole))
    assert ok("--db", str(target), "verify").stdout == ok("verify").stdout
