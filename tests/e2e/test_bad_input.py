"""The input policy (:mod:`events.policy`) through every way in: each bad
input gets one clean error and writes nothing.

A table-driven walk: every recording command (``actor add``, ``talks open``,
``agenda add``, ``stance record``, ``motive record``, ``scenario add``,
``scenario assess``, ``recommend add``, ``develop``, ``talks link``,
``amend``, ``retract``)
and every importer (a case file in YAML and in JSON, an event log made by
``export --format jsonl``) is given each class of bad input in each of its
fields (:mod:`tests.badinput`): invalid UTF-8, NUL, terminal escapes, other
C0, DEL, C1, bidirectional overrides and isolates, a line break in a one-line
field, one character over the field's limit, one item over a list's, blank
required text; and the store's own settings (``--db ''``, ``TIMELINE_DB=''``,
``--author``, ``TIMELINE_AUTHOR`` not UTF-8) and a huge ``--limit``. Each
must end in exit 1 (2 for a usage error) with one ``Error:`` line, no
traceback, and the store as it was. Then the positive controls: newlines
and tabs in multi-line text, marks and any script, values exactly at their
limits, all accepted. The HTTP API answers the same input with a 422
problem whose detail is the policy's message.

:data:`BAD_INPUTS` names every distinct bad input tried here.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from collections.abc import Callable, Iterable
from copy import deepcopy
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import pytest
import yaml
from click.testing import CliRunner

from events.policy import AUTHOR, LINE, MAX_ITEMS, SLUG_LIMIT, SOURCE, TEXT, TextForm
from tests.badinput import (
    ACCEPTED_LINE,
    ACCEPTED_TEXT,
    AT_LIMIT_SLUG,
    BAD_SLUGS,
    BLANKS,
    CHARACTERS,
    LINE_BREAKS,
    TOO_MANY,
    Bad,
    at_limit,
    bad_values,
    described,
    fingerprint,
    process_problems,
    refusal_problems,
    result_problems,
)
from tests.serving import serving
from tests.support import TIMELINE, as_json, is_postgres, ok, shown, stored_events
from timeline.cli import cli
from timeline.service import Service

SLUG = "beijing-talks"
PROBLEM = "application/problem+json"


class _Slot:
    """Where the bad value goes in a command's arguments."""

    def __repr__(self) -> str:
        return "X"


X = _Slot()
Kind = TextForm | str
"""A field's form, or ``"slug"``, ``"actor"``, ``"date"``, ``"term"``,
``"ref"`` or ``"tag"``."""


class Field(NamedTuple):
    """One field of a command: its arguments with the field's value at X."""

    command: str
    name: str
    kind: Kind
    argv: tuple[str | _Slot, ...]
    required: bool = True
    listed: bool = False
    """Whether the option is repeatable (a list)."""
    setup: tuple[str, ...] = ()
    """A command to run first, which must succeed (``{n}``: the case's number)."""


def _develop(*rest: str | _Slot) -> tuple[str | _Slot, ...]:
    return ("develop", SLUG, "A development", "--on", "2024-08", *rest)


def _amend(ref: str, option: str, reason: str | _Slot = "Misquoted") -> Any:
    return ("amend", SLUG, ref, option, X, "--reason", reason)


DEVELOP = tuple(map(str, _develop()))
TALKS = ("--title", "Geneva round", "--location", "Geneva", "--party", "UKR")
FIELDS = [
    Field("actor add", "KEY", "slug", ("actor", "add", X, "--name", "Mediators")),
    Field("actor add", "--name", LINE, ("actor", "add", "mediators-{n}", "--name", X)),
    Field("talks open", "SLUG", "slug", ("talks", "open", X, *TALKS)),
    Field(
        "talks open",
        "--title",
        LINE,
        ("talks", "open", "geneva-{n}", "--title", X, *TALKS[2:]),
    ),
    Field(
        "talks open",
        "--location",
        LINE,
        ("talks", "open", "geneva-{n}", *TALKS[:2], "--location", X, *TALKS[4:]),
    ),
    Field(
        "talks open",
        "--party",
        "actor",
        ("talks", "open", "geneva-{n}", *TALKS[:4], "--party", X),
        listed=True,
    ),
    Field(
        "talks open",
        "--on",
        "date",
        ("talks", "open", "geneva-{n}", *TALKS, "--on", X),
        required=False,
    ),
    Field(
        "talks open",
        "--summary",
        TEXT,
        ("talks", "open", "geneva-{n}", *TALKS, "--summary", X),
        required=False,
    ),
    Field(
        "talks open",
        "--source",
        SOURCE,
        ("talks", "open", "geneva-{n}", *TALKS, "--source", X),
        listed=True,
    ),
    Field(
        "agenda add", "SLUG", "slug", ("agenda", "add", X, "aid-{n}", "--title", "Aid")
    ),
    Field("agenda add", "KEY", "slug", ("agenda", "add", SLUG, X, "--title", "Aid")),
    Field(
        "agenda add", "--title", LINE, ("agenda", "add", SLUG, "aid-{n}", "--title", X)
    ),
    Field(
        "agenda add",
        "--detail",
        TEXT,
        ("agenda", "add", SLUG, "aid-{n}", "--title", "Aid", "--detail", X),
        required=False,
    ),
    Field(
        "agenda add",
        "--on",
        "date",
        ("agenda", "add", SLUG, "aid-{n}", "--title", "Aid", "--on", X),
        required=False,
    ),
    Field(
        "stance record",
        "ACTOR",
        "actor",
        ("stance", "record", SLUG, X, "--position", "Firm"),
    ),
    Field(
        "stance record",
        "--position",
        TEXT,
        ("stance", "record", SLUG, "CHN", "--position", X),
    ),
    Field(
        "stance record",
        "--interest",
        LINE,
        ("stance", "record", SLUG, "CHN", "--position", "Firm", "--interest", X),
        listed=True,
    ),
    Field("motive record", "SLUG", "slug", ("motive", "record", X, "CHN", "Stability")),
    Field("motive record", "ACTOR", "actor", ("motive", "record", SLUG, X, "Growth")),
    Field("motive record", "TEXT", TEXT, ("motive", "record", SLUG, "CHN", X)),
    Field(
        "motive record",
        "--on",
        "date",
        ("motive", "record", SLUG, "CHN", "Growth", "--on", X),
        required=False,
    ),
    Field(
        "scenario add",
        "KEY",
        "slug",
        ("scenario", "add", SLUG, X, "--outcome", "Truce", "--impact", "Calm"),
    ),
    Field(
        "scenario add",
        "--outcome",
        LINE,
        ("scenario", "add", SLUG, "truce-{n}", "--outcome", X, "--impact", "Calm"),
    ),
    Field(
        "scenario add",
        "--impact",
        TEXT,
        ("scenario", "add", SLUG, "truce-{n}", "--outcome", "Truce", "--impact", X),
    ),
    Field(
        "scenario assess",
        "KEY",
        "slug",
        ("scenario", "assess", SLUG, X, "--likelihood", "likely"),
    ),
    Field(
        "scenario assess",
        "--likelihood",
        "term",
        ("scenario", "assess", SLUG, "neutral-stance", "--likelihood", X),
    ),
    Field(
        "scenario assess",
        "--note",
        TEXT,
        (
            "scenario",
            "assess",
            SLUG,
            "neutral-stance",
            "--likelihood",
            "likely",
            "--note",
            X,
        ),
        required=False,
    ),
    Field(
        "recommend add", "KEY", "slug", ("recommend", "add", SLUG, X, "--title", "T")
    ),
    Field(
        "recommend add",
        "--title",
        LINE,
        ("recommend", "add", SLUG, "talk-more-{n}", "--title", X),
    ),
    Field(
        "recommend add",
        "--outcome",
        LINE,
        ("recommend", "add", SLUG, "talk-more-{n}", "--title", "T", "--outcome", X),
        required=False,
    ),
    Field(
        "recommend add",
        "--detail",
        TEXT,
        ("recommend", "add", SLUG, "talk-more-{n}", "--title", "T", "--detail", X),
        required=False,
    ),
    Field(
        "recommend add",
        "--for",
        "actor",
        ("recommend", "add", SLUG, "talk-more-{n}", "--title", "T", "--for", X),
        required=False,
    ),
    Field("develop", "SLUG", "slug", ("develop", X, "Text", "--on", "2024-08")),
    Field("develop", "TEXT", TEXT, ("develop", SLUG, X, "--on", "2024-08")),
    Field("develop", "--on", "date", ("develop", SLUG, "Text", "--on", X)),
    Field("develop", "--source", SOURCE, _develop("--source", X), listed=True),
    Field("develop", "--author", AUTHOR, ("--author", X, *_develop())),
    Field(
        "develop",
        "--actor",
        "actor",
        _develop("--actor", X),
        listed=True,
        required=False,
    ),
    Field("develop", "--tag", "tag", _develop("--tag", X), listed=True, required=False),
    Field(
        "talks link", "TARGET", "slug", ("talks", "link", SLUG, X, "--as", "related")
    ),
    Field(
        "talks link",
        "--note",
        TEXT,
        ("talks", "link", SLUG, "geneva-{n}", "--as", "related", "--note", X),
        required=False,
        setup=("talks", "open", "geneva-{n}", *TALKS),
    ),
    Field(
        "amend", "SLUG", "slug", ("amend", X, "talks", "--title", "T", "--reason", "R")
    ),
    Field("amend", "REF", "ref", ("amend", SLUG, X, "--title", "T", "--reason", "R")),
    Field(
        "amend",
        "--reason",
        TEXT,
        ("amend", SLUG, "talks", "--title", "New title", "--reason", X),
    ),
    Field("amend", "talks --title", LINE, _amend("talks", "--title")),
    Field("amend", "talks --location", LINE, _amend("talks", "--location")),
    Field(
        "amend", "talks --summary", TEXT, _amend("talks", "--summary"), required=False
    ),
    Field(
        "amend", "agenda --title", LINE, _amend("agenda:humanitarian-aid", "--title")
    ),
    Field(
        "amend",
        "agenda --detail",
        TEXT,
        _amend("agenda:humanitarian-aid", "--detail"),
        required=False,
    ),
    Field("amend", "stance --position", TEXT, _amend("stance:CHN", "--position")),
    Field(
        "amend",
        "stance --interest",
        LINE,
        _amend("stance:CHN", "--interest"),
        listed=True,
    ),
    Field("amend", "motive --text", TEXT, _amend("motive:CHN", "--text")),
    Field(
        "amend",
        "scenario --outcome",
        LINE,
        _amend("scenario:neutral-stance", "--outcome"),
    ),
    Field(
        "amend",
        "scenario --impact",
        TEXT,
        _amend("scenario:neutral-stance", "--impact"),
    ),
    Field(
        "amend",
        "assessment --note",
        TEXT,
        _amend("assessment:neutral-stance", "--note"),
        required=False,
    ),
    Field(
        "amend",
        "recommendation --title",
        LINE,
        _amend("recommendation:strengthening-alliances", "--title"),
    ),
    Field(
        "amend",
        "recommendation --detail",
        TEXT,
        _amend("recommendation:strengthening-alliances", "--detail"),
        required=False,
    ),
    Field(
        "amend",
        "recommendation --outcome",
        LINE,
        _amend("recommendation:strengthening-alliances", "--outcome"),
        required=False,
    ),
    Field("amend", "development --text", TEXT, _amend("development:1", "--text")),
    Field("amend", "development --on", "date", _amend("development:1", "--on")),
    Field(
        "retract",
        "SLUG",
        "slug",
        ("retract", X, "agenda:humanitarian-aid", "--reason", "R"),
    ),
    Field("retract", "REF", "ref", ("retract", SLUG, X, "--reason", "R")),
    Field(
        "retract",
        "--reason",
        TEXT,
        ("retract", SLUG, "agenda:gone-{n}", "--reason", X),
        setup=("agenda", "add", SLUG, "gone-{n}", "--title", "Gone"),
    ),
]
"""Every field of every recording command."""

RECORDING_COMMANDS = sorted({field.command for field in FIELDS})


def _kind_values(field: Field) -> list[Bad]:
    """The bad values of a field by its kind."""
    if isinstance(field.kind, TextForm):
        return bad_values(field.kind, field.required)
    shaped = [*CHARACTERS, *LINE_BREAKS]
    if field.kind == "slug":
        # An optional key left empty is not given: one is made from the title.
        slugs = [bad for bad in BAD_SLUGS if field.required or bad.value]
        return [*slugs, *shaped[:6], Bad("slug with capitals", "Bad-Slug")]
    extra = {
        "actor": [
            Bad("actor of 201 characters", "a" * 201),
            *([Bad("empty actor", "")] if field.required else []),
        ],
        "date": [
            Bad("date of 10,000 characters", "2024" * 2500),
            Bad("date 2024-13-45", "2024-13-45"),
        ],
        "term": [Bad("term of 10,000 characters", "likely" * 1700)],
        "tag": [
            Bad("tag with capitals", "Ceasefire"),
            Bad("tag of 101 characters", "a" * 101),
        ],
        "ref": [
            Bad("ref of 10,000 characters", "agenda:" + "a" * 10_000),
            Bad("ref of a huge number", "development:" + "9" * 30),
        ],
    }[field.kind]
    return [*shaped, *extra]


class CliCase(NamedTuple):
    label: str
    argv: tuple[str, ...]
    env: dict[str, str | None]
    setup: tuple[str, ...] = ()
    reads: bool = False
    """A read: it may catch the views up, so only the events are compared."""


def _filled(field: Field, value: str, n: int = 0) -> tuple[str, ...]:
    """The field's arguments with ``value`` at X and ``n`` for ``{n}``."""
    return tuple(
        value if part is X else str(part).replace("{n}", str(n)) for part in field.argv
    )


def _repeated(field: Field, values: list[str]) -> tuple[str, ...]:
    """The field's option given once per value."""
    at = field.argv.index(X)
    option = str(field.argv[at - 1])
    given = [part for value in values for part in (option, value)]
    before, after = field.argv[: at - 1], field.argv[at + 1 :]
    return (
        *_filled(field._replace(argv=before), ""),
        *given,
        *_filled(field._replace(argv=after), ""),
    )


def _cli_cases() -> list[CliCase]:
    cases: list[CliCase] = []
    for field in FIELDS:
        where = f"{field.command} {field.name}"
        for bad in _kind_values(field):
            n = len(cases)
            setup = tuple(part.replace("{n}", str(n)) for part in field.setup)
            cases.append(
                CliCase(f"{where}: {bad.name}", _filled(field, bad.value, n), {}, setup)
            )
        if field.listed:
            items = [
                {"actor": f"actor-{n}", "tag": f"tag-{n}"}.get(
                    str(field.kind), f"item {n}"
                )
                for n in range(TOO_MANY)
            ]
            cases.append(
                CliCase(f"{where}: {TOO_MANY:,} items", _repeated(field, items), {})
            )
    develop = DEVELOP
    settings = [
        CliCase("--db ''", ("--db", "", *develop), {}),
        CliCase("--db ' '", ("--db", "  ", *develop), {}),
        CliCase("--db with a NUL", ("--db", "a\x00b.sqlite", *develop), {}),
        CliCase("--db with a newline", ("--db", "a\nb.sqlite", *develop), {}),
        CliCase("TIMELINE_DB=''", develop, {"TIMELINE_DB": ""}),
        CliCase("TIMELINE_DB=' '", develop, {"TIMELINE_DB": " "}),
        CliCase("TIMELINE_DB with ESC", develop, {"TIMELINE_DB": "a\x1b[2Jb"}),
        CliCase("--author ''", ("--author", "", *develop), {}),
        CliCase("TIMELINE_AUTHOR=''", develop, {"TIMELINE_AUTHOR": ""}),
        CliCase("TIMELINE_AUTHOR with a newline", develop, {"TIMELINE_AUTHOR": "a\nb"}),
        CliCase(
            "TIMELINE_AUTHOR with U+202E", develop, {"TIMELINE_AUTHOR": "a\u202eb"}
        ),
        CliCase(
            "TIMELINE_AUTHOR of 201 characters", develop, {"TIMELINE_AUTHOR": "a" * 201}
        ),
        CliCase(
            "TIMELINE_AUTHOR with a surrogate", develop, {"TIMELINE_AUTHOR": "a\udcc3b"}
        ),
    ]
    huge = "99999999999999999999999"
    limits = [
        CliCase("events --limit huge", ("events", "--limit", huge), {}, reads=True),
        CliCase(
            "events --limit 10**400", ("events", "--limit", "9" * 400), {}, reads=True
        ),
        CliCase("events --limit -1", ("events", "--limit", "-1"), {}, reads=True),
        CliCase("events --limit 1e9", ("events", "--limit", "1e9"), {}, reads=True),
        CliCase("events --limit NUL", ("events", "--limit", "1\x00"), {}, reads=True),
        CliCase("show --rows huge", ("show", SLUG, "--rows", huge), {}, reads=True),
        CliCase(
            "show --as-of huge year",
            ("show", SLUG, "--as-of", "9" * 30),
            {},
            reads=True,
        ),
        CliCase(
            "an extra argument with an ESC",
            ("actor", "list", "\x1b[2J"),
            {},
            reads=True,
        ),
        CliCase(
            "an extra argument with a C0", ("actor", "list", "\x1f"), {}, reads=True
        ),
        CliCase("a command that is an ESC", ("\x1b]0;owned\x07",), {}, reads=True),
        CliCase(
            "an extra argument with a CR", ("actor", "list", "a\rb"), {}, reads=True
        ),
        CliCase(
            "an extra argument of 100,001 characters",
            ("actor", "list", "x" * 100_001),
            {},
            reads=True,
        ),
        CliCase("an option that is an ESC", ("events", "--\x1b[2J"), {}, reads=True),
        CliCase("a choice with U+202E", ("events", "--kind", "\u202e"), {}, reads=True),
        CliCase(
            "events --since huge year", ("events", "--since", "9" * 30), {}, reads=True
        ),
    ]
    return cases + settings + limits


CLI_CASES = _cli_cases()


def _expected_words(bad: str) -> str | None:
    """A word the error of the bad input of class ``bad`` must hold, if any."""
    for each in CHARACTERS:
        if each.name == bad and "surrogate" not in bad:
            code = next(c for c in each.value if c not in "beforeaft")
            return f"U+{ord(code):04X}"
    if "surrogate" in bad:
        return "UTF-8"
    if any(each.name == bad for each in LINE_BREAKS):
        return "one line"
    if any(each.name == bad for each in BLANKS):
        return "empty"
    if bad.endswith(" characters") and bad[0].isdigit():
        return "characters long"
    if bad.endswith(" items"):
        return "at most"
    return None


@pytest.fixture
def walked(demo: str) -> str:
    """The demo with an assessment and a development: every REF the walk names."""
    ok("scenario", "assess", SLUG, "neutral-stance", "--likelihood", "likely")
    ok("develop", SLUG, "First development", "--on", "2024-07")
    ok("show", SLUG)  # the views caught up: a read writes nothing after this
    return demo


T = TypeVar("T")


def _sample(store: str, cases: list[T], every: int) -> list[T]:
    """All the cases on SQLite; on PostgreSQL, whose part is the store alone
    (the policy is the domain's), every ``every``-th, spread over the fields
    and classes, to keep the suite's time modest."""
    return cases[::every] if is_postgres(store) else cases


def _none(problems: list[str]) -> None:
    """Fail with every problem found, one a line, if there are any."""
    if problems:
        pytest.fail(f"{len(problems)} problems:\n" + "\n".join(problems), pytrace=False)


def _walk(store: str, cases: list[CliCase]) -> list[str]:
    problems = []
    runner = CliRunner()
    for case in cases:
        if case.setup:
            ok(*case.setup)
        before = fingerprint(store)
        result = runner.invoke(cli, list(case.argv), env=case.env)
        found = result_problems(result)
        after = fingerprint(store)
        if (after.events if case.reads else after) != (
            before.events if case.reads else before
        ):
            found.append("the store changed")
        word = _expected_words(case.label.rsplit(": ", 1)[-1])
        if not found and result.exit_code == 1 and word and word not in result.stderr:
            # Words that say why are required of text fields, not of slugs,
            # actors, dates or refs, whose shape errors say what they must be.
            field = next(
                (f for f in FIELDS if case.label.startswith(f"{f.command} {f.name}:")),
                None,
            )
            if field is None or isinstance(field.kind, TextForm):
                found.append(f"no {word!r} in {result.stderr.strip()[:200]!r}")
        if found:
            problems.append(
                f"{case.label} [{described(case.argv)}]: {'; '.join(found)}"
            )
    return problems


def test_every_recording_command_refuses_each_bad_input_cleanly(walked: str) -> None:
    assert set(RECORDING_COMMANDS) == {
        "actor add",
        "talks open",
        "agenda add",
        "stance record",
        "motive record",
        "scenario add",
        "scenario assess",
        "recommend add",
        "develop",
        "talks link",
        "amend",
        "retract",
    }
    _none(_walk(walked, _sample(walked, CLI_CASES, 5)))


def test_a_blank_store_setting_never_falls_back_to_the_default_store(
    walked: str, tmp_path: Path
) -> None:
    default = Path(os.environ["XDG_DATA_HOME"])
    for args, env in [
        (("--db", ""), {}),
        ((), {"TIMELINE_DB": ""}),
        (("--db", " "), {"TIMELINE_DB": walked}),
    ]:
        for command in (("db", "info"), ("db", "path"), _filled(FIELDS[0], "x")):
            result = CliRunner().invoke(cli, [*args, *command], env=env)
            assert result_problems(result) == [], (args, env, command)
            assert "empty" in result.stderr
    assert not default.exists() or not any(default.rglob("*.sqlite"))


# -- through the installed command: bytes that are not UTF-8 -------------------------

NOT_UTF8 = b"bad \xc3\x28 text"
"""``$'bad \\xc3\\x28'``: a lead byte without its continuation."""


def _bytes_argv(field: Field, value: bytes) -> list[bytes]:
    return [value if part is X else str(part).encode() for part in field.argv]


def _installed(
    argv: list[bytes], env: dict[bytes, bytes]
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(TIMELINE).encode(), *argv],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def _environ(**changes: bytes) -> dict[bytes, bytes]:
    env = dict(os.environb)
    env.update({name.encode(): value for name, value in changes.items()})
    return env


UTF8_FIELDS = [
    next(f for f in FIELDS if f.command == command and isinstance(f.kind, TextForm))
    for command in RECORDING_COMMANDS
] + [next(f for f in FIELDS if f.name == "SLUG")]
UTF8_CASES = [f"{f.command} {f.name}: {NOT_UTF8!r} in argv" for f in UTF8_FIELDS] + [
    "--db not UTF-8 in argv",
    "TIMELINE_DB not UTF-8",
    "TIMELINE_AUTHOR not UTF-8",
    "TIMELINE_AUTHOR of the tester's report (bad \\xc3\\x28)",
]


def test_bytes_that_are_not_utf8_are_refused_through_the_installed_command(
    walked: str,
) -> None:
    before = fingerprint(walked)
    problems = []
    develop = [part.encode() for part in DEVELOP]
    runs = [(_bytes_argv(field, NOT_UTF8), _environ()) for field in UTF8_FIELDS] + [
        ([b"--db", b"store-" + NOT_UTF8 + b".sqlite", *develop], _environ()),
        (develop, _environ(TIMELINE_DB=b"store-\xff.sqlite")),
        (develop, _environ(TIMELINE_AUTHOR=b"an \xff author")),
        (
            [b"develop", SLUG.encode(), b"--on", b"2024", b"ok"],
            _environ(TIMELINE_AUTHOR=b"bad \xc3\x28"),
        ),
    ]
    assert len(runs) == len(UTF8_CASES)
    for label, (argv, env) in zip(UTF8_CASES, runs, strict=True):
        done = _installed(argv, env)
        found = process_problems(done)
        if done.returncode == 1 and b"UTF-8" not in done.stderr:
            found.append(f"the error does not say UTF-8: {done.stderr[:200]!r}")
        if found:
            problems.append(f"{label}: {'; '.join(found)}")
    _none(problems)
    assert fingerprint(walked) == before


# -- the positive controls ------------------------------------------------------------

TEXT_FIELDS: list[tuple[str, Callable[[int, str], tuple[str, ...]]]] = [
    ("development", lambda n, v: ("develop", SLUG, v, "--on", "2024-08")),
    ("summary", lambda n, v: ("talks", "open", f"t{n}", *TALKS, "--summary", v)),
    (
        "detail",
        lambda n, v: ("agenda", "add", SLUG, f"a{n}", "--title", "T", "--detail", v),
    ),
    ("motivation", lambda n, v: ("motive", "record", SLUG, "CHN", v)),
    ("position", lambda n, v: ("stance", "record", SLUG, "UKR", "--position", v)),
    (
        "impact",
        lambda n, v: (
            "scenario",
            "add",
            SLUG,
            f"s{n}",
            "--outcome",
            "O",
            "--impact",
            v,
        ),
    ),
    (
        "note",
        lambda n, v: (  # each assessment changes the likelihood, or it is refused
            "scenario",
            "assess",
            SLUG,
            "neutral-stance",
            "--likelihood",
            ("unlikely", "very likely")[n % 2],
            "--note",
            v,
        ),
    ),
    (
        "reason",
        lambda n, v: (
            "amend",
            SLUG,
            "motive:CHN",
            "--text",
            f"motive {n}",
            "--reason",
            v,
        ),
    ),
]
LINE_FIELDS: list[tuple[str, Callable[[int, str], tuple[str, ...]]]] = [
    ("title", lambda n, v: ("agenda", "add", SLUG, f"l{n}", "--title", v)),
    ("actor name", lambda n, v: ("actor", "add", f"actor-{n}", "--name", v)),
    (
        "source",
        lambda n, v: ("develop", SLUG, "Sourced", "--on", "2024", "--source", v),
    ),
    ("author", lambda n, v: ("--author", v, "develop", SLUG, "By", "--on", "2024")),
    (
        "outcome",
        lambda n, v: (
            "scenario",
            "add",
            SLUG,
            f"o{n}",
            "--outcome",
            v,
            "--impact",
            "I",
        ),
    ),
]


def test_line_breaks_tabs_marks_and_every_script_are_accepted(walked: str) -> None:
    count = stored_events(walked)
    n = 0
    for fields, values in ((TEXT_FIELDS, ACCEPTED_TEXT), (LINE_FIELDS, ACCEPTED_LINE)):
        for name, argv in fields:
            for value in values:
                n += 1
                result = CliRunner().invoke(cli, list(argv(n, value)))
                assert result.exit_code == 0, (name, value, result.output)
                count += 1
                assert stored_events(walked) == count, (name, value)
    texts = [d["text"] for d in as_json("show", SLUG)["developments"]]
    assert texts[1 : 1 + len(ACCEPTED_TEXT)] == ACCEPTED_TEXT  # kept as written


def test_values_exactly_at_their_limits_are_accepted(walked: str) -> None:
    count = stored_events(walked)
    items = [f"item {n}" for n in range(MAX_ITEMS)]
    accepted = [
        ("actor", "add", AT_LIMIT_SLUG, "--name", at_limit(LINE)),
        (
            "talks",
            "open",
            "t" * SLUG_LIMIT,
            "--title",
            at_limit(LINE),
            "--location",
            at_limit(LINE),
            "--party",
            "UKR",
            "--summary",
            at_limit(TEXT),
            "--source",
            at_limit(SOURCE),
        ),
        (
            "agenda",
            "add",
            SLUG,
            AT_LIMIT_SLUG,
            "--title",
            at_limit(LINE),
            "--detail",
            at_limit(TEXT),
        ),
        (
            "--author",
            at_limit(AUTHOR),
            "develop",
            SLUG,
            at_limit(TEXT),
            "--on",
            "2024",
            "--source",
            at_limit(SOURCE),
        ),
        (
            "develop",
            SLUG,
            "Many sources",
            "--on",
            "2024",
            *[part for item in items for part in ("--source", item)],
        ),
        (
            "stance",
            "record",
            SLUG,
            "CHN",
            "--position",
            at_limit(TEXT),
            *[part for item in items for part in ("--interest", item)],
        ),
        (
            "amend",
            SLUG,
            "motive:CHN",
            "--text",
            at_limit(TEXT),
            "--reason",
            at_limit(TEXT),
        ),
        # Blanks around a value do not count towards its limit.
        ("develop", SLUG, f"  {at_limit(TEXT)}\n\n", "--on", "2024"),
    ]
    for argv in accepted:
        ok(*argv)
        count += 1
        assert stored_events(walked) == count, described(argv)
    view = as_json("show", SLUG)
    assert view["developments"][1]["recorded_by"] == at_limit(AUTHOR)
    assert len(view["developments"][2]["sources"]) == MAX_ITEMS


# -- the last-resort handler ----------------------------------------------------------


def test_an_unexpected_fault_is_one_error_line_naming_the_store(
    walked: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected fault\nwith a second line \x1b[31m")

    monkeypatch.setattr(Service, "record_development", broken)
    before = fingerprint(walked)
    argv = ["develop", SLUG, "Text", "--on", "2024"]
    result = CliRunner().invoke(cli, argv)
    assert result_problems(result, usage_ok=False) == []
    line = result.stderr.strip()
    assert "RuntimeError" in line
    assert "injected fault" in line
    assert shown(walked) in line
    assert "--debug" in line
    debugged = CliRunner().invoke(cli, ["--debug", *argv])
    assert isinstance(debugged.exception, RuntimeError)  # the traceback, as asked
    assert fingerprint(walked) == before


SITECUSTOMIZE = """
import os
import timeline.service

def broken(*args, **kwargs):
    raise RuntimeError("injected fault")

for name in os.environ["FAULT_IN"].split(","):
    setattr(timeline.service.Service, name, broken)
"""


@pytest.mark.parametrize(
    ("fault_in", "argv"),
    [
        ("record_development", ("develop", SLUG, "Text", "--on", "2024")),
        ("talks_view", ("show", SLUG)),
        ("import_log", ("import", "log.jsonl")),
        ("close", ("talks", "list")),
    ],
)
def test_a_fault_in_the_installed_command_is_one_error_line_unless_debug(
    walked: str, tmp_path: Path, fault_in: str, argv: tuple[str, ...]
) -> None:
    ok("export", "--format", "jsonl", "-o", str(tmp_path / "log.jsonl"))
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(textwrap.dedent(SITECUSTOMIZE))
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "FAULT_IN": fault_in}
    before = fingerprint(walked)
    run = [str(TIMELINE), *argv]
    done = subprocess.run(
        run,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    errors = done.stderr.splitlines()
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("Error: ")
    assert "RuntimeError (injected fault)" in errors[0]
    assert "--debug" in errors[0]
    if fault_in != "close":
        assert shown(walked) in errors[0]
    debugged = subprocess.run(
        [str(TIMELINE), "--debug", *argv],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert debugged.returncode == 1
    assert "Traceback (most recent call last)" in debugged.stderr
    assert debugged.stderr.rstrip().endswith("RuntimeError: injected fault")
    # Events alone: a store never closed leaves its write-ahead log behind.
    assert fingerprint(walked).events == before.events


# -- importers: case files in YAML and JSON ------------------------------------------


def _case() -> dict[str, Any]:
    """A valid case file of every kind of entry."""
    return {
        "actors": [{"key": "mediators", "name": "Mediators", "kind": "group"}],
        "talks": {
            "slug": "geneva-round",
            "title": "Geneva round",
            "location": "Geneva",
            "parties": ["UKR", "RUS"],
            "on": "2024-07",
            "summary": "A summary.",
            "sources": ["https://example.org/a"],
            "agenda": [
                {
                    "key": "ceasefire",
                    "title": "Ceasefire",
                    "detail": "Terms.",
                    "on": "2024-07",
                }
            ],
            "stances": [
                {
                    "actor": "UKR",
                    "position": "Seeks guarantees",
                    "interests": ["Security"],
                }
            ],
            "motivations": [{"actor": "mediators", "text": "Wants a deal."}],
            "scenarios": [
                {
                    "key": "truce",
                    "outcome": "Truce",
                    "impact": "Calm",
                    "assessments": [
                        {"likelihood": "likely", "note": "Both sides tired."}
                    ],
                }
            ],
            "recommendations": [
                {
                    "key": "guarantees",
                    "title": "Guarantees",
                    "outcome": "Trust",
                    "detail": "More.",
                    "for": "UKR",
                }
            ],
            "developments": [
                {"on": "2024-08", "text": "Second round.", "sources": ["Reuters"]}
            ],
        },
    }


Path_ = tuple[str | int, ...]
CASE_FIELDS: list[tuple[Path_, Kind, bool]] = [
    (("actors", 0, "key"), "slug", True),
    (("actors", 0, "name"), LINE, True),
    (("talks", "slug"), "slug", True),
    (("talks", "title"), LINE, True),
    (("talks", "location"), LINE, True),
    (("talks", "parties", 0), "actor", True),
    (("talks", "on"), "date", False),
    (("talks", "summary"), TEXT, False),
    (("talks", "sources", 0), SOURCE, True),
    (("talks", "agenda", 0, "key"), "slug", False),
    (("talks", "agenda", 0, "title"), LINE, True),
    (("talks", "agenda", 0, "detail"), TEXT, False),
    (("talks", "stances", 0, "actor"), "actor", True),
    (("talks", "stances", 0, "position"), TEXT, True),
    (("talks", "stances", 0, "interests", 0), LINE, True),
    (("talks", "motivations", 0, "text"), TEXT, True),
    (("talks", "scenarios", 0, "key"), "slug", False),
    (("talks", "scenarios", 0, "outcome"), LINE, True),
    (("talks", "scenarios", 0, "impact"), TEXT, True),
    (("talks", "scenarios", 0, "assessments", 0, "note"), TEXT, False),
    (("talks", "recommendations", 0, "title"), LINE, True),
    (("talks", "recommendations", 0, "outcome"), LINE, False),
    (("talks", "recommendations", 0, "detail"), TEXT, False),
    (("talks", "recommendations", 0, "for"), "actor", False),
    (("talks", "developments", 0, "text"), TEXT, True),
    (("talks", "developments", 0, "on"), "date", True),
    (("talks", "developments", 0, "sources", 0), SOURCE, True),
]
CASE_JSON_FIELDS = [
    field
    for field in CASE_FIELDS
    if field[0]
    in {
        ("talks", "slug"),
        ("talks", "title"),
        ("talks", "sources", 0),
        ("talks", "stances", 0, "actor"),
        ("talks", "developments", 0, "on"),
        ("talks", "developments", 0, "text"),
    }
]
CASE_LISTS: list[tuple[Path_, Callable[[int], str]]] = [
    (("talks", "parties"), lambda n: "UKR"),
    (("talks", "sources"), lambda n: f"source {n}"),
    (("talks", "stances", 0, "interests"), lambda n: f"interest {n}"),
    (("talks", "developments", 0, "sources"), lambda n: f"source {n}"),
]


def _set(data: Any, path: Path_, value: Any) -> Any:
    data = deepcopy(data)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def _case_values(path: Path_, kind: Kind, required: bool) -> list[Bad]:
    return _kind_values(Field("case", ".".join(map(str, path)), kind, (X,), required))


def _numbered(case: dict[str, Any], n: int) -> dict[str, Any]:
    """The case with a talks and an actor of its own: one accepted by mistake
    does not make the next answer "already recorded"."""
    case = deepcopy(case)
    case["talks"]["slug"] = f"geneva-{n}"
    case["actors"][0]["key"] = case["talks"]["motivations"][0]["actor"] = f"med-{n}"
    return case


def _yaml(data: Any) -> bytes:
    """YAML with every string double-quoted and escaped: read back exactly
    (PyYAML writes a NEL raw in a plain scalar, where YAML reads a line break)."""
    return yaml.safe_dump(data, default_style='"', sort_keys=False).encode()


def _json(data: Any) -> bytes:
    try:
        return json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate: written as its JSON escape
        return json.dumps(data).encode()


RAW_BYTES = [
    ("a raw NUL byte", b"\x00"),
    ("a raw ESC sequence", b"\x1b[31m"),
    ("a raw BEL", b"\x07"),
    ("a raw DEL", b"\x7f"),
    ("a raw C1 CSI", "\u009b".encode()),
    ("a raw U+202E", "\u202e".encode()),
    ("a raw U+2066", "\u2066".encode()),
    ("bytes not UTF-8 (\\xc3\\x28)", b"\xc3\x28"),
    ("a byte not UTF-8 (\\xff)", b"\xff"),
    ("a surrogate encoded as UTF-8 (\\xed\\xa0\\x80)", b"\xed\xa0\x80"),
    ("an overlong NUL (\\xc0\\x80)", b"\xc0\x80"),
]
"""Bytes written raw into a file, inside a text value."""
MARK = "PLACEHOLDER-VALUE"


class FileCase(NamedTuple):
    label: str
    name: str
    content: bytes


CaseMaker = Callable[[], bytes]


def _replacing(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    """Bytes with ``old`` replaced by ``new``."""
    return lambda content: content.replace(old, new)


def _then(make: CaseMaker, change: Callable[[bytes], bytes]) -> CaseMaker:
    return lambda: change(make())


def _case_file_specs() -> list[tuple[str, str, CaseMaker]]:
    """Each bad case file: its label, its file name, and how to write it."""
    specs: list[tuple[str, str, CaseMaker]] = []
    base = _case()
    for suffix, write in ((".yaml", _yaml), (".json", _json)):
        name = f"case{suffix}"

        def made(
            path: Path_, value: Any, write: Callable[[Any], bytes] = write
        ) -> CaseMaker:
            numbered = _numbered(base, len(specs))
            return lambda: write(_set(numbered, path, value))

        # JSON is read by the same parser: a field of each kind is enough.
        fields = CASE_FIELDS if suffix == ".yaml" else CASE_JSON_FIELDS
        for path, kind, required in fields:
            where = ".".join(map(str, path))
            for bad in _case_values(path, kind, required):
                specs.append(
                    (f"{name} {where}: {bad.name}", name, made(path, bad.value))
                )
        for path, item in CASE_LISTS:
            where = ".".join(map(str, path))
            items = [item(n) for n in range(TOO_MANY)]
            specs.append(
                (f"{name} {where}: {TOO_MANY:,} items", name, made(path, items))
            )
        for path in (
            ("talks", "title"),
            ("talks", "developments", 0, "text"),
            ("actors", 0, "name"),
        ):
            where = ".".join(map(str, path))
            placed = made(path, f"before {MARK} after")
            for what, raw in RAW_BYTES:
                specs.append(
                    (
                        f"{name} {where}: {what}",
                        name,
                        _then(placed, _replacing(MARK.encode(), raw)),
                    )
                )
    big = "z" * 5_000_000
    specs.append(
        (
            "case.json: a 5 MB development text",
            "case.json",
            lambda: _json(_set(base, ("talks", "developments", 0, "text"), big)),
        )
    )
    specs.append(
        (
            "case.yaml: a 5 MB title",
            "case.yaml",
            lambda: _yaml(_set(base, ("talks", "title"), big)),
        )
    )
    return specs


def _import_problems(
    store: str, tmp_path: Path, cases: Iterable[FileCase]
) -> list[str]:
    problems = []
    runner = CliRunner()
    for case in cases:
        file = tmp_path / case.name
        file.write_bytes(case.content)
        before = fingerprint(store)
        result = runner.invoke(cli, ["import", str(file)])
        found = result_problems(result, usage_ok=False)
        if fingerprint(store) != before:
            found.append("the store changed")
        if found:
            problems.append(f"{case.label}: {'; '.join(found)}")
    return problems


CASE_FILE_SPECS = _case_file_specs()


def test_case_files_with_bad_input_are_refused_cleanly(
    walked: str, tmp_path: Path
) -> None:
    specs = _sample(walked, CASE_FILE_SPECS, 6)
    cases = (FileCase(label, name, make()) for label, name, make in specs)
    _none(_import_problems(walked, tmp_path, cases))


def test_a_case_file_at_the_limits_is_accepted(walked: str, tmp_path: Path) -> None:
    data = _case()
    talks = data["talks"]
    talks["slug"] = AT_LIMIT_SLUG
    talks["title"] = talks["location"] = at_limit(LINE)
    talks["summary"] = "\n".join(ACCEPTED_TEXT) + "\t" + at_limit(TEXT)[:50_000]
    talks["sources"] = [at_limit(SOURCE), *(f"s{n}" for n in range(MAX_ITEMS - 1))]
    talks["stances"][0]["interests"] = [*ACCEPTED_LINE, at_limit(LINE)]
    talks["developments"][0]["text"] = at_limit(TEXT)
    data["actors"][0]["name"] = ACCEPTED_LINE[-1]
    for suffix, write in ((".yaml", _yaml), (".json", _json)):
        before = stored_events(walked)
        if suffix == ".json":
            data = _set(data, ("talks", "slug"), "geneva-round")
            data["actors"][0]["key"] = "other-mediators"
            data["talks"]["motivations"][0]["actor"] = "other-mediators"
        (tmp_path / f"case{suffix}").write_bytes(write(data))
        ok("import", str(tmp_path / f"case{suffix}"))
        assert stored_events(walked) > before
    view = as_json("show", AT_LIMIT_SLUG)
    assert view["title"] == at_limit(LINE)
    assert view["developments"][0]["text"] == at_limit(TEXT)


# -- importers: the event log ----------------------------------------------------------


def _source_log(tmp_path: Path) -> list[dict[str, Any]]:
    """An event log of every kind of event, made in a store of its own:
    ``export --format jsonl``'s lines, as objects."""
    source = tmp_path / "source.sqlite"
    commands = [
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
            "A summary.",
            "--source",
            "https://example.org/a",
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
        (
            "scenario",
            "assess",
            "geneva-round",
            "truce",
            "--likelihood",
            "likely",
            "--note",
            "Tired.",
        ),
        (
            "recommend",
            "add",
            "geneva-round",
            "guarantees",
            "--title",
            "Guarantees",
            "--outcome",
            "Trust",
            "--detail",
            "More.",
        ),
        (
            "develop",
            "geneva-round",
            "Second round.",
            "--on",
            "2024-08",
            "--source",
            "Reuters",
        ),
        (
            "amend",
            "geneva-round",
            "development:1",
            "--text",
            "Second round, later.",
            "--reason",
            "Misdated.",
        ),
        ("retract", "geneva-round", "agenda:ceasefire", "--reason", "Not discussed."),
    ]
    for argv in commands:
        ok("--db", str(source), *argv)
    log = tmp_path / "source.jsonl"
    ok("--db", str(source), "export", "--format", "jsonl", "-o", str(log))
    return [json.loads(line) for line in log.read_text().splitlines()]


LOG_FIELDS: list[tuple[str, Path_, Kind, bool]] = [
    ("ActorRegistered", ("payload", "key"), "slug", True),
    ("ActorRegistered", ("payload", "name"), LINE, True),
    ("TalksOpened", ("payload", "title"), LINE, True),
    ("TalksOpened", ("payload", "location"), LINE, True),
    ("TalksOpened", ("payload", "summary"), TEXT, False),
    ("TalksOpened", ("payload", "sources", 0), SOURCE, True),
    ("TalksOpened", ("payload", "parties", 0), "actor", True),
    ("AgendaItemAdded", ("payload", "title"), LINE, True),
    ("AgendaItemAdded", ("payload", "detail"), TEXT, False),
    ("StanceRecorded", ("payload", "position"), TEXT, True),
    ("StanceRecorded", ("payload", "interests", 0), LINE, True),
    ("MotivationRecorded", ("payload", "text"), TEXT, True),
    ("ScenarioAdded", ("payload", "outcome"), LINE, True),
    ("ScenarioAdded", ("payload", "impact"), TEXT, True),
    ("ScenarioAssessed", ("payload", "note"), TEXT, False),
    ("RecommendationAdded", ("payload", "title"), LINE, True),
    ("RecommendationAdded", ("payload", "detail"), TEXT, False),
    ("DevelopmentRecorded", ("payload", "text"), TEXT, True),
    ("DevelopmentRecorded", ("payload", "sources", 0), SOURCE, True),
    ("DevelopmentRecorded", ("recorded_by",), AUTHOR, True),
    ("EntryAmended", ("payload", "reason"), TEXT, True),
    ("EntryRetracted", ("payload", "reason"), TEXT, True),
]
LOG_LISTS: list[tuple[str, Path_, Callable[[int], str]]] = [
    ("TalksOpened", ("payload", "sources"), lambda n: f"source {n}"),
    ("StanceRecorded", ("payload", "interests"), lambda n: f"interest {n}"),
    ("DevelopmentRecorded", ("payload", "sources"), lambda n: f"source {n}"),
]


def _log_bytes(lines: list[dict[str, Any]]) -> bytes:
    return b"".join(_json(line) + b"\n" for line in lines)


Log = list[dict[str, Any]]
"""An event log's lines, as objects."""
Maker = Callable[[Log], bytes]


def _changed(event: str, path: Path_, value: Any) -> Maker:
    """The log with the last line of type ``event`` changed at ``path``."""

    def make(log: Log) -> bytes:
        at = max(n for n, line in enumerate(log) if line["type"] == event)
        lines = list(log)
        lines[at] = _set(lines[at], path, value)
        return _log_bytes(lines)

    return make


def _placed(replace: Callable[[bytes], bytes]) -> Maker:
    """The log with the development's text, as written, replaced."""
    placed = _changed(
        "DevelopmentRecorded", ("payload", "text"), f"before {MARK} after"
    )
    return lambda log: replace(placed(log))


def _log_specs() -> list[tuple[str, Maker]]:
    specs = []
    for event, path, kind, required in LOG_FIELDS:
        where = f"{event} {'.'.join(map(str, path))}"
        for bad in _case_values(path, kind, required):
            specs.append(
                (f"jsonl {where}: {bad.name}", _changed(event, path, bad.value))
            )
    for event, path, item in LOG_LISTS:
        where = f"{event} {'.'.join(map(str, path))}"
        items = [item(n) for n in range(TOO_MANY)]
        specs.append(
            (f"jsonl {where}: {TOO_MANY:,} items", _changed(event, path, items))
        )
    text = "jsonl DevelopmentRecorded payload.text"
    for name, raw in RAW_BYTES:
        specs.append(
            (
                f"{text}: {name}",
                _placed(_replacing(MARK.encode(), raw)),
            )
        )
    escapes = [
        ("a lone surrogate as a JSON escape", b'"before \\ud800 after"'),
        ("a low surrogate alone as a JSON escape", b'"before \\udc80 after"'),
        ("a NUL as a JSON escape", b'"before \\u0000 after"'),
        ("an ESC as a JSON escape", b'"\\u001b[2J"'),
        ("U+202E as a JSON escape", b'"\\u202e"'),
    ]
    quoted = f'"before {MARK} after"'.encode()
    for name, escape in escapes:
        specs.append(
            (
                f"{text}: {name}",
                _placed(_replacing(quoted, escape)),
            )
        )
    huge = "z" * 20_000_000

    def wrong_field(log: Log) -> bytes:
        payload = next(
            line["payload"] for line in log if line["type"] == "DevelopmentRecorded"
        )
        return _changed(
            "DevelopmentRecorded", ("payload",), {**payload, "text": huge, "wrong": 1}
        )(log)

    specs += [
        (
            "jsonl: a 20 MB development text",
            _changed("DevelopmentRecorded", ("payload", "text"), huge),
        ),
        ("jsonl: a 20 MB development text and a wrong field", wrong_field),
        (
            "jsonl: a 20 MB line that is not JSON",
            lambda log: _log_bytes(log) + b"{" + huge.encode() + b"\n",
        ),
        (
            "jsonl: a 20 MB unknown field",
            _changed("DevelopmentRecorded", ("wrong",), huge),
        ),
        (
            "jsonl: a 20 MB author",
            _changed("DevelopmentRecorded", ("recorded_by",), huge),
        ),
        (
            "jsonl: a huge version",
            _changed("DevelopmentRecorded", ("version",), 10**30),
        ),
        (
            "jsonl: a huge development number",
            _changed("DevelopmentRecorded", ("payload", "number"), 10**30),
        ),
        (
            "jsonl: a deeply nested text",
            _placed(
                lambda content: content.replace(
                    f'"before {MARK} after"'.encode(), b"[" * 100_000 + b"]" * 100_000
                )
            ),
        ),
        (
            "jsonl: an author of 201 characters",
            _changed("TalksOpened", ("recorded_by",), "a" * 201),
        ),
        ("jsonl: a blank author", _changed("TalksOpened", ("recorded_by",), "  ")),
        ("jsonl: an unknown field named by a tab", _changed("TalksOpened", ("\t",), 1)),
        (
            "jsonl: an unknown field named by an ESC",
            _changed("TalksOpened", ("\x1b[2J",), 1),
        ),
        (
            "jsonl: an author with a NUL",
            _changed("TalksOpened", ("recorded_by",), "a\x00b"),
        ),
    ]
    return specs


LOG_SPECS = _log_specs()


def test_event_logs_with_bad_input_are_refused_cleanly(
    walked: str, tmp_path: Path
) -> None:
    log = _source_log(tmp_path)
    (tmp_path / "good.jsonl").write_bytes(_log_bytes(log))
    specs = _sample(walked, LOG_SPECS, 4)
    cases = (FileCase(label, "log.jsonl", make(log)) for label, make in specs)
    problems = _import_problems(walked, tmp_path, cases)
    # An error quotes a short excerpt at most (the tester's 40 MB Error line).
    _none(problems)
    # The unchanged log imports, as the control.
    before = stored_events(walked)
    ok("import", str(tmp_path / "good.jsonl"))
    assert stored_events(walked) == before + len(log)


def test_an_event_log_at_the_limits_and_of_every_script_imports(
    walked: str, tmp_path: Path
) -> None:
    source = tmp_path / "limits.sqlite"
    values = [*ACCEPTED_TEXT, at_limit(TEXT)]
    ok(
        "--db",
        str(source),
        "talks",
        "open",
        "geneva-round",
        "--title",
        at_limit(LINE),
        "--location",
        ACCEPTED_LINE[-1],
        "--party",
        "UKR",
        "--summary",
        ACCEPTED_TEXT[0],
    )
    for value in values:
        ok(
            "--db",
            str(source),
            "--author",
            at_limit(AUTHOR),
            "develop",
            "geneva-round",
            value,
            "--on",
            "2024",
            "--source",
            at_limit(SOURCE),
        )
    log = tmp_path / "limits.jsonl"
    ok("--db", str(source), "export", "--format", "jsonl", "-o", str(log))
    before = stored_events(walked)
    ok("import", str(log))
    assert stored_events(walked) == before + 1 + len(values)
    texts = [d["text"] for d in as_json("show", "geneva-round")["developments"]]
    assert texts == values


# -- the HTTP API ---------------------------------------------------------------------


def _body(data: dict[str, Any]) -> bytes:
    """A JSON body with every character as itself (JSON escapes C0 anyway)."""
    return json.dumps(data, ensure_ascii=False).encode()


def _message_of(argv: tuple[str, ...]) -> str:
    """The message of the error the command gives (the CLI's, in-process)."""
    result = CliRunner().invoke(cli, list(argv))
    assert result_problems(result, usage_ok=False) == [], described(argv)
    return result.stderr.strip().removeprefix("Error: ")


def test_the_api_answers_bad_input_with_the_policys_422(
    walked: str, tmp_path: Path
) -> None:
    developments = f"/v1/talks/{SLUG}/developments"
    interests = [part for n in range(TOO_MANY) for part in ("--interest", f"i{n}")]
    # Each body, and the command giving the same input (whose error must be
    # the problem's detail) or the words the detail must hold.
    bodies: list[tuple[str, str, bytes, tuple[str, ...] | str]] = [
        (
            "NUL",
            developments,
            _body({"text": "a\x00b", "on": "2024"}),
            ("develop", SLUG, "a\x00b", "--on", "2024"),
        ),
        (
            "ESC",
            developments,
            _body({"text": "a\x1b[31mb", "on": "2024"}),
            ("develop", SLUG, "a\x1b[31mb", "--on", "2024"),
        ),
        (
            "U+202E",
            developments,
            _body({"text": "a\u202eb", "on": "2024"}),
            ("develop", SLUG, "a\u202eb", "--on", "2024"),
        ),
        (
            "U+2066 in a source",
            developments,
            _body({"text": "t", "on": "2024", "sources": ["s\u2066"]}),
            ("develop", SLUG, "t", "--on", "2024", "--source", "s\u2066"),
        ),
        (
            "100,001 characters",
            developments,
            _body({"text": "x" * 100_001, "on": "2024"}),
            ("develop", SLUG, "x" * 100_001, "--on", "2024"),
        ),
        (
            "a lone surrogate as a JSON escape",
            developments,
            b'{"text": "a\\ud800b", "on": "2024"}',
            "UTF-8",
        ),
        (
            "bytes not UTF-8",
            developments,
            b'{"text": "a\xc3\x28b", "on": "2024"}',
            "UTF-8",
        ),
        (
            "a newline in a title",
            "/v1/talks",
            _body({"slug": "t", "title": "a\nb", "location": "L", "parties": ["UKR"]}),
            (
                "talks",
                "open",
                "t",
                "--title",
                "a\nb",
                "--location",
                "L",
                "--party",
                "UKR",
            ),
        ),
        (
            "C1 in an actor name",
            "/v1/actors",
            _body({"key": "osce", "name": "a\x85b"}),
            ("actor", "add", "osce", "--name", "a\x85b"),
        ),
        (
            "1,001 interests",
            f"/v1/talks/{SLUG}/stances",
            _body(
                {
                    "actor": "UKR",
                    "position": "p",
                    "interests": [f"i{n}" for n in range(TOO_MANY)],
                }
            ),
            ("stance", "record", SLUG, "UKR", "--position", "p", *interests),
        ),
        (
            "DEL in a reason",
            f"/v1/talks/{SLUG}/retractions",
            _body({"entry": "agenda:humanitarian-aid", "reason": "a\x7f"}),
            ("retract", SLUG, "agenda:humanitarian-aid", "--reason", "a\x7f"),
        ),
        (
            "a blank reason",
            f"/v1/talks/{SLUG}/amendments",
            _body({"entry": "talks", "reason": "  ", "title": "T"}),
            ("amend", SLUG, "talks", "--reason", "  ", "--title", "T"),
        ),
    ]
    assert len(bodies) == len(API_CASES)
    with serving(tmp_path) as server:
        token = server.tokens["analyst"]
        head = server.get("/healthz").json()["events"]
        problems = []
        for name, path, body, same in bodies:
            detail = same if isinstance(same, str) else _message_of(same)
            answer = server.post(
                path, token, content=body, headers={"Content-Type": "application/json"}
            )
            found = []
            if answer.status_code != 422:
                found.append(f"status {answer.status_code}")
            if answer.headers.get("content-type") != PROBLEM:
                found.append(f"content type {answer.headers.get('content-type')}")
            elif (
                detail not in answer.json().get("detail", "")
                if isinstance(same, str)
                else detail != answer.json().get("detail")
            ):
                found.append(f"detail {answer.json().get('detail')!r}")
            if "Traceback" in answer.text:
                found.append("a traceback")
            if server.get("/healthz").json()["events"] != head:
                found.append("an event was written")
            if found:
                problems.append(f"{name}: {'; '.join(found)}")
        _none(problems)
        # The same write, clean, is taken: the control.
        answer = server.post(
            developments, token, json={"text": "a\tb\nc \u200f", "on": "2024"}
        )
        assert answer.status_code == 201, answer.text
    assert stored_events(walked) == head + 1


API_CASES = [
    "api NUL",
    "api ESC",
    "api U+202E",
    "api U+2066 in a source",
    "api 100,001 characters",
    "api a lone surrogate as a JSON escape",
    "api bytes not UTF-8",
    "api a newline in a title",
    "api C1 in an actor name",
    "api 1,001 interests",
    "api DEL in a reason",
    "api a blank reason",
]

BAD_INPUTS = [
    *(case.label for case in CLI_CASES),
    *UTF8_CASES,
    *(label for label, _, _ in CASE_FILE_SPECS),
    *(label for label, _ in LOG_SPECS),
    *API_CASES,
]
"""Every distinct bad input this module tries (the fault injections aside)."""


@pytest.mark.own_stores
def test_every_bad_input_is_named_once() -> None:
    assert len(set(BAD_INPUTS)) == len(BAD_INPUTS) > 1_000
    # How a refusal is judged: one Error line, or click's usage form.
    assert refusal_problems(1, "", "Error: x\n") == []
    usage = "Usage: timeline x\nTry 'timeline x --help' for help.\n\nError: y\n"
    assert refusal_problems(2, "", usage) == []
    assert refusal_problems(2, "", usage, usage_ok=False) != []
    assert refusal_problems(1, "", "Error: x\nError: y\n") != []
    assert refusal_problems(1, "out", "Error: x\n") != []
    assert refusal_problems(1, "", "Error: \x1b[31m\n") != []
    assert refusal_problems(0, "", "") != []


def test_a_bad_case_file_of_talks_already_recorded_is_refused_too(
    walked: str, tmp_path: Path
) -> None:
    # The demo's talks are recorded; a case file of them with a NUL in its
    # title is bad input all the same, not "already recorded".
    data = _set(_case(), ("talks", "slug"), SLUG)
    data = _set(data, ("talks", "title"), "before\x00after")
    (tmp_path / "again.yaml").write_bytes(_yaml(data))
    before = fingerprint(walked)
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "again.yaml")])
    assert result_problems(result, usage_ok=False) == [], result.output
    assert "U+0000" in result.stderr
    assert fingerprint(walked) == before
