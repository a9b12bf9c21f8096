"""What every request of one server process shares: the application service
over the store, opened once, and the lock that lets one thread use it at a
time (the service, like the CLI, is written for one caller)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from timeline.access import Access
    from timeline.service import Service
    from timeline.writing import Write

STOPPING = threading.Event()
"""Set when the server was told to stop: live streams end so that it can."""
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def stop_streams_on_signals() -> None:
    """Set :data:`STOPPING` when the server is told to stop, then let the
    server's own handler (uvicorn's, installed before the application
    starts) stop it: requests in flight finish; streams would not."""
    if threading.current_thread() is not threading.main_thread():
        return
    for number in STOP_SIGNALS:
        handler = signal.getsignal(number)
        if callable(handler):
            signal.signal(number, _stopping(handler))


def _stopping(handler: Callable[[int, FrameType | None], Any]) -> Callable[..., None]:
    def stop(number: int, frame: FrameType | None) -> None:
        STOPPING.set()
        handler(number, frame)

    return stop


class Store:
    """The service over the store, for one thread at a time."""

    def __init__(self, service: Service) -> None:
        self._service = service
        self._lock = threading.Lock()
        self._head = (0.0, 0)
        self._access = service.access  # opened now, not by two threads at once
        self._access_lock = threading.Lock()

    @contextmanager
    def access(self, author: str | None = None) -> Iterator[Access]:
        """The store's tokens, sessions and idempotency keys, for one thread
        at a time, managed by ``author``: they have a connection of their
        own, so asking who a caller is never waits for the views."""
        with self._access_lock, self._service.writing(author):
            yield self._access

    def head(self, fresh_for: float = 0.05) -> int:
        """The position of the last stored event, as read at most
        ``fresh_for`` seconds ago: however many streams wait for new events,
        the store is asked about ten times a second."""
        read_at, head = self._head
        if time.monotonic() - read_at >= fresh_for:
            with self._lock:
                head = self._service.queries.stored.head()
            self._head = (time.monotonic(), head)
        return head

    @contextmanager
    def use(self) -> Iterator[Service]:
        with self._lock:
            yield self._service

    @contextmanager
    def writing(
        self, author: str, expected_version: int | None = None
    ) -> Iterator[tuple[Service, Write]]:
        """The service, for writes recorded by ``author`` that must find the
        talks at ``expected_version`` (if given)."""
        with self._lock, self._service.writing(author, expected_version) as write:
            yield self._service, write

    def close(self) -> None:
        with self._lock:
            self._service.close()
