"""Money in the API: ``Fen``, whole fen (分) as a JSON integer beyond GraphQL's 32-bit Int.

A community's fund or a period's income can exceed 21,474,836.47 元, the most an ``Int``
holds in fen; ``Fen`` is exact at any size and never a float. Decimals (prices, rates) are
written plain, never in exponent form: a zero rate to 10 places is "0.0000000000", not
"0E-10".
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import NewType

import strawberry
from strawberry.schema.types.base_scalars import DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

Fen = NewType("Fen", int)


def _parse_fen(value: object) -> Fen:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("an amount in fen is a whole number")
    return Fen(value)


# Handed to the schema's ``StrawberryConfig.scalar_map``.
SCALARS: dict[object, ScalarDefinition] = {
    Fen: strawberry.scalar(
        name="Fen",
        description="An amount in whole fen (分, 1/100 元): a JSON integer, may exceed 32 bits",
        serialize=int,
        parse_value=_parse_fen,
    ),
    Decimal: dataclasses.replace(DecimalDefinition, serialize=lambda value: format(value, "f")),
}
