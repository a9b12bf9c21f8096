"""One error tree for every layer.

Every error a user can cause derives from :class:`TimelineError`; the CLI turns
each into a one-line ``Error: ...`` message and a non-zero exit status.
"""

from __future__ import annotations


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


def no_talks(slug: str) -> NotFound:
    """The error for a talks slug that names nothing recorded."""
    return NotFound(f"no talks {slug!r}; see: timeline talks list")


def not_yet(slug: str, as_of: str) -> NotFound:
    """The error for a talks asked for as of a time before it was recorded."""
    return NotFound(f"talks {slug!r} were not recorded yet at {as_of}")
