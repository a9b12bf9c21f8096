"""The snapshot as one JSON document, described by ``timeline schema snapshot``.

Keys keep the views' order and lists their recorded order, so the same
snapshot always gives the same bytes. The recorded text is carried exactly;
DEL, the C1 controls, U+2028, U+2029 and the bidirectional controls are
written as ``\\uXXXX`` escapes (JSON escapes the C0 controls already), which
parse to the very same text (:func:`timeline.exporters.inert.json_text`).
"""

from __future__ import annotations

from projections.snapshot import Snapshot
from timeline.exporters.inert import json_text


def render_json(snapshot: Snapshot) -> str:
    return json_text(snapshot) + "\n"
