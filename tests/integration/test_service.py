"""The Python API (:class:`timeline.service.Service`) used directly, as a
notebook, a script or the HTTP API will: a real store, no CLI between."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from eventsourcing.persistence import ConnectionPoolClosedError, OperationalError

import timeline.service
from events.errors import (
    AlreadyExists,
    AlreadyRetracted,
    InvalidInput,
    NotFound,
    TimelineError,
)
from tests.support import VIEW_NAMES, ok
from timeline.bootstrap import open_service
from timeline.service import EXPORT_FORMATS, Service
from timeline.settings import resolve_store

SLUG = "geneva-round"
DEMO = "beijing-talks"
CASE = """\
actors:
  - {key: mediators, name: Mediators}
talks:
  slug: vienna-round
  title: Vienna round
  location: Vienna
  parties: [UKR, mediators]
  on: 2024-05
  agenda:
    - {key: energy, title: Energy corridor}
  stances:
    - {actor: UKR, position: Open to talks, interests: [Energy security]}
  scenarios:
    - key: deal
      outcome: Deal signed
      impact: Gas flows resume
      assessments: [{likelihood: unlikely}]
  developments:
    - {on: 2024-06, text: Round adjourned}
"""


class Bars:
    """A ``progress`` for open_service that remembers every report."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, int, list[int]]] = []

    @contextmanager
    def __call__(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        updates: list[int] = []
        self.reports.append((label, total, updates))
        yield updates.append


def record_everything(service: Service) -> None:
    """Every write the service offers, once."""
    service.register_actor("mediators", "Mediators", "group")
    service.open_talks(
        SLUG, "Geneva round", "Geneva", ["UKR", "RUS"], on="2024-07",
        summary="A second round.", sources=["https://example.org/a"],
    )  # fmt: skip
    service.add_agenda_item(SLUG, "prisoners", "Prisoner exchange", "All for all")
    service.add_agenda_item(SLUG, "grain", "Grain corridor", on="2024-07-02")
    service.record_stance(SLUG, "UKR", "Seeks a ceasefire line", ["Borders"], "2024-07")
    service.record_motivation(SLUG, "mediators", "A deal before winter", "2024-07")
    service.add_scenario(SLUG, "ceasefire", "Ceasefire holds", "Fewer casualties")
    service.assess_scenario(SLUG, "ceasefire", "likely", "Both tired", "2024-07-05")
    service.add_recommendation(
        SLUG, "monitor", "Monitor the truce", "Fewer breaches", None, "mediators",
        on="2024-08",
    )  # fmt: skip
    number = service.record_development(
        SLUG, "2024-08", "Round two set", ["https://example.org/b"]
    )
    service.amend(SLUG, f"development:{number}", {"on": "2024-09"}, "Misdated")
    service.retract(SLUG, "agenda:grain", "Not on the agenda")


def test_readme_example_works_as_written(tmp_path: Path) -> None:
    with open_service(db=tmp_path / "geneva.sqlite", author="analyst") as service:
        service.open_talks("geneva-round", "Geneva round", "Geneva", ["UKR", "RUS"])
        first = service.record_development("geneva-round", "2024-08", "Round two set")
        second = service.record_development("geneva-round", "2024-09", "Round three")
        view = service.talks_view("geneva-round")
    assert (first, second) == (1, 2)
    assert view["title"] == "Geneva round"
    assert [p["code"] for p in view["parties"]] == ["UKR", "RUS"]
    developments = [(d["number"], d["on"], d["text"]) for d in view["developments"]]
    assert developments == [
        (1, "2024-08", "Round two set"),
        (2, "2024-09", "Round three"),
    ]
    assert view["opened"]["recorded_by"] == "analyst"
    assert {d["recorded_by"] for d in view["developments"]} == {"analyst"}


def test_no_arguments_use_the_environment(store: str) -> None:
    with open_service() as service:
        assert service.where == resolve_store(store).shown()
        service.open_talks(SLUG, "Geneva round", "Geneva", ["UKR"])
        assert service.talks_view(SLUG)["opened"]["recorded_by"] == "tester"


def test_recording_opens_only_the_application(store: str) -> None:
    opened: list[int] = []
    with open_service(store, "tester", opened=lambda: opened.append(1)) as service:
        assert opened == []  # nothing is opened before first use
        service.open_talks(SLUG, "Geneva round", "Geneva", ["UKR"])
        service.record_development(SLUG, "2024-08", "Round two set")
        assert "record" in vars(service)
        assert "queries" not in vars(service)
        assert len(service.talks_view(SLUG)["developments"]) == 1
    assert opened == [1]


def test_a_read_of_current_views_does_not_open_the_application(store: str) -> None:
    with open_service(store, "tester") as writer:
        writer.open_talks(SLUG, "Geneva round", "Geneva", ["UKR"])
        writer.talks_view(SLUG)  # the views catch up
    opened: list[int] = []
    with open_service(store, "tester", opened=lambda: opened.append(1)) as reader:
        assert reader.talks_view(SLUG)["title"] == "Geneva round"
        assert [row["slug"] for row in reader.talks_list()] == [SLUG]
        assert "record" not in vars(reader)
    assert opened == []


def test_a_read_of_lagging_views_opens_the_application_once(store: str) -> None:
    with open_service(store, "tester") as writer:
        writer.open_talks(SLUG, "Geneva round", "Geneva", ["UKR"])  # views not read
    opened: list[int] = []
    with open_service(store, "tester", opened=lambda: opened.append(1)) as reader:
        assert reader.talks_view(SLUG)["title"] == "Geneva round"
        reader.record_development(SLUG, "2024-08", "Round two set")
        assert reader.talks_view(SLUG)["developments"][0]["number"] == 1
    assert opened == [1]


def test_every_write_is_visible_through_the_reads(app: Service) -> None:
    record_everything(app)
    count = app.record.event_count()
    assert count == 12
    assert [(a["key"], a["name"]) for a in app.actors()] == [("mediators", "Mediators")]
    assert [(t["slug"], t["title"], t["version"]) for t in app.talks_list()] == [
        (SLUG, "Geneva round", 11)
    ]
    view = app.talks_view(SLUG)
    assert (view["location"], view["on"], view["summary"]) == (
        "Geneva", "2024-07", "A second round."
    )  # fmt: skip
    assert view["sources"] == ["https://example.org/a"]
    agenda = [(a["key"], a["detail"], a["retracted"]) for a in view["agenda"]]
    assert agenda == [("prisoners", "All for all", False), ("grain", None, True)]
    assert view["agenda"][1]["corrections"][0]["reason"] == "Not on the agenda"
    stance = view["stances"][0]
    assert (stance["actor_name"], stance["interests"]) == ("Ukraine", ["Borders"])
    assert view["motivations"][0]["text"] == "A deal before winter"
    recommendation = view["recommendations"][0]
    assert (recommendation["audience_name"], recommendation["on"]) == (
        "Mediators", "2024-08"
    )  # fmt: skip
    development = view["developments"][0]
    assert (development["on"], development["sources"]) == (
        "2024-09", ["https://example.org/b"]
    )  # fmt: skip
    assert development["corrections"][0]["previous"] == {"on": "2024-08"}

    [scenario] = app.scenarios(SLUG)
    assert scenario["outcome"] == "Ceasefire holds"
    assert [(a["likelihood"], a["note"]) for a in scenario["assessments"]] == [
        ("likely", "Both tired")
    ]
    refs = [row["ref"] for row in app.entries(slug=SLUG)]
    assert "agenda:grain" not in refs  # retracted
    assert refs[-2:] == ["agenda:prisoners", "scenario:ceasefire"]  # undated: last
    [development_row] = app.entries(kind="development")
    assert development_row["valid_text"] == "2024-09"  # as amended
    later = app.entries(app.clocks(since="2024-08"), slug=SLUG)
    assert [(r["ref"], r["valid_text"]) for r in later] == [
        ("recommendation:monitor", "2024-08"), ("development:1", "2024-09")
    ]  # fmt: skip
    assert [r["text"] for r in app.stance_history(SLUG, "UKR")] == [
        "Seeks a ceasefire line"
    ]
    assert [e["type"] for e in app.history(SLUG)][-2:] == [
        "EntryAmended", "EntryRetracted"
    ]  # fmt: skip
    changes = [
        (c["change"], c["ref"])
        for c in app.changes(SLUG, app.history(SLUG)[0]["recorded_at"])
    ]
    assert changes[-2:] == [("amended", "development:1"), ("retracted", "agenda:grain")]
    assert [hit["ref"] for hit in app.search("truce")] == ["recommendation:monitor"]
    assert app.search("grain") == []  # retracted text is not found
    snapshot = app.snapshot(SLUG)
    assert snapshot["position"] == count
    assert [t["slug"] for t in snapshot["talks"]] == [SLUG]
    assert {(v["name"], v["head"], v["lag"]) for v in app.status()} == {
        (name, count, 0) for name in VIEW_NAMES
    }


@pytest.mark.parametrize(
    ("clocks", "option"),
    [
        ({"as_of": "yesterday"}, "--as-of"),
        ({"as_of": "2999-01-01"}, "--as-of"),  # in the future
        ({"at": "2024-13"}, "--at"),
        ({"since": "July"}, "--since"),
        ({"until": "2024-02-30"}, "--until"),
        ({"since": "2024-09", "until": "2024-07"}, "--since"),
    ],
)
def test_clocks_check_the_users_text(
    app: Service, clocks: dict[str, str], option: str
) -> None:
    app.open_talks(SLUG, "Geneva round", "Geneva", ["UKR"])
    with pytest.raises(InvalidInput, match=option):
        app.clocks(**clocks)


def test_a_view_as_of_a_past_record_time_is_as_it_stood(app: Service) -> None:
    app.open_talks(SLUG, "Geneva round", "Geneva", ["UKR"])
    app.record_stance(SLUG, "UKR", "Firm", ["Borders"])
    then = app.history(SLUG)[-1]["recorded_at"]
    app.amend(SLUG, "stance:UKR", {"position": "Flexible"}, "Misquoted")
    past = app.talks_view(SLUG, app.clocks(as_of=then))
    assert [s["position"] for s in past["stances"]] == ["Firm"]
    assert past["stances"][0]["corrections"] == []
    assert [s["position"] for s in app.talks_view(SLUG)["stances"]] == ["Flexible"]
    assert [e["type"] for e in app.history(SLUG, then)][-1] == "StanceRecorded"


def test_mistakes_raise_the_domains_errors_and_write_nothing(app: Service) -> None:
    app.open_talks(SLUG, "Geneva round", "Geneva", ["UKR"])
    app.add_agenda_item(SLUG, "grain", "Grain corridor")
    app.retract(SLUG, "agenda:grain", "Not on the agenda")
    before = app.record.event_count()
    assert before == 3
    with pytest.raises(NotFound, match="'vienna-round'"):
        app.record_development("vienna-round", "2024-08", "Round two set")
    with pytest.raises(NotFound, match="'vienna-round'"):
        app.talks_view("vienna-round")
    with pytest.raises(AlreadyExists, match=SLUG):
        app.open_talks(SLUG, "Another", "Vienna", ["UKR"])
    with pytest.raises(AlreadyRetracted, match="agenda:grain"):
        app.retract(SLUG, "agenda:grain", "Again")
    assert app.record.event_count() == before
    assert app.talks_view(SLUG)["title"] == "Geneva round"


def test_record_demo_records_the_seed_case_once(app: Service) -> None:
    assert app.record_demo() == (DEMO, True)
    count = app.record.event_count()
    assert app.record_demo() == (DEMO, False)
    assert app.record.event_count() == count
    view = app.talks_view(DEMO)
    assert [a["title"] for a in view["agenda"]] == [
        "Humanitarian Aid", "Economic Cooperation", "Regional Security"
    ]  # fmt: skip
    assert [s["key"] for s in app.scenarios(DEMO)] == [
        "increased-diplomatic-engagement", "alignment-with-russia", "neutral-stance"
    ]  # fmt: skip
    assert len(view["recommendations"]) == 6
    assert [a["key"] for a in app.actors()] == ["western-nations"]


def test_import_case(app: Service, tmp_path: Path) -> None:
    path = tmp_path / "vienna.yaml"
    path.write_text(CASE, encoding="utf-8")
    first = app.import_case(path)
    assert (first.slug, first.opened) == ("vienna-round", True)
    again = app.import_case(path)
    assert (again.slug, again.opened, again.steps) == ("vienna-round", False, [])
    view = app.talks_view("vienna-round")
    assert (view["on"], [p["name"] for p in view["parties"]]) == (
        "2024-05", ["Ukraine", "Mediators"]
    )  # fmt: skip
    assert view["stances"][0]["interests"] == ["Energy security"]
    assert view["scenarios"][0]["assessments"][0]["likelihood"] == "unlikely"
    assert view["developments"][0]["text"] == "Round adjourned"
    bad = tmp_path / "bad.yaml"
    bad.write_text(CASE.replace("outcome: Deal signed", "result: x"), "utf-8")
    count = app.record.event_count()
    with pytest.raises(InvalidInput, match=r"bad\.yaml"):
        app.import_case(bad)
    assert app.record.event_count() == count


def test_import_log_round_trips_byte_for_byte(app: Service, tmp_path: Path) -> None:
    record_everything(app)
    app.record_demo()
    log = "".join(app.export("jsonl"))
    count = app.record.event_count()
    assert log.count("\n") == count
    path = tmp_path / "backup.jsonl"
    path.write_bytes(log.encode())
    with open_service(tmp_path / "copy.sqlite", "someone-else") as copy:
        first = copy.import_log(path)
        assert (first.read, first.added, first.present) == (count, count, 0)
        assert "".join(copy.export("jsonl")) == log
        again = copy.import_log(path)
        assert (again.added, again.present) == (0, count)
        assert copy.record.event_count() == count
        assert copy.talks_view(SLUG)["opened"]["recorded_by"] == "tester"
        assert "".join(copy.export("markdown")) == "".join(app.export("markdown"))


def test_an_unreadable_log_is_invalid_input(app: Service, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"missing\.jsonl"):
        app.import_log(tmp_path / "missing.jsonl")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InvalidInput, match=r"binary\.jsonl"):
        app.import_log(binary)


def test_every_export_format_writes_the_demo(app: Service) -> None:
    app.record_demo()
    for format_name in EXPORT_FORMATS:
        chunks = list(app.export(format_name))
        assert chunks, format_name
        assert all(isinstance(c, str) and c for c in chunks), format_name
    assert len(list(app.export("jsonl", DEMO))) == app.record.event_count()
    with pytest.raises(NotFound, match="vienna-round"):
        app.export("jsonl", "vienna-round")


def test_markdown_export_is_what_the_cli_writes(store: str) -> None:
    with open_service(store, "tester") as service:
        service.record_demo()
        brief = "".join(service.export("markdown", DEMO))
    assert "Humanitarian Aid" in brief
    assert ok("export", DEMO, "--format", "markdown").stdout == brief


def test_rebuild_replays_every_event(app: Service) -> None:
    record_everything(app)
    count = app.record.event_count()
    rebuilt = app.rebuild()
    assert rebuilt["rebuilt"] == VIEW_NAMES
    assert rebuilt["events"] == count
    assert [(v["name"], v["position"], v["lag"]) for v in rebuilt["views"]] == [
        (name, count, 0) for name in VIEW_NAMES
    ]
    assert app.rebuild(["search"])["rebuilt"] == ["search"]
    assert [hit["ref"] for hit in app.search("truce")] == ["recommendation:monitor"]
    with pytest.raises(NotFound, match="nonsense"):
        app.rebuild(["nonsense"])


def test_rebuild_always_reports_progress(store: str) -> None:
    bars = Bars()
    with open_service(store, "tester", progress=bars) as service:
        service.record_demo()
        assert bars.reports == []  # a catch-up of a few events is not reported
        count = service.record.event_count()
        service.rebuild()
    [(label, total, updates)] = bars.reports
    assert label.startswith("Rebuilding ")
    assert (total, sum(updates)) == (count, count)


def test_catch_up_reports_only_from_progress_from(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bars = Bars()
    with open_service(store, "tester", progress=bars) as service:
        service.record_demo()
        count = service.record.event_count()
        assert count < timeline.service.PROGRESS_FROM
        assert bars.reports == []
        monkeypatch.setattr(timeline.service, "PROGRESS_FROM", 2)
        service.record_development(DEMO, "2024-07", "Follow-up round")
        service.record_development(DEMO, "2024-08", "Another round")
        assert len(service.talks_view(DEMO)["developments"]) == 2
    assert [(label, total, sum(u)) for label, total, u in bars.reports] == [
        ("Updating views", 2, 2)
    ]


def test_close_closes_both_halves(store: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with open_service(store, "tester") as service:
            service.open_talks(SLUG, "Geneva round", "Geneva", ["UKR"])
            service.talks_view(SLUG)
            assert {"record", "queries"} <= set(vars(service))
        closed = (ConnectionPoolClosedError, OperationalError)  # SQLite's, psycopg's
        with pytest.raises(closed):
            service.record.event_count()
        with pytest.raises(closed):
            service.queries.talks_list()
        del service
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    with open_service(store, "tester") as again:
        again.record_development(SLUG, "2024-08", "Round two set")
        assert again.talks_view(SLUG)["developments"][0]["number"] == 1
        assert again.record.event_count() == 2


# -- what a Python user would expect ------------------------------------------------


def test_a_bare_string_is_not_split_into_letters(app: Service) -> None:
    app.open_talks(SLUG, "Geneva round", "Geneva", ["UKR"])
    with suppress(TimelineError):  # refusing it is fine too
        app.record_stance(SLUG, "UKR", "Firm", "Borders")
    with suppress(TimelineError):
        app.record_development(SLUG, "2024-08", "Set", "https://example.org")
    view = app.talks_view(SLUG)
    stored = [s["interests"] for s in view["stances"]]
    stored += [d["sources"] for d in view["developments"]]
    assert all(items in (["Borders"], ["https://example.org"]) for items in stored)


def test_an_unknown_export_format_is_invalid_input(app: Service) -> None:
    app.record_demo()
    with pytest.raises(InvalidInput, match="pdf"):
        app.export("pdf")


def test_imports_accept_a_str_path(app: Service, tmp_path: Path) -> None:
    path = tmp_path / "vienna.yaml"
    path.write_text(CASE, encoding="utf-8")
    assert app.import_case(str(path)).opened
    with pytest.raises(InvalidInput, match="missing"):
        app.import_log(str(tmp_path / "missing.jsonl"))


def test_an_import_snapshots_a_long_talks_with_its_record_times(
    app: Service, tmp_path: Path
) -> None:
    """The import's save path snapshots as a command's does, and the snapshot
    keeps the original record times, not the time of the import."""
    from events.talks import talks_id
    from tests.support import rows

    app.open_talks(SLUG, "Geneva round", "Geneva", ["UKR"])
    for n in range(1, 251):
        app.record_development(SLUG, "2024", f"Step {n}")
    log = tmp_path / "log.jsonl"
    log.write_text("".join(app.export("jsonl")), encoding="utf-8")
    original = app.record.repository.get(talks_id(SLUG))

    with open_service(tmp_path / "copy.sqlite", "importer") as copy:
        assert copy.import_log(log).added == 251
        snapshots = rows(
            tmp_path / "copy.sqlite",
            "SELECT originator_version FROM stored_snapshots",
        )
        assert snapshots == [(251,)]  # crossed 200 in the one save
        loaded = copy.record.repository.get(talks_id(SLUG))
    assert loaded.version == original.version == 251
    assert loaded.created_on == original.created_on
    assert loaded.modified_on == original.modified_on
    assert loaded.developments == 250
