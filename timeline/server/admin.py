"""The API's administration: tokens, and the views rebuilt (the admin role)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from projections.rows import ViewStatus
from projections.tokens import TokenRow
from timeline.server.answers import json_answer, store_of
from timeline.server.auth import Admin
from timeline.server.models import NewToken, TokenIn

router = APIRouter(prefix="/v1")


@router.post("/projections/rebuild", responses={200: {"model": list[ViewStatus]}})
def rebuild(
    request: Request, caller: Admin, view: Annotated[list[str] | None, Query()] = None
) -> Response:
    """Empty the named views (default: all) and replay every event into them."""
    with store_of(request).use() as service:
        return json_answer(service.rebuild(view or ())["views"])


# -- tokens -------------------------------------------------------------------------


@router.get("/tokens", responses={200: {"model": list[TokenRow]}})
def tokens(request: Request, caller: Admin) -> Response:
    with store_of(request).access() as access:
        return json_answer(access.tokens())


@router.post("/tokens", status_code=201, responses={201: {"model": NewToken}})
def create_token(request: Request, caller: Admin, body: TokenIn) -> Response:
    with store_of(request).access(caller.name) as access:
        token = access.create_token(body.name, body.role)
    return json_answer({"name": body.name, "role": body.role, "token": token}, 201)


@router.delete("/tokens/{name}", status_code=204)
def revoke_token(request: Request, caller: Admin, name: str) -> Response:
    with store_of(request).access(caller.name) as access:
        access.revoke_token(name)
    return Response(status_code=204)
