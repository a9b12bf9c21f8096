"""How one talks relates to another: the relations a link may name.

Minsk II *supersedes* the Minsk Protocol; a round is *part of* a process; a
meeting *follows* the one before it. A link is recorded on the talks it
starts from and read from both ends, each under its own name.
"""

from __future__ import annotations

from typing import Literal, get_args

from events.errors import InvalidInput, excerpt

Relation = Literal["follows", "supersedes", "part-of", "related"]
RELATIONS: tuple[Relation, ...] = get_args(Relation)

INVERSE: dict[Relation, str] = {
    "follows": "followed by",
    "supersedes": "superseded by",
    "part-of": "has part",
    "related": "related",
}
"""What a relation is called read from the talks it points to."""


def as_relation(value: str) -> Relation:
    for known in RELATIONS:
        if value == known:
            return known
    raise InvalidInput(
        f"relation {excerpt(value)} must be one of: {', '.join(RELATIONS)}"
    )
