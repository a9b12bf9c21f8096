"""Where the store is and who is recording: flag > environment > default;
and where the classes of a backend are.

A store is a SQLite file (a path) or a schema of a PostgreSQL database (a
``postgresql://`` URL). The password of a URL is kept for connecting and
never shown: every text a location gives is masked.
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from events.errors import InvalidInput
from events.policy import AUTHOR, TextForm, checked
from timeline.encryption import KEY_VARIABLE, checked_key, cipher_env


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
URL_SCHEMES = ("postgresql", "postgres")
LOCATION = TextForm(4_096, lines=False)
"""What a store's path or URL may be."""
CIPHER_KEY = TextForm(100, lines=False)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class SQLiteFile(NamedTuple):
    """The embedded store: one SQLite file."""

    path: Path

    @property
    def backend(self) -> str:
        return "sqlite"

    def shown(self) -> str:
        return str(self.path)


class PostgresSchema(NamedTuple):
    """A store on a PostgreSQL server: one schema of one database."""

    host: str
    port: int
    dbname: str
    user: str
    password: str = ""
    schema: str = "public"

    @property
    def backend(self) -> str:
        return "postgresql"

    def shown(self) -> str:
        """The URL with its password masked."""
        login = quote(self.user, safe="") + (":***" if self.password else "")
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = "" if self.schema == "public" else f"?schema={self.schema}"
        return f"postgresql://{login}@{host}:{self.port}/{self.dbname}{query}"

    @classmethod
    def parse(cls, url: str) -> PostgresSchema:
        """``postgresql://user[:password]@host[:port]/dbname[?schema=NAME]``."""
        try:
            parts = urlsplit(url)
            port = parts.port or 5432
        except ValueError:
            raise InvalidInput(_bad_url(url, "its port is not a number")) from None
        dbname = unquote(parts.path.removeprefix("/"))
        if not parts.username or not parts.hostname or not dbname or "/" in dbname:
            raise InvalidInput(_bad_url(url, "it needs a user, a host and a database"))
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        schema = query.pop("schema", "public")
        if query:
            raise InvalidInput(_bad_url(url, f"unknown option {next(iter(query))!r}"))
        if not IDENTIFIER.fullmatch(schema):
            raise InvalidInput(
                _bad_url(url, "a schema is a letter or _ then letters, digits or _")
            )
        return cls(
            host=parts.hostname,
            port=port,
            dbname=dbname,
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            schema=schema,
        )


StoreLocation = SQLiteFile | PostgresSchema


@dataclass(frozen=True)
class Settings:
    store: StoreLocation
    author: str
    cipher_key: str | None = None
    """The key every stored event is sealed with (None: not encrypted)."""

    @classmethod
    def resolve(cls, db: str | None = None, author: str | None = None) -> Settings:
        return cls(
            store=resolve_store(db),
            author=resolve_author(author),
            cipher_key=resolve_cipher_key(),
        )

    def cipher_env(self) -> dict[str, str]:
        """The application's settings that encrypt (see :mod:`timeline.encryption`)."""
        return cipher_env(self.cipher_key)


def resolve_store(db: str | None = None) -> StoreLocation:
    """``--db`` beats ``TIMELINE_DB`` beats the user data directory; a
    ``postgresql://`` URL names a PostgreSQL store, anything else a file."""
    chosen = _given(db, "--db", "TIMELINE_DB", LOCATION)
    if chosen:
        if chosen.split("://", 1)[0].lower() in URL_SCHEMES and "://" in chosen:
            return PostgresSchema.parse(chosen)
        return SQLiteFile(Path(chosen).expanduser().absolute())
    from platformdirs import user_data_dir

    return SQLiteFile(Path(user_data_dir(APP_NAME, appauthor=False)) / DB_FILE)


def resolve_author(author: str | None = None) -> str:
    """``--author`` beats ``TIMELINE_AUTHOR`` beats the operating-system user."""
    chosen = _given(author, "--author", "TIMELINE_AUTHOR", AUTHOR)
    if chosen:
        return chosen.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no such user in a bare container
        return "unknown"


def resolve_cipher_key() -> str | None:
    """``TIMELINE_CIPHER_KEY``, checked to be a key; None if it is not set."""
    chosen = _given(None, KEY_VARIABLE, KEY_VARIABLE, CIPHER_KEY)
    return checked_key(chosen) if chosen else None


def _given(flag: str | None, option: str, variable: str, form: TextForm) -> str | None:
    """The flag's value, else the environment variable's, else None; either
    given but blank, or not text the input policy accepts, is an error (a
    blank ``--db`` never falls back to the default store)."""
    for value, what in ((flag, option), (os.environ.get(variable), variable)):
        if value is None:
            continue
        if not value.strip():
            raise InvalidInput(f"{what} is empty: leave it out or give a value")
        return checked(value, what, form)
    return None


def _bad_url(url: str, why: str) -> str:
    """An error about a URL that never quotes its password."""
    shown = re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)
    return (
        f"cannot read {shown!r} as a PostgreSQL URL: {why}; expected"
        " postgresql://user[:password]@host[:port]/dbname[?schema=NAME]"
    )
