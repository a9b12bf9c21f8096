"""The pages of ``timeline serve`` in a real browser (headless Chromium),
through a real server on the test's store: signing in with a token, the
read-only session cookie it makes, the talks page that updates itself from
the live stream, and a revoked token ending its sessions."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.serving import Server, serving
from tests.support import installed

DEMO = "beijing-talks"
TITLE = "China and Ukraine Forge Diplomatic Dialogue Amid Ongoing Russian Aggression"
LIVE_MS = 2_000
"""How soon what is recorded must show on an open page."""


@pytest.fixture
def server(demo: str, tmp_path: Path) -> Iterator[Server]:
    """The installed ``timeline serve`` over the demo talks."""
    with serving(tmp_path) as running:
        yield running


@pytest.fixture
def context(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh browser profile (no cookie) aimed at the server; closed before
    the server stops, so that no live stream is left open."""
    made = browser.new_context(base_url=server.url)
    made.set_default_timeout(10_000)
    yield made
    made.close()


def where(page: Any) -> tuple[str, dict[str, list[str]]]:
    """The path and query of the page's URL."""
    parts = urlsplit(page.url)
    return parts.path, parse_qs(parts.query)


def sign_in(page: Any, token: str) -> None:
    """Type ``token`` into the sign-in form on screen and submit it."""
    page.get_by_label("Token").fill(token)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def session_cookies(context: Any) -> list[dict[str, Any]]:
    return [c for c in context.cookies() if c["name"] == "timeline_session"]


def events(server: Server) -> int:
    answer = server.get("/healthz")
    assert answer.status_code == 200, answer.text
    count: int = answer.json()["events"]
    return count


def fetch(page: Any, path: str, init: dict[str, Any] | None = None) -> Any:
    """``fetch(path, init)`` run by the page itself: its status and body."""
    return page.evaluate(
        """async ([path, init]) => {
             const answer = await fetch(path, init);
             return {status: answer.status, body: await answer.text()};
           }""",
        [path, init or {}],
    )


# -- signing in ---------------------------------------------------------------


def test_pages_need_signing_in_and_a_wrong_token_makes_no_cookie(
    server: Server, context: Any
) -> None:
    page = context.new_page()
    for asked in ("/", f"/talks/{DEMO}"):
        page.goto(asked)
        assert where(page) == ("/signin", {"next": [asked]})
        assert page.get_by_label("Token").is_visible()
        assert TITLE not in page.content()

    sign_in(page, server.tokens["reader"] + "x")
    path, query = where(page)
    assert (path, query["next"]) == ("/signin", [f"/talks/{DEMO}"])
    assert page.get_by_role("alert").inner_text() == (
        "That token is unknown or revoked."
    )
    assert context.cookies() == []
    sign_in(page, "tl_not-a-token-at-all")
    assert page.get_by_role("alert").is_visible()
    assert context.cookies() == []

    # the form it came back with still knows where to go: to the talks asked for
    sign_in(page, server.tokens["reader"])
    assert where(page) == (f"/talks/{DEMO}", {})
    assert len(session_cookies(context)) == 1


def test_signing_in_at_home_lands_on_the_list_of_talks(
    server: Server, context: Any
) -> None:
    page = context.new_page()
    page.goto("/")
    sign_in(page, server.tokens["reader"])
    assert where(page) == ("/", {})
    link = page.get_by_role("link", name=TITLE)
    assert link.get_attribute("href") == f"/talks/{DEMO}"
    with page.expect_navigation():
        link.click()
    assert where(page) == (f"/talks/{DEMO}", {})


def test_signing_out_ends_the_session_and_an_unknown_talks_is_a_page(
    server: Server, context: Any
) -> None:
    page = context.new_page()
    page.goto(f"/talks/{DEMO}")
    sign_in(page, server.tokens["reader"])
    missing = page.goto("/talks/no-such-talks")
    assert missing is not None
    assert missing.status == 404
    assert page.get_by_role("heading", name="No talks 'no-such-talks'").is_visible()
    page.goto(f"/talks/{DEMO}")
    page.get_by_role("link", name="All talks").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert where(page) == ("/signin", {})
    assert session_cookies(context) == []
    page.goto(f"/talks/{DEMO}")
    assert where(page) == ("/signin", {"next": [f"/talks/{DEMO}"]})
    # the token itself still signs in
    sign_in(page, server.tokens["reader"])
    assert where(page) == (f"/talks/{DEMO}", {})


# -- the live page, the read-only cookie, revocation --------------------------


def test_live_page_read_only_session_and_revocation(
    server: Server, context: Any, tmp_path: Path
) -> None:
    page = context.new_page()
    page.goto(f"/talks/{DEMO}")
    sign_in(page, server.tokens["reader"])
    assert where(page) == (f"/talks/{DEMO}", {})

    # the cookie: HttpOnly, SameSite=Strict, out of the page's scripts' reach
    (cookie,) = session_cookies(context)
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/"
    assert "timeline_session" not in page.evaluate("document.cookie")
    assert cookie["value"] not in page.evaluate("document.cookie")

    # the demo has no dated entry yet: no drawn timeline, no developments
    assert page.locator("svg.chart").count() == 0
    assert page.locator("p.empty").is_visible()
    assert page.get_by_role("heading", name="Developments").count() == 0

    # recorded through the API: shown within LIVE_MS, without a reload
    page.evaluate("window.__marker = 1")
    analyst = server.tokens["analyst"]
    text = "Envoys agree to a prisoner exchange (live-page check)"
    answer = server.post(
        f"/v1/talks/{DEMO}/developments",
        token=analyst,
        json={"text": text, "on": "2024-07-24"},
    )
    assert answer.status_code == 201, answer.text
    entry = answer.json()["entry"]
    assert entry.startswith("development:")
    talks = page.locator(f"section#talks-{DEMO}")
    talks.locator("tbody td", has_text=text).wait_for(timeout=LIVE_MS)
    mark = page.locator(f'svg.chart .mark[data-ref="{entry}"]')
    mark.wait_for(timeout=LIVE_MS)
    assert mark.get_attribute("data-date") == "2024-07-24"
    assert mark.get_attribute("data-talks") == DEMO
    assert text in mark.locator("title").text_content()
    assert page.get_by_role("heading", name="Developments").is_visible()
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    assert where(page) == (f"/talks/{DEMO}", {})
    page.screenshot(path=str(tmp_path / "live-page.png"), full_page=True)

    # and again: the page keeps listening after it swapped its body
    second = "Second round set for September (live-page check)"
    answer = server.post(
        f"/v1/talks/{DEMO}/developments",
        token=analyst,
        json={"text": second, "on": "2024-09"},
    )
    assert answer.status_code == 201, answer.text
    talks.locator("tbody td", has_text=second).wait_for(timeout=LIVE_MS)
    later = answer.json()["entry"]
    page.locator(f'svg.chart .mark[data-ref="{later}"]').wait_for(timeout=LIVE_MS)
    assert page.locator("svg.chart .mark").count() == 2
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"

    # the cookie reads, but cannot write, whatever the page's scripts try
    listed = fetch(page, "/v1/talks")
    assert listed["status"] == 200, listed
    assert DEMO in [row["slug"] for row in json.loads(listed["body"])]
    before = events(server)
    refused = fetch(
        page,
        f"/v1/talks/{DEMO}/developments",
        {
            "method": "POST",
            "headers": {"content-type": "application/json"},
            "body": json.dumps({"text": "x", "on": "2024"}),
        },
    )
    assert refused["status"] in (401, 403), refused
    assert events(server) == before
    shown = server.get(f"/v1/talks/{DEMO}", token=server.tokens["reader"])
    assert shown.status_code == 200, shown.text
    assert '"x"' not in shown.text

    # revoking its token ends the session: a reload asks to sign in again
    revoked = installed("token", "revoke", "reader", env=dict(os.environ))
    assert revoked.returncode == 0, revoked.stderr
    page.reload()
    assert where(page) == ("/signin", {"next": [f"/talks/{DEMO}"]})
    assert page.get_by_label("Token").is_visible()
    assert fetch(page, "/v1/talks")["status"] == 401


def test_revoking_the_token_ends_a_live_stream_already_open(
    server: Server, context: Any
) -> None:
    page = context.new_page()
    page.goto("/")
    sign_in(page, server.tokens["reader"])
    # on the list of talks (which has no script of its own to go to sign in
    # again), a stream of the talks, as a talks page opens, keeping what it gets
    page.evaluate(
        """talks => new Promise((opened, failed) => {
             window.__seen = [];
             const source = new EventSource(
               "/v1/stream?talks=" + encodeURIComponent(talks));
             source.addEventListener("DevelopmentRecorded",
               (event) => window.__seen.push(event.data));
             source.onopen = () => opened();
             source.onerror = () => failed(new Error("the stream failed"));
             window.__source = source;
           })""",
        DEMO,
    )

    def record(text: str) -> None:
        answer = server.post(
            f"/v1/talks/{DEMO}/developments",
            token=server.tokens["analyst"],
            json={"text": text, "on": "2024-08"},
        )
        assert answer.status_code == 201, answer.text

    # while its token is active, the stream brings what is recorded
    record("Recorded while the reader's token was active")
    page.wait_for_function("window.__seen.length === 1", timeout=LIVE_MS)

    revoked = installed("token", "revoke", "reader", env=dict(os.environ))
    assert revoked.returncode == 0, revoked.stderr
    text = "Recorded after the reader's token was revoked"
    record(text)
    page.wait_for_timeout(LIVE_MS)
    seen = page.evaluate("window.__seen")
    assert not any(text in data for data in seen), "a revoked session still reads"
