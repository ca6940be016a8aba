"""Dates and times in the API: ISO 8601 like strawberry's own scalars, between 1900 and 2199.

A far date (year 1 or 9999) is well-formed ISO but no record here can hold it, and shifting it
by a time zone or a day overflows Python's calendar; it is refused as input instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

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


# Handed to the schema's ``StrawberryConfig.scalar_map`` with the money scalars.
SCALARS: dict[object, ScalarDefinition] = {
    dt.date: _bounded(DateDefinition),
    dt.datetime: _bounded(DateTimeDefinition),
}
