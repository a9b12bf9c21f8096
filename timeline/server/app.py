"""The ASGI application: the routes of :mod:`timeline.server.api`, the
stream and the pages, over one application service per process."""

from __future__ import annotations

import codecs
import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from timeline.server import admin, metrics, pages, problems, reads, stream, writes
from timeline.server.auth import Reader
from timeline.server.models import Health
from timeline.server.problems import Problem, problem_response
from timeline.server.state import Store, stop_streams_on_signals

SERVICES = 4
"""Application services per server process: requests answered side by side
(each with its own connections to the store)."""
MAX_BODY = 1024 * 1024
"""The largest request body taken, in bytes: more is 413."""
TOO_LARGE = f"the request body is over {MAX_BODY} bytes"


def create_app(db: str | None = None, author: str | None = None) -> FastAPI:
    """The service over the store ``db`` (default: ``TIMELINE_DB``, else the
    user's default store)."""
    from timeline.bootstrap import open_service

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        where = db or os.environ.get("TIMELINE_DB")
        services = [open_service(where, author or "server") for _ in range(SERVICES)]
        for service in services:  # open now: no request waits for it
            service.talks_list()
        app.state.store = Store(services)
        # What opening built (the framework, the models, the OpenAPI schema)
        # lives as long as the process: frozen, it is not traced again by each
        # full collection, which took a quarter of the time under load.
        gc.freeze()
        stop_streams_on_signals()
        try:
            yield
        finally:
            app.state.store.close()

    app = FastAPI(
        title="Diplomatic timeline",
        version=version("diplomatic-timeline"),
        lifespan=lifespan,
        description="An evidence-grade, event-sourced record of diplomatic talks."
        " Every request but /healthz, /openapi.json and /docs needs"
        " `Authorization: Bearer TOKEN` (from `timeline token create`).",
        redoc_url=None,
    )
    problems.install(app)
    app.include_router(reads.router)
    app.include_router(writes.router)
    app.include_router(admin.router)
    app.include_router(stream.router)
    app.include_router(pages.router)

    @app.get("/healthz", response_model=Health, tags=["service"])
    def healthz(request: Request) -> Response:
        """The store is reachable; how far each view lags behind it."""
        with request.app.state.store.use() as service:
            info = service.store_info()
        body = {
            "status": "ok",
            "backend": info["backend"],
            "events": info["events"],
            "head": info["head"],
            "lag": {v["name"]: v["lag"] for v in info["views"]},
        }
        return Response(orjson.dumps(body), 200, media_type="application/json")

    @app.get(
        "/metrics", tags=["service"], responses={200: {"content": {"text/plain": {}}}}
    )
    def prometheus(request: Request, caller: Reader) -> Response:
        """Requests by route and status, latency, events recorded, views' lag."""
        with request.app.state.store.use() as service:
            lags = {view["name"]: view["lag"] for view in service.status()}
        return Response(
            metrics.exposition(lags), media_type="text/plain; version=0.0.4"
        )

    app.add_middleware(metrics.Measured)
    app.add_middleware(BodyLimit)
    return app


def from_environment() -> FastAPI:
    """The factory ``timeline serve`` hands to uvicorn: the store and author
    come from the environment, so each worker process opens its own."""
    return create_app(os.environ.get("TIMELINE_DB"), os.environ.get("TIMELINE_AUTHOR"))


class BodyLimit:
    """Refuses a request body over :data:`MAX_BODY` bytes (413) before any of
    it is used: by its ``Content-Length``, else as it arrives; and one that
    is not UTF-8 (422), as the input policy refuses such text everywhere."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            await problem_response(_too_large())(scope, receive, send)
            return
        taken = 0
        text = codecs.getincrementaldecoder("utf-8")()

        async def receiving() -> Message:
            nonlocal taken
            message = await receive()
            body = message.get("body", b"")
            taken += len(body)
            if taken > MAX_BODY:
                raise HTTPException(413, TOO_LARGE)
            try:
                text.decode(body, final=not message.get("more_body", False))
            except UnicodeDecodeError as error:
                at = taken - len(body) + error.start + 1
                raise HTTPException(
                    422,
                    f"the body is not valid UTF-8 (an undecodable byte at byte {at:,})",
                ) from None
            return message

        await self.app(scope, receiving, send)


def _too_large() -> Problem:
    return Problem(413, TOO_LARGE, "content-too-large")
