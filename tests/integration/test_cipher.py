"""Encryption at rest, on both backends: with TIMELINE_CIPHER_KEY every
stored event and snapshot is sealed, so the raw store holds none of the
recorded text (the views do, by necessity); a store and a key that do not
belong together are one error, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from events.errors import StoreError
from tests.support import is_postgres, pg_rows, rows, stored_events, stored_snapshots
from timeline.bootstrap import open_service
from timeline.encryption import KEY_VARIABLE, new_key
from timeline.service import Service

SLUG = "quokka-talks"
WORDS = [
    "Xylophonic Quokka Summit", "Zanzibarville", "Pelicanesque position",
    "Marmalade interest", "Gondwanan development", "Obsidian reason",
    "Wombatty Alliance",
]  # fmt: skip
"""Distinctive words, one in each kind of recorded text."""


def record(service: Service, developments: int = 1) -> None:
    service.register_actor("wombats", WORDS[6], "group")
    service.open_talks(SLUG, WORDS[0], WORDS[1], ["UKR", "wombats"])
    service.record_stance(SLUG, "UKR", WORDS[2], [WORDS[3]], on="2024-07")
    for number in range(1, developments + 1):
        service.record_development(SLUG, "2024-08", f"{WORDS[4]} {number}")
    service.amend(SLUG, "development:1", {"on": "2024-09"}, WORDS[5])


def raw_states(store: str) -> bytes:
    """Every stored event's and snapshot's state, as the database holds it."""
    if is_postgres(store):
        found = [
            *pg_rows(store, "SELECT state FROM timeline_events"),
            *pg_rows(store, "SELECT state FROM timeline_snapshots"),
        ]
    else:
        found = [
            *rows(Path(store), "SELECT state FROM stored_events"),
            *rows(Path(store), "SELECT state FROM stored_snapshots"),
        ]
    return b"".join(bytes(state) for (state,) in found)


def view_text(store: str) -> bytes:
    """The talks documents the views hold."""
    if is_postgres(store):
        found = pg_rows(store, "SELECT document FROM talks_view")
    else:
        found = rows(Path(store), "SELECT document FROM talks_view")
    return "".join(document for (document,) in found).encode()


def file_bytes(store: str) -> bytes:
    """Every byte of a SQLite store's files (the database, its WAL)."""
    return b"".join(p.read_bytes() for p in Path(store).parent.glob("timeline.sqlite*"))


def found_words(data: bytes) -> list[str]:
    """The texts of WORDS whose invented first word is in ``data`` (event
    types, such as DevelopmentRecorded, are stored in the clear)."""
    lower = data.lower()
    return [w for w in WORDS if w.split()[0].lower().encode() in lower]


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    secret = new_key()
    monkeypatch.setenv(KEY_VARIABLE, secret)
    return secret


def test_the_raw_store_holds_no_recorded_text(store: str, key: str) -> None:
    with open_service(store, "tester") as service:
        record(service)
    assert stored_events(store) == 5
    assert found_words(raw_states(store)) == []
    if not is_postgres(store):  # recording opened no views: the whole file
        assert found_words(file_bytes(store)) == []
    with open_service(store, "tester") as service:
        view = service.talks_view(SLUG)
        history = service.history(SLUG)
        assert service.search("Gondwanan")[0]["slug"] == SLUG
    assert (view["title"], view["location"]) == (WORDS[0], WORDS[1])
    assert view["stances"][0]["position"] == WORDS[2]
    assert history[-1]["payload"]["reason"] == WORDS[5]
    assert found_words(raw_states(store)) == []
    # the views hold the text: the search above finds it where it is
    assert found_words(view_text(store)) == WORDS


def test_snapshots_are_encrypted_too(store: str, key: str) -> None:
    with open_service(store, "tester") as service:
        record(service, developments=200)
    assert stored_snapshots(store), "a talks of 200 versions or more is snapshotted"
    assert found_words(raw_states(store)) == []
    with open_service(store, "tester") as service:  # loaded from its snapshot
        number = service.record_development(SLUG, "2024-10", "After the snapshot")
        assert number == 201
        assert service.talks_view(SLUG)["developments"][-1]["text"] == (
            "After the snapshot"
        )


def test_the_views_rebuilt_through_the_cipher_equal_those_caught_up(
    store: str, key: str
) -> None:
    with open_service(store, "tester") as service:
        record(service, developments=30)
        before = service.talks_view(SLUG)
        service.rebuild()
        assert service.talks_view(SLUG) == before
        assert len(service.entries(service.clocks(), slug=SLUG)) == 32


def refused(store: str, why: str) -> None:
    """Every way in to the store fails with ``why``, and nothing is written."""
    count = stored_events(store)
    with open_service(store, "tester") as service:
        with pytest.raises(StoreError, match=why):
            service.record_development(SLUG, "2024-08", "Must not be written")
        with pytest.raises(StoreError, match=why):
            service.talks_view(SLUG)
    assert stored_events(store) == count


def test_a_store_and_a_key_that_do_not_belong_together_are_refused(
    store: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_service(store, "tester") as service:
        record(service)
    monkeypatch.delenv(KEY_VARIABLE)
    refused(store, f"is encrypted: set {KEY_VARIABLE} to its key; nothing was written")
    monkeypatch.setenv(KEY_VARIABLE, new_key())
    refused(store, f"{KEY_VARIABLE} is not the key of the store .* do not decrypt")
    monkeypatch.setenv(KEY_VARIABLE, key)
    with open_service(store, "tester") as service:
        assert service.record_development(SLUG, "2024-08", "With its key") == 2


def test_a_key_on_a_store_written_without_one_is_refused(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with open_service(store, "tester") as service:
        record(service)
    assert "Gondwanan" in raw_states(store).decode()  # not encrypted indeed
    monkeypatch.setenv(KEY_VARIABLE, new_key())
    refused(store, f"is not encrypted .* unset {KEY_VARIABLE}")


def test_an_encrypted_store_exports_imports_and_verifies(
    store: str, key: str, tmp_path: Path
) -> None:
    """Every export, an as-of view, the hash chain and an import into
    another encrypted store: each through the cipher, the raw events still
    holding no recorded text."""
    with open_service(store, "tester") as service:
        record(service)
        first = service.history(SLUG)[0]["recorded_at"]  # the talks opened
        for format_name in ("markdown", "json", "csv", "html", "timelinejs"):
            assert "Gondwanan" in "".join(service.export(format_name, SLUG))
        assert "BEGIN:VCALENDAR" in "".join(service.export("ical", SLUG))
        log = "".join(service.export("jsonl"))
        as_of = service.talks_view(SLUG, service.clocks(as_of=first))
        report = service.verify()
    assert as_of["stances"] == []  # as recorded then
    assert report.ok
    assert report.events == 5
    copy = tmp_path / "copy.jsonl"
    copy.write_text(log, encoding="utf-8")
    other = str(tmp_path / "other.sqlite")
    with open_service(other, "tester") as service:
        assert service.import_log(copy).added == 5
        assert "".join(service.export("jsonl")) == log
        assert service.verify().head == report.head
    assert found_words(raw_states(other)) == []
