"""Every export names the heads it reflects, with the command as installed:
the store's head (``POSITION:HASH``, what ``timeline verify`` prints) and
each talks' head (``VERSION:HASH``, what ``timeline verify SLUG`` prints),
beside the position; a signature holds the store's head, which ``verify
--head`` then checks the store against, on both backends."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.support import installed


def env(store: str, tmp_path: Path) -> dict[str, str]:
    found = {**os.environ, "TIMELINE_DB": store,
             "TIMELINE_KEY_DIR": str(tmp_path / "keys")}  # fmt: skip
    found.pop("TIMELINE_CIPHER_KEY", None)
    return found


def ok(environment: dict[str, str], *args: str) -> str:
    done = installed(*args, env=environment)
    assert done.returncode == 0, (args, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stdout


def heads(environment: dict[str, str]) -> tuple[str, str]:
    """The store's head and the demo talks' head, as ``verify`` gives them."""
    store = json.loads(ok(environment, "verify", "--json"))["head"]
    talks = json.loads(ok(environment, "verify", "beijing-talks", "--json"))["head"]
    return store, talks


def test_every_export_names_the_heads_verify_gives(store: str, tmp_path: Path) -> None:
    environment = env(store, tmp_path)
    ok(environment, "demo")
    store_head, talks_head = heads(environment)
    position = store_head.partition(":")[0]

    snapshot = json.loads(ok(environment, "export", "--format", "json"))
    assert snapshot["position"] == int(position)
    assert snapshot["head"] == store_head
    assert snapshot["heads"] == {"beijing-talks": talks_head}

    brief = ok(environment, "export", "beijing-talks", "--format", "markdown")
    assert brief.splitlines()[0].endswith(f"; store head `{store_head}`.*")
    assert f"; head `{talks_head}`." in brief
    assert f"Store head <code>{store_head}</code>" in ok(
        environment, "export", "--format", "html"
    )
    calendar = ok(environment, "export", "--format", "ical")
    assert f"X-TIMELINE-HEAD:{store_head}" in calendar.replace("\n ", "")  # unfolded
    assert f"Store head: {store_head}." in ok(
        environment, "export", "--format", "timelinejs"
    )


def test_a_signature_holds_the_head_which_verify_checks_later(
    store: str, tmp_path: Path
) -> None:
    environment = env(store, tmp_path)
    ok(environment, "key", "create")
    ok(environment, "demo")
    brief = tmp_path / "brief.md"
    ok(environment, "export", "beijing-talks", "-o", str(brief), "--sign")
    signed = json.loads(Path(f"{brief}.sig").read_text())
    store_head, _ = heads(environment)
    assert signed["head"] == store_head
    assert signed["position"] == int(store_head.partition(":")[0])
    checked = json.loads(ok(environment, "verify-export", str(brief), "--json"))
    assert checked["head"] == store_head

    # Later entries change the store's head, not what the signed one fixed.
    ok(environment, "develop", "beijing-talks", "--on", "2024-08", "Second round")
    assert heads(environment)[0] != store_head
    ok(environment, "verify", "--head", store_head)


def test_an_export_as_of_names_the_heads_of_then(store: str, tmp_path: Path) -> None:
    environment = env(store, tmp_path)
    ok(environment, "demo")
    then_head, then_talks = heads(environment)
    then = json.loads(ok(environment, "history", "beijing-talks", "--json"))[-1]
    ok(environment, "develop", "beijing-talks", "--on", "2024-08", "Second round")

    snapshot = json.loads(
        ok(environment, "export", "--format", "json", "--as-of", then["recorded_at"])
    )
    assert snapshot["head"] == then_head
    assert snapshot["heads"] == {"beijing-talks": then_talks}
