"""Following the store: every view kept current as events are recorded, by
any process on any machine, until stopped.

The follower never applies events itself: it waits for new ones and then
catches the views up as a query would (:func:`timeline.catchup.catch_up`),
so each batch is applied once, with its tracking, in one transaction.

- On PostgreSQL it waits on the library's subscription to the application
  recorder (``recorder.subscribe(gt=position)``, LISTEN/NOTIFY): a thread
  drains the subscription and wakes the follower, which reads nothing until
  then.
- On SQLite, which cannot notify, it reads the head and the views' positions
  (two indexed lookups) every ``interval`` seconds.

It stops when :meth:`Follower.stop` is called or, inside
:meth:`Follower.stopped_by`, on a signal: waiting, at once; applying, the
batch in hand is abandoned (its transaction writes nothing) and the next run
goes on from the views' positions. A lost connection is reported once and
retried with a growing pause until the store answers again.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from types import FrameType
from typing import TYPE_CHECKING, Any, Required, TypedDict

from events.errors import ConcurrencyConflict

if TYPE_CHECKING:
    from eventsourcing.persistence import Subscription

    from timeline.application import DiplomaticRecord

Progress = Callable[[int], None]
ProgressBar = Callable[[str, int], AbstractContextManager[Progress | None]]
"""Opens the report of a long catch-up (its label and lag), or gives None
when the lag is too small to be worth a bar."""

INTERVAL = 0.2
"""Seconds between two looks at the head of a store that cannot notify."""
TICK = 0.25
"""The longest a wait lasts before the follower looks whether to stop."""
SETTLE = 0.5
"""Seconds after subscribing when the views are checked once more: an event
stored while the subscription was starting to listen is not missed."""
RETRY_FROM, RETRY_UP_TO = 0.5, 5.0
"""The pause before the first retry of a lost connection, and the longest."""


class Followed(TypedDict, total=False):
    """What the follower reports, one at a time: ``event`` says which."""

    event: Required[str]
    """``started``, ``applied``, ``lost``, ``back`` or ``stopped``."""
    backend: str
    """started: ``sqlite`` or ``postgresql``."""
    waits_on: str
    """started: ``notifications`` or ``polling``."""
    interval: float
    """started, when polling: seconds between looks at the head."""
    events: int
    """applied: how many events this batch held."""
    position: int
    """The position of the furthest-behind view."""
    head: int
    """started: the position of the last stored event."""
    error: str
    """lost: what went wrong, on one line."""
    retry_in: float
    """lost: seconds until the next try."""


class Stopped(BaseException):
    """Raised by the signal handler into work in progress: like Ctrl-C, it
    is not an error of the work, and nothing catches it but the follower."""


class ConnectionEnded(Exception):
    """The subscription ended while nobody asked it to."""


class Follower:
    """Keeps the views of ``record`` current until stopped."""

    def __init__(
        self,
        record: DiplomaticRecord,
        report: Callable[[Followed], None],
        *,
        backend: str,
        interval: float = INTERVAL,
        progress_bar: ProgressBar | None = None,
    ) -> None:
        self.record = record
        self._report = report
        self._backend = backend
        self._notified = backend == "postgresql"
        """True: wait on the store's notifications; False: poll the head."""
        self._interval = interval
        self._progress_bar = progress_bar
        self._stopping = False
        self._interruptible = False
        self._woken = threading.Event()
        self._position = 0
        self._down = False
        self._delay = RETRY_FROM

    # -- stopping -----------------------------------------------------------------

    def stop(self) -> None:
        """Ask the follower to stop (from another thread)."""
        self._stopping = True
        self._woken.set()

    @contextmanager
    def stopped_by(self, signals: Iterable[int]) -> Iterator[None]:
        """Within: each of ``signals`` stops the follower (main thread only)."""
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for number in signals:
                previous[number] = signal.signal(number, self._on_signal)
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        # Only a flag, never a lock (the interrupted code may hold it); work
        # in progress is abandoned by an exception, as Ctrl-C would.
        self._stopping = True
        if self._interruptible:
            self._interruptible = False
            raise Stopped

    @contextmanager
    def _interruptible_work(self) -> Iterator[None]:
        self._interruptible = True
        try:
            if self._stopping:
                raise Stopped
            yield
        finally:
            self._interruptible = False

    @contextmanager
    def _uninterrupted(self) -> Iterator[None]:
        """Within: a signal only asks to stop; on leaving, the stop is
        carried out if the work around may be interrupted."""
        was, self._interruptible = self._interruptible, False
        try:
            yield
        finally:
            self._interruptible = was
        if was and self._stopping:
            self._interruptible = False
            raise Stopped

    def _say(self, followed: Followed) -> None:
        """Report, never cut off mid-line by a signal."""
        with self._uninterrupted():
            self._report(followed)

    # -- following ----------------------------------------------------------------

    def run(self) -> int:
        """Follow until stopped; the views' position then."""
        views = self.record.views
        status = views.status()
        self._position = min(view["position"] for view in status)
        started = Followed(
            event="started",
            backend=self._backend,
            waits_on="notifications" if self._notified else "polling",
            position=self._position,
            head=status[0]["head"] if status else 0,
        )
        if not self._notified:
            started["interval"] = self._interval
        self._say(started)
        while not self._stopping:
            try:
                with self._interruptible_work():
                    if self._notified:
                        self._follow_notifications()
                    else:
                        self._follow_polling()
            except Stopped:
                break
            except Exception as error:
                if not _transient(error):
                    raise
                if not self._down:
                    self._down = True
                    self._say(_lost(error, self._delay))
                try:
                    with self._interruptible_work():
                        self._pause(self._delay)
                except Stopped:
                    break
                self._delay = min(self._delay * 2, RETRY_UP_TO)
        self._say(Followed(event="stopped", position=self._final_position()))
        return self._position

    def _follow_polling(self) -> None:
        views = self.record.views
        while not self._stopping:
            if views.lag():
                self._catch_up()
            else:
                self._back()
                self._pause(self._interval)

    def _follow_notifications(self) -> None:
        self._catch_up()  # first: the subscription need not read the backlog
        self._position = min(self.record.views.positions().values())
        self._woken.clear()
        trouble: list[BaseException] = []
        with self._uninterrupted():  # its threads must be stopped on leaving
            subscription = self.record.recorder.subscribe(gt=self._position)
            subscription.__enter__()
        try:
            with self._uninterrupted():
                threading.Thread(
                    target=self._drain, args=(subscription, trouble), daemon=True
                ).start()
            self._back()
            settle = time.monotonic() + SETTLE
            while not self._stopping:
                woken = self._woken.wait(TICK)
                if self._stopping:
                    break
                if woken:
                    self._woken.clear()
                    if trouble:
                        raise trouble[0]
                    self._catch_up()
                elif settle and time.monotonic() >= settle:
                    settle = 0
                    self._catch_up()
        finally:
            with self._uninterrupted():
                subscription.__exit__(None, None, None)

    def _drain(
        self, subscription: Subscription[Any], trouble: list[BaseException]
    ) -> None:
        """In a thread of its own: wake the follower for each notification."""
        try:
            for _ in subscription:
                self._woken.set()
            trouble.append(ConnectionEnded("the store's notifications ended"))
        except BaseException as error:  # the listening connection broke
            trouble.append(error)
        finally:
            self._woken.set()

    def _catch_up(self) -> None:
        """Apply what the views lag by: a line per batch, or a bar when far
        behind and a line at the end."""
        from timeline.catchup import catch_up

        lag = self.record.views.lag()
        if not lag:
            return
        self._back()
        bar = self._progress_bar("Updating views", lag) if self._progress_bar else None
        with bar or nullcontext() as progress:
            if progress is None:
                catch_up(self.record, self._applied)
                return
            read = catch_up(self.record, progress)
        self._applied(read)

    def _applied(self, count: int) -> None:
        self._position = min(self.record.views.positions().values())
        self._say(Followed(event="applied", events=count, position=self._position))

    def _back(self) -> None:
        """The store answered: say so if it had not."""
        if self._down:
            self._down = False
            self._delay = RETRY_FROM
            self._position = min(self.record.views.positions().values())
            self._say(Followed(event="back", position=self._position))

    def _pause(self, seconds: float) -> None:
        """Sleep, waking at once when stopped."""
        self._woken.clear()
        end = time.monotonic() + seconds
        while not self._stopping and (left := end - time.monotonic()) > 0:
            self._woken.wait(min(left, TICK))

    def _final_position(self) -> int:
        """The views' position as the follower stops; the last one known if
        the store does not answer."""
        if not self._down:
            with suppress(Exception):  # stopping: the last known will do
                self._position = min(self.record.views.positions().values())
        return self._position


def _transient(error: BaseException) -> bool:
    """Whether trying again later may succeed: a lost or refused connection,
    a busy store, or views other processes kept moving."""
    if isinstance(error, ConcurrencyConflict | ConnectionEnded):
        return True
    names = {kind.__name__ for kind in type(error).__mro__}
    return bool(names & {"OperationalError", "InterfaceError", "PoolTimeout"})


def _lost(error: BaseException, delay: float) -> Followed:
    text = str(error).strip().splitlines()
    return Followed(
        event="lost",
        error=text[0] if text else type(error).__name__,
        retry_in=delay,
    )
