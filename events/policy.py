"""The input policy: what text the record accepts, the same for every way in.

The command line, case files, event logs and the HTTP API all reach the
domain's commands, and the commands check every text they are given here:

* valid Unicode only: a lone surrogate (which is how Python hands over
  bytes that are not UTF-8, from an argument or the environment) is refused;
* no control characters: C0 (NUL, ESC, ...), DEL and C1 are refused, but
  for line breaks (newline, carriage return) and tabs in a field that may
  hold several lines (:data:`TEXT`), kept as written; U+2028 and U+2029
  count as line breaks;
* no bidirectional embeddings, overrides or isolates (U+202A-U+202E,
  U+2066-U+2069), which make text read in another order than it is stored;
  the marks U+200E, U+200F and U+061C are allowed;
* a length limit per kind of field (:data:`FORMS`), counted in characters
  after the blanks around the text are stripped; lists at most
  :data:`MAX_ITEMS` items.

An error quotes at most :data:`events.errors.EXCERPT` characters of what
it refuses.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from events.errors import InvalidInput


class TextForm(NamedTuple):
    """What a kind of field may hold."""

    limit: int
    """Characters at most."""
    lines: bool
    """Whether it may hold several lines (and tabs)."""


LINE = TextForm(1_000, lines=False)
"""A title, location, name, outcome or interest: one line."""
TEXT = TextForm(100_000, lines=True)
"""A summary, position, motivation, impact, detail, note, development or
reason: may hold several lines."""
SOURCE = TextForm(2_000, lines=False)
"""A source: a URL or a citation, one line."""
AUTHOR = TextForm(200, lines=False)
"""Who recorded an entry."""
SLUG_LIMIT = 200
"""Characters at most of a slug or key (``beijing-talks``)."""
MAX_ITEMS = 1_000
"""Items at most of a list (parties, interests, sources)."""

FORMS: dict[str, TextForm] = {
    "title": LINE,
    "location": LINE,
    "actor name": LINE,
    "outcome": LINE,
    "interest": LINE,
    "interests": LINE,
    "summary": TEXT,
    "detail": TEXT,
    "position": TEXT,
    "motivation": TEXT,
    "text": TEXT,
    "potential impact": TEXT,
    "impact": TEXT,
    "note": TEXT,
    "development": TEXT,
    "reason": TEXT,
    "source": SOURCE,
    "sources": SOURCE,
    "author": AUTHOR,
}
"""The form of each field, by the name its errors give it."""

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REFUSED_IN_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_REFUSED_IN_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x1B: "ESC", 0x7F: "DEL"}


def form_of(what: str) -> TextForm:
    """The form of the field ``what`` names; an unnamed field is one line."""
    return FORMS.get(what, LINE)


def checked(value: str, what: str, form: TextForm | None = None) -> str:
    """``value`` if the policy accepts it as the field ``what`` (of ``form``,
    default the field's own); else :class:`InvalidInput` saying why."""
    form = form or FORMS.get(what, LINE)
    # Printable text (most of it) holds no control, format, surrogate or
    # line-break character: only its length is left to check.
    if not value.isprintable():
        refused = (_REFUSED_IN_TEXT if form.lines else _REFUSED_IN_LINE).search(value)
        if refused:
            raise InvalidInput(_why(value, what, refused.start(), form))
    if len(value) > form.limit:
        raise InvalidInput(
            f"{what} is {len(value):,} characters long; at most {form.limit:,}"
            " are allowed"
        )
    return value


def checked_document(text: str, name: str) -> str:
    """A document read whole (a case file) holds no character that the
    policy refuses even in multi-line text, anywhere: a parser could
    otherwise read one as something else (YAML reads U+0085 as a line
    break) before any field is checked. ``name`` says which document."""
    refused = _REFUSED_IN_TEXT.search(text)
    if refused:
        line = text.count("\n", 0, refused.start()) + 1
        column = refused.start() - (text.rfind("\n", 0, refused.start()) + 1)
        char = refused.group()
        what = "bidirectional control" if char in BIDI_CONTROLS else "character"
        raise InvalidInput(
            f"{name}: line {line}, column {column + 1}: the {what}"
            f" {_called(ord(char))} is not allowed in it"
        )
    return text


def checked_items(count: int, what: str) -> None:
    """A list of ``count`` items for the field ``what`` is not too long."""
    if count > MAX_ITEMS:
        raise InvalidInput(
            f"{count:,} {what}s given; at most {MAX_ITEMS:,} are allowed"
        )


def _called(code: int) -> str:
    named = _NAMES.get(code)
    return f"U+{code:04X} ({named})" if named else f"U+{code:04X}"


def _why(value: str, what: str, at: int, form: TextForm) -> str:
    char = value[at]
    code = ord(char)
    where = f"at character {at + 1:,}"
    called = _called(code)
    if 0xD800 <= code <= 0xDFFF:
        return (
            f"{what} is not valid UTF-8 (an undecodable byte or a lone surrogate"
            f" {where})"
        )
    if char in BIDI_CONTROLS:
        return (
            f"{what} holds the bidirectional control U+{code:04X} {where}, which"
            " makes text read in another order than it is stored"
        )
    if char in "\n\r\t\u2028\u2029" and not form.lines:
        return f"{what} must be one line: it holds a line break or tab {where}"
    if form.lines:
        return (
            f"{what} holds the control character {called} {where}; only"
            " line breaks and tabs are allowed in it"
        )
    return f"{what} holds the control character {called} {where}"
