"""Renderers of a snapshot into the formats readers use.

Each format is a function from a :class:`~projections.snapshot.Snapshot` to
text, in its own module, imported only when asked for (some need libraries
that other commands never load). ``jsonl`` is not here: it is the event log
itself, written by :meth:`timeline.application.Timeline.event_log`.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from projections.snapshot import Snapshot

Exporter = Callable[[Snapshot], str]

FORMATS: dict[str, str] = {
    "markdown": "timeline.exporters.markdown:render_markdown",
    "json": "timeline.exporters.json:render_json",
    "csv": "timeline.exporters.csv:render_csv",
    "html": "timeline.exporters.html:render_html",
    "timelinejs": "timeline.exporters.timelinejs:render_timelinejs",
    "ical": "timeline.exporters.ical:render_ical",
}
"""Each format's renderer, as ``module:function``."""


def exporter(format_name: str) -> Exporter:
    module, _, function = FORMATS[format_name].partition(":")
    render: Exporter = getattr(import_module(module), function)
    return render
