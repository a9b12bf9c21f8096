"""Who is asking, and what their role lets them do.

A request names its caller by ``Authorization: Bearer TOKEN`` (a token made
with ``timeline token create``) or, for pages in a browser, by the session
cookie that signing in with a token made. A session can only read, whatever
its token's role: a page can never be used to write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from timeline.server.problems import Problem

if TYPE_CHECKING:
    from timeline.access import Access

SESSION_COOKIE = "timeline_session"
ALLOWED = {
    "reader": frozenset({"read"}),
    "analyst": frozenset({"read", "write"}),
    "admin": frozenset({"read", "write", "admin"}),
}
"""What each role may do: read; also record, amend and retract; also manage
tokens and views."""
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="timeline"'}
bearer = HTTPBearer(
    auto_error=False, description="A token from `timeline token create`."
)


@dataclass(frozen=True)
class Caller:
    name: str
    """The token's name: the author of what is recorded through it."""
    role: str
    by_session: bool = False
    secret: str = field(default="", repr=False)
    """The token or session secret that named the caller."""

    def still_valid(self, access: Access) -> bool:
        """Whether the token (or session) is still good: a long request, such
        as a stream, asks again now and then."""
        if self.by_session:
            return access.session(self.secret) is not None
        return access.token_holder(self.secret) is not None


def identify(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The caller, by token or session cookie; 401 without a valid one."""
    store = request.app.state.store
    if credentials is not None:
        with store.access() as access:
            holder = access.token_holder(credentials.credentials)
        if holder is None:
            raise Problem(401, "unknown or revoked token", "unauthorized", CHALLENGE)
        return Caller(holder.name, holder.role, secret=credentials.credentials)
    if request.headers.get("authorization"):
        raise Problem(
            401, "send Authorization: Bearer TOKEN", "unauthorized", CHALLENGE
        )
    if secret := request.cookies.get(SESSION_COOKIE):
        with store.access() as access:
            name = access.session(secret)
        if name is not None:
            return Caller(name, "reader", by_session=True, secret=secret)
    raise Problem(
        401,
        "send Authorization: Bearer TOKEN (see: timeline token create)",
        "unauthorized",
        CHALLENGE,
    )


def _allowing(action: str, what: str) -> object:
    def allowed(caller: Annotated[Caller, Depends(identify)]) -> Caller:
        if caller.by_session and action != "read":
            raise Problem(
                403,
                f"a browser session can only read; {what} needs a token",
                "forbidden",
            )
        if action not in ALLOWED.get(caller.role, ()):
            raise Problem(403, f"role {caller.role!r} may not {what}", "forbidden")
        return caller

    return Depends(allowed)


Reader = Annotated[Caller, _allowing("read", "read")]
Analyst = Annotated[Caller, _allowing("write", "record, amend or retract")]
Admin = Annotated[Caller, _allowing("admin", "manage tokens and views")]
