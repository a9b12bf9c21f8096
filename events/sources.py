"""Sources: what entries cite, each graded for reliability (A-F).

A source is a record of its own, named by a key (``un-report``). Its grade
may change later, with a reason, by a :class:`Source.Regraded` event: the
views grade an entry by the source's grade as it stood on the clocks a
query reads by (see :mod:`events.grades`).
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from events.base import (
    TOPIC_PREFIX,
    RecordedAggregate,
    ValidDate,
    register_event_topics,
    stable_id,
)
from events.errors import InvalidInput
from events.grades import RELIABILITY, UNJUDGED_RELIABILITY, as_reliability
from events.values import PartialDate, as_slug, optional_text, required_text


class Source(RecordedAggregate):
    """A source entries cite: an article, a report, a statement."""

    Event = RecordedAggregate.Event  # so the library defines no subclasses (Talks)
    Created = RecordedAggregate.Created

    class Added(RecordedAggregate.Created):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "SourceAdded"
        key: str
        title: str
        publisher: str | None
        url: str | None
        published: ValidDate | None
        reliability: str
        note: str | None

        def apply(self, source: Source) -> None:
            source.key, source.reliability = self.key, self.reliability

    class Regraded(RecordedAggregate.Event):
        """The source's reliability is judged anew, from ``on`` (in the world)."""

        TOPIC: ClassVar[str] = TOPIC_PREFIX + "SourceRegraded"
        reliability: str
        reason: str
        on: ValidDate | None

        def apply(self, source: Source) -> None:
            source.reliability = self.reliability

    @staticmethod
    def create_id(key: str) -> UUID:
        return source_id(key)

    @classmethod
    def add(
        cls, key: str, title: str, recorded_by: str, *, publisher: str | None = None,
        url: str | None = None, published: PartialDate | None = None,
        reliability: str = UNJUDGED_RELIABILITY, note: str | None = None,
    ) -> Source:  # fmt: skip
        return cls._create(
            cls.Added,
            key=as_slug(key, "source key"),
            title=required_text(title, "title"),
            publisher=optional_text(publisher, "publisher"),
            url=optional_text(url, "source"),
            published=published,
            reliability=as_reliability(reliability),
            note=optional_text(note, "note"),
            recorded_by=recorded_by,
        )

    def regrade(
        self, reliability: str, reason: str, recorded_by: str, *,
        on: PartialDate | None = None,
    ) -> None:  # fmt: skip
        grade = as_reliability(reliability)
        if grade == self.reliability:
            raise InvalidInput(
                f"nothing would change: source {self.key!r} is graded"
                f" {grade} ({RELIABILITY[grade]}) already"
            )
        self.trigger_event(
            self.Regraded,
            reliability=grade,
            reason=required_text(reason, "reason"),
            on=on,
            recorded_by=recorded_by,
        )

    def __init__(self) -> None:
        self.key = ""
        self.reliability = UNJUDGED_RELIABILITY


def source_id(key: str) -> UUID:
    return stable_id("source", key)


register_event_topics(Source)
