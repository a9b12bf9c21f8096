"""Who may use the HTTP service: access tokens, browser sessions and
idempotency keys, as every backend stores them (no SQL here).

None of it is an event: tokens, sessions and claims live in tables of their
own beside the views (``timeline_tokens``, ``timeline_token_log``,
``timeline_sessions``, ``timeline_idempotency``), never in the event log
and never in an export. Only a SHA-256 of each token and session secret is
kept. A backend implements :class:`AccessStore`
(:class:`projections.sqlite.access.SQLiteAccess`,
:class:`projections.postgres.access.PostgresAccess`); the checks, the
secrets and the clock are the caller's (:mod:`timeline.access`), so a
backend is given hashes and times, and answers with these rows.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, Protocol

import orjson
from typing_extensions import TypedDict

ISSUED = "issued"
REVOKED = "revoked"


class TokenRow(TypedDict):
    """A token as ``token list`` shows it: never the token, nor its hash."""

    name: str
    role: str
    created_at: str
    """RFC 3339 UTC with microseconds, as record times are kept."""
    created_by: str
    revoked_at: str | None
    revoked_by: str | None


class TokenLogRow(TypedDict):
    """One line of the log of tokens: who issued or revoked which, when."""

    at: str
    action: Literal["issued", "revoked"]
    name: str
    role: str
    author: str


class Holder(NamedTuple):
    """Whom a token names: its name and role."""

    name: str
    role: str


ClaimState = Literal["new", "replay", "mismatch", "pending"]


@dataclass(frozen=True)
class Claimed:
    """What claiming an idempotency key found.

    ``new``: claimed now; the caller writes, then completes (or releases)
    it. ``replay``: a request with the same hash completed before: its
    ``status``, ``body`` and ``headers`` are given back. ``mismatch``: the
    key was used for another request. ``pending``: another request claimed
    it and has not completed yet.
    """

    state: ClaimState
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def claimed(
    request_hash: str, stored_hash: str, status: int | None,
    body: bytes | None, headers: str | None,
) -> Claimed:  # fmt: skip
    """What a claim finds when the key is held already (by the stored row)."""
    if not hmac.compare_digest(request_hash.encode(), stored_hash.encode()):
        return Claimed("mismatch")
    if status is None:
        return Claimed("pending")
    stored = orjson.loads(headers) if headers else {}
    return Claimed("replay", status, bytes(body or b""), dict(stored))


def headers_json(headers: dict[str, str]) -> str:
    """Response headers as a backend stores them."""
    return orjson.dumps(dict(headers)).decode()


class AccessStore(Protocol):
    """The tables of tokens, sessions and idempotency keys of one store."""

    def create_table(self) -> None:
        """Make the tables, if they are not there."""

    def insert_token(
        self, name: str, role: str, token_hash: str, at: str, author: str
    ) -> bool:
        """Store a token and log its issue, in one transaction; False (and
        nothing written) if ``name`` has an active token."""

    def revoke_token(self, name: str, at: str, author: str) -> bool:
        """Revoke the active token ``name``, end its sessions and log it, in
        one transaction; False (nothing written) if it has none."""

    def tokens(self) -> list[TokenRow]:
        """Every token ever issued, active or revoked, in the order issued."""

    def token_log(self) -> list[TokenLogRow]:
        """Every issue and revocation, in the order done."""

    def holder(self, token_hash: str) -> Holder | None:
        """The active token whose hash this is."""

    def insert_session(
        self, session_hash: str, name: str, at: str, expires_at: str
    ) -> bool:
        """Open a session of the active token ``name`` (forgetting expired
        sessions); False if ``name`` has no active token."""

    def session(self, session_hash: str, now: str) -> str | None:
        """The name of the token of an unexpired session of a token not revoked."""

    def close_session(self, session_hash: str) -> None:
        """End a session (signing out); its token stays valid."""

    def claim(
        self, name: str, key: str, request_hash: str, at: str, stale_before: str
    ) -> Claimed:
        """Claim ``key`` for the holder of token ``name``, forgetting claims
        made before ``stale_before``."""

    def complete(
        self, name: str, key: str, status: int, body: bytes, headers: str
    ) -> bool:
        """Keep the response to a claimed request; False if not claimed."""

    def release(self, name: str, key: str) -> None:
        """Forget a claim (its request failed): nothing of it is kept."""

    def close(self) -> None: ...
