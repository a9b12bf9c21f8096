"""A real ``timeline serve`` on loopback, for the tests of the service: the
installed command in its own process, on a free port, over the test's store.

    def test_something(server: Server) -> None:
        answer = server.get("/v1/talks", token=server.tokens["reader"])
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support import TIMELINE, installed

ROLES = ("reader", "analyst", "admin")


class Server:
    """A server process and what its tests need: its base URL, a token of
    each role (named after the role), and a client."""

    def __init__(self, process: subprocess.Popen[str], url: str, log: Path,
                 tokens: dict[str, str]) -> None:  # fmt: skip
        self.process = process
        self.url = url
        self.log = log
        self.tokens = tokens
        self.client = httpx.Client(base_url=url, timeout=30)

    def request(self, method: str, path: str, token: str | None = None,
                **kwargs: Any) -> httpx.Response:  # fmt: skip
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, token, **kwargs)

    def post(
        self, path: str, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        return self.request("POST", path, token, **kwargs)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Signal the server and wait for it to end; its exit status."""
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_tokens(env: dict[str, str]) -> dict[str, str]:
    """A token of each role, named after it, made with the installed command."""
    tokens = {}
    for role in ROLES:
        made = installed("token", "create", role, "--role", role, "--json", env=env)
        assert made.returncode == 0, made.stderr
        tokens[role] = json.loads(made.stdout)["token"]
    return tokens


@contextmanager
def serving(tmp_path: Path, *args: str, tokens: bool = True,
            env: dict[str, str] | None = None) -> Iterator[Server]:  # fmt: skip
    """``timeline serve`` over the store ``TIMELINE_DB`` names, until the
    block ends (then SIGTERM); ``args`` go to ``serve``."""
    env = dict(env or os.environ)
    made = make_tokens(env) if tokens else {}
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(TIMELINE), "serve", "--port", str(port), "--log-level", "warning",
             *args],
            env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    server = Server(process, f"http://127.0.0.1:{port}", log, made)
    try:
        _wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            server.stop()
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_ready(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"the server ended: {server.log.read_text()}")
        try:
            if server.client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"the server never got ready: {server.log.read_text()}")
