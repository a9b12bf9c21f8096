"""Each error a user can cause becomes one problem document of the API,
with the status its kind calls for."""

from __future__ import annotations

import orjson
import pytest

from events.errors import (
    AlreadyExists,
    AlreadyRetracted,
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    StaleVersion,
    StoreBusy,
    StoreError,
    TimelineError,
)
from timeline.server.problems import from_error, problem_response


@pytest.mark.parametrize(
    ("error", "status", "retry"),
    [
        (InvalidInput("bad date"), 422, None),
        (NotFound("no talks"), 404, None),
        (AlreadyExists("taken"), 409, None),
        (AlreadyRetracted("gone"), 409, None),
        (ConcurrencyConflict("kept changing"), 409, None),
        (StaleVersion("at 12, not 10"), 412, None),
        (StoreBusy("busy"), 503, "1"),
        (StoreError("unreachable"), 503, "1"),
        (TimelineError("other"), 400, None),
    ],
)
def test_each_error_is_a_problem_with_its_status(
    error: TimelineError, status: int, retry: str | None
) -> None:
    response = problem_response(from_error(error))
    assert response.status_code == status
    assert response.media_type == "application/problem+json"
    assert response.headers.get("retry-after") == retry
    body = orjson.loads(bytes(response.body))
    assert body["status"] == status
    assert body["detail"] == str(error)
    assert set(body) == {"type", "title", "status", "detail"}
