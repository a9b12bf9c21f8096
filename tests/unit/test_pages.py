"""The live page listens for every type of event the store can hold, in a
fresh process too, whatever was imported before the page."""

from __future__ import annotations

import subprocess
import sys


def test_the_page_listens_for_every_event_type_in_a_fresh_process() -> None:
    code = (
        "from timeline.server.pages import event_types\n"
        "print(' '.join(event_types()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [
        "ActorRegistered", "AgendaItemAdded", "DevelopmentRecorded", "EntryAmended",
        "EntryRetracted", "MotivationRecorded", "RecommendationAdded",
        "ScenarioAdded", "ScenarioAssessed", "StanceRecorded", "TalksLinked",
        "TalksOpened",
    ]  # fmt: skip
