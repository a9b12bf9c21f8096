"""The JSON API under ``/v1``: each operation is one call of the application
service, as the CLI's command of the same name makes it.

Writes answer 201 with what they recorded and the talks' new ``ETag``; an
``If-Match`` naming another version is refused (412) and an
``Idempotency-Key`` seen before gives back the first answer. Reads answer
the views as ``--json`` prints them.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from events.errors import InvalidInput
from events.kinds import KINDS
from projections.actors import ActorView
from projections.changes import Change
from projections.rows import EntryRow, SearchHit, TalksRow, ViewStatus
from projections.talks import Scenario, TalksView
from projections.tokens import TokenRow
from timeline.application import HistoryEntry
from timeline.server import metrics
from timeline.server.auth import Admin, Analyst, Caller, Reader
from timeline.server.models import (
    ActorIn,
    AgendaIn,
    AmendmentIn,
    AssessmentIn,
    DevelopmentIn,
    MotiveIn,
    NewToken,
    Page,
    RecommendationIn,
    Recorded,
    RetractionIn,
    ScenarioIn,
    StanceIn,
    TalksIn,
    TokenIn,
)
from timeline.server.problems import Problem
from timeline.service import EXPORT_FORMATS

if TYPE_CHECKING:
    from timeline.server.state import Store
    from timeline.service import Service

router = APIRouter(prefix="/v1")
JSON = "application/json"
CONTENT_TYPES = {
    "markdown": ("text/markdown; charset=utf-8", "md"),
    "json": (JSON, "json"),
    "jsonl": ("application/x-ndjson", "jsonl"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "html": ("text/html; charset=utf-8", "html"),
    "timelinejs": (JSON, "timelinejs.json"),
    "ical": ("text/calendar; charset=utf-8", "ics"),
}
"""Each export format's content type and file name extension."""
WRITTEN: dict[int | str, dict[str, Any]] = {
    201: {"model": Recorded, "headers": {"ETag": {"schema": {"type": "string"}}}}
}
AsOf = Annotated[str | None, Query(description="As recorded by this time (ISO 8601).")]
At = Annotated[str | None, Query(description="The world on this valid date.")]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _json(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(data), status, headers, JSON)


def etag(version: int | None) -> str:
    return f'"{version}"'


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
    store, expected = _store(request), _expected(request)
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
        response = _json(answer.model_dump(), 201, headers)
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


# -- talks and their entries --------------------------------------------------------


@router.get("/talks", responses={200: {"model": list[TalksRow]}})
def list_talks(request: Request, caller: Reader) -> Response:
    with _store(request).use() as service:
        return _json(service.talks_list())


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
        )
        return "talks"

    return _record(request, caller, body, body.slug, write, f"/v1/talks/{body.slug}")


@router.get("/talks/{slug}", responses={200: {"model": TalksView}, 304: {}})
def show(
    request: Request, caller: Reader, slug: str, as_of: AsOf = None, at: At = None
) -> Response:
    with _store(request).use() as service:
        if as_of is None and at is None:  # as stored: passed on unparsed
            version, document = service.talks_document(slug)
            body = document.encode()
        else:
            view = service.talks_view(slug, service.clocks(as_of=as_of, at=at))
            version, body = view["version"], orjson.dumps(view)
    tag = etag(version)
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    return Response(body, 200, {"ETag": tag}, JSON)


@router.post("/talks/{slug}/agenda", status_code=201, responses=WRITTEN)
def add_agenda_item(
    request: Request, caller: Analyst, slug: str, body: AgendaIn
) -> Response:
    def write(s: Service) -> str:
        s.add_agenda_item(slug, body.key, body.title, body.detail, body.on)
        return f"agenda:{body.key}"

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/stances", status_code=201, responses=WRITTEN)
def record_stance(
    request: Request, caller: Analyst, slug: str, body: StanceIn
) -> Response:
    def write(s: Service) -> str:
        s.record_stance(slug, body.actor, body.position, body.interests, body.on)
        return f"stance:{body.actor}"

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/motives", status_code=201, responses=WRITTEN)
def record_motive(
    request: Request, caller: Analyst, slug: str, body: MotiveIn
) -> Response:
    def write(s: Service) -> str:
        s.record_motivation(slug, body.actor, body.text, body.on)
        return f"motive:{body.actor}"

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/scenarios", status_code=201, responses=WRITTEN)
def add_scenario(
    request: Request, caller: Analyst, slug: str, body: ScenarioIn
) -> Response:
    def write(s: Service) -> str:
        s.add_scenario(slug, body.key, body.outcome, body.impact, body.on)
        return f"scenario:{body.key}"

    return _record(request, caller, body, slug, write)


@router.post(
    "/talks/{slug}/scenarios/{key}/assessments", status_code=201, responses=WRITTEN
)
def assess_scenario(
    request: Request, caller: Analyst, slug: str, key: str, body: AssessmentIn
) -> Response:
    def write(s: Service) -> str:
        s.assess_scenario(slug, key, body.likelihood, body.note, body.on)
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
        )
        return f"recommendation:{body.key}"

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/developments", status_code=201, responses=WRITTEN)
def record_development(
    request: Request, caller: Analyst, slug: str, body: DevelopmentIn
) -> Response:
    def write(s: Service) -> str:
        number = s.record_development(slug, body.on, body.text, body.sources)
        return f"development:{number}"

    return _record(request, caller, body, slug, write)


@router.post("/talks/{slug}/amendments", status_code=201, responses=WRITTEN)
def amend(request: Request, caller: Analyst, slug: str, body: AmendmentIn) -> Response:
    def write(s: Service) -> str:
        s.amend(slug, body.entry, body.changes(), body.reason)
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


@router.get("/talks/{slug}/history", responses={200: {"model": list[HistoryEntry]}})
def history(
    request: Request, caller: Reader, slug: str, as_of: AsOf = None
) -> Response:
    with _store(request).use() as service:
        return _json(service.history(slug, as_of))


@router.get("/talks/{slug}/diff", responses={200: {"model": list[Change]}})
def diff(
    request: Request,
    caller: Reader,
    slug: str,
    since: Annotated[str, Query(alias="from", description="Record time: after it.")],
    until: Annotated[
        str | None, Query(alias="to", description="Record time: by it.")
    ] = None,
) -> Response:
    with _store(request).use() as service:
        return _json(service.changes(slug, since, until))


@router.get("/talks/{slug}/stances", responses={200: {"model": list[EntryRow]}})
def stances(
    request: Request,
    caller: Reader,
    slug: str,
    actor: str | None = None,
    as_of: AsOf = None,
    at: At = None,
) -> Response:
    with _store(request).use() as service:
        clocks = service.clocks(as_of=as_of, at=at)
        return _json(service.stance_history(slug, actor, clocks))


@router.get("/talks/{slug}/scenarios", responses={200: {"model": list[Scenario]}})
def scenarios(
    request: Request, caller: Reader, slug: str, as_of: AsOf = None, at: At = None
) -> Response:
    with _store(request).use() as service:
        return _json(service.scenarios(slug, service.clocks(as_of=as_of, at=at)))


# -- across talks -------------------------------------------------------------------


@router.get("/events", responses={200: {"model": Page}})
def events(
    request: Request,
    caller: Reader,
    talks: str | None = None,
    actor: str | None = None,
    kind: str | None = None,
    since: str | None = None,
    until: str | None = None,
    as_of: AsOf = None,
    at: At = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(description="From the page before.")] = None,
) -> Response:
    """The timeline across talks, a page at a time; the pages after the
    first read the store as it was when the first was read."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"no kind {kind!r}; kinds: {', '.join(KINDS)}")
    offset, pinned = _cursor(cursor) if cursor else (0, as_of or _now())
    with _store(request).use() as service:
        clocks = service.clocks(
            as_of=as_of if not cursor else pinned, at=at, since=since, until=until
        )
        rows = service.entries(
            clocks, slug=talks, actor=actor, kind=kind, limit=offset + limit + 1
        )
    more = len(rows) > offset + limit
    following = _encode_cursor(offset + limit, pinned) if more else None
    return _json({"entries": rows[offset : offset + limit], "cursor": following})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _encode_cursor(offset: int, as_of: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([offset, as_of])).decode()


def _cursor(text: str) -> tuple[int, str]:
    try:
        offset, as_of = orjson.loads(base64.urlsafe_b64decode(text.encode()))
        if isinstance(offset, int) and offset >= 0 and isinstance(as_of, str):
            return offset, as_of
    except (ValueError, TypeError):
        pass
    raise InvalidInput("cursor is not one this API gave; start again without it")


@router.get("/search", responses={200: {"model": list[SearchHit]}})
def search(
    request: Request, caller: Reader, q: str, talks: str | None = None
) -> Response:
    with _store(request).use() as service:
        return _json(service.search(q, talks))


@router.get("/actors", responses={200: {"model": list[ActorView]}})
def actors(request: Request, caller: Reader) -> Response:
    with _store(request).use() as service:
        return _json(service.actors())


@router.post("/actors", status_code=201, responses=WRITTEN)
def register_actor(request: Request, caller: Analyst, body: ActorIn) -> Response:
    def write(s: Service) -> str:
        s.register_actor(body.key, body.name, body.kind.value)
        return f"actor:{body.key}"

    return _record(request, caller, body, None, write)


@router.get("/projections", responses={200: {"model": list[ViewStatus]}})
def projections(request: Request, caller: Reader) -> Response:
    with _store(request).use() as service:
        return _json(service.status())


@router.post("/projections/rebuild", responses={200: {"model": list[ViewStatus]}})
def rebuild(
    request: Request, caller: Admin, view: Annotated[list[str] | None, Query()] = None
) -> Response:
    """Empty the named views (default: all) and replay every event into them."""
    with _store(request).use() as service:
        return _json(service.rebuild(view or ())["views"])


# -- exports ------------------------------------------------------------------------

EXPORTED: dict[int | str, dict[str, Any]] = {
    200: {"content": {kind: {} for kind, _ in CONTENT_TYPES.values()}}
}


@router.get("/talks/{slug}/export", responses=EXPORTED)
def export_talks(
    request: Request,
    caller: Reader,
    slug: str,
    format: str = "markdown",
    as_of: AsOf = None,
    at: At = None,
) -> Response:
    return _export(request, format, slug, as_of, at)


@router.get("/export", responses=EXPORTED)
def export_all(
    request: Request,
    caller: Reader,
    format: str = "markdown",
    as_of: AsOf = None,
    at: At = None,
) -> Response:
    return _export(request, format, None, as_of, at)


def _export(
    request: Request,
    format_name: str,
    slug: str | None,
    as_of: str | None,
    at: str | None,
) -> Response:
    if format_name not in EXPORT_FORMATS:
        raise InvalidInput(
            f"no export format {format_name!r}; formats: {', '.join(EXPORT_FORMATS)}"
        )
    with _store(request).use() as service:
        clocks = service.clocks(as_of=as_of, at=at)
        text = "".join(service.export(format_name, slug, clocks))
    media_type, extension = CONTENT_TYPES[format_name]
    name = f"{slug or 'timeline'}.{extension}"
    return Response(
        text.encode(),
        200,
        {"Content-Disposition": f'attachment; filename="{name}"'},
        media_type,
    )


# -- tokens -------------------------------------------------------------------------


@router.get("/tokens", responses={200: {"model": list[TokenRow]}})
def tokens(request: Request, caller: Admin) -> Response:
    with _store(request).access() as access:
        return _json(access.tokens())


@router.post("/tokens", status_code=201, responses={201: {"model": NewToken}})
def create_token(request: Request, caller: Admin, body: TokenIn) -> Response:
    with _store(request).access(caller.name) as access:
        token = access.create_token(body.name, body.role)
    return _json({"name": body.name, "role": body.role, "token": token}, 201)


@router.delete("/tokens/{name}", status_code=204)
def revoke_token(request: Request, caller: Admin, name: str) -> Response:
    with _store(request).access(caller.name) as access:
        access.revoke_token(name)
    return Response(status_code=204)
