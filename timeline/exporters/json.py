"""The snapshot as one JSON document, described by ``timeline schema snapshot``.

Keys keep the views' order and lists their recorded order, so the same
snapshot always gives the same bytes.
"""

from __future__ import annotations

import orjson

from projections.snapshot import Snapshot


def render_json(snapshot: Snapshot) -> str:
    return orjson.dumps(snapshot, option=orjson.OPT_INDENT_2).decode() + "\n"
