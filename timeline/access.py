"""Who may use the HTTP service, and as what: access tokens and their roles,
browser sessions, and idempotency keys of writes.

A token is ``tl_`` and 43 random URL-safe characters (256 bits), shown once
when issued; only its SHA-256 is stored (unsalted: a token is
high-entropy), in a table of its own, never in the event log nor in an
export. A token has a unique name while active, and a role:

- ``reader`` reads;
- ``analyst`` also records, amends and retracts;
- ``admin`` also manages tokens and views.

Issues and revocations are logged with who did them (the service's author).
A browser signs in with a token and gets a session (also stored hashed)
that allows reading only, for 12 hours or until its token is revoked. A
write may carry an idempotency key: the first request with it claims it,
and a retry of the same request gets the stored response back.

The SQL is the backend's (:mod:`projections.sqlite.access`,
:mod:`projections.postgres.access`); the rows, the protocol and the
decisions that need no SQL are in :mod:`projections.tokens`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from events.errors import AlreadyExists, InvalidInput, NotFound
from projections.tokens import (
    AccessStore,
    Claimed,
    ClaimState,
    Holder,
    TokenLogRow,
    TokenRow,
    headers_json,
)
from timeline.writing import author_now

__all__ = [
    "ACTIONS",
    "ROLES",
    "SESSION_TTL",
    "STALE_CLAIMS",
    "Access",
    "AccessStore",
    "ClaimState",
    "Claimed",
    "Holder",
    "TokenLogRow",
    "TokenRow",
    "allows",
    "check_name",
    "check_role",
    "digest",
    "new_secret",
    "new_token",
    "record_time",
]

ROLES = ("reader", "analyst", "admin")
"""Every role, each allowed what the one before it is, and more."""
ACTIONS = ("read", "write", "admin")
"""What a request does: reads; records, amends or retracts; manages tokens
or views. A role allows the actions up to its own rank."""
TOKEN_PREFIX = "tl_"
SESSION_PREFIX = "tls_"
NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")
KEY = re.compile(r"[\x21-\x7e]{1,255}")
"""An idempotency key: 1 to 255 visible ASCII characters."""
SESSION_TTL = timedelta(hours=12)
STALE_CLAIMS = timedelta(hours=24)
"""Claims of idempotency keys older than this may be forgotten."""


def allows(role: str, action: str) -> bool:
    """Whether a token of ``role`` may do ``action`` (see :data:`ACTIONS`)."""
    if role not in ROLES:
        raise InvalidInput(f"no role {role!r}; roles: {', '.join(ROLES)}")
    if action not in ACTIONS:
        raise InvalidInput(f"no action {action!r}; actions: {', '.join(ACTIONS)}")
    return ROLES.index(role) >= ACTIONS.index(action)


def new_token() -> str:
    """A new random token: ``tl_`` and 256 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_secret() -> str:
    """A new random session secret (a browser's cookie)."""
    return SESSION_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The SHA-256 of a token or session secret, as stored: 64 hex digits."""
    return hashlib.sha256(secret.encode()).hexdigest()


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise InvalidInput(
            f"bad token name {name!r}: 1 to 64 letters, digits or . _ @ -"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"no role {role!r}; roles: {', '.join(ROLES)}")
    return role


def record_time(moment: datetime) -> str:
    """A time as the store keeps it: RFC 3339 UTC with microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _now() -> datetime:
    return datetime.now(UTC)


class Access:
    """The tokens, sessions and idempotency keys of one store, managed by
    ``author``; ``clock`` gives the time (tests move it)."""

    def __init__(
        self, store: AccessStore, author: str,
        clock: Callable[[], datetime] = _now,
    ) -> None:  # fmt: skip
        self.store = store
        self.author = author
        self.clock = clock

    # -- tokens -------------------------------------------------------------------

    def create_token(self, name: str, role: str) -> str:
        """Issue a token named ``name`` with ``role``; the token, which is
        never shown again. AlreadyExists if ``name`` has an active token."""
        check_name(name)
        check_role(role)
        token = new_token()
        if not self.store.insert_token(name, role, digest(token), self._at(),
                                       author_now(self.author)):  # fmt: skip
            raise AlreadyExists(
                f"token {name!r} exists; revoke it first: timeline token revoke {name}"
            )
        return token

    def tokens(self) -> list[TokenRow]:
        """Every token issued, active or revoked, in the order issued (never
        the token itself)."""
        return self.store.tokens()

    def token_log(self) -> list[TokenLogRow]:
        """Every issue and revocation, with who did it, in the order done."""
        return self.store.token_log()

    def revoke_token(self, name: str) -> None:
        """Revoke the active token ``name`` and end its sessions."""
        check_name(name)
        if not self.store.revoke_token(name, self._at(), author_now(self.author)):
            raise NotFound(f"no active token {name!r}; see: timeline token list")

    def token_holder(self, token: str) -> Holder | None:
        """The name and role of an active token (None: unknown or revoked)."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        return self.store.holder(digest(token))

    # -- browser sessions ---------------------------------------------------------

    def open_session(self, token_name: str, ttl: timedelta = SESSION_TTL) -> str:
        """A new session of the active token ``token_name``, for ``ttl``:
        its secret (stored hashed). NotFound if the token is not active."""
        now = self.clock()
        secret = new_secret()
        expires = record_time(now + ttl)
        if not self.store.insert_session(digest(secret), token_name,
                                         record_time(now), expires):  # fmt: skip
            raise NotFound(f"no active token {token_name!r}")
        return secret

    def session(self, secret: str) -> str | None:
        """The name of the token of a session, if it has not expired and
        its token is not revoked."""
        if not secret.startswith(SESSION_PREFIX):
            return None
        return self.store.session(digest(secret), self._at())

    def close_session(self, secret: str) -> None:
        """End the session ``secret`` (signing out); its token stays valid."""
        self.store.close_session(digest(secret))

    # -- idempotency keys ---------------------------------------------------------

    def claim(self, token_name: str, key: str, request_hash: str) -> Claimed:
        """Claim idempotency ``key`` of token ``token_name`` for the request
        whose hash is ``request_hash`` (see :class:`Claimed`); claims older
        than 24 hours are forgotten first."""
        _check_key(key)
        now = self.clock()
        return self.store.claim(token_name, key, request_hash, record_time(now),
                                record_time(now - STALE_CLAIMS))  # fmt: skip

    def complete(
        self, token_name: str, key: str, status: int, body: bytes,
        headers: dict[str, str],
    ) -> None:  # fmt: skip
        """Keep the response to the request that claimed ``key``, for its
        retries. NotFound if it was not claimed (or completed already)."""
        _check_key(key)
        if not self.store.complete(token_name, key, status, bytes(body),
                                   headers_json(headers)):  # fmt: skip
            raise NotFound(f"idempotency key {key!r} is not claimed")

    def release(self, token_name: str, key: str) -> None:
        """Forget the claim of ``key`` (its request failed): a retry is new."""
        _check_key(key)
        self.store.release(token_name, key)

    def close(self) -> None:
        self.store.close()

    def _at(self) -> str:
        return record_time(self.clock())


def _check_key(key: str) -> None:
    if not KEY.fullmatch(key):
        raise InvalidInput("bad idempotency key: 1 to 255 visible ASCII characters")
