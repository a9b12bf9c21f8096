"""What every request of one server process shares: a few application
services over the store, opened once, each used by one thread at a time."""

from __future__ import annotations

import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
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
    """The store, for the threads that answer requests: a few services over
    it, each used by one thread at a time (a service, like the CLI, is
    written for one caller). Reads take whichever is free and run side by
    side, each on its own connections, as separate processes would; writes
    take turns (side by side, the writes of one process would only conflict
    and retry). With every service busy, a request waits for one."""

    def __init__(self, services: Sequence[Service]) -> None:
        self._services = list(services)
        self._free: queue.SimpleQueue[Service] = queue.SimpleQueue()
        for service in self._services:
            self._free.put(service)
        first = self._services[0]
        self._head = (0.0, 0)
        self._access = first.access  # opened now, not by two threads at once
        self._access_lock = threading.Lock()
        self._writing = first.writing
        self._write_lock = threading.Lock()

    @contextmanager
    def access(self, author: str | None = None) -> Iterator[Access]:
        """The store's tokens, sessions and idempotency keys, for one thread
        at a time, managed by ``author``: they have a connection of their
        own, so asking who a caller is never waits for the views."""
        with self._access_lock, self._writing(author):
            yield self._access

    def head(self, fresh_for: float = 0.05) -> int:
        """The position of the last stored event, as read at most
        ``fresh_for`` seconds ago: however many streams wait for new events,
        the store is asked about twenty times a second."""
        read_at, head = self._head
        if time.monotonic() - read_at >= fresh_for:
            with self.use() as service:
                head = service.queries.stored.head()
            self._head = (time.monotonic(), head)
        return head

    @contextmanager
    def use(self) -> Iterator[Service]:
        service = self._free.get()
        try:
            yield service
        finally:
            self._free.put(service)

    @contextmanager
    def writing(
        self, author: str, expected_version: int | None = None
    ) -> Iterator[tuple[Service, Write]]:
        """A service, for writes recorded by ``author`` that must find the
        talks at ``expected_version`` (if given): one request's at a time."""
        with (
            self._write_lock,
            self.use() as service,
            service.writing(author, expected_version) as write,
        ):
            yield service, write

    def close(self) -> None:
        for _ in self._services:
            self._free.get().close()
