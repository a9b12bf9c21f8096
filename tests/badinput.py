"""Bad input of every class the input policy (:mod:`events.policy`) refuses,
and how a clean refusal looks: for the end-to-end walk over every way in
(``tests/e2e/test_bad_input.py``) and the fuzz tests (``tests/e2e/test_fuzz.py``).

A clean refusal is exit status 1 and exactly one ``Error:`` line on stderr
(for a usage error, exit 2 and click's ``Usage:`` header before it), at most
about 500 characters long, with no control character raw, no traceback,
nothing on stdout, and nothing written to the store.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from click.testing import Result

from events.policy import AUTHOR, LINE, MAX_ITEMS, SLUG_LIMIT, SOURCE, TEXT, TextForm
from tests.support import Location, is_postgres, stored_events_if_any


class Bad(NamedTuple):
    """One class of bad text, and a value of it."""

    name: str
    value: str


CHARACTERS = [
    Bad("NUL", "before\x00after"),
    Bad("ESC (a terminal colour escape)", "before\x1b[31mred\x1b[0m"),
    Bad("ESC (a terminal title escape)", "before\x1b]0;owned\x07after"),
    Bad("C0 BEL", "before\x07after"),
    Bad("C0 backspace", "before\x08after"),
    Bad("C0 vertical tab", "before\x0bafter"),
    Bad("C0 form feed", "before\x0cafter"),
    Bad("C0 unit separator", "before\x1fafter"),
    Bad("DEL", "before\x7fafter"),
    Bad("C1 U+0080", "before\x80after"),
    Bad("C1 NEL U+0085", "before\x85after"),
    Bad("C1 CSI U+009B", "before\x9b31mafter"),
    Bad("C1 U+009F", "before\x9fafter"),
    Bad("bidi override U+202E", "before\u202eafter"),
    Bad("bidi embedding U+202A", "before\u202aafter"),
    Bad("bidi isolate U+2066", "before\u2066after"),
    Bad("bidi pop isolate U+2069", "before\u2069after"),
    Bad("lone surrogate U+D800", "before\ud800after"),
    Bad("undecodable byte (surrogate escape U+DCC3)", "before\udcc3(after"),
]
"""Refused in every text field."""

LINE_BREAKS = [
    Bad("newline in a one-line field", "first\nsecond"),
    Bad("carriage return in a one-line field", "first\rsecond"),
    Bad("CR LF in a one-line field", "first\r\nsecond"),
    Bad("tab in a one-line field", "first\tsecond"),
    Bad("U+2028 line separator in a one-line field", "first\u2028second"),
    Bad("U+2029 paragraph separator in a one-line field", "first\u2029second"),
]
"""Refused in a one-line field (title, name, source, author...), accepted in
multi-line text."""

BLANKS = [Bad("empty", ""), Bad("blank", " \t ")]
"""Refused where text is required."""

ACCEPTED_TEXT = [
    "first line\nsecond line",
    "a\ttabbed\tcolumn",
    "unicode line\u2028separator and\u2029paragraph",
    "windows\r\nline end",
    "old mac\rline end",
    "right-to-left mark \u200f and left-to-right mark \u200e and ALM \u061c",
    "\u0627\u0644\u0645\u0641\u0627\u0648\u0636\u0627\u062a"
    " \u0641\u064a \u0628\u0643\u064a\u0646",
    "\u041f\u0435\u0440\u0435\u0433\u043e\u0432\u043e\u0440\u044b"
    " \u0432 \u041f\u0435\u043a\u0438\u043d\u0435",
    "\u5317\u4eac\u4f1a\u8c08 \u4e2d\u56fd\u4e0e\u4e4c\u514b\u5170",
    "\U0001f54a\ufe0f \U0001f1fa\U0001f1e6 \U0001f1e8\U0001f1f3 talks \U0001f91d",
]
"""Multi-line text the policy accepts, kept as written: line breaks (LF, CR
LF, CR), tabs, U+2028/2029, marks, any script."""

ACCEPTED_LINE = [
    value for value in ACCEPTED_TEXT if not re.search("[\r\n\t\u2028\u2029]", value)
]
"""One-line text the policy accepts."""


def bad_values(form: TextForm, required: bool = True) -> list[Bad]:
    """Every bad value of a field of ``form``: each class of character, line
    breaks in a one-line field, one character over its limit, and blank
    where the field is required."""
    found = list(CHARACTERS)
    if not form.lines:
        found += LINE_BREAKS
    found.append(Bad(f"{form.limit + 1:,} characters", over(form)))
    if required:
        found += BLANKS
    return found


def over(form: TextForm) -> str:
    """A value one character over the limit of ``form``."""
    return "x" * (form.limit + 1)


def at_limit(form: TextForm) -> str:
    """A value exactly at the limit of ``form``, not blank at either end."""
    return "y" * form.limit


BAD_SLUGS = [
    Bad(f"slug of {SLUG_LIMIT + 1} characters", "s" * (SLUG_LIMIT + 1)),
    Bad("slug with a NUL", "bad\x00slug"),
    Bad("slug with a newline", "bad\nslug"),
    Bad("slug ending in a newline", "bad-slug\n"),
    Bad("slug with an ESC", "bad\x1b[31mslug"),
    Bad("slug with U+202E", "bad\u202eslug"),
    Bad("slug with a surrogate", "bad\udcc3slug"),
    Bad("empty slug", ""),
]
"""Slugs and keys the record refuses."""

AT_LIMIT_SLUG = "s" * SLUG_LIMIT
FORMS = {"line": LINE, "text": TEXT, "source": SOURCE, "author": AUTHOR}
TOO_MANY = MAX_ITEMS + 1
"""Items in a list one over the limit."""

_RAW = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
MESSAGE_MAX = 520
"""Characters at most of an ``Error:`` line: the message's 500 and its prefix."""


def refusal_problems(
    code: int, stdout: str, stderr: str, *, usage_ok: bool = True
) -> list[str]:
    """What is wrong with a refusal (empty: it is a clean one): exit 1 and
    one ``Error:`` line, or exit 2 and click's usage form ending in one."""
    problems = []
    lines = stderr.splitlines()
    errors = [line for line in lines if line.startswith("Error:")]
    if code not in (1, 2) or (code == 2 and not usage_ok):
        problems.append(f"exit status {code}")
    if "Traceback" in stderr or "Traceback" in stdout:
        problems.append("a traceback: " + " | ".join(lines[-3:]))
    if code == 2 and lines and lines[0].startswith("Usage:"):
        if len(errors) != 1 or not lines[-1].startswith("Error: "):
            problems.append(f"not one Error line at the end: {stderr[-300:]!r}")
    elif len(lines) != 1 or not lines[0].startswith("Error: "):
        problems.append(f"not one Error line: {stderr[:300]!r}")
    for line in errors:
        if len(line) > MESSAGE_MAX:
            problems.append(f"an Error line of {len(line):,} characters")
        if raw := _RAW.search(line):
            problems.append(f"a raw U+{ord(raw.group()):04X} in {line[:200]!r}")
    if stdout:
        problems.append(f"stdout: {stdout[:200]!r}")
    return problems


def result_problems(result: Result, *, usage_ok: bool = True) -> list[str]:
    """What is wrong with a refusal by the in-process CLI (CliRunner): any
    exception but SystemExit is a traceback the user would have seen."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        error = result.exception
        return [f"raised {type(error).__name__}: {str(error)[:300]}"]
    return refusal_problems(
        result.exit_code, result.stdout, result.stderr, usage_ok=usage_ok
    )


def process_problems(
    done: subprocess.CompletedProcess[bytes], *, usage_ok: bool = True
) -> list[str]:
    """What is wrong with a refusal by the installed command."""
    return refusal_problems(
        done.returncode,
        done.stdout.decode("utf-8", "backslashreplace"),
        done.stderr.decode("utf-8", "backslashreplace"),
        usage_ok=usage_ok,
    )


class Fingerprint(NamedTuple):
    """What a store holds: its event count, and for a SQLite file a digest of
    its bytes (and its write-ahead log's, if any)."""

    events: int
    digest: str | None


def fingerprint(location: Location) -> Fingerprint:
    events = stored_events_if_any(location)
    if is_postgres(location):
        return Fingerprint(events, None)
    digest = hashlib.blake2b(digest_size=16)
    for path in (Path(location), Path(f"{location}-wal")):
        if path.exists():
            digest.update(path.read_bytes())
    return Fingerprint(events, digest.hexdigest())


def described(argv: Sequence[str | bytes]) -> str:
    """An argument list as a failure report shows it: each value cut short."""
    return " ".join(_short(arg) for arg in argv)


def _short(arg: str | bytes) -> str:
    text = repr(arg)
    return text if len(text) <= 40 else f"{text[:30]}...({len(arg):,} long)"
