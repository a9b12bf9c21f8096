"""Tags: the words an analyst files entries under (``ceasefire``, ``prisoners``).

A tag is one lowercase word of letters and digits in any script, words
joined by single hyphens (``grain-deal``): written one way only, so that
``events --tag`` finds every entry filed under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from events.errors import InvalidInput, excerpt
from events.policy import MAX_ITEMS

TAG = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
TAG_LIMIT = 100
"""Characters at most of one tag."""


def as_tag(value: str) -> str:
    """``value`` if it is a tag: one lowercase word, or words joined by hyphens."""
    if not TAG.fullmatch(value) or value != value.lower() or len(value) > TAG_LIMIT:
        raise InvalidInput(
            f"tag {excerpt(value)} must be one lowercase word, or words joined by"
            f" hyphens, of at most {TAG_LIMIT} characters, like 'ceasefire' or"
            " 'grain-deal'"
        )
    return value


def as_tags(values: Iterable[str]) -> list[str]:
    """Each tag checked, each kept once, in the order given; a single empty
    value (an amendment's way of clearing them) is no tag at all."""
    given = [values] if isinstance(values, str) else list(values)
    if not given or given == [""]:
        return []
    if len(given) > MAX_ITEMS:
        raise InvalidInput(
            f"{len(given):,} tags given; at most {MAX_ITEMS:,} are allowed"
        )
    return list(dict.fromkeys(as_tag(value) for value in given))
