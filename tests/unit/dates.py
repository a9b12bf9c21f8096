"""Dates as the record writes them, for the tests of dates and values."""

from __future__ import annotations

from datetime import date


def date_text(day: date, precision: str, qualifier: str = "") -> str:
    """``day`` to ``precision`` ("year", "month" or "day"), then ``qualifier``."""
    full = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    return full[: {"year": 4, "month": 7, "day": 10}[precision]] + qualifier
