"""Fixtures shared by the end-to-end tests: the demo talks, recorded by the CLI."""

from __future__ import annotations

import pytest
from click.testing import Result

from tests.support import ok


@pytest.fixture
def demo_printout() -> Result:
    """The demo talks recorded: the result of the ``timeline demo`` that did it."""
    return ok("demo")


@pytest.fixture
def demo(store: str, demo_printout: Result) -> str:
    """The demo talks recorded, and the views caught up by its printout: the
    store's location."""
    return store
