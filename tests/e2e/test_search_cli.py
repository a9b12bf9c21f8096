"""``timeline search`` end to end: its operators, stems and filters, the
table, ``--json`` and the errors, through the CLI and the installed command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.serving import serving
from tests.support import as_json, fails, installed, ok

SLUG = "geneva-talks"


@pytest.fixture
def talks(store: str) -> str:
    """Talks and four developments, two of them tagged: the store's location."""
    ok("talks", "open", SLUG, "--title", "Geneva Talks", "--location", "Genève",
       "--party", "RUS", "--party", "UKR", "--on", "2024-07")  # fmt: skip
    ok("develop", SLUG, "--on", "2024-07-01", "--tag", "ceasefire",
       "Ceasefire agreed with a prisoner exchange")  # fmt: skip
    ok("develop", SLUG, "--on", "2024-07-23/2024-07-26", "--tag", "ceasefire",
       "--tag", "prisoners", "Truce holds; prisoner exchange next")  # fmt: skip
    ok("develop", SLUG, "--on", "2024-08", "Ceasefire talks: an exchange of prisoners")
    ok("develop", SLUG, "--on", "2025", "Agreements on negotiations for a follow-up",
       "--source", "https://example.org/round")  # fmt: skip
    return store


def found(*args: str) -> list[str]:
    """The refs ``search ARGS --json`` finds, best first."""
    return [hit["ref"] for hit in as_json("search", *args)]


def development(*numbers: int) -> set[str]:
    return {f"development:{number}" for number in numbers}


def test_or_phrases_prefixes_and_stems(talks: str) -> None:
    assert set(found('ceasefire OR truce "prisoner exchange"')) == development(1, 2)
    assert set(found("ceasefire OR truce")) == development(1, 2, 3)
    assert set(found('"prisoner exchange"')) == development(1, 2)
    assert set(found('"prisoner exch*')) == development(1, 2)  # a quote left open
    assert found("agreement") == found("negotiate") == ["development:4"]
    assert found("negot*") == ["development:4"]
    assert found("example.org") == ["development:4"]
    assert found("geneve") == ["talks"]
    assert found("ceasefire AND truce") == []  # AND is a word, in no entry


def test_filters_by_talks_tag_and_dates(talks: str) -> None:
    assert set(found("prisoner", "--tag", "ceasefire")) == development(1, 2)
    assert found("prisoner", "--tag", "prisoners") == ["development:2"]
    assert found("prisoner", "--tag", "truce") == []
    assert set(found("prisoner", "--since", "2024-07-25")) == development(2, 3)
    assert found("prisoner", "--until", "2024-07-22") == ["development:1"]
    narrowed = ["--tag", "ceasefire", "--since", "2024-07-02", "--until", "2024-08"]
    assert found("prisoner", *narrowed, "--talks", SLUG) == ["development:2"]
    assert set(found("talks", "--since", "2024")) == {"talks", "development:3"}
    ok("talks", "open", "vienna-talks", "--title", "Vienna Talks", "--location",
       "Vienna", "--party", "RUS")  # fmt: skip
    assert found("talks", "--talks", "vienna-talks") == ["talks"]


def test_the_table_marks_matches_and_says_when_none(talks: str) -> None:
    table = ok("search", '"prisoner exchange"', "--tag", "ceasefire").stdout
    assert table.splitlines()[0].startswith("Search")
    assert "development:1" in table
    assert "development:3" not in table
    assert ok("search", "elephant").stdout == "No entry matches.\n"
    assert ok("search", "prisoner", "--since", "2026").stdout == "No entry matches.\n"


@pytest.mark.parametrize(
    ("args", "error"),
    [(["OR"], "search needs at least one word"),
     (['" - "'], "search needs at least one word"),
     (["prisoner", "--talks", "nope"], "no talks 'nope'"),
     (["prisoner", "--since", "2025", "--until", "2024"], "is after --until"),
     (["prisoner", "--since", "July"], "--since"),
     (["prisoner", "--tag", "cease\x1bfire"], "U+001B")],
)  # fmt: skip
def test_a_wrong_search_is_one_error_line(
    talks: str, args: list[str], error: str
) -> None:
    assert error in fails("search", *args)


def test_the_help_shows_the_operators() -> None:
    shown = ok("search", "--help").stdout
    for example in ['"prisoner exchange"', "ceasefire OR truce", "negot*", "--tag",
                    "--since", "--until"]:  # fmt: skip
        assert example in shown


def test_the_installed_command_searches_with_operators_and_filters(
    talks: str,
) -> None:
    env = dict(os.environ)
    query = 'truce OR ceasefire "prisoner exchange"'
    done = installed("search", query, "--tag", "ceasefire", "--since", "2024-07-20",
                     "--json", env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    [hit] = json.loads(done.stdout)
    assert (hit["slug"], hit["ref"]) == (SLUG, "development:2")
    assert "[Truce]" in hit["snippet"]
    none = installed("search", '"exchange prisoner', env=env)
    assert (none.returncode, none.stdout) == (0, "No entry matches.\n")
    wrong = installed("search", "OR", env=env)
    assert wrong.returncode == 1
    assert wrong.stderr == "Error: search needs at least one word\n"


def test_the_api_searches_with_the_same_filters(talks: str, tmp_path: Path) -> None:
    """``GET /v1/search`` takes ``tag``, ``since`` and ``until`` beside ``q``
    and ``talks``, and answers as ``search --json`` does."""
    query = {"q": 'ceasefire OR truce "prisoner exchange"', "tag": "ceasefire",
             "since": "2024-07-20", "until": "2024-12", "talks": SLUG}  # fmt: skip
    expected = as_json("search", query["q"], "--tag", "ceasefire", "--since",
                       "2024-07-20", "--until", "2024-12", "--talks", SLUG)  # fmt: skip
    with serving(tmp_path) as server:
        reader = server.tokens["reader"]
        answer = server.get("/v1/search", reader, params=query)
        assert answer.status_code == 200, answer.text
        assert answer.json() == expected
        assert [hit["ref"] for hit in expected] == ["development:2"]
        wrong = server.get("/v1/search", reader, params={"q": "x", "since": "July"})
        assert wrong.status_code == 422
        empty = server.get("/v1/search", reader, params={"q": "OR"})
        assert empty.json()["detail"] == "search needs at least one word"
