"""Property-based fuzzing of the ways in: the CLI's arguments, the event log
(jsonl) and case files. Every input either succeeds (exit 0) or fails with
one ``Error:`` line (exit 1, or 2 with click's usage form), never a
traceback, and the store's event count changes only on success; each input
is bounded in time (hypothesis ``deadline``).

The runs are derandomized, so CI tries the same inputs each time.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.badinput import ACCEPTED_TEXT, CHARACTERS, LINE_BREAKS, result_problems
from tests.support import ok, stored_events, stored_events_if_any
from timeline.cli import cli

SLUG = "beijing-talks"
SHARED_STORE = [HealthCheck.function_scoped_fixture]
"""The tests share one store across examples on purpose (each example
compares its event count before and after), so a function-scoped fixture is
what they want."""

# -- hostile values -------------------------------------------------------------------

BIG = ["<x*100001>", "<y*1001>", "<z*201>", "<w*2001>"]
"""Markers of long values, made long only when used (a failing example is
shown with its markers, not 100 kB of x)."""


def _expanded(value: str) -> str:
    if value in BIG:
        char, count = value[1:-1].split("*")
        return char * int(count)
    return value


KNOWN = [
    SLUG,
    "CHN",
    "UKR",
    "western-nations",
    "2024",
    "2024-07",
    "2024-07-23/2024-07-26",
    "likely",
    "agenda:humanitarian-aid",
    "stance:CHN",
    "motive:CHN",
    "scenario:neutral-stance",
    "recommendation:strengthening-alliances",
    "talks",
    "development:1",
    "group",
    "markdown",
    "json",
    "jsonl",
    "csv",
    "html",
    "ical",
    "timelinejs",
    "case",
    "reader",
    "analyst",
    "admin",
    "0",
    "1",
    "-1",
]
"""Values the commands know, so that fuzzing reaches past the first check."""

hostile_chars = st.sampled_from(
    sorted({c for bad in [*CHARACTERS, *LINE_BREAKS] for c in bad.value} - set("az"))
)
texts = st.one_of(
    st.sampled_from(KNOWN),
    st.text(max_size=30),
    st.text(
        st.one_of(
            hostile_chars, st.characters(codec="utf-8"), st.sampled_from("a-:1 ")
        ),
        max_size=30,
    ),
    st.builds(
        lambda a, b, c: a + b + c,
        st.sampled_from(KNOWN),
        hostile_chars,
        st.sampled_from(["", "x", "\n"]),
    ),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "\t",
            "99999999999999999999999",
            "1e9",
            "nan",
            *BIG,
            "-" * 3,
            "--",
            "-",
        ]
    ),
    st.binary(max_size=12).map(lambda raw: raw.decode("utf-8", "surrogateescape")),
    st.sampled_from(ACCEPTED_TEXT),
)
"""Text of every kind: known names, random Unicode, controls, surrogates,
huge numbers, empty, over the limits."""


def _safe_path(value: str) -> bool:
    """Whether ``value`` names nothing outside the test's directory if taken
    as a path (the fuzzed commands write files and stores where told)."""
    return not value.lstrip().startswith(("/", "~")) and "/" not in value


# -- (a) the CLI's arguments ----------------------------------------------------------

SKIPPED = {("serve",), ("projections", "follow")}
"""Commands that block or serve."""


def _paths(
    group: click.Group, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in sorted(group.commands.items()):
        where = (*path, name)
        if where in SKIPPED:
            continue
        if isinstance(command, click.Group):
            found.extend(_paths(command, where))
        else:
            found.append((where, command))
    return found


COMMANDS = _paths(cli)
GLOBAL_OPTIONS = ["--author", "--debug"]
"""``--db`` is left out: a fuzzed one would open stores anywhere."""


def _options(command: click.Command) -> list[str]:
    return [
        name
        for param in command.params
        if isinstance(param, click.Option)
        for name in (*param.opts, *param.secondary_opts)
    ]


@st.composite
def argument_lists(draw: st.DrawFn) -> list[str]:
    path, command = draw(st.sampled_from(COMMANDS))
    names = _options(command)
    tokens = draw(
        st.lists(
            st.one_of(texts, st.sampled_from(names)) if names else texts, max_size=7
        )
    )
    front: list[str] = []
    if draw(st.booleans()):
        front = ["--author", draw(texts)]
    return [*front, *path, *tokens]


def test_the_command_set_is_what_the_fuzz_draws_from() -> None:
    drawn = {" ".join(path) for path, _ in COMMANDS}
    for command in (
        "develop",
        "amend",
        "retract",
        "talks open",
        "actor add",
        "import",
        "export",
        "events",
        "db copy",
        "token create",
    ):
        assert command in drawn
    assert not {"serve", "projections follow"} & drawn


@pytest.fixture
def fuzzed(demo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo and a development, with the working directory a fresh one:
    where a fuzzed command writes any file or store it is told to."""
    ok("develop", SLUG, "First development", "--on", "2024-07")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return demo


@settings(
    max_examples=500,
    deadline=timedelta(seconds=10),
    derandomize=True,
    suppress_health_check=SHARED_STORE,
)
@given(argv=argument_lists())
def test_any_arguments_succeed_or_fail_with_one_error_line(
    fuzzed: str, tmp_path: Path, argv: list[str]
) -> None:
    if not all(_safe_path(arg) for arg in argv if arg.strip("-")):
        argv = [arg if _safe_path(arg) else "elsewhere" for arg in argv]
    runner = CliRunner()
    before = stored_events(fuzzed)
    result = runner.invoke(cli, [_expanded(arg) for arg in argv])
    after = stored_events(fuzzed)
    if result.exit_code == 0 and result.exception is None:
        return
    if "--debug" in argv and result.exit_code == 1:
        # --debug lets an unexpected error through, as its traceback: asked for.
        return
    problems = result_problems(result)
    assert problems == [], (argv, problems, result.output[-500:])
    assert after == before, (argv, "an event was written by a failed command")


# -- (b) the event log -----------------------------------------------------------------


@pytest.fixture
def log_lines(tmp_path: Path) -> tuple[Path, list[str]]:
    """A store with the demo, and the event log of another talks (every kind of
    event, all new to it)."""
    base = tmp_path / "base.sqlite"
    ok("--db", str(base), "demo")
    source = tmp_path / "source.sqlite"
    for argv in [
        ("actor", "add", "mediators", "--name", "Mediators"),
        (
            "talks",
            "open",
            "geneva-round",
            "--title",
            "Geneva round",
            "--location",
            "Geneva",
            "--party",
            "UKR",
            "--party",
            "mediators",
            "--summary",
            "S.",
            "--source",
            "https://example.org/a",
            "--on",
            "2024-07",
        ),
        (
            "agenda",
            "add",
            "geneva-round",
            "ceasefire",
            "--title",
            "Ceasefire",
            "--detail",
            "Terms.",
        ),
        (
            "stance",
            "record",
            "geneva-round",
            "UKR",
            "--position",
            "Firm",
            "--interest",
            "Security",
        ),
        ("motive", "record", "geneva-round", "mediators", "Wants a deal."),
        (
            "scenario",
            "add",
            "geneva-round",
            "truce",
            "--outcome",
            "Truce",
            "--impact",
            "Calm",
        ),
        ("scenario", "assess", "geneva-round", "truce", "--likelihood", "likely"),
        (
            "recommend",
            "add",
            "geneva-round",
            "guarantees",
            "--title",
            "G",
            "--for",
            "UKR",
        ),
        ("develop", "geneva-round", "Second round.", "--on", "2024-08"),
        (
            "amend",
            "geneva-round",
            "development:1",
            "--text",
            "Later.",
            "--reason",
            "Misdated.",
        ),
        ("retract", "geneva-round", "agenda:ceasefire", "--reason", "No."),
    ]:
        ok("--db", str(source), *argv)
    log = tmp_path / "source.jsonl"
    ok("--db", str(source), "export", "--format", "jsonl", "-o", str(log))
    return base, log.read_text(encoding="utf-8").splitlines()


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=False),
        texts,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)
    ),
    max_leaves=6,
)


def _edit_bytes(data: st.DataObject, line: bytes) -> bytes:
    raw = bytearray(line)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        how = data.draw(st.sampled_from(["replace", "insert", "delete"]))
        byte = data.draw(st.integers(0, 255))
        if how == "replace" and raw:
            raw[at] = byte
        elif how == "insert":
            raw.insert(at, byte)
        elif raw:
            del raw[at]
    return bytes(raw)


def _edit_json(data: st.DataObject, line: str) -> bytes:
    event: dict[str, Any] = json.loads(line)
    target = data.draw(st.sampled_from(["top", "payload"]))
    node: dict[str, Any] = event if target == "top" else event["payload"]
    keys = sorted(node)
    how = data.draw(st.sampled_from(["delete", "retype", "add", "huge"]))
    key = data.draw(st.sampled_from(keys)) if keys else "text"
    if how == "delete":
        node.pop(key, None)
    elif how == "retype":
        node[key] = data.draw(json_values)
    elif how == "add":
        node[data.draw(texts)] = data.draw(json_values)
    else:
        huge: list[Any] = ["x" * 100_001, "y" * 3_000_000, 10**400, ["i"] * 1_001]
        node[key] = huge[data.draw(st.integers(0, len(huge) - 1))]
    try:
        return json.dumps(event, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(event).encode()
    except ValueError:  # an integer too long for json.dumps's limit
        return json.dumps(event, default=str).encode()


def _import_into_copy(base: Path, tmp_path: Path, file: Path) -> None:
    """Import ``file`` into a copy of ``base``: succeed, or one clean error
    and the copy's events unchanged."""
    store = tmp_path / "target.sqlite"
    shutil.copyfile(base, store)
    before = stored_events(store)
    result = CliRunner().invoke(cli, ["--db", str(store), "import", str(file)])
    after = stored_events_if_any(store)
    if result.exit_code == 0 and result.exception is None:
        return
    problems = result_problems(result, usage_ok=False)
    assert problems == [], (file.name, problems, result.output[-500:])
    assert after == before, "a failed import wrote events"


@pytest.mark.sqlite_only
@settings(
    max_examples=150,
    deadline=timedelta(seconds=15),
    derandomize=True,
    suppress_health_check=SHARED_STORE,
)
@given(data=st.data())
def test_a_mutated_event_log_imports_or_fails_cleanly(
    log_lines: tuple[Path, list[str]], tmp_path: Path, data: st.DataObject
) -> None:
    base, lines = log_lines
    chosen = data.draw(
        st.lists(st.integers(0, len(lines) - 1), min_size=1, max_size=2, unique=True)
    )
    out = [line.encode() for line in lines]
    for at in chosen:
        if data.draw(st.booleans()):
            out[at] = _edit_bytes(data, out[at])
        else:
            out[at] = _edit_json(data, lines[at])
    if data.draw(st.booleans()):  # sometimes a line moved, or dropped
        moved = out.pop(data.draw(st.integers(0, len(out) - 1)))
        if data.draw(st.booleans()):
            out.insert(data.draw(st.integers(0, len(out))), moved)
    file = tmp_path / "fuzzed.jsonl"
    file.write_bytes(b"\n".join(out) + b"\n")
    _import_into_copy(base, tmp_path, file)


# -- (c) case files --------------------------------------------------------------------

slugs = st.one_of(
    st.sampled_from(["geneva-round", "ceasefire", "mediators", SLUG]), texts
)
actors = st.one_of(st.sampled_from(["UKR", "RUS", "CHN", "western-nations"]), texts)
dates = st.one_of(
    st.none(),
    st.sampled_from(["2024", "2024-07", "2024-07-23~"]),
    texts,
    st.integers(-5, 10**20),
)
words = st.one_of(st.sampled_from(["Ceasefire", "Truce", "A text.", "Geneva"]), texts)


def _entry(fields: dict[str, Any], optional: dict[str, Any]) -> Any:
    return st.fixed_dictionaries(fields, optional=optional)


def _few(strategy: Any) -> Any:
    return st.lists(strategy, max_size=2)


case_documents = st.fixed_dictionaries(
    {
        "talks": _entry(
            {
                "slug": slugs,
                "title": words,
                "location": words,
                "parties": st.lists(actors, min_size=0, max_size=3),
            },
            {
                "on": dates,
                "summary": st.one_of(st.none(), words),
                "sources": _few(words),
                "agenda": _few(
                    _entry(
                        {"title": words}, {"key": slugs, "detail": words, "on": dates}
                    )
                ),
                "stances": _few(
                    _entry(
                        {"actor": actors, "position": words},
                        {"interests": _few(words), "on": dates},
                    )
                ),
                "motivations": _few(
                    _entry({"actor": actors, "text": words}, {"on": dates})
                ),
                "scenarios": _few(
                    _entry(
                        {"outcome": words, "impact": words},
                        {
                            "key": slugs,
                            "on": dates,
                            "assessments": _few(
                                _entry(
                                    {
                                        "likelihood": st.one_of(
                                            st.sampled_from(["likely", "unlikely"]),
                                            texts,
                                        )
                                    },
                                    {"note": words, "on": dates},
                                )
                            ),
                        },
                    )
                ),
                "recommendations": _few(
                    _entry(
                        {"title": words},
                        {
                            "key": slugs,
                            "outcome": words,
                            "detail": words,
                            "for": actors,
                        },
                    )
                ),
                "developments": _few(
                    _entry({"on": dates, "text": words}, {"sources": _few(words)})
                ),
                "unknown": json_values,
            },
        )
    },
    optional={
        "actors": _few(
            _entry(
                {"key": slugs, "name": words},
                {"kind": st.one_of(st.just("group"), texts)},
            )
        )
    },
)
"""Case files shaped like :class:`timeline.casefile.Case`, with hostile
values anywhere (and sometimes a key the schema does not have)."""


def _written(data: st.DataObject, document: dict[str, Any]) -> tuple[str, bytes]:
    how = data.draw(st.sampled_from(["yaml", "json", "yaml-plain", "edited"]))
    if how == "json":
        try:
            return "case.json", json.dumps(document, ensure_ascii=False).encode()
        except (UnicodeEncodeError, ValueError):
            return "case.json", json.dumps(document, default=str).encode()
    style = None if how == "yaml-plain" else '"'
    text = yaml.safe_dump(document, default_style=style, sort_keys=False)
    raw = text.encode("utf-8", "surrogatepass")  # a surrogate: bytes not UTF-8
    if how == "edited":
        raw = _edit_bytes(data, raw)
    return "case.yaml", raw


@pytest.mark.sqlite_only
@settings(
    max_examples=150,
    deadline=timedelta(seconds=15),
    derandomize=True,
    suppress_health_check=SHARED_STORE,
)
@given(document=case_documents, data=st.data())
def test_a_hostile_case_file_imports_or_fails_cleanly(
    log_lines: tuple[Path, list[str]],
    tmp_path: Path,
    document: dict[str, Any],
    data: st.DataObject,
) -> None:
    base, _ = log_lines
    if "unknown" in document["talks"] and data.draw(st.booleans()):
        del document["talks"]["unknown"]
    name, content = _written(data, document)
    file = tmp_path / name
    file.write_bytes(content)
    _import_into_copy(base, tmp_path, file)
