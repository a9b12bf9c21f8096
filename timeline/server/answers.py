"""What every route of the API shares: the service of the process, JSON
answers and the talks' ``ETag``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from fastapi import Request
from fastapi.responses import Response

if TYPE_CHECKING:
    from timeline.server.state import Store

JSON = "application/json"


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def json_answer(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(data), status, headers, JSON)


def etag(version: int | None) -> str:
    """A talks version as an entity tag: ``"12"``."""
    return f'"{version}"'
