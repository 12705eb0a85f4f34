"""Stand-in for the one pendulum call the DAG makes: a timezone-aware start date."""

from __future__ import annotations

from datetime import datetime as _datetime
from datetime import timezone
from zoneinfo import ZoneInfo


def datetime(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, tz: str = "UTC") -> _datetime:
    zone = timezone.utc if tz == "UTC" else ZoneInfo(tz)
    return _datetime(year, month, day, hour, minute, second, tzinfo=zone)
