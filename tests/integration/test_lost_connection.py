"""A PostgreSQL connection lost between commands: reads and writes go on,
on a new connection, and nothing is written twice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.postgres import fresh_schema, server
from timeline.bootstrap import open_service
from timeline.service import Service

pytestmark = pytest.mark.own_stores
SLUG = "geneva-talks"


@pytest.fixture
def service() -> Iterator[Service]:
    with fresh_schema() as url, open_service(url, "tester") as opened:
        opened.open_talks(SLUG, "Geneva round", "Geneva", ["UKR"])
        opened.talks_list()
        yield opened


def cut(datastore: Any) -> None:
    """End the pool's connection from the server's side, as a restart or a
    network failure would."""
    with datastore.get_connection() as connection:
        pid = connection.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]
    with psycopg.connect(server(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_read_after_a_lost_connection_is_answered(service: Service) -> None:
    cut(service.queries.views.datastore)  # type: ignore[attr-defined]
    assert [row["slug"] for row in service.talks_list()] == [SLUG]
    assert service.search("Geneva")[0]["slug"] == SLUG


def test_a_write_after_a_lost_connection_is_stored_once(service: Service) -> None:
    cut(service.record.recorder.datastore)  # type: ignore[attr-defined]
    assert service.record_development(SLUG, "2024-08", "Round two set") == 1
    assert [d["text"] for d in service.talks_view(SLUG)["developments"]] == [
        "Round two set"
    ]
    assert service.store_info()["events"] == 2
