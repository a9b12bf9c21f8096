"""One error tree for every layer.

Every error a user can cause derives from :class:`TimelineError`; the CLI turns
each into a one-line ``Error: ...`` message and a non-zero exit status.
"""

from __future__ import annotations

import unicodedata

EXCERPT = 60
"""Characters at most of a given value that an error message quotes."""
MESSAGE_LIMIT = 500
"""Characters at most of an error message as a user is shown it."""


class TimelineError(Exception):
    """Base of every error a user can cause."""


class InvalidInput(TimelineError, ValueError):
    """A value does not have the shape the domain requires (code, date, text)."""


class NotFound(TimelineError, LookupError):
    """A talks, actor or entry that the command names does not exist."""


class AlreadyExists(TimelineError):
    """A slug or key is taken: nothing recorded is ever overwritten."""


class AlreadyRetracted(TimelineError):
    """The entry was retracted before; a retraction is final."""


class ConcurrencyConflict(TimelineError):
    """Another writer kept changing the same record; nothing was written."""


class StaleVersion(TimelineError):
    """The talks changed since the version a write was told to expect."""


class StoreError(TimelineError):
    """The store cannot be opened or read."""


class StoreBusy(StoreError):
    """Another process held the store's write lock longer than a write waits."""


def store_busy(seconds: float) -> StoreBusy:
    """The error of a write that waited ``seconds`` for the write lock in vain."""
    return StoreBusy(
        f"the store is busy: another process has held its write lock for more"
        f" than {seconds:g} s; try again"
    )


def one_line(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """An error message as a user is shown it: one line of at most ``limit``
    characters, with no control character raw."""
    text = ascii_safe(message.replace("\n", " ").replace("\t", " "))
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """``value`` quoted as errors quote it: its repr, cut to ``limit``
    characters with how long it was, control characters escaped."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return ascii_safe(repr(text))
    return ascii_safe(repr(text[:limit])) + f"... ({len(text):,} characters)"


def ascii_safe(text: str) -> str:
    """``text`` with surrogates, bidirectional controls and other format
    characters escaped (``\\u202e``): safe to print in a message."""
    return "".join(
        f"\\u{ord(char):04x}"
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")
        and char not in "\n\t"
        else char
        for char in text
    )


def no_talks(slug: str) -> NotFound:
    """The error for a talks slug that names nothing recorded."""
    return NotFound(f"no talks {excerpt(slug)}; see: timeline talks list")


def not_yet(slug: str, as_of: str) -> NotFound:
    """The error for a talks asked for as of a time before it was recorded."""
    return NotFound(f"talks {excerpt(slug)} were not recorded yet at {as_of}")


class NotAStore(StoreError):
    """What was named as the store is not a timeline store (not a database,
    or another application's); nothing was written to it."""


class StoreTooNew(StoreError):
    """The store is of a newer format than this program understands."""


class StoreReadOnly(StoreError):
    """The store cannot be written here (a read-only file, directory, medium
    or database role); nothing was written."""
