"""Running the application under uvicorn, in one process or several."""

from __future__ import annotations

import ipaddress
import signal
import sys
from types import FrameType

import uvicorn

APP = "timeline.server.app:from_environment"
GRACE = 10
"""Seconds requests in flight get to finish once the server is told to stop."""


def _stopped(number: int, frame: FrameType | None) -> None:
    sys.exit(0)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str, port: int, workers: int, log_level: str) -> None:
    """Serve until SIGINT or SIGTERM; requests in flight finish first. A
    stop asked for by a signal is a clean exit (status 0): uvicorn raises
    the signal again once it has stopped, and this handler takes it."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _stopped)
    uvicorn.run(
        APP, factory=True, host=host, port=port, workers=workers,
        log_level=log_level, timeout_graceful_shutdown=GRACE,
        server_header=False, proxy_headers=True,
    )  # fmt: skip
