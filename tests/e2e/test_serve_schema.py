"""``timeline serve`` against its own OpenAPI document: schemathesis
generates requests for every operation from the document the live server
serves, and checks each answer.

The document is read from the running server (the installed command over
the test's store, both backends), so what is checked is what clients get.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.serving import Server, serving
from tests.support import ok

SLUG = "beijing-talks"
EXAMPLES = 15
"""Generated requests per operation, role and mode: enough to reach every
branch of the argument checks, small enough for CI."""
SKIPPED = "/v1/stream"
"""An endless Server-Sent Events stream: a request never ends, so it cannot
be called like the others (its own tests read it)."""
CONFORMANCE = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
PROBLEM_FIELDS = {"type", "title", "status", "detail"}


def live_schema(server: Server) -> BaseSchema:
    """The document the server serves; generated strings may hold NULs."""
    config = schemathesis.Config.from_dict({"generation": {"allow-x00": True}})
    loaded = schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config)
    return loaded.exclude(path=SKIPPED)


def check_answer(case: Any, answer: Any) -> None:
    """Never a 5xx; the status, content type, headers and body as the
    document says (errors included: problem documents); no traceback."""
    case.validate_response(answer, checks=[not_a_server_error, *CONFORMANCE])
    assert "Traceback (most recent call last)" not in answer.text
    if answer.status_code >= 400:
        assert answer.headers["content-type"] == ["application/problem+json"]
        problem = answer.json()
        assert set(problem) == PROBLEM_FIELDS
        assert problem["status"] == answer.status_code


def sweep(
    operation: Any,
    run: Callable[[Any], None],
    mode: GenerationMode,
    **fixed: Any,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def each(case: Any) -> None:
        run(case)

    try:
        each()
    except Unsatisfiable:
        # Negative data for an operation that takes nothing: there is none.
        assert mode is GenerationMode.NEGATIVE


def test_every_operation_keeps_to_its_document(
    store_backend: str, tmp_path: Path
) -> None:
    ok("demo")
    with serving(tmp_path) as server:
        schema = live_schema(server)
        operations: list[Any] = [
            result.ok()  # type: ignore[union-attr]
            for result in schema.get_all_operations()
        ]
        assert len(operations) > 25
        assert SKIPPED not in {operation.path for operation in operations}
        kept = set(server.tokens)
        admin = {"Authorization": f"Bearer {server.tokens['admin']}"}

        def as_admin(case: Any) -> None:
            call_and_check(case, admin)

        def call_and_check(case: Any, headers: dict[str, str]) -> None:
            # The fuzzer must not revoke the tokens it runs with.
            if (case.path_parameters or {}).get("name") in kept:
                return
            check_answer(case, case.call(headers=headers))

        for operation in operations:
            for role in ("reader", "admin"):
                headers = {"Authorization": f"Bearer {server.tokens[role]}"}

                def run(case: Any, headers: dict[str, str] = headers) -> None:
                    call_and_check(case, headers)

                # Any talks (almost always unknown), then the demo's: its
                # writes and reads get past the lookup.
                sweep(operation, run, GenerationMode.POSITIVE)
                if "{slug}" in operation.path:
                    sweep(
                        operation,
                        run,
                        GenerationMode.POSITIVE,
                        path_parameters={"slug": SLUG},
                    )
            # Requests that break the document: refused, never a failure.
            sweep(operation, as_admin, GenerationMode.NEGATIVE)

        known_errors_keep_to_the_document(server, schema)

        # The server is still whole and the demo talks still there.
        assert server.get("/healthz").status_code == 200
        shown = server.get(f"/v1/talks/{SLUG}", server.tokens["reader"])
        assert shown.status_code == 200


def known_errors_keep_to_the_document(server: Server, schema: BaseSchema) -> None:
    """One request of each kind of error, each answered as the document says."""
    reader, analyst = server.tokens["reader"], server.tokens["analyst"]
    talks = schema["/v1/talks/{slug}"]["GET"]
    developments = schema["/v1/talks/{slug}/developments"]["POST"]
    agenda = schema["/v1/talks/{slug}/agenda"]["POST"]
    here = {"slug": SLUG}
    cases = [
        (None, talks.Case(path_parameters=here), 401),
        (
            reader,
            developments.Case(path_parameters=here, body={"text": "x", "on": "2024"}),
            403,
        ),
        (reader, talks.Case(path_parameters={"slug": "no-such-talks"}), 404),
        (
            analyst,
            agenda.Case(
                path_parameters=here, body={"key": "humanitarian-aid", "title": "x"}
            ),
            409,
        ),
        (
            analyst,
            developments.Case(
                path_parameters=here, body={"text": "x", "on": "2024-13"}
            ),
            422,
        ),
        (
            analyst,
            developments.Case(
                path_parameters=here,
                headers={"If-Match": '"1"'},
                body={"text": "x", "on": "2024"},
            ),
            412,
        ),
    ]
    for token, case, status in cases:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = case.call(headers=headers)
        assert answer.status_code == status, answer.text
        check_answer(case, answer)
