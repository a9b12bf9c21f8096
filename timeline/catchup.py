"""Keeping the views up: catching up, in worker processes when far behind,
and rebuilding.

Catching up reads the stored events each view has not applied, decoded by
the application's mapper, and applies them (:mod:`projections.catchup`).
Far behind, each group of views is caught up by a process of its own, so
their work runs on separate cores.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from timeline.application import DiplomaticRecord, OpenedWith

PARALLEL_FROM = 50_000
"""Events the views must lag by before a second process is worth starting."""

Progress = Callable[[int], None]
"""Told how many more events were applied."""


def catch_up(
    record: DiplomaticRecord,
    progress: Progress | None = None,
    names: Collection[str] | None = None,
) -> int:
    """Apply new events to the views (of ``names``, default all); return
    how many events were read. Views that lag by PARALLEL_FROM events or
    more are caught up by a worker process per group of views."""
    from projections.catchup import catch_up as apply_new

    views = record.views
    chosen = list(names or views.names())
    groups = views.replay_groups(chosen)
    positions = views.positions()
    lag = views.head() - min(positions[name] for name in chosen)
    if len(groups) > 1 and usable_cores() > 1 and lag >= PARALLEL_FROM:
        return _side_by_side(record, groups, progress)
    return apply_new(views, record.read_records, names=chosen, progress=progress)


def rebuild(
    record: DiplomaticRecord, names: Iterable[str], progress: Progress | None = None
) -> int:
    """Empty the named views and replay every event into them."""
    chosen = list(names)
    record.views.reset(chosen)
    return catch_up(record, progress, chosen)


def _side_by_side(
    record: DiplomaticRecord, groups: list[list[str]], progress: Progress | None
) -> int:
    """Each group of views caught up by a process of its own; they take
    turns at the store's write lock. Progress follows the furthest-behind
    view. If a worker fails, or this process is interrupted, the workers are
    stopped: a worker stopped mid-batch writes nothing of it. If this
    process is killed, the workers die with it (see :func:`_die_with`).

    Plain processes, each answering through a pipe of its own: a pool's
    queues hold named semaphores, which a killed parent leaves behind (and
    the resource tracker then warns about), and a pool starts a new worker
    for one that died instead of reporting it."""
    import multiprocessing
    from multiprocessing.connection import wait

    names = [name for group in groups for name in group]

    def reached() -> int:
        positions = record.views.positions()
        return min(positions[name] for name in names)

    shown = reached()
    context = multiprocessing.get_context("spawn")  # no copied connections
    workers: list[tuple[Connection, BaseProcess, list[str]]] = []
    read = 0
    try:
        for group in groups:
            answers, answer = context.Pipe(duplex=False)
            process = context.Process(
                target=_catch_up_alone,
                args=(answer, os.getpid(), record.opened_with, group),
                name=f"catch-up {', '.join(group)}",
                daemon=True,
            )
            process.start()  # by this thread, which outlives it (see _die_with)
            answer.close()  # the worker's end: once it exits, ours reads EOF
            workers.append((answers, process, group))
        left = list(workers)
        while left:
            ready = wait([answers for answers, _, _ in left], timeout=0.2)
            for job in [job for job in left if job[0] in ready]:
                left.remove(job)
                read = max(read, _answer(*job))  # raises a worker's error
            if progress:
                now = reached()
                progress(now - shown)
                shown = now
    finally:  # done, failed or interrupted: none is left running
        for _, worker, _ in workers:
            if worker.is_alive():
                worker.terminate()
        for answers, worker, _ in workers:
            worker.join()
            answers.close()
    if progress:
        progress(reached() - shown)
    return read


class WorkerTraceback(Exception):
    """Where a worker's error was raised, in that worker: the cause of the
    error as this process raises it again."""


def _answer(answers: Connection, worker: BaseProcess, group: list[str]) -> int:
    """The events a worker read, or its error raised again here."""
    try:
        succeeded, value, where = answers.recv()
    except EOFError:  # it ended without answering
        worker.join()
        raise RuntimeError(
            f"the process catching up {', '.join(group)} ended"
            f" with exit code {worker.exitcode}"
        ) from None
    if succeeded:
        return int(value)
    raise value from WorkerTraceback(where)


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _catch_up_alone(
    answer: Connection, parent: int, opened_with: OpenedWith, names: list[str]
) -> None:
    """In a process of its own: catch the named views up; answer how many
    events were read, or the error (and its traceback) that stopped it."""
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops us
    try:
        from timeline.application import DiplomaticRecord

        record = DiplomaticRecord(*opened_with)
        try:
            read = catch_up(record, names=names)
        finally:
            record.close()
    except Exception as error:
        import traceback

        where = "".join(traceback.format_exception(error))
        try:
            answer.send((False, error, where))
        except Exception:  # it does not pickle: its type and message instead
            answer.send(
                (False, RuntimeError(f"{type(error).__name__}: {error}"), where)
            )
    else:
        answer.send((True, read, ""))
    finally:
        answer.close()


PR_SET_PDEATHSIG = 1
"""Linux's prctl(2) option: the signal this process gets when its parent dies."""


def _die_with(parent: int) -> None:
    """End this process as soon as the process ``parent`` dies.

    On Linux the kernel sends SIGKILL when the thread that started this
    process ends: the thread of :func:`_side_by_side`, which lives until its
    workers have ended. A parent that died before the prctl is caught by
    comparing the parent's pid. Elsewhere, a thread polls the parent's pid."""
    if sys.platform == "linux":
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
        prctl.argtypes = [ctypes.c_int, *[ctypes.c_ulong] * 4]
        if prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # it died before the prctl
                os.kill(os.getpid(), signal.SIGKILL)
            return
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.1)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="parent watch", daemon=True).start()
