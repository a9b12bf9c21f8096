"""The hash chain over stored events: what is hashed, and checking it.

Every stored event of an aggregate (a talks, an actor, a source) carries ``chain``,
the SHA-256 of its previous event's ``chain`` and of its own content, so the
last one fixes the aggregate's whole history. The content hashed is, each
on a line of its own and then the state:

* the previous event's ``chain`` (:data:`GENESIS` before the first event);
* the event's topic, its aggregate's id (32 hex digits) and its version;
* its stored state without ``chain``, as JSON with sorted keys and no
  blanks (orjson's output): every field, the record time and the author.

The state is stored in that form with ``chain`` put first
(``{"chain":"…",…}``), so checking needs no parsing: the stored bytes, less
that member, are what was hashed. A state another writer stored in another
form (keys in another order) is parsed and put in that form before hashing.
What is hashed is what the store holds, not the event as read today
(upcasts run after it), so an export and import, or either backend, gives
the same hashes. With a cipher, the plain text is hashed.

Events stored before chaining carry no ``chain``: they are hashed as if
chained, in order, when the aggregate's first chained event is recorded,
and that event's link is their last hash. Nothing is rewritten or added.

The store's head is the SHA-256 of every aggregate's last hash, one line
``AGGREGATE_ID HASH`` each in the order of the ids: it fixes which
aggregates there are, and where each ended, at a position. It is written
``POSITION:HASH``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from hashlib import sha256
from typing import Any, NamedTuple, cast

import orjson

GENESIS = "0" * 64
"""The link of an aggregate's first event."""
PREFIX = b'{"chain":"'
HEADS: ContextVar[dict[Any, str] | None] = ContextVar("chain_heads", default=None)
"""While events are saved: each aggregate's last hash, which the mapper
links the next event to (and moves on)."""

Unseal = Callable[[bytes], bytes]
UNHASHED = "an event without a hash follows hashed ones: inserted"
UNREADABLE = "its stored state cannot be read: changed"


def canonical(state: dict[str, Any]) -> bytes:
    """A state as it is hashed: JSON, sorted keys, no blanks."""
    return orjson.dumps(state, option=orjson.OPT_SORT_KEYS)


def link(
    previous: str, topic: str, aggregate_hex: str, version: int, body: bytes
) -> str:
    """The hash of an event: of the one before it and of its content."""
    digest = sha256(f"{previous}\n{topic}\n{aggregate_hex}\n{version}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def sealed(body: bytes, chain: str) -> bytes:
    """The stored state: ``body`` (canonical) with ``chain`` put first."""
    rest = b'"}' if body == b"{}" else b'",' + body[1:]
    return PREFIX + chain.encode() + rest


def opened(data: bytes) -> tuple[str | None, bytes]:
    """A stored state's ``chain`` (None: stored before chaining) and the rest,
    as it was hashed if it was stored as :func:`sealed` makes it."""
    if data.startswith(PREFIX) and data[74:76] in (b'",', b'"}'):
        body = b"{" + data[76:] if data[74:76] == b'",' else b"{}"
        return data[10:74].decode(), body
    state = orjson.loads(data)
    chain = state.pop("chain", None)
    return (chain if isinstance(chain, str) else None), canonical(state)


def store_head(heads: Iterable[tuple[str, str]], position: int) -> str:
    """The store's head at ``position``: of each aggregate's last hash."""
    digest = sha256()
    for aggregate_hex, chain in sorted(heads):
        digest.update(f"{aggregate_hex} {chain}\n".encode())
    return f"{position}:{digest.hexdigest()}"


class Broken(NamedTuple):
    """The first link that does not hold."""

    aggregate_hex: str
    version: int
    position: int
    what: str


class Report(NamedTuple):
    """What :meth:`Walk` found, for ``timeline verify``."""

    events: int
    """Events checked."""
    chains: int
    """Aggregates whose events were checked."""
    head: str
    """The head that was checked: the store's (``POSITION:HASH``), or of
    one talks (``VERSION:HASH``)."""
    unchained: dict[str, int]
    """Of each aggregate stored before chaining (by name), how many of its
    events carry no hash of their own: fixed by the first that does, or
    only by a head published earlier if none does yet."""
    broken: Broken | None
    expected: str | None = None
    """The head given to check against, if one was."""
    names: dict[str, str] | None = None
    """What each aggregate is, by id: ``talks beijing-talks``."""

    @property
    def ok(self) -> bool:
        return self.broken is None and self.expected in (None, self.head)

    def summary(self) -> str:
        """What was checked, in a sentence or two."""
        said = f"Verified {self.events:,} events in {self.chains:,} chains."
        if self.unchained:
            stored = ", ".join(f"{name} ({n:,})" for name, n in self.unchained.items())
            said += (
                f" Stored before hashing began, fixed by the first later hash"
                f" of their chain or by a head published since: {stored}."
            )
        return said

    def failure(self) -> str:
        """What does not hold, in one line."""
        if self.broken is not None:
            where = (self.names or {}).get(self.broken.aggregate_hex, "an aggregate")
            return (
                f"broken link: {where}, version {self.broken.version}, position"
                f" {self.broken.position}: {self.broken.what}"
            )
        return (
            f"the head is {self.head}, not {self.expected}: an event it fixed was"
            " changed, removed or added since it was published"
        )

    def as_json(self) -> dict[str, Any]:
        broken = self.broken
        return {
            "ok": self.ok, "events": self.events, "chains": self.chains,
            "head": self.head, "expected": self.expected,
            "unchained": self.unchained,
            "broken": None if broken is None else {
                "aggregate": (self.names or {}).get(broken.aggregate_hex),
                "aggregate_id": broken.aggregate_hex, "version": broken.version,
                "position": broken.position, "what": broken.what,
            },
        }  # fmt: skip


class Walk:
    """Checks stored rows in the order stored, aggregate by aggregate: each
    version follows the last, each hash is that of its content and link."""

    def __init__(self, unseal: Unseal) -> None:
        self.unseal = unseal
        self.last: dict[str, tuple[int, str]] = {}
        """Each aggregate's last version and hash (as if chained, before)."""
        self.unchained: dict[str, int] = {}
        """Of each aggregate, how many events were stored before chaining."""
        self.checked = 0
        self.broken: Broken | None = None
        self.names: dict[str, str] = {}
        """Of each aggregate, what it is: ``talks beijing-talks``."""

    def rows(self, rows: Iterable[tuple[int, str, int, str, bytes]]) -> bool:
        """Check ``rows``; False at the first broken link (see :attr:`broken`)."""
        last, unseal = self.last, self.unseal
        for position, aggregate_hex, version, topic, data in rows:
            version_before, previous = last.get(aggregate_hex, (0, GENESIS))
            if version != version_before + 1:
                self.broken = Broken(
                    aggregate_hex, version, position, _gap(version_before, version)
                )
                return False
            try:
                chain, body = opened(unseal(_bytes(data)))
            except ValueError:  # not JSON (orjson's error is one), not decrypted
                self.broken = Broken(aggregate_hex, version, position, UNREADABLE)
                return False
            if version == 1:
                self.names[aggregate_hex] = _name(topic, body)
            expected = link(previous, topic, aggregate_hex, version, body)
            if chain is None:
                if self.unchained.get(aggregate_hex, 0) != version - 1:
                    self.broken = Broken(aggregate_hex, version, position, UNHASHED)
                    return False
                self.unchained[aggregate_hex] = version
            elif chain != expected and chain != _recanonical(
                previous, topic, aggregate_hex, version, body
            ):
                self.broken = Broken(aggregate_hex, version, position, _why(version))
                return False
            last[aggregate_hex] = version, expected
            self.checked += 1
        return True

    def head(self, position: int) -> str:
        return store_head(((a, c) for a, (_, c) in self.last.items()), position)


def _name(topic: str, body: bytes) -> str:
    """What an aggregate is, by its first event: ``talks beijing-talks``."""
    try:
        state = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "an aggregate"
    if not isinstance(state, dict):
        return "an aggregate"
    if "slug" in state:
        return f"talks {state['slug']}"
    if "key" in state:
        kind = "source" if topic.endswith("SourceAdded") else "actor"
        return f"{kind} {state['key']}"
    return f"an aggregate ({topic.rpartition('/')[2]})"


def _recanonical(
    previous: str, topic: str, aggregate_hex: str, version: int, body: bytes
) -> str | None:
    """The hash of ``body`` put in the canonical form first (a state another
    writer stored with its keys in another order); None if it is not JSON."""
    try:
        state = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return link(previous, topic, aggregate_hex, version, canonical(state))


def _bytes(data: object) -> bytes:
    """A stored state as bytes (a tamperer may have written text)."""
    if isinstance(data, bytes):
        return data
    return data.encode() if isinstance(data, str) else bytes(cast(Any, data))


def _gap(before: int, version: int) -> str:
    if version <= before:
        return f"version {version} is stored after version {before}: moved or copied"
    missing = (
        f"version {before + 1}"
        if version == before + 2
        else f"versions {before + 1} to {version - 1}"
    )
    return f"{missing} missing: deleted"


def _why(version: int) -> str:
    return (
        f"the content of version {version} is not what was hashed: its payload,"
        " record time, author or type was changed, or an event before it was"
        " replaced"
    )
