"""Recording a second real negotiation (Minsk II, with the OSCE and links to
the Minsk Protocol) with the command as installed, and through the API:
actors on developments, links, tags, confidence, and changes that change
nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.serving import serving
from tests.support import installed, ok, run


def timeline(store: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "TIMELINE_DB": store, "TIMELINE_AUTHOR": "analyst"}
    done = installed(*args, env=env)
    return done.returncode, done.stdout, done.stderr


def record_minsk(store: str) -> None:
    for args in [
        ("actor", "add", "osce", "--name", "OSCE", "--kind", "organization"),
        ("talks", "open", "minsk-protocol", "--title", "Minsk Protocol",
         "--location", "Minsk", "--party", "UKR", "--party", "RUS",
         "--party", "osce", "--on", "2014-09-05", "--tag", "ceasefire"),
        ("talks", "open", "minsk-ii", "--title", "Minsk II", "--location", "Minsk",
         "--party", "UKR", "--party", "RUS", "--party", "DEU", "--party", "FRA",
         "--on", "2015-02-11/2015-02-12"),
        ("talks", "link", "minsk-ii", "minsk-protocol", "--as", "supersedes",
         "--note", "Package of measures"),
        ("develop", "minsk-ii", "--on", "2022-02-21", "--actor", "RUS",
         "--tag", "recognition",
         "Russia recognises the Donetsk and Luhansk People's Republics"),
        ("scenario", "add", "minsk-ii", "collapse", "--outcome", "Collapse",
         "--impact", "War resumes"),
        ("scenario", "assess", "minsk-ii", "collapse", "--likelihood", "likely",
         "--confidence", "moderate"),
    ]:  # fmt: skip
        code, _, err = timeline(store, *args)
        assert code == 0, (args, err)


def events(store: str, *args: str) -> list[dict[str, object]]:
    code, out, err = timeline(store, "events", "--limit", "0", "--json", *args)
    assert code == 0, err
    found = json.loads(out)
    rows: list[dict[str, object]] = (
        found["entries"] if isinstance(found, dict) else found
    )
    return rows


def test_a_second_negotiation_through_the_installed_command(store: str) -> None:
    record_minsk(store)
    assert [
        e["ref"] for e in events(store, "--actor", "RUS", "--kind", "development")
    ] == ["development:1"]
    assert {e["slug"] for e in events(store, "--tag", "ceasefire")} == {
        "minsk-protocol"
    }
    # Tags are recorded in lowercase; a lookup finds them in any case.
    assert events(store, "--tag", "CeaseFire") == events(store, "--tag", "ceasefire")
    code, out, _ = timeline(store, "search", "minsk", "--tag", "CEASEFIRE", "--json")
    assert [hit["slug"] for hit in json.loads(out)] == ["minsk-protocol"]
    process = events(store, "--talks", "minsk-protocol", "--with-linked")
    assert {e["slug"] for e in process} == {"minsk-protocol", "minsk-ii"}

    code, out, _ = timeline(store, "show", "minsk-protocol")
    assert code == 0
    assert "superseded by" in out
    assert "Minsk II" in out
    code, out, _ = timeline(store, "show", "minsk-ii", "--json")
    view = json.loads(out)
    assert [(lt["relation"], lt["talks"]) for lt in view["linked"]] == [
        ("supersedes", "minsk-protocol")
    ]
    assert view["developments"][0]["actors"] == [
        {"code": "RUS", "name": "Russian Federation"}
    ]
    code, out, _ = timeline(store, "scenario", "list", "minsk-ii")
    assert "moderate" in out

    code, out, err = timeline(store, "talks", "unlink", "minsk-ii", "minsk-protocol",
                              "--reason", "Recorded in error")  # fmt: skip
    assert code == 0, err
    assert {
        e["slug"] for e in events(store, "--talks", "minsk-ii", "--with-linked")
    } == {"minsk-ii"}


def test_a_change_that_changes_nothing_is_one_error_and_writes_nothing(
    store: str,
) -> None:
    record_minsk(store)
    count = len(json.loads(timeline(store, "history", "minsk-ii", "--json")[1]))
    for args, said in [
        (("amend", "minsk-ii", "development:1", "--actor", "RUS", "--reason", "x"),
         "nothing would change: development:1 has that actors already"),
        (("amend", "minsk-ii", "talks", "--title", "Minsk II", "--on",
          "2015-02-11/2015-02-12", "--reason", "x"),
         "nothing would change: talks has those values (title, on) already"),
        (("scenario", "assess", "minsk-ii", "collapse", "--likelihood", "likely",
          "--confidence", "moderate", "--note", "Again"),
         "nothing would change: scenario 'collapse' is assessed likely (55-80%),"
         " moderate confidence already"),
        (("amend", "minsk-ii", "development:1", "--reason", "x"),
         "nothing to amend: give at least one of --text, --on, --actor, --tag"),
    ]:  # fmt: skip
        code, out, err = timeline(store, *args)
        assert (code, out) == (1, ""), args
        assert len(err.splitlines()) == 1, err
        assert err.startswith(f"Error: {said}"), err
    after = len(json.loads(timeline(store, "history", "minsk-ii", "--json")[1]))
    assert after == count


def test_bad_tags_relations_and_links_are_one_error_line(store: str) -> None:
    ok("talks", "open", "a", "--title", "A", "--location", "X", "--party", "UKR")
    for args, said in [
        (("talks", "link", "a", "b", "--as", "follows"), "no talks 'b'"),
        (("talks", "link", "a", "a", "--as", "follows"), "cannot be linked to"),
        (("talks", "link", "a", "b"), "Missing option '--as'"),
        (("develop", "a", "--on", "2024", "x", "--tag", "Cease Fire"),
         "tag 'Cease Fire'"),
        (("develop", "a", "--on", "2024", "x", "--actor", "dpr"),
         "'dpr' is not registered"),
    ]:  # fmt: skip
        result = run(*args)
        assert result.exit_code in (1, 2), args
        assert said in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output


def test_the_api_records_and_reads_them_too(store: str, tmp_path: Path) -> None:
    record_minsk(store)
    with serving(tmp_path) as server:
        analyst, reader = server.tokens["analyst"], server.tokens["reader"]
        answer = server.post(
            "/v1/talks/minsk-ii/developments", analyst,
            json={"text": "Ceasefire begins", "on": "2015-02-15", "actors": ["UKR"],
                  "tags": ["ceasefire"]},
        )  # fmt: skip
        assert answer.status_code == 201, answer.text
        answer = server.post(
            "/v1/talks/minsk-ii/scenarios/collapse/assessments", analyst,
            json={"likelihood": "very likely", "confidence": "high"},
        )  # fmt: skip
        assert answer.status_code == 201, answer.text
        server.post("/v1/talks", analyst, json={
            "slug": "tcg", "title": "Contact group", "location": "Minsk",
            "parties": ["UKR", "RUS"], "tags": ["ceasefire"]})  # fmt: skip
        link = {"target": "minsk-ii", "relation": "part-of"}
        answer = server.post("/v1/talks/tcg/links", analyst, json=link)
        assert answer.status_code == 201, answer.text
        assert answer.json()["entry"] == "link:minsk-ii"
        answer = server.post("/v1/talks/tcg/amendments", analyst, json={
            "entry": "talks", "tags": ["ceasefire"], "reason": "Same"})  # fmt: skip
        assert answer.status_code == 422
        assert "nothing would change" in answer.json()["detail"]

        view = server.get("/v1/talks/minsk-ii", reader).json()
        assert [lt["relation"] for lt in view["linked"]] == ["supersedes", "has part"]
        latest = view["scenarios"][0]["assessments"][-1]
        assert (latest["likelihood"], latest["confidence"]) == ("very likely", "high")
        asked = {"tag": "ceasefire", "talks": "minsk-ii", "with_linked": "true"}
        page = server.get("/v1/events", reader, params=asked).json()
        assert {e["slug"] for e in page["entries"]} == {
            "minsk-protocol",
            "minsk-ii",
            "tcg",
        }
