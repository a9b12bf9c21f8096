"""``timeline serve``: the JSON API under ``/v1`` end to end, through the
installed command's real server over the test's store (both backends).

Each test records the demo talks with the CLI, starts one server and checks
one area of the contract: who may do what, each write, the reads, the
exports, conditional and repeated writes, the errors, and the CLI writing
beside the API.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.serving import Server, serving
from tests.support import installed, ok

SLUG = "beijing-talks"
TALKS = f"/v1/talks/{SLUG}"
PROBLEM = "application/problem+json"
PROBLEM_FIELDS = {"type", "title", "status", "detail"}


@contextmanager
def demo_server(tmp_path: Path) -> Iterator[Server]:
    """The demo talks recorded by the CLI, served."""
    ok("demo")
    with serving(tmp_path) as server:
        yield server


def events(server: Server) -> int:
    """How many events the store holds, as ``/healthz`` tells."""
    answer = server.get("/healthz")
    assert answer.status_code == 200
    count: int = answer.json()["events"]
    return count


def assert_problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    """``answer`` is a problem document of ``status``, with no traceback."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body: dict[str, Any] = answer.json()
    assert set(body) == PROBLEM_FIELDS
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    assert "Traceback" not in answer.text
    assert 'File "' not in answer.text
    return body


def view(server: Server, token: str, **params: str) -> httpx.Response:
    answer = server.get(TALKS, token, params=params)
    assert answer.status_code == 200, answer.text
    return answer


def written(answer: httpx.Response, entry: str, talks: str | None = SLUG) -> int:
    """``answer`` is a write's 201 with its ETag; the talks' new version."""
    assert answer.status_code == 201, answer.text
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert body["talks"] == talks
    assert body["entry"] == entry
    version = body["version"]
    assert isinstance(version, int)
    assert answer.headers["etag"] == f'"{version}"'
    return version


# -- who may do what ----------------------------------------------------------------


def test_tokens_and_roles_decide_who_may_do_what(tmp_path: Path) -> None:
    with demo_server(tmp_path) as server:
        tokens = server.tokens
        development = {"text": "Follow-up round announced", "on": "2024-07"}

        # The open doors: no token needed.
        for path in ("/healthz", "/openapi.json", "/docs"):
            assert server.get(path).status_code == 200, path

        # No token, an unknown one, a malformed header: 401 with a challenge,
        # for reads and writes alike; nothing written.
        before = events(server)
        refusals = [
            {},
            {"Authorization": "Bearer tl_not-a-token"},
            {"Authorization": "Bearer"},
            {"Authorization": f"Basic {tokens['admin']}"},
            {"Authorization": tokens["admin"]},
        ]
        for headers in refusals:
            for method, path, body in [
                ("GET", "/v1/talks", None),
                ("GET", "/metrics", None),
                ("POST", f"{TALKS}/developments", development),
                ("GET", "/v1/tokens", None),
            ]:
                answer = server.request(method, path, headers=headers, json=body)
                assert_problem(answer, 401)
                assert answer.headers["www-authenticate"].startswith("Bearer")
        assert events(server) == before

        # A reader reads, and may not write, manage tokens or rebuild views.
        reader = tokens["reader"]
        assert server.get("/v1/talks", reader).json()[0]["slug"] == SLUG
        assert view(server, reader).json()["slug"] == SLUG
        writes: list[tuple[str, str, Any]] = [
            ("POST", f"{TALKS}/developments", development),
            (
                "POST",
                "/v1/talks",
                {"slug": "x-talks", "title": "X", "location": "Y", "parties": ["CHN"]},
            ),
            (
                "POST",
                f"{TALKS}/retractions",
                {"entry": "agenda:humanitarian-aid", "reason": "no"},
            ),
            ("POST", "/v1/actors", {"key": "osce", "name": "OSCE"}),
            ("GET", "/v1/tokens", None),
            ("POST", "/v1/tokens", {"name": "extra", "role": "admin"}),
            ("DELETE", "/v1/tokens/analyst", None),
            ("POST", "/v1/projections/rebuild", None),
        ]
        for method, path, body in writes:
            assert_problem(server.request(method, path, reader, json=body), 403)
        assert events(server) == before

        # An analyst also records, amends and retracts, as the token's name.
        analyst = tokens["analyst"]
        answer = server.post(f"{TALKS}/developments", analyst, json=development)
        written(answer, "development:1")
        last = server.get(f"{TALKS}/history", analyst).json()[-1]
        assert last["type"] == "DevelopmentRecorded"
        assert last["recorded_by"] == "analyst"
        assert last["payload"]["text"] == development["text"]
        amended = server.post(
            f"{TALKS}/amendments",
            analyst,
            json={"entry": "development:1", "reason": "precise", "on": "2024-07-24"},
        )
        written(amended, "development:1")
        retracted = server.post(
            f"{TALKS}/retractions",
            analyst,
            json={"entry": "agenda:regional-security", "reason": "not discussed"},
        )
        written(retracted, "agenda:regional-security")
        assert [
            e["recorded_by"]
            for e in server.get(f"{TALKS}/history", analyst).json()[-3:]
        ] == ["analyst"] * 3
        after = events(server)
        assert after == before + 3
        # ... but may not manage tokens or views.
        for method, path, body in [
            ("GET", "/v1/tokens", None),
            ("POST", "/v1/tokens", {"name": "extra", "role": "admin"}),
            ("DELETE", "/v1/tokens/reader", None),
            ("POST", "/v1/projections/rebuild", None),
        ]:
            assert_problem(server.request(method, path, analyst, json=body), 403)
        assert events(server) == after

        # An admin also manages tokens and views.
        admin = tokens["admin"]
        listed = server.get("/v1/tokens", admin)
        assert listed.status_code == 200
        assert {t["name"]: t["role"] for t in listed.json()} == {
            "reader": "reader",
            "analyst": "analyst",
            "admin": "admin",
        }
        assert all(tokens["admin"] not in json.dumps(t) for t in listed.json())
        made = server.post(
            "/v1/tokens", admin, json={"name": "desk", "role": "analyst"}
        )
        assert made.status_code == 201, made.text
        assert made.json()["name"] == "desk"
        assert made.json()["role"] == "analyst"
        desk = made.json()["token"]
        by_desk = server.post(
            f"{TALKS}/developments", desk, json={"text": "By the desk", "on": "2024-08"}
        )
        written(by_desk, "development:2")
        assert server.get(f"{TALKS}/history", desk).json()[-1]["recorded_by"] == "desk"
        rebuilt = server.post("/v1/projections/rebuild", admin)
        assert rebuilt.status_code == 200, rebuilt.text
        assert {v["name"] for v in rebuilt.json()} >= {"talks", "timeline", "search"}
        assert all(v["lag"] == 0 for v in rebuilt.json())

        # A revoked token is refused at once: by the API ...
        assert server.request("DELETE", "/v1/tokens/desk", admin).status_code == 204
        count = events(server)
        for method, path, body in [
            ("GET", "/v1/talks", None),
            ("POST", f"{TALKS}/developments", development),
        ]:
            answer = server.request(method, path, desk, json=body)
            assert_problem(answer, 401)
            assert "www-authenticate" in answer.headers
        # ... and by the installed command, while the server runs.
        revoked = installed("token", "revoke", "analyst", env=dict(os.environ))
        assert revoked.returncode == 0, revoked.stderr
        answer = server.post(f"{TALKS}/developments", analyst, json=development)
        assert_problem(answer, 401)
        assert events(server) == count
        assert server.get("/v1/talks", reader).status_code == 200


# -- each write ---------------------------------------------------------------------


def test_each_write_answers_201_with_its_etag_and_shows_in_the_view(
    tmp_path: Path,
) -> None:
    with demo_server(tmp_path) as server:
        analyst = server.tokens["analyst"]
        start = view(server, analyst).json()["version"]
        before = events(server)

        def check(path: str, body: dict[str, Any], entry: str) -> dict[str, Any]:
            """POST ``body``; the 201 and the view after it, whose ETag is the
            write's."""
            answer = server.post(path, analyst, json=body)
            version = written(answer, entry)
            shown = view(server, analyst)
            assert shown.headers["etag"] == answer.headers["etag"]
            found: dict[str, Any] = shown.json()
            assert found["version"] == version
            return found

        shown = check(
            f"{TALKS}/agenda",
            {"key": "energy", "title": "Energy", "detail": "Gas transit"},
            "agenda:energy",
        )
        assert shown["version"] == start + 1
        assert shown["agenda"][-1]["key"] == "energy"
        assert shown["agenda"][-1]["detail"] == "Gas transit"
        assert shown["agenda"][-1]["recorded_by"] == "analyst"

        shown = check(
            f"{TALKS}/stances",
            {
                "actor": "RUS",
                "position": "Watches",
                "interests": ["leverage"],
                "on": "2024-05",
            },
            "stance:RUS",
        )
        stance = next(s for s in shown["stances"] if s["actor"] == "RUS")
        assert (stance["position"], stance["interests"], stance["on"]) == (
            "Watches",
            ["leverage"],
            "2024-05",
        )

        shown = check(
            f"{TALKS}/motives", {"actor": "RUS", "text": "Keep ties"}, "motive:RUS"
        )
        assert any(
            m["actor"] == "RUS" and m["text"] == "Keep ties"
            for m in shown["motivations"]
        )

        shown = check(
            f"{TALKS}/scenarios",
            {"key": "ceasefire", "outcome": "Truce", "impact": "Calm"},
            "scenario:ceasefire",
        )
        assert shown["scenarios"][-1]["key"] == "ceasefire"

        shown = check(
            f"{TALKS}/scenarios/ceasefire/assessments",
            {"likelihood": "unlikely", "note": "Too early"},
            "assessment:ceasefire",
        )
        [assessment] = shown["scenarios"][-1]["assessments"]
        assert assessment["likelihood"] == "unlikely"
        assert assessment["note"] == "Too early"

        shown = check(
            f"{TALKS}/recommendations",
            {"key": "back-channel", "title": "Keep a back channel", "audience": "CHN"},
            "recommendation:back-channel",
        )
        recommendation = shown["recommendations"][-1]
        assert (recommendation["key"], recommendation["audience"]) == (
            "back-channel",
            "CHN",
        )

        shown = check(
            f"{TALKS}/developments",
            {
                "text": "Second round",
                "on": "2024-07-24",
                "sources": ["https://example.org/news"],
            },
            "development:1",
        )
        [development] = shown["developments"]
        assert development["number"] == 1
        assert development["sources"] == ["https://example.org/news"]

        shown = check(
            f"{TALKS}/amendments",
            {"entry": "stance:RUS", "reason": "Clearer", "position": "Watches closely"},
            "stance:RUS",
        )
        stance = next(s for s in shown["stances"] if s["actor"] == "RUS")
        assert stance["position"] == "Watches closely"
        assert stance["corrections"][-1]["reason"] == "Clearer"
        assert stance["corrections"][-1]["recorded_by"] == "analyst"

        shown = check(
            f"{TALKS}/retractions",
            {"entry": "agenda:energy", "reason": "Not on it"},
            "agenda:energy",
        )
        energy = next(a for a in shown["agenda"] if a["key"] == "energy")
        assert energy["retracted"] is True
        assert shown["version"] == start + 9
        assert events(server) == before + 9

        # Opening talks: 201 with where they are, and a first ETag.
        opened = server.post(
            "/v1/talks",
            analyst,
            json={
                "slug": "geneva-round",
                "title": "Geneva round",
                "location": "Geneva",
                "parties": ["UKR", "RUS"],
                "on": "2024-09",
                "summary": "A first meeting",
            },
        )
        version = written(opened, "talks", "geneva-round")
        assert opened.headers["location"] == "/v1/talks/geneva-round"
        shown_new = server.get(opened.headers["location"], analyst)
        assert shown_new.status_code == 200
        assert shown_new.headers["etag"] == opened.headers["etag"] == f'"{version}"'
        assert shown_new.json()["title"] == "Geneva round"
        assert [p["code"] for p in shown_new.json()["parties"]] == ["UKR", "RUS"]
        assert {t["slug"] for t in server.get("/v1/talks", analyst).json()} == {
            SLUG,
            "geneva-round",
        }

        # An actor: not talks; the version is the actor's own. Then it can
        # take a stance.
        actor = server.post(
            "/v1/actors",
            analyst,
            json={"key": "osce", "name": "OSCE", "kind": "organization"},
        )
        assert written(actor, "actor:osce", talks=None) == 1
        listed = {a["key"]: a for a in server.get("/v1/actors", analyst).json()}
        assert listed["osce"]["name"] == "OSCE"
        assert listed["osce"]["kind"] == "organization"
        assert listed["osce"]["recorded_by"] == "analyst"
        shown = check(
            f"{TALKS}/stances", {"actor": "osce", "position": "Mediates"}, "stance:osce"
        )
        assert any(s["actor"] == "osce" for s in shown["stances"])
        assert events(server) == before + 12

        # Every event written through the API is the analyst's.
        log = server.get("/v1/export", analyst, params={"format": "jsonl"}).text
        authors = [json.loads(line)["recorded_by"] for line in log.splitlines()]
        assert authors[-12:] == ["analyst"] * 12
        assert "analyst" not in authors[:-12]


# -- reads --------------------------------------------------------------------------


def test_reads_answer_the_views(tmp_path: Path) -> None:
    with demo_server(tmp_path) as server:
        reader, analyst = server.tokens["reader"], server.tokens["analyst"]
        first = view(server, reader)
        tag, old = first.headers["etag"], first.json()
        assert tag == f'"{old["version"]}"'
        mark = server.get(f"{TALKS}/history", reader).json()[-1]["recorded_at"]
        for on, text in [
            ("2024-03-01", "March"),
            ("2024-07-24", "July"),
            ("2025-01", "January"),
        ]:
            answer = server.post(
                f"{TALKS}/developments", analyst, json={"text": text, "on": on}
            )
            assert answer.status_code == 201
        amended = server.post(
            f"{TALKS}/amendments",
            analyst,
            json={"entry": "stance:CHN", "reason": "News", "position": "Mediates"},
        )
        assert amended.status_code == 201

        # The talks now, then, and on a date; 304 when unchanged.
        now = view(server, reader)
        assert now.headers["etag"] == f'"{old["version"] + 4}"' != tag
        assert [d["text"] for d in now.json()["developments"]] == [
            "March",
            "July",
            "January",
        ]
        assert now.json()["stances"][0]["position"] == "Mediates"
        then = view(server, reader, as_of=mark)
        assert then.json() == old
        assert then.headers["etag"] == tag
        on_date = view(server, reader, at="2024-05")
        assert [d["text"] for d in on_date.json()["developments"]] == ["March"]
        unchanged = server.get(
            TALKS, reader, headers={"If-None-Match": now.headers["etag"]}
        )
        assert unchanged.status_code == 304
        assert unchanged.headers["etag"] == now.headers["etag"]
        assert unchanged.content == b""
        assert (
            server.get(TALKS, reader, headers={"If-None-Match": tag}).status_code == 200
        )
        assert_problem(server.get("/v1/talks/no-such-talks", reader), 404)
        assert_problem(server.get(TALKS, reader, params={"as_of": "soon"}), 422)

        # Talks, history, diff, stances, scenarios.
        [listed] = server.get("/v1/talks", reader).json()
        assert (listed["slug"], listed["version"]) == (SLUG, old["version"] + 4)
        history = server.get(f"{TALKS}/history", reader).json()
        assert len(history) == old["version"] + 4
        assert [h["version"] for h in history] == list(range(1, len(history) + 1))
        assert history[0]["type"] == "TalksOpened"
        assert (
            len(server.get(f"{TALKS}/history", reader, params={"as_of": mark}).json())
            == old["version"]
        )
        diff = server.get(f"{TALKS}/diff", reader, params={"from": mark}).json()
        assert [(c["change"], c["ref"]) for c in diff] == [
            ("added", "development:1"),
            ("added", "development:2"),
            ("added", "development:3"),
            ("amended", "stance:CHN"),
        ]
        assert (
            server.get(
                f"{TALKS}/diff", reader, params={"from": mark, "to": mark}
            ).json()
            == []
        )
        assert_problem(server.get(f"{TALKS}/diff", reader), 422)  # from is required
        stances = server.get(f"{TALKS}/stances", reader, params={"actor": "CHN"}).json()
        assert {s["ref"] for s in stances} == {"stance:CHN"}
        assert stances[-1]["text"] == "Mediates"
        scenarios = server.get(f"{TALKS}/scenarios", reader).json()
        assert [s["key"] for s in scenarios] == [s["key"] for s in old["scenarios"]]

        # The timeline across talks, filtered.
        def entries(**params: str) -> list[dict[str, Any]]:
            answer = server.get("/v1/events", reader, params=params)
            assert answer.status_code == 200, answer.text
            found: list[dict[str, Any]] = answer.json()["entries"]
            return found

        everything = entries(limit="1000")
        assert {e["slug"] for e in everything} == {SLUG}
        assert len(entries(talks=SLUG, limit="1000")) == len(everything)
        assert {e["ref"] for e in entries(kind="stance")} == {
            "stance:CHN",
            "stance:UKR",
        }
        chn = entries(actor="CHN")
        assert {"stance:CHN", "motive:CHN"} <= {e["ref"] for e in chn}
        assert not {"stance:UKR", "motive:UKR"} & {e["ref"] for e in chn}
        dated = entries(since="2024-06", until="2024-12")
        assert [e["text"] for e in dated] == ["July"]
        assert [e["text"] for e in entries(since="2024-06")] == ["July", "January"]
        limited = server.get("/v1/events", reader, params={"limit": "2"}).json()
        assert len(limited["entries"]) == 2
        assert limited["cursor"]
        assert_problem(server.get("/v1/events", reader, params={"kind": "x"}), 422)
        assert_problem(server.get("/v1/events", reader, params={"limit": "0"}), 422)
        assert_problem(server.get("/v1/events", reader, params={"cursor": "x"}), 422)
        assert_problem(server.get("/v1/events", reader, params={"talks": "nope"}), 404)

        # Search, actors, projections, metrics, health.
        hits = server.get("/v1/search", reader, params={"q": "humanitarian"}).json()
        assert "agenda:humanitarian-aid" in {h["ref"] for h in hits}
        assert all(h["slug"] == SLUG for h in hits)
        assert (
            server.get("/v1/search", reader, params={"q": "zzyzx-nothing"}).json() == []
        )
        assert_problem(
            server.get("/v1/search", reader, params={"q": "aid", "talks": "nope"}), 404
        )
        actors = server.get("/v1/actors", reader).json()
        assert [a["key"] for a in actors] == ["western-nations"]
        statuses = server.get("/v1/projections", reader).json()
        health = server.get("/healthz").json()
        assert health["status"] == "ok"
        assert health["backend"] in {"sqlite", "postgresql"}
        assert {v["name"]: v["lag"] for v in statuses} == health["lag"]
        assert all(v["position"] == v["head"] == health["head"] for v in statuses)
        metrics = server.get("/metrics", reader)
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain")
        text = metrics.text
        assert "# TYPE timeline_http_requests_total counter" in text
        assert 'route="/v1/talks/{slug}"' in text
        assert 'route="/v1/talks/{slug}/developments",status="201"' in text
        assert "timeline_http_request_seconds_bucket" in text
        assert 'timeline_view_lag_events{view="talks"} 0.0' in text
        recorded = next(
            line
            for line in text.splitlines()
            if line.startswith("timeline_events_recorded_total")
        )
        assert recorded.endswith(" 4.0")


def test_event_pages_join_to_one_list_and_stay_put(tmp_path: Path) -> None:
    with demo_server(tmp_path) as server:
        reader, analyst = server.tokens["reader"], server.tokens["analyst"]
        whole = server.get("/v1/events", reader, params={"limit": "1000"}).json()
        assert whole["cursor"] is None
        assert len(whole["entries"]) > 9

        pages: list[list[dict[str, Any]]] = []
        params = {"limit": "3"}
        while True:
            page = server.get("/v1/events", reader, params=params)
            assert page.status_code == 200, page.text
            pages.append(page.json()["entries"])
            if len(pages) == 1:
                # A write between pages, dated first: the pages do not shift.
                answer = server.post(
                    f"{TALKS}/developments",
                    analyst,
                    json={"text": "Earliest", "on": "1990"},
                )
                assert answer.status_code == 201
            cursor = page.json()["cursor"]
            if cursor is None:
                break
            params = {"limit": "3", "cursor": cursor}
            assert len(pages) < 50
        assert all(len(p) == 3 for p in pages[:-1])
        assert 1 <= len(pages[-1]) <= 3
        joined = [entry for page in pages for entry in page]
        assert joined == whole["entries"]
        keys = [(e["entry_id"], e["version_from"]) for e in joined]
        assert len(set(keys)) == len(keys)
        assert "Earliest" not in {e["text"] for e in joined}
        # A fresh first page sees the write.
        fresh = server.get("/v1/events", reader, params={"limit": "3"}).json()
        assert fresh["entries"][0]["text"] == "Earliest"


# -- exports ------------------------------------------------------------------------

EXPORTS = {
    "markdown": ("text/markdown; charset=utf-8", "md"),
    "json": ("application/json", "json"),
    "jsonl": ("application/x-ndjson", "jsonl"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "html": ("text/html; charset=utf-8", "html"),
    "timelinejs": ("application/json", "timelinejs.json"),
    "ical": ("text/calendar; charset=utf-8", "ics"),
}


def test_exports_are_what_the_command_writes(tmp_path: Path) -> None:
    with demo_server(tmp_path) as server:
        reader = server.tokens["reader"]
        answer = server.post(
            f"{TALKS}/developments",
            server.tokens["analyst"],
            json={"text": "Second round", "on": "2024-07-24"},
        )
        assert answer.status_code == 201
        for slug in (SLUG, None):
            path = f"/v1/talks/{slug}/export" if slug else "/v1/export"
            for name, (media_type, extension) in EXPORTS.items():
                answer = server.get(path, reader, params={"format": name})
                assert answer.status_code == 200, answer.text
                assert answer.headers["content-type"] == media_type
                filename = f"{slug or 'timeline'}.{extension}"
                assert answer.headers["content-disposition"] == (
                    f'attachment; filename="{filename}"'
                )
                out = tmp_path / f"cli-{filename}"
                args = [slug] if slug else []
                ok("export", *args, "--format", name, "-o", str(out))
                assert answer.content == out.read_bytes(), (slug, name)
            default = server.get(path, reader)
            assert default.headers["content-type"] == EXPORTS["markdown"][0]
            assert "Second round" in default.text
            assert_problem(server.get(path, reader, params={"format": "pdf"}), 422)
        assert_problem(server.get("/v1/talks/nope/export", reader), 404)
        # The jsonl export is the event log, through the API's writes too.
        log = server.get("/v1/export", reader, params={"format": "jsonl"}).text
        assert len(log.splitlines()) == events(server)


# -- conditional and repeated writes ------------------------------------------------


def test_if_match_and_idempotency_keys(tmp_path: Path) -> None:
    with demo_server(tmp_path) as server:
        analyst = server.tokens["analyst"]
        path = f"{TALKS}/developments"
        current = view(server, analyst).headers["etag"]
        before = events(server)

        # If-Match: the current ETag lets the write through; a stale one is 412.
        fresh = server.post(
            path,
            analyst,
            headers={"If-Match": current},
            json={"text": "One", "on": "2024-07"},
        )
        written(fresh, "development:1")
        assert events(server) == before + 1
        stale = server.post(
            path,
            analyst,
            headers={"If-Match": current},
            json={"text": "Two", "on": "2024-07"},
        )
        assert "version" in assert_problem(stale, 412)["detail"]
        assert events(server) == before + 1
        assert view(server, analyst).headers["etag"] == fresh.headers["etag"]
        assert_problem(
            server.post(
                path,
                analyst,
                headers={"If-Match": "nonsense"},
                json={"text": "Two", "on": "2024-07"},
            ),
            400,
        )
        assert events(server) == before + 1

        # Idempotency-Key: the same request again gets the same answer and
        # records nothing; another request under the key is refused.
        key = {"Idempotency-Key": "c8b6a1f0-retry"}
        body = {"text": "Once only", "on": "2024-08"}
        first = server.post(path, analyst, headers=key, json=body)
        written(first, "development:2")
        assert events(server) == before + 2
        again = server.post(path, analyst, headers=key, json=body)
        assert again.status_code == first.status_code == 201
        assert again.content == first.content
        assert again.headers["etag"] == first.headers["etag"]
        assert events(server) == before + 2
        other = server.post(
            path, analyst, headers=key, json={"text": "Something else", "on": "2024-08"}
        )
        assert_problem(other, 422)
        assert events(server) == before + 2
        texts = [d["text"] for d in view(server, analyst).json()["developments"]]
        assert texts == ["One", "Once only"]
        # A key is the caller's own: another token may use the same key.
        mine = server.post(path, server.tokens["admin"], headers=key, json=body)
        written(mine, "development:3")
        assert events(server) == before + 3


# -- errors -------------------------------------------------------------------------


def test_errors_are_problems_and_write_nothing(tmp_path: Path) -> None:
    with demo_server(tmp_path) as server:
        analyst = server.tokens["analyst"]
        before = events(server)
        cases: list[tuple[str, str, dict[str, Any] | None, int]] = [
            # 422: bad input
            ("POST", f"{TALKS}/developments", {"text": "x", "on": "2024-13-45"}, 422),
            ("POST", f"{TALKS}/developments", {"text": "x"}, 422),
            (
                "POST",
                f"{TALKS}/developments",
                {"text": "x", "on": "2024", "when": 1},
                422,
            ),
            ("POST", f"{TALKS}/stances", {"actor": "ZZZ", "position": "p"}, 422),
            (
                "POST",
                f"{TALKS}/scenarios/neutral-stance/assessments",
                {"likelihood": "perhaps"},
                422,
            ),
            (
                "POST",
                "/v1/talks",
                {"slug": "t", "title": "T", "location": "L", "parties": []},
                422,
            ),
            (
                "POST",
                "/v1/actors",
                {"key": "osce", "name": "OSCE", "kind": "club"},
                422,
            ),
            # 404: unknown talks, entry, actor, scenario
            ("POST", "/v1/talks/nope/developments", {"text": "x", "on": "2024"}, 404),
            (
                "POST",
                f"{TALKS}/stances",
                {"actor": "unknown-group", "position": "p"},
                404,
            ),
            (
                "POST",
                f"{TALKS}/amendments",
                {"entry": "agenda:nope", "reason": "r", "title": "t"},
                404,
            ),
            (
                "POST",
                f"{TALKS}/retractions",
                {"entry": "development:9", "reason": "r"},
                404,
            ),
            (
                "POST",
                f"{TALKS}/scenarios/nope/assessments",
                {"likelihood": "likely"},
                404,
            ),
            ("DELETE", "/v1/tokens/nobody", None, 404),
            # 409: twice the same
            ("POST", f"{TALKS}/agenda", {"key": "humanitarian-aid", "title": "x"}, 409),
            (
                "POST",
                "/v1/talks",
                {"slug": SLUG, "title": "T", "location": "L", "parties": ["CHN"]},
                409,
            ),
            ("POST", "/v1/actors", {"key": "western-nations", "name": "W"}, 409),
            ("POST", "/v1/tokens", {"name": "reader", "role": "reader"}, 409),
            # 404: no such route
            ("GET", "/v1/nothing-here", None, 404),
            ("POST", "/v1/nothing-here", {}, 404),
            ("GET", "/nothing", None, 404),
        ]
        for method, path, body, status in cases:
            token = server.tokens["admin"] if "tokens" in path else analyst
            answer = server.request(method, path, token, json=body)
            assert_problem(answer, status)
            assert events(server) == before, (method, path, body)
        retracted = server.post(
            f"{TALKS}/retractions",
            analyst,
            json={"entry": "agenda:regional-security", "reason": "r"},
        )
        assert retracted.status_code == 201
        again = server.post(
            f"{TALKS}/retractions",
            analyst,
            json={"entry": "agenda:regional-security", "reason": "r"},
        )
        assert_problem(again, 409)
        assert events(server) == before + 1

        # A body that is not JSON, or not an object.
        for content in (b"{not json", b"[1, 2]", b""):
            answer = server.post(
                f"{TALKS}/developments",
                analyst,
                content=content,
                headers={"Content-Type": "application/json"},
            )
            assert_problem(answer, 422)
        # A body over 1 MB, by its Content-Length: 413.
        big = json.dumps({"text": "x" * (1024 * 1024), "on": "2024"}).encode()
        answer = server.post(
            f"{TALKS}/developments",
            analyst,
            content=big,
            headers={"Content-Type": "application/json"},
        )
        assert_problem(answer, 413)
        # Under the body's limit but over a text's (100,000 characters): 422.
        over = json.dumps({"text": "y" * 100_001, "on": "2024"}).encode()
        answer = server.post(
            f"{TALKS}/developments",
            analyst,
            content=over,
            headers={"Content-Type": "application/json"},
        )
        assert_problem(answer, 422)
        assert "at most 100,000" in answer.json()["detail"]
        assert events(server) == before + 1
        # A text at its limit is taken.
        fits = json.dumps({"text": "y" * 100_000, "on": "2024"}).encode()
        answer = server.post(
            f"{TALKS}/developments",
            analyst,
            content=fits,
            headers={"Content-Type": "application/json"},
        )
        written(answer, "development:1")
        assert events(server) == before + 2


def test_a_chunked_body_over_a_megabyte_is_413(tmp_path: Path) -> None:
    with demo_server(tmp_path) as server:
        before = events(server)
        big = json.dumps({"text": "x" * (1024 * 1024), "on": "2024"}).encode()

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(big), 64 * 1024):
                yield big[start : start + 64 * 1024]

        answer = server.post(
            f"{TALKS}/developments",
            server.tokens["analyst"],
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )
        assert answer.request.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in answer.request.headers
        assert events(server) == before
        assert "Traceback" not in answer.text
        assert_problem(answer, 413)


# -- the CLI beside the API ---------------------------------------------------------


def test_the_command_and_the_api_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    with demo_server(tmp_path) as server:
        analyst = server.tokens["analyst"]
        failures: list[str] = []

        def post_all() -> None:
            for n in range(30):
                answer = server.post(
                    f"{TALKS}/developments",
                    analyst,
                    json={"text": f"api {n}", "on": "2024-07"},
                )
                if answer.status_code != 201:
                    failures.append(answer.text)

        thread = threading.Thread(target=post_all)
        thread.start()
        try:
            for n in range(30):
                made = installed(
                    "develop", SLUG, f"cli {n}", "--on", "2024-08", env=dict(os.environ)
                )
                if made.returncode != 0:
                    failures.append(made.stderr)
        finally:
            thread.join(timeout=120)
        assert not thread.is_alive()
        assert failures == []
        developments = view(server, analyst).json()["developments"]
        assert sorted(d["number"] for d in developments) == list(range(1, 61))
        texts = sorted(d["text"] for d in developments)
        assert texts == sorted(
            [f"api {n}" for n in range(30)] + [f"cli {n}" for n in range(30)]
        )
        by = {d["text"]: d["recorded_by"] for d in developments}
        assert {by[f"api {n}"] for n in range(30)} == {"analyst"}
        assert {by[f"cli {n}"] for n in range(30)} == {"tester"}


def test_a_nul_in_a_lookup_is_bad_input(tmp_path: Path) -> None:
    with demo_server(tmp_path) as server:
        headers = {"Authorization": f"Bearer {server.tokens['reader']}"}
        asked: list[tuple[str, dict[str, str]]] = [
            ("/v1/talks/a%00b", {}),
            ("/v1/search", {"q": "aid", "talks": "a\x00b"}),
            ("/v1/events", {"talks": "a\x00b"}),
        ]
        statuses = []
        for path, params in asked:
            # A connection each: the answer alone is in question here.
            answer = httpx.get(server.url + path, params=params, headers=headers)
            assert "Traceback" not in answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert "NUL" in answer.json()["detail"]
            statuses.append(answer.status_code)
        # Checked by the input policy before the store is asked: the same
        # on every backend (PostgreSQL could not even look a NUL up).
        assert statuses == [422, 422, 422]
