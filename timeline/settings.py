"""Where the store is and who is recording: flag > environment > default;
and where the classes of a backend are."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple


class Backend(NamedTuple):
    """Where a backend's classes are, as ``module:Class`` topics: loaded on
    first use, and named the same way in a worker process."""

    views: str
    """Its views (:class:`projections.views.Views`), built by the library's
    factory as a tracking recorder of the store."""
    stored: str
    """Its reads of the stored events (:class:`projections.views.StoredEvents`),
    built on the store's datastore."""


APP_NAME = "diplomatic-timeline"
DB_FILE = "timeline.sqlite"


@dataclass(frozen=True)
class Settings:
    db_path: Path
    author: str

    @classmethod
    def resolve(cls, db: str | None = None, author: str | None = None) -> Settings:
        return cls(db_path=resolve_db_path(db), author=resolve_author(author))


def resolve_db_path(db: str | None = None) -> Path:
    """``--db`` beats ``TIMELINE_DB`` beats the user data directory."""
    chosen = db or os.environ.get("TIMELINE_DB")
    if chosen:
        return Path(chosen).expanduser().absolute()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / DB_FILE


def resolve_author(author: str | None = None) -> str:
    """``--author`` beats ``TIMELINE_AUTHOR`` beats the operating-system user."""
    chosen = (author or os.environ.get("TIMELINE_AUTHOR") or "").strip()
    if chosen:
        return chosen
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no such user in a bare container
        return "unknown"
