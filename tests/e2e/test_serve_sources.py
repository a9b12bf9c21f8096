"""Sources, citations and grades through ``timeline serve``'s JSON API, end
to end on the installed command's real server (both backends): sources
added and regraded, entries citing them, reads kept to a least grade."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_serve_api import TALKS, assert_problem, demo_server, events


def test_sources_and_citations_through_the_api(tmp_path: Path) -> None:
    with demo_server(tmp_path) as server:
        analyst, reader = server.tokens["analyst"], server.tokens["reader"]
        added = server.post(
            "/v1/sources", analyst,
            json={"key": "mfa-readout", "title": "MFA readout", "reliability": "B"},
        )  # fmt: skip
        assert added.status_code == 201, added.text
        assert added.json()["entry"] == "source:mfa-readout"
        assert added.headers["location"] == "/v1/sources/mfa-readout"

        cited = server.post(
            f"{TALKS}/stances", analyst,
            json={"actor": "RUS", "position": "Watches",
                  "cites": ["mfa-readout:2@para.3"]},
        )  # fmt: skip
        assert cited.status_code == 201, cited.text
        stance = server.get(TALKS, reader).json()["stances"][-1]
        assert stance["cites"] == [
            {"source": "mfa-readout", "credibility": 2, "locator": "para.3"}
        ]

        def graded(**params: str) -> dict[str, str | None]:
            answer = server.get("/v1/events", reader, params=params)
            assert answer.status_code == 200, answer.text
            return {e["ref"]: e["grade"] for e in answer.json()["entries"]}

        assert graded(talks="beijing-talks")["stance:RUS"] == "B2"
        assert graded(min_grade="B3") == {"stance:RUS": "B2"}
        kept = server.get(TALKS, reader, params={"min_grade": "B3"}).json()
        assert [s["actor"] for s in kept["stances"]] == ["RUS"]

        regraded = server.post(
            "/v1/sources/mfa-readout/regrades", analyst,
            json={"reliability": "D", "reason": "Misdated a meeting"},
        )  # fmt: skip
        assert regraded.status_code == 201, regraded.text
        assert graded(min_grade="B3") == {}
        source = server.get("/v1/sources/mfa-readout", reader).json()
        assert source["reliability"] == "D"
        assert [g["reliability"] for g in source["grades"]] == ["B", "D"]
        assert {s["key"] for s in server.get("/v1/sources", reader).json()} == {
            "beijing-article", "mfa-readout",
        }  # fmt: skip

        withdrawn = server.post(
            f"{TALKS}/amendments", analyst,
            json={"entry": "stance:RUS", "reason": "Not in the readout",
                  "uncite": ["mfa-readout"]},
        )  # fmt: skip
        assert withdrawn.status_code == 201, withdrawn.text
        assert graded(talks="beijing-talks")["stance:RUS"] is None

        brief = server.get(f"{TALKS}/export", reader, params={"format": "markdown"})
        assert "## Evidence" in brief.text
        assert "## Sources" in brief.text

        before = events(server)
        for path, body in (
            (f"{TALKS}/stances", {"actor": "RUS", "position": "X", "cites": ["nope"]}),
            (f"{TALKS}/stances", {"actor": "RUS", "position": "X",
                                  "cites": ["mfa-readout:9"]}),
            ("/v1/sources", {"key": "mfa-readout", "title": "Again"}),
            ("/v1/sources/mfa-readout/regrades", {"reliability": "D",
                                                  "reason": "Same"}),
        ):  # fmt: skip
            answer = server.post(path, analyst, json=body)
            assert answer.status_code in (404, 409, 422), (path, answer.text)
            assert_problem(answer, answer.status_code)
        assert_problem(
            server.get("/v1/events", reader, params={"min_grade": "Z9"}), 422
        )
        assert server.post("/v1/sources", reader, json={"key": "x", "title": "X"}) \
            .status_code == 403  # fmt: skip
        assert events(server) == before
