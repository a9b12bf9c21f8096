"""The two clocks as users write them on the command line.

Record time (``--as-of``, ``--from``, ``--to``) is when something was
recorded: an ISO 8601 time, or a bare date meaning the end of that day (UTC).
Valid time (``--at``, ``--since``, ``--until``) is when something happened in
the world: a date of any form the record accepts (``2024``, ``2024-07-23``,
``201X``, ``2024-21``, ``2024-07-23T10:00Z``), or an interval with two known
sides (``2024-07/2024-09``). Both are turned into the text the views keep,
which sorts as it compares.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from events.errors import InvalidInput, excerpt
from events.values import PartialDate


def record_time(text: str, option: str, now: datetime) -> str:
    """``text`` as RFC 3339 UTC with microseconds; a bare date is the end of
    that day (UTC), or now if that day is today."""
    value = text.strip()
    try:
        day = date.fromisoformat(value)  # also 20240301 and 2024-W10-1
    except ValueError:
        day = None
    try:
        if day is not None:
            moment = datetime.combine(day, time.max, UTC)
            if day == now.date():
                moment = now  # today: as far as the record goes
        else:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)  # a time without a zone is UTC
        return stored_time(moment)
    except ValueError:
        raise InvalidInput(
            f"{option} {text!r} must be an ISO 8601 time such as "
            "2024-03-01T12:00:00Z, or a date such as 2024-03-01"
        ) from None
    except OverflowError:
        raise InvalidInput(f"{option} {text!r} is beyond the calendar") from None


def stored_time(moment: datetime) -> str:
    """How the views keep record times: ``2024-03-01T12:00:00.000000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def valid_date(text: str, option: str) -> PartialDate:
    """``text`` as the date ``option`` reads by: ``--since`` its first day,
    ``--until`` and ``--at`` its last. An open or unknown side has no such day
    (it would read as the start or end of the calendar), so it is refused."""
    try:
        parsed = PartialDate.parse(text)
    except InvalidInput as error:
        raise InvalidInput(f"{option}: {error}") from None
    if not parsed.bounded:
        raise InvalidInput(
            f"{option}: date {excerpt(text.strip())} has an open or unknown side;"
            " give a date such as 2024-07 or an interval with both sides such as"
            " 2024-07/2024-09"
        )
    return parsed
