"""Recorded text made inert for whoever reads an output: one policy for all.

Analysts' text reaches a terminal, spreadsheets, calendars, browsers and
Markdown renderers. Each format escapes what its reader would act on (see
each exporter); what they all share is here, so that every output applies
the same rules:

**Controls are shown, never written.** :func:`visible_controls` replaces
every C0 control character (U+0000 to U+001F) except the newline and the
tab where a format keeps them, DEL (U+007F), every C1 control (U+0080 to
U+009F) and the bidirectional embeddings, overrides and isolates (U+202A to
U+202E, U+2066 to U+2069) with a visible token, the code point in square
brackets: ``[U+202E]``, ``[U+001B]``, ``[U+0000]``. So a terminal never
receives an escape sequence (its title set, its screen cleared), and no
reader's text is silently reordered (a right-to-left override making
``exe.txt`` read as ``txt.exe``). Where newlines are kept, so is a CR LF
line ending; a lone CR is shown as ``[U+000D]``. Text without any such
character is returned as it is, so ordinary text is unchanged everywhere.

**One URL policy.** A source is a link only when it is an absolute ``http``
or ``https`` URL with a host, holding no whitespace, no control or invisible
formatting character and none of ``"``, ``'``, ``<``, ``>``, ``\\`` or a
backtick (:func:`is_web_url`). The link's target is :func:`link_target`: the
URL percent-encoded where RFC 3986 does not allow a character as it is (a
non-ASCII letter, ``{``, a lone ``%``), which each format then escapes as it
requires (``&`` in HTML). Every other source (``javascript:alert(1)``, a
URL with quotes and markup, a citation) is shown as plain, escaped text and
never a link, in every format.

**The terminal** gets :func:`terminal_text`: the recorded text with its
controls shown, newlines and tabs kept (a table cell may hold lines).

**JSON stays lossless.** The ``json`` export, the event log and ``--json``
carry the recorded text exactly, so that it reads back as recorded; JSON
already escapes C0 controls, and :func:`escape_json_controls` also writes
DEL, the C1 controls, the line and paragraph separators (U+2028, U+2029) and
the bidirectional controls as ``\\uXXXX`` escapes: the same JSON data, but
text a terminal or a JavaScript reader cannot act on. :func:`json_text` is
``--json``'s document so written.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit

BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
"""The bidirectional embeddings, overrides (U+202A to U+202E) and isolates
(U+2066 to U+2069)."""

CONTROLS = (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *BIDI_CONTROLS)
"""Every character :func:`visible_controls` shows as a token (but those kept)."""

TOKEN = "[U+{:04X}]"
"""How a control character is shown: ``[U+202E]``."""


def token(char: str) -> str:
    """The visible token of one character: ``[U+001B]``."""
    return TOKEN.format(ord(char))


@lru_cache(maxsize=8)
def _visible_table(keep: str) -> dict[int, str]:
    kept = {ord(char) for char in keep}
    return {code: TOKEN.format(code) for code in CONTROLS if code not in kept}


@lru_cache(maxsize=8)
def _finder(keep: str) -> re.Pattern[str]:
    table = _visible_table(keep)
    return re.compile("[" + "".join(re.escape(chr(code)) for code in table) + "]")


def visible_controls(text: str, keep: str = "\n\t") -> str:
    """``text`` with each control character but those in ``keep`` shown as a
    token (``[U+001B]``); unchanged when it has none. With a newline kept, a
    CR LF line ending is kept too."""
    if not _finder(keep).search(text):
        return text
    table = _visible_table(keep)
    if "\n" in keep and "\r\n" in text:
        return "\r\n".join(part.translate(table) for part in text.split("\r\n"))
    return text.translate(table)


def terminal_text(text: str) -> str:
    """Recorded text as a terminal may be sent it: no escape sequence, no
    control but newline and tab, no bidirectional control (each shown as a
    token)."""
    return visible_controls(text, "\n\t")


# -- links --------------------------------------------------------------------

_WEB_URL = re.compile(
    r"https?://"
    r"[^\s\x00-\x20\x7f-\x9f\"'<>\\`\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    r"\u2060-\u206f\ufeff]+",
    re.IGNORECASE,
)
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URL_SAFE = "!#$%&()*+,/:;=?@[]~-._"
"""RFC 3986's reserved and unreserved characters (letters and digits aside),
and ``%`` of an escape already there; ``'`` never reaches here."""


def is_web_url(text: str) -> bool:
    """Whether ``text`` is a source that may be a link: an absolute http(s)
    URL with a host, and nothing a link should not hold."""
    if not _WEB_URL.fullmatch(text):
        return False
    try:
        return bool(urlsplit(text).hostname)
    except ValueError:  # a malformed host, such as an unclosed "[" of IPv6
        return False


def link_target(source: str) -> str | None:
    """The target of the link ``source`` makes, percent-encoded where a URL
    needs it, or None when ``source`` is not to be a link."""
    if not is_web_url(source):
        return None
    return quote(_LONE_PERCENT.sub("%25", source), safe=_URL_SAFE)


def first_link(sources: list[str]) -> str | None:
    """The target of the first source that may be a link, if any."""
    return next(filter(None, map(link_target, sources)), None)


# -- JSON ---------------------------------------------------------------------

JSON_ESCAPED = (0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, *BIDI_CONTROLS)
"""What JSON writers leave raw that :func:`escape_json_controls` escapes."""

_JSON_TABLE = {code: f"\\u{code:04x}" for code in JSON_ESCAPED}
_JSON_FINDER = re.compile("[" + "".join(re.escape(chr(c)) for c in JSON_ESCAPED) + "]")


def escape_json_controls(serialized: str) -> str:
    """Serialized JSON with DEL, the C1 controls, U+2028, U+2029 and the
    bidirectional controls written as ``\\uXXXX`` escapes: the same data.

    Such characters can only be inside the document's strings (everything
    outside them is ASCII punctuation, digits and letters), where an escape
    means the very character, so the document parses to equal values.
    """
    if not _JSON_FINDER.search(serialized):
        return serialized
    return serialized.translate(_JSON_TABLE)


def json_text(data: Any) -> str:
    """``data`` as an indented JSON document (orjson, as ``--json`` writes
    it), its controls escaped by :func:`escape_json_controls`."""
    import orjson

    return escape_json_controls(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
