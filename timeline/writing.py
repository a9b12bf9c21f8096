"""The request a write is part of, when a front end serves many callers
from one process: who records, and the talks version the write must find."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class Write:
    """What one front-end request asks of the writes made within it, and
    what they did: who records them, the talks version they must find (an
    HTTP ``If-Match``), and the version they left."""

    author: str | None = None
    expected_version: int | None = None
    version: int | None = None
    """The talks' version after the last write within it."""


WRITE: ContextVar[Write | None] = ContextVar("timeline_write", default=None)
"""The request a write is part of, if a front end set one (see
:meth:`timeline.service.Service.writing`)."""


def author_now(default: str) -> str:
    """Who records now: the request's author, if a front end set one."""
    write = WRITE.get()
    return write.author if write and write.author else default
