"""``GET /v1/stream``: every newly recorded event, as Server-Sent Events.

Each event is ``id:`` its store position, ``event:`` its type and ``data:``
the line the ``jsonl`` export writes for it. A client that comes back with
``Last-Event-ID`` (or ``?after=POSITION``) gets exactly the events stored
after that position: the stream reads the store by position, so nothing is
lost or repeated across a reconnection. A comment line every 15 s keeps
proxies from closing a quiet stream.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from events.errors import InvalidInput
from timeline.server.auth import Caller, Reader
from timeline.server.state import STOPPING
from timeline.transfer import LogLine, log_lines

if TYPE_CHECKING:
    from timeline.server.state import Store

router = APIRouter(prefix="/v1")
POLL = 0.05
"""Seconds between two looks at the store when nothing new was there."""
KEEP_ALIVE = 15.0
"""Seconds of quiet after which a comment line is sent."""
BATCH = 500
RECHECK = 1.0
"""Seconds between two checks, while quiet, that the caller's token (or
session) still holds; it is checked again before each batch goes out."""


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    request: Request,
    caller: Reader,
    after: Annotated[
        int | None, Query(ge=0, description="Resume after this position.")
    ] = None,
    talks: Annotated[
        str | None, Query(description="Only these talks (and actors).")
    ] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Every event recorded from now on (or after a position), live."""
    store: Store = request.app.state.store
    start = _start(last_event_id, after)
    if start is None:
        start = await run_in_threadpool(store.head, 0)
    if talks is not None:  # an unknown talks is a 404, before streaming
        await run_in_threadpool(_require_talks, store, talks)
    return StreamingResponse(
        _events(request, store, caller, start, talks),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _start(last_event_id: str | None, after: int | None) -> int | None:
    if last_event_id is not None:
        if not last_event_id.strip().isdigit():
            raise InvalidInput(
                f"Last-Event-ID must be a position, not {last_event_id!r}"
            )
        return int(last_event_id)
    return after


async def _events(
    request: Request, store: Store, caller: Caller, position: int, talks: str | None
) -> AsyncIterator[str]:
    yield "retry: 1000\n\n"
    quiet_since = checked_at = time.monotonic()
    while not STOPPING.is_set():
        if time.monotonic() - checked_at >= RECHECK:
            if not await run_in_threadpool(_still_valid, store, caller):
                return  # revoked: the client's reconnection is refused
            checked_at = time.monotonic()
        before = position
        lines, position = await run_in_threadpool(_read, store, position, talks)
        if lines and not await run_in_threadpool(_still_valid, store, caller):
            return  # revoked since the last look: nothing more goes out
        for line in lines:
            yield f"id: {line.position}\nevent: {line.type}\ndata: {line.text}\n\n"
        if lines:
            quiet_since = time.monotonic()
        if position != before:
            continue
        if await request.is_disconnected():
            return
        if time.monotonic() - quiet_since >= KEEP_ALIVE:
            quiet_since = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(POLL)


def _require_talks(store: Store, slug: str) -> None:
    with store.use() as service:
        service.talks_view(slug)


def _still_valid(store: Store, caller: Caller) -> bool:
    with store.access() as access:
        return caller.still_valid(access)


def _read(store: Store, after: int, talks: str | None) -> tuple[list[LogLine], int]:
    """The lines of the events stored after ``after`` (of ``talks``, if
    given), and the position read up to."""
    if store.head() <= after:
        return [], after
    with store.use() as service:
        stored = service.queries.stored
        rows = stored.after(after, BATCH)
    if not rows:
        return [], after
    return list(log_lines(rows, talks, unseal=stored.unseal)), rows[-1][0]
