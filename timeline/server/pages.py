"""The pages: ``/`` lists the talks; ``/talks/{slug}`` is the html export of
one talks (its drawn timeline and tables) that updates itself from the live
stream, so that what anyone records appears without a reload.

A browser signs in once at ``/signin`` by pasting a token; that makes a
session cookie (HttpOnly, SameSite=Strict) that allows reading only.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from timeline.exporters.inert import visible_controls
from timeline.server.auth import SESSION_COOKIE, Caller, identify
from timeline.server.problems import Problem

if TYPE_CHECKING:
    from timeline.server.state import Store

router = APIRouter(include_in_schema=False)
SESSION = timedelta(hours=12)
STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:3rem auto;"
    "padding:0 1rem}input{font:inherit;width:100%;padding:.4rem}"
    "button{font:inherit;margin-top:.6rem}"
)


def _text(value: str) -> str:
    """Recorded text in a page: escaped, its controls shown (as exports do)."""
    return escape(visible_controls(value))


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>",
        status,
    )


def _signed_in(request: Request) -> Caller | None:
    try:
        return identify(request, None)
    except Problem:
        return None


def _to_signin(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/signin?next={quote(request.url.path)}", 303)


@router.get("/signin")
def signin_form(
    request: Request, next: str = "/", failed: bool = False
) -> HTMLResponse:
    warning = '<p role="alert">That token is unknown or revoked.</p>' if failed else ""
    return _page(
        "Sign in",
        (
            "<h1>Diplomatic timeline</h1><p>Paste a token (from <code>timeline "
            "token create</code>) to read the timeline in this browser. The session "
            f"it starts can only read.</p>{warning}"
            f'<form method="post" action="/signin?next={quote(_local(next))}">'
            '<label>Token <input name="token" type="password" autocomplete="off" '
            'required autofocus></label><button type="submit">Sign in</button></form>'
        ),
        401 if failed else 200,
    )


@router.post("/signin")
async def signin(request: Request, next: str = "/") -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    store: Store = request.app.state.store
    secret = await run_in_threadpool(_open_session, store, token) if token else None
    if secret is None:
        return RedirectResponse(f"/signin?failed=1&next={quote(_local(next))}", 303)
    response = RedirectResponse(_local(next), 303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(SESSION.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


def _open_session(store: Store, token: str) -> str | None:
    """A new session's secret, if ``token`` is an active token."""
    with store.access() as access:
        holder = access.token_holder(token)
        return access.open_session(holder.name, SESSION) if holder else None


def _local(path: str) -> str:
    """Only a path of this server: never a redirect elsewhere."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


@router.get("/")
def home(request: Request) -> Response:
    if _signed_in(request) is None:
        return _to_signin(request)
    store: Store = request.app.state.store
    with store.use() as service:
        rows = service.talks_list()
    items = (
        "".join(
            f'<li><a href="/talks/{quote(row["slug"])}">{_text(row["title"])}</a> '
            f"<small>{_text(row['location'])}</small></li>"
            for row in rows
        )
        or "<li>No talks recorded yet.</li>"
    )
    return _page("Diplomatic timeline", f"<h1>Talks</h1><ul>{items}</ul>{SIGN_OUT}")


SIGN_OUT = (
    '<form method="post" action="/signout"><button type="submit">Sign out</button>'
    "</form>"
)


@router.post("/signout")
async def signout(request: Request) -> Response:
    """End this browser's session (its token stays valid) and forget the cookie."""
    if secret := request.cookies.get(SESSION_COOKIE):
        await run_in_threadpool(_close_session, request.app.state.store, secret)
    response = RedirectResponse("/signin", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _close_session(store: Store, secret: str) -> None:
    with store.access() as access:
        access.close_session(secret)


@router.get("/talks/{slug}")
def talks_page(request: Request, slug: str) -> Response:
    if _signed_in(request) is None:
        return _to_signin(request)
    store: Store = request.app.state.store
    with store.use() as service:
        if not any(row["slug"] == slug for row in service.talks_list()):
            link = '<p><a href="/">All talks</a></p>'
            return _page(
                "Not found", f"<h1>No talks {_text(repr(slug))}</h1>{link}", 404
            )
        view = service.talks_view(slug)
        page = "".join(service.export("html", slug))
    live = (
        LIVE.replace("__TALKS__", json.dumps(slug))
        .replace("__TYPES__", json.dumps(event_types()))
        .replace("__AFTER__", str(view["last_position"]))
    )
    page = page.replace("</head>", f"<script>{live}</script>\n</head>", 1)
    return HTMLResponse(page.replace("<body>", f"<body>\n{NAVIGATION}", 1))


NAVIGATION = (
    '<nav style="display:flex;gap:1rem;align-items:center"><a href="/">All talks</a>'
    f"{SIGN_OUT}</nav>"
)


@cache
def event_types() -> list[str]:
    """The type of every event the store can hold (a snapshot is not one):
    the page listens for each on the stream."""
    import events.actors  # every event class is defined by now
    import events.talks  # noqa: F401
    from events.base import DomainEvent

    found, classes = set(), list(DomainEvent.__subclasses__())
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if getattr(cls, "TOPIC", None):
            found.add(cls.type_name())
    return sorted(found - {"Snapshot"})


LIVE = """
(() => {
  const talks = __TALKS__, types = __TYPES__;
  let after = __AFTER__, pending = null;
  const refresh = async () => {
    pending = null;
    const answer = await fetch(location.pathname, {credentials: "same-origin"});
    if (answer.redirected) return location.assign(answer.url);  // signed out
    if (!answer.ok) return;
    const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
    document.body.replaceWith(document.adoptNode(fresh.body));
    document.title = fresh.title;
  };
  const connect = () => {
    const url = "/v1/stream?talks=" + encodeURIComponent(talks) + "&after=" + after;
    const source = new EventSource(url);
    for (const type of types) {
      source.addEventListener(type, (event) => {
        after = Number(event.lastEventId);
        pending ??= setTimeout(refresh, 150);
      });
    }
  };
  connect();
})();
"""
"""The page's one script: on each event of its talks, fetch the page again
and put its body in place (the stream resumes after the page's position)."""
