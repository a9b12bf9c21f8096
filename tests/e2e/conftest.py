"""Fixtures shared by the end-to-end tests: the demo talks, recorded by the
CLI, and a headless Chromium for the browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import Result

from tests.browser import chromium
from tests.support import ok


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module (each test has its own context)."""
    executable = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        if os.environ.get("TIMELINE_REQUIRE_BROWSER"):
            pytest.fail("playwright is required here (TIMELINE_REQUIRE_BROWSER)")
        pytest.skip("the Python package playwright is not installed")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=executable, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def demo_printout() -> Result:
    """The demo talks recorded: the result of the ``timeline demo`` that did it."""
    return ok("demo")


@pytest.fixture
def demo(store: str, demo_printout: Result) -> str:
    """The demo talks recorded, and the views caught up by its printout: the
    store's location."""
    return store
