"""Dates and times in the API: ISO 8601 like strawberry's own scalars, between 1900 and 2199.

A DateTime is answered in the business time zone, Asia/Shanghai (+08:00), as the messages and
the business dates are: a time stored in UTC is converted here, once for every field.

A far date (year 1 or 9999) is well-formed ISO but no record here can hold it, and shifting it
by a time zone or a day overflows Python's calendar; it is refused as input instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from gongzhi.domain.business_time import BUSINESS_TZ

FIRST_YEAR, LAST_YEAR = 1900, 2199


def _bounded(definition: ScalarDefinition) -> ScalarDefinition:
    """Strawberry's scalar, refusing a parsed value whose year is out of range."""
    parse = definition.parse_value
    assert parse is not None

    def parse_in_range(value: object) -> object:
        parsed = parse(value)
        if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
            raise StrawberryInputCoercionError(
                f'Value cannot represent a {definition.name}: "{value}". '
                f"The year must be between {FIRST_YEAR} and {LAST_YEAR}."
            )
        return parsed

    return dataclasses.replace(definition, parse_value=parse_in_range)


def _in_business_time(value: dt.datetime) -> str:
    aware = value.utcoffset() is not None
    return (value.astimezone(BUSINESS_TZ) if aware else value).isoformat()


DATETIME = dataclasses.replace(
    _bounded(DateTimeDefinition),
    description="Date with time (ISO 8601); answered in Asia/Shanghai (+08:00), any offset "
    "accepted",
    serialize=_in_business_time,
)

# Handed to the schema's ``StrawberryConfig.scalar_map`` with the money scalars.
SCALARS: dict[object, ScalarDefinition] = {
    dt.date: _bounded(DateDefinition),
    dt.datetime: DATETIME,
}
