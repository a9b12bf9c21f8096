"""The API's reads: the views as the CLI's ``--json`` prints them, and the
exports in every format, each one call of the application service."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from events.errors import InvalidInput
from events.kinds import KINDS
from projections.actors import ActorView
from projections.changes import Change
from projections.rows import EntryRow, SearchHit, TalksRow, ViewStatus
from projections.sources import SourceView
from projections.talks import Scenario, TalksView
from timeline.application import HistoryEntry
from timeline.server.answers import JSON, etag, json_answer, store_of
from timeline.server.auth import Reader
from timeline.server.models import Page
from timeline.service import EXPORT_FORMATS

router = APIRouter(prefix="/v1")
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
AsOf = Annotated[str | None, Query(description="As recorded by this time (ISO 8601).")]
At = Annotated[str | None, Query(description="The world on this valid date.")]
MinGrade = Annotated[
    str | None,
    Query(
        description="Only entries backed by a citation graded this well or better"
        " on both Admiralty scales, such as B3."
    ),
]


# -- talks and their entries --------------------------------------------------------


@router.get("/talks", responses={200: {"model": list[TalksRow]}})
def list_talks(request: Request, caller: Reader) -> Response:
    with store_of(request).use() as service:
        return json_answer(service.talks_list())


@router.get("/talks/{slug}", responses={200: {"model": TalksView}, 304: {}})
def show(
    request: Request, caller: Reader, slug: str, as_of: AsOf = None, at: At = None,
    min_grade: MinGrade = None,
) -> Response:  # fmt: skip
    with store_of(request).use() as service:
        if as_of is None and at is None and min_grade is None:  # as stored
            version, document = service.talks_document(slug)
            body = document.encode()
        else:
            clocks = service.clocks(as_of=as_of, at=at)
            view = service.talks_view(slug, clocks, min_grade)
            version, body = view["version"], orjson.dumps(view)
    tag = etag(version)
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    return Response(body, 200, {"ETag": tag}, JSON)


@router.get("/talks/{slug}/history", responses={200: {"model": list[HistoryEntry]}})
def history(
    request: Request, caller: Reader, slug: str, as_of: AsOf = None
) -> Response:
    with store_of(request).use() as service:
        return json_answer(service.history(slug, as_of))


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
    with store_of(request).use() as service:
        return json_answer(service.changes(slug, since, until))


@router.get("/talks/{slug}/stances", responses={200: {"model": list[EntryRow]}})
def stances(
    request: Request,
    caller: Reader,
    slug: str,
    actor: str | None = None,
    as_of: AsOf = None,
    at: At = None,
) -> Response:
    with store_of(request).use() as service:
        clocks = service.clocks(as_of=as_of, at=at)
        return json_answer(service.stance_history(slug, actor, clocks))


@router.get("/talks/{slug}/scenarios", responses={200: {"model": list[Scenario]}})
def scenarios(
    request: Request, caller: Reader, slug: str, as_of: AsOf = None, at: At = None
) -> Response:
    with store_of(request).use() as service:
        return json_answer(service.scenarios(slug, service.clocks(as_of=as_of, at=at)))


# -- across talks -------------------------------------------------------------------


@router.get("/events", responses={200: {"model": Page}})
def events(
    request: Request,
    caller: Reader,
    talks: str | None = None,
    with_linked: Annotated[
        bool, Query(description="With talks: also every talks linked to them.")
    ] = False,
    actor: str | None = None,
    tag: str | None = None,
    kind: str | None = None,
    since: str | None = None,
    until: str | None = None,
    as_of: AsOf = None,
    at: At = None,
    min_grade: MinGrade = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(description="From the page before.")] = None,
) -> Response:
    """The timeline across talks, a page at a time; the pages after the
    first read the store as it was when the first was read."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"no kind {kind!r}; kinds: {', '.join(KINDS)}")
    offset, pinned = _cursor(cursor) if cursor else (0, as_of or _now())
    with store_of(request).use() as service:
        clocks = service.clocks(
            as_of=as_of if not cursor else pinned, at=at, since=since, until=until
        )
        rows = service.entries(
            clocks, slug=talks, actor=actor, tag=tag, kind=kind,
            limit=offset + limit + 1, with_linked=with_linked, min_grade=min_grade,
        )  # fmt: skip
    more = len(rows) > offset + limit
    following = _encode_cursor(offset + limit, pinned) if more else None
    return json_answer({"entries": rows[offset : offset + limit], "cursor": following})


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
    request: Request,
    caller: Reader,
    q: Annotated[str, Query(description='Words, "phrases", word*, OR.')],
    talks: str | None = None,
    tag: str | None = None,
    since: str | None = None,
    until: str | None = None,
    min_grade: MinGrade = None,
) -> Response:
    """The best matches of ``q``, as ``timeline search`` finds them."""
    with store_of(request).use() as service:
        clocks = service.clocks(since=since, until=until)
        hits = service.search(q, talks, tag=tag, clocks=clocks, min_grade=min_grade)
        return json_answer(hits)


@router.get("/actors", responses={200: {"model": list[ActorView]}})
def actors(request: Request, caller: Reader) -> Response:
    with store_of(request).use() as service:
        return json_answer(service.actors())


@router.get("/sources", responses={200: {"model": list[SourceView]}})
def sources(
    request: Request, caller: Reader, as_of: AsOf = None, at: At = None
) -> Response:
    """Every source with its grades, as they stood on the clocks given."""
    with store_of(request).use() as service:
        return json_answer(service.sources(service.clocks(as_of=as_of, at=at)))


@router.get("/sources/{key}", responses={200: {"model": SourceView}})
def source(
    request: Request, caller: Reader, key: str, as_of: AsOf = None, at: At = None
) -> Response:
    with store_of(request).use() as service:
        return json_answer(service.source(key, service.clocks(as_of=as_of, at=at)))


@router.get("/projections", responses={200: {"model": list[ViewStatus]}})
def projections(request: Request, caller: Reader) -> Response:
    with store_of(request).use() as service:
        return json_answer(service.status())


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
    min_grade: MinGrade = None,
) -> Response:
    return _export(request, format, slug, as_of, at, min_grade)


@router.get("/export", responses=EXPORTED)
def export_all(
    request: Request,
    caller: Reader,
    format: str = "markdown",
    as_of: AsOf = None,
    at: At = None,
    min_grade: MinGrade = None,
) -> Response:
    return _export(request, format, None, as_of, at, min_grade)


def _export(
    request: Request,
    format_name: str,
    slug: str | None,
    as_of: str | None,
    at: str | None,
    min_grade: str | None = None,
) -> Response:
    if format_name not in EXPORT_FORMATS:
        raise InvalidInput(
            f"no export format {format_name!r}; formats: {', '.join(EXPORT_FORMATS)}"
        )
    with store_of(request).use() as service:
        clocks = service.clocks(as_of=as_of, at=at)
        text = "".join(service.export(format_name, slug, clocks, min_grade))
    media_type, extension = CONTENT_TYPES[format_name]
    name = f"{slug or 'timeline'}.{extension}"
    return Response(
        text.encode(),
        200,
        {"Content-Disposition": f'attachment; filename="{name}"'},
        media_type,
    )
