"""Headless Chromium for the tests of pages: the DOM after scripts ran, and a
screenshot.

Chromium comes from Debian's ``chromium`` package, which ``.ci/run``
installs. Where it is missing, the browser tests are skipped with a reason
that says so, except under CI (``TIMELINE_REQUIRE_BROWSER=1``), where a
missing browser fails them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-extensions"]  # fmt: skip


def chromium() -> str:
    """The Chromium executable, or skip (fail under CI) without one."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("TIMELINE_REQUIRE_BROWSER"):
        pytest.fail("Chromium is required here (TIMELINE_REQUIRE_BROWSER) but absent")
    pytest.skip("Chromium is not installed (Debian package chromium)")


def dump_dom(page: Path, budget_ms: int = 5_000) -> str:
    """The page's DOM as HTML after its scripts ran for ``budget_ms`` of
    virtual time; no network is needed or allowed beyond file:// URLs."""
    result = subprocess.run(
        [chromium(), *FLAGS, f"--virtual-time-budget={budget_ms}", "--dump-dom",
         page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return result.stdout


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 1600) -> Path:
    """A PNG of the page's first ``width`` x ``height`` pixels."""
    subprocess.run(
        [chromium(), *FLAGS, f"--window-size={width},{height}",
         "--virtual-time-budget=5000", f"--screenshot={png}", page.resolve().as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    return png
