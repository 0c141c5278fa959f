"""An establishment's own date and time: each school has its time zone (``timezone``, e.g. "Europe/Paris"),
and its day (the meal price in force, the forecast's today, a history's months) is the day there.

The functions take anything with a ``timezone`` attribute (an ``Establishment``): this floor imports no app.
A school without one is on the project's ``TIME_ZONE``.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(name: str) -> ZoneInfo:
    """The time zone of that name; the project's for an empty one."""
    return _zone(name or settings.TIME_ZONE)


def zone_of(establishment) -> ZoneInfo:
    return zone(establishment.timezone)


def today_in(zone_name: str) -> datetime.date:
    """The date it is now in the time zone of that name (the project's for an empty one)."""
    return timezone.localdate(timezone=zone(zone_name))


def today_at(establishment) -> datetime.date:
    """The date it is now at the school."""
    return today_in(establishment.timezone)


def local(moment: datetime.datetime, establishment) -> datetime.datetime:
    """``moment`` on the school's clock."""
    return timezone.localtime(moment, zone_of(establishment))


def midnight(day: datetime.date, establishment) -> datetime.datetime:
    """The start of ``day`` at the school."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone_of(establishment))
