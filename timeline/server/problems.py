"""Errors as RFC 9457 problem documents (``application/problem+json``).

Every error a user can cause (:mod:`events.errors`) maps to one status and
carries the CLI's message as its ``detail``; anything else is a 500 whose
traceback is logged and never sent.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from events.errors import (
    AlreadyExists,
    AlreadyRetracted,
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    StaleVersion,
    StoreBusy,
    StoreError,
    StoreReadOnly,
    TimelineError,
    one_line,
)

LOG = logging.getLogger("timeline.server")
PROBLEM = "application/problem+json"
STATUS: tuple[tuple[type[TimelineError], int, str], ...] = (
    (InvalidInput, 422, "invalid-input"),
    (NotFound, 404, "not-found"),
    (AlreadyExists, 409, "already-exists"),
    (AlreadyRetracted, 409, "already-retracted"),
    (ConcurrencyConflict, 409, "conflict"),
    (StaleVersion, 412, "stale-version"),
    (StoreBusy, 503, "store-busy"),
    (StoreReadOnly, 409, "store-read-only"),
    (StoreError, 503, "store-unavailable"),
)
"""Each kind of user error: its status and the last part of its ``type``."""
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    500: "Internal server error",
    503: "Service unavailable",
}


class Problem(Exception):
    """An answer that is an error: its status, a short name and the detail."""

    def __init__(
        self,
        status: int,
        detail: str,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        detail = one_line(detail)
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or TITLES.get(status, "error").lower().replace(" ", "-")
        self.headers = headers or {}


def problem_response(problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": f"https://diplomatic-timeline.org/problems/{problem.kind}",
        "title": TITLES.get(problem.status, "Error"),
        "status": problem.status,
        "detail": problem.detail,
    }
    return Response(orjson.dumps(body), problem.status, problem.headers, PROBLEM)


def from_error(error: TimelineError) -> Problem:
    for kind, status, name in STATUS:
        if isinstance(error, kind):
            retry = {"Retry-After": "1"} if status == 503 else None
            return Problem(status, str(error), name, retry)
    return Problem(400, str(error), "bad-request")


class ProblemDocument(BaseModel):
    """An error, as RFC 9457 describes it."""

    type: str
    title: str
    status: int
    detail: str


def describe(app: FastAPI) -> None:
    """Document, in ``app``'s OpenAPI, that any operation may answer an error
    (4XX, 5XX) as a problem document, in place of the framework's own 422."""
    made = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = made()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["ProblemDocument"] = ProblemDocument.model_json_schema()
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        reference = {"$ref": "#/components/schemas/ProblemDocument"}
        content = {PROBLEM: {"schema": reference}}
        for path in schema["paths"].values():
            for operation in path.values():
                answers = operation["responses"]
                answers.pop("422", None)
                answers["4XX"] = {
                    "description": "An error of the request.",
                    "content": content,
                }
                answers["5XX"] = {
                    "description": "An error of the server or store.",
                    "content": content,
                }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as a problem document."""
    describe(app)

    @app.exception_handler(Problem)
    async def problem(request: Request, error: Problem) -> Response:
        return problem_response(error)

    @app.exception_handler(TimelineError)
    async def user_error(request: Request, error: TimelineError) -> Response:
        return problem_response(from_error(error))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        return problem_response(
            Problem(422, _validation_detail(error), "invalid-input")
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        headers = dict(error.headers or {})
        kind = "invalid-input" if error.status_code == 422 else None
        return problem_response(
            Problem(error.status_code, str(error.detail), kind, headers)
        )

    @app.exception_handler(Exception)
    async def failure(request: Request, error: Exception) -> Response:
        from eventsourcing.persistence import DataError, PersistenceError

        if isinstance(error, DataError):  # such as a NUL in a text PostgreSQL keeps
            why = " ".join(str(error).split()) or type(error).__name__
            return problem_response(
                Problem(
                    422,
                    f"the store cannot keep a value of this request ({why})",
                    "invalid-input",
                )
            )
        if isinstance(error, PersistenceError):
            why = " ".join(str(error).split()) or type(error).__name__
            LOG.warning(
                "store failed under %s %s: %s", request.method, request.url.path, why
            )
            return problem_response(
                Problem(
                    503,
                    f"the store failed during this request ({why}); each write"
                    " was stored whole or not at all",
                    "store-unavailable",
                    {"Retry-After": "1"},
                )
            )
        LOG.exception("failed: %s %s", request.method, request.url.path)
        return problem_response(Problem(500, "the server failed; it is logged"))


def _validation_detail(error: RequestValidationError) -> str:
    """The first few things wrong with a request, each with where it is."""
    parts = []
    for item in error.errors()[:3]:
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        message = str(item.get("msg", "invalid"))
        parts.append(f"{where}: {message}" if where else message)
    more = len(error.errors()) - 3
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
