"""业务日期 the business calendar: every business date is a day in Asia/Shanghai.

A moment is stored in UTC, but a vote closed at 04:46 on 5 December in Shanghai was made on
5 December, which is 4 December in UTC: every date a rule derives from a moment (a decision
made, a challenge or filing period, a bill's due date) is taken here, never from ``.date()``
of a UTC time.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from gongzhi.domain.errors import InvalidValue

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def business_date(moment: datetime, field: str = "at") -> date:
    """The day in Asia/Shanghai on which ``moment`` falls; a naive time is refused, as its
    day cannot be known."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(field, "must include a time zone, e.g. 2024-06-01T09:30:00+08:00")
    return moment.astimezone(BUSINESS_TZ).date()
