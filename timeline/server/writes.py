"""The API's writes: each records one entry as the caller, through one call
of the application service, as the CLI's command of the same name.

A write answers 201 with what it recorded and the talks' new ``ETag``. An
``If-Match`` naming another version is refused (412) and writes nothing; an
``Idempotency-Key`` seen before with the same request gives back the first
answer and records nothing new.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from timeline.server import metrics
from timeline.server.answers import JSON, etag, json_answer, store_of
from timeline.server.auth import Analyst, Caller
from timeline.server.models import (
    ActorIn,
    AgendaIn,
    AmendmentIn,
    AssessmentIn,
    DevelopmentIn,
    LinkIn,
    MotiveIn,
    RecommendationIn,
    Recorded,
    RegradeIn,
    RetractionIn,
    ScenarioIn,
    SourceIn,
    StanceIn,
    TalksIn,
)
from timeline.server.problems import Problem

if TYPE_CHECKING:
    from timeline.service import Service

router = APIRouter(prefix="/v1")
WRITTEN: dict[int | str, dict[str, Any]] = {
    201: {"model": Recorded, "headers": {"ETag": {"schema": {"type": "string"}}}}
}


def _expected(request: Request) -> int | None:
    """The talks version ``If-Match`` names, if any."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise Problem(
            400,
            f"If-Match must be an ETag this API gave, such as '\"12\"', not {header!r}",
        )
    return int(text)


def _record(
    request: Request,
    caller: Caller,
    body: BaseModel,
    slug: str | None,
    write: Callable[[Service], str],
    location: str | None = None,
) -> Response:
    """Make one write as ``caller`` and answer it (or the answer its
    ``Idempotency-Key`` got before)."""
    store, expected = store_of(request), _expected(request)
    key = request.headers.get("idempotency-key")
    if key is not None:
        asked = f"{request.method} {request.url.path}\n{body.model_dump_json()}"
        with store.access() as access:
            claim = access.claim(
                caller.name, key, hashlib.sha256(asked.encode()).hexdigest()
            )
        if claim.state == "replay":
            return Response(claim.body, claim.status or 201, claim.headers, JSON)
        if claim.state == "mismatch":
            raise Problem(
                422,
                "this Idempotency-Key was used before with another request",
                "idempotency-key-reused",
            )
        if claim.state == "pending":
            raise Problem(
                409,
                "a request with this Idempotency-Key is still in progress",
                "idempotency-key-in-progress",
            )
    try:
        with store.writing(caller.name, expected) as (service, done):
            entry = write(service)
        headers = {"ETag": etag(done.version)}
        if location:
            headers["Location"] = location
        answer = Recorded(talks=slug, entry=entry, version=done.version)
        response = json_answer(answer.model_dump(), 201, headers)
    except BaseException:
        if key is not None:
            with store.access() as access:
                access.release(caller.name, key)
        raise
    if key is not None:
        with store.access() as access:
            access.complete(caller.name, key, 201, bytes(response.body), headers)
    metrics.RECORDED.inc()
    return response


@router.post("/talks", status_code=201, responses=WRITTEN)
def open_talks(request: Request, caller: Analyst, body: TalksIn) -> Response:
    def write(s: Service) -> str:
        s.open_talks(
            body.slug,
            body.title,
            body.location,
            body.parties,
            body.on,
            body.summary,
            body.sources,
            body.tags,
            body.cites,
        )
        return "talks"

    return _record(request, caller, body, body.slug, write, f"/v1/talks/{body.slug}")


@router.post("/talks/{slug}/agenda", status_code=201, responses=WRITTEN)
def add_agenda_item(
    request: Request, caller: Analyst, slug: str, body: AgendaIn
) -> Response:
    def write(s: Service) -> str:
        s.add_agenda_item(
            slug, body.key, body.title, body.detail, body.on, body.tags, body.cites
        )
        return f"agenda:{body.key}"

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/stances", status_code=201, responses=WRITTEN)
def record_stance(
    request: Request, caller: Analyst, slug: str, body: StanceIn
) -> Response:
    def write(s: Service) -> str:
        s.record_stance(
            slug,
            body.actor,
            body.position,
            body.interests,
            body.on,
            body.tags,
            body.cites,
        )
        return f"stance:{body.actor}"

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/motives", status_code=201, responses=WRITTEN)
def record_motive(
    request: Request, caller: Analyst, slug: str, body: MotiveIn
) -> Response:
    def write(s: Service) -> str:
        s.record_motivation(slug, body.actor, body.text, body.on, body.tags, body.cites)
        return f"motive:{body.actor}"

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/scenarios", status_code=201, responses=WRITTEN)
def add_scenario(
    request: Request, caller: Analyst, slug: str, body: ScenarioIn
) -> Response:
    def write(s: Service) -> str:
        s.add_scenario(
            slug, body.key, body.outcome, body.impact, body.on, body.tags, body.cites
        )
        return f"scenario:{body.key}"

    return _record(request, caller, body, slug, write)


@router.post(
    "/talks/{slug}/scenarios/{key}/assessments", status_code=201, responses=WRITTEN
)
def assess_scenario(
    request: Request, caller: Analyst, slug: str, key: str, body: AssessmentIn
) -> Response:
    def write(s: Service) -> str:
        s.assess_scenario(
            slug,
            key,
            body.likelihood,
            body.note,
            body.on,
            body.confidence,
            body.tags,
            body.cites,
        )
        return f"assessment:{key}"

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/recommendations", status_code=201, responses=WRITTEN)
def add_recommendation(
    request: Request, caller: Analyst, slug: str, body: RecommendationIn
) -> Response:
    def write(s: Service) -> str:
        s.add_recommendation(
            slug,
            body.key,
            body.title,
            body.outcome,
            body.detail,
            body.audience,
            body.on,
            body.tags,
            body.cites,
        )
        return f"recommendation:{body.key}"

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/developments", status_code=201, responses=WRITTEN)
def record_development(
    request: Request, caller: Analyst, slug: str, body: DevelopmentIn
) -> Response:
    def write(s: Service) -> str:
        number = s.record_development(
            slug,
            body.on,
            body.text,
            body.sources,
            body.actors,
            body.tags,
            body.cites,
        )
        return f"development:{number}"

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/links", status_code=201, responses=WRITTEN)
def link_talks(request: Request, caller: Analyst, slug: str, body: LinkIn) -> Response:
    """Link these talks to others; withdrawing the link is the retraction of
    ``link:TARGET`` (``POST /v1/talks/{slug}/retractions``)."""

    def write(s: Service) -> str:
        s.link_talks(
            slug,
            body.target,
            body.relation,
            body.note,
            body.on,
            body.tags,
            body.cites,
        )
        return f"link:{body.target}"

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/amendments", status_code=201, responses=WRITTEN)
def amend(request: Request, caller: Analyst, slug: str, body: AmendmentIn) -> Response:
    def write(s: Service) -> str:
        s.amend(slug, body.entry, body.changes(), body.reason, cite=body.cite,
                uncite=body.uncite)  # fmt: skip
        return body.entry

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/retractions", status_code=201, responses=WRITTEN)
def retract(
    request: Request, caller: Analyst, slug: str, body: RetractionIn
) -> Response:
    def write(s: Service) -> str:
        s.retract(slug, body.entry, body.reason)
        return body.entry

    return _record(request, caller, body, slug, write)


@router.post("/sources", status_code=201, responses=WRITTEN)
def add_source(request: Request, caller: Analyst, body: SourceIn) -> Response:
    def write(s: Service) -> str:
        s.add_source(body.key, body.title, body.publisher, body.url, body.published,
                     body.reliability, body.note)  # fmt: skip
        return f"source:{body.key}"

    return _record(request, caller, body, None, write, f"/v1/sources/{body.key}")


@router.post("/sources/{key}/regrades", status_code=201, responses=WRITTEN)
def regrade_source(
    request: Request, caller: Analyst, key: str, body: RegradeIn
) -> Response:
    def write(s: Service) -> str:
        s.regrade_source(key, body.reliability, body.reason, body.on)
        return f"source:{key}"

    return _record(request, caller, body, None, write)


@router.post("/actors", status_code=201, responses=WRITTEN)
def register_actor(request: Request, caller: Analyst, body: ActorIn) -> Response:
    def write(s: Service) -> str:
        s.register_actor(body.key, body.name, body.kind.value)
        return f"actor:{body.key}"

    return _record(request, caller, body, None, write)
