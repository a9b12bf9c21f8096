"""``GET /metrics``: the server's figures in Prometheus' text format.

Requests by route and status, their latency, events recorded through this
process, and the views' lag read from the store at each scrape. Each worker
process counts its own requests (a scrape reaches one of them; its ``pid``
label tells which).
"""

from __future__ import annotations

import os
import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REGISTRY = CollectorRegistry()
PID = str(os.getpid())
REQUESTS = Counter(
    "timeline_http_requests",
    "HTTP requests answered, by route and status.",
    ["method", "route", "status", "pid"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "timeline_http_request_seconds",
    "Time to answer an HTTP request, by route.",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)
RECORDED_BY_PID = Counter(
    "timeline_events_recorded",
    "Writes recorded through the API by this process.",
    ["pid"],
    registry=REGISTRY,
)
RECORDED = RECORDED_BY_PID.labels(PID)
LAG = Gauge(
    "timeline_view_lag_events",
    "Events stored that a view has not applied yet.",
    ["view"],
    registry=REGISTRY,
)


class Measured:
    """Counts and times each request under its route's template (not its path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            LATENCY.labels(method, route).observe(time.perf_counter() - started)
            REQUESTS.labels(method, route, str(status), PID).inc()


def exposition(lags: dict[str, int]) -> bytes:
    for view, lag in lags.items():
        LAG.labels(view).set(lag)
    return generate_latest(REGISTRY)
