"""Types of 抄表: the meter book, meters, reading rounds and readings."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from gongzhi.domain.meter import MeterKind, SharingMethod
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.money import Fen
from gongzhi.graphql.pagination import PageInfo


@strawberry.type(description="阶梯: consumption up to `upTo` (none: the rest) at `price` 元")
class MeterPriceTier:
    up_to: Decimal | None
    price: Decimal


@strawberry.type(description="计量单价 of a meter kind")
class MeterPrice:
    kind: MeterKind
    tiers: list[MeterPriceTier]


@strawberry.type(description="抄表轮次 of a month: OPEN until a billing run bills it")
class ReadingRound:
    period: str
    status: str = strawberry.field(description="OPEN or BILLED")
    billed_in: str | None = strawberry.field(description="The billing period that billed it")
    readings: int
    flagged: int


@strawberry.type(description="A community's meter book: its prices, sharing method, rounds")
class MeterBook:
    id: strawberry.ID = strawberry.field(
        description="The book's id: its history (every reading, correction and reason)"
    )
    community_id: strawberry.ID
    sharing_method: SharingMethod
    prices: list[MeterPrice]
    rounds: list[ReadingRound]


@strawberry.type(description="表: a unit's meter, or a common meter (no unit) serving units")
class Meter:
    id: strawberry.ID
    kind: MeterKind
    number: str
    multiplier: Decimal
    initial_reading: Decimal
    installed_in: str
    unit_id: strawberry.ID | None
    served_units: int = strawberry.field(description="A common meter's units (0 for a unit's)")
    replaces: strawberry.ID | None
    replaced_in: str | None
    replaced_by: strawberry.ID | None
    last_reading: Decimal | None = strawberry.field(
        description="上次读数: its latest reading (none read yet: null)"
    )
    last_read_in: str | None = strawberry.field(description="The round of its latest reading")


@strawberry.type(description="更正: a reading as it was before a correction")
class ReadingCorrection:
    previous: Decimal
    reading: Decimal
    corrected_at: datetime.datetime
    billed_in: str = strawberry.field(
        description="The billing period of a billed reading corrected; empty when not billed"
    )
    credit_fen: Fen = strawberry.field(
        description="调账: what the billing charged too much (the METERED line, the 公摊 "
        "shares re-split), credited to the units' accounts (their ledgers show an ADJUSTMENT)"
    )
    surcharge_fen: Fen = strawberry.field(
        description="补收: what the billing charged too little, charged on the units' "
        "supplementary bills (补收单, their bills with supplementary true)"
    )


@strawberry.type(description="读数 of a meter for a round, with its consumption (×倍率)")
class MeterReading:
    meter_id: strawberry.ID
    meter_number: str
    kind: MeterKind
    unit_id: strawberry.ID | None
    period: str
    reading: Decimal
    consumption: Decimal
    flag: str = strawberry.field(description="Why it is flagged for review (异常), or empty")
    source: str = strawberry.field(description="STAFF, IMPORT or REPLACEMENT (换表 final)")
    corrected: bool
    recorded_at: datetime.datetime
    corrections: list[ReadingCorrection]


@strawberry.type(
    description="公摊 of a common meter in a round: what it measured less what the units it "
    "serves measured on their own meters, the rest shared among them by the sharing method"
)
class CommonMeterUse:
    meter_id: strawberry.ID
    meter_number: str
    kind: MeterKind
    served_units: int
    consumption: Decimal = strawberry.field(description="The common meter's consumption (×倍率)")
    units_consumption: Decimal = strawberry.field(
        description="The served units' own meters of its kind, summed"
    )
    shared_consumption: Decimal = strawberry.field(
        description="公摊用量: consumption less the units' (zero or less: nothing is shared)"
    )
    shared_fen: Fen | None = strawberry.field(
        description="公摊金额 the billing charges for it (at the kind's first-tier price, "
        "rounded once half up); null while the kind has no price"
    )


@strawberry.type(description="A round's 公摊: each common meter read in it, by number")
class MeterSharing:
    period: str
    sharing_method: SharingMethod
    common_meters: list[CommonMeterUse]


@strawberry.type
class MeterConnection:
    meters: list[Meter]
    page_info: PageInfo


@strawberry.type
class MeterReadingConnection:
    readings: list[MeterReading]
    page_info: PageInfo


@strawberry.type(description="What an import did")
class ReadingImport:
    rows: int
    entered: int = strawberry.field(description="New readings (a row read the same before: 0)")
    flagged: int


@strawberry.type(description="What a 装表清单 (importMeters) did")
class MeterImport:
    rows: int
    installed: int = strawberry.field(
        description="Meters new to the book (one installed already with the same data: 0)"
    )


@strawberry.type
class MeterBookPayload:
    book: MeterBook | None
    meter_id: strawberry.ID | None = strawberry.field(
        description="The meter installed (the new one, for a replacement)"
    )
    imported: ReadingImport | None
    position: str
    installed: MeterImport | None = None


MeterBookLookup = Annotated[
    MeterBook | ValidationError | NotFound | Forbidden, strawberry.union("MeterBookLookup")
]
MetersLookup = Annotated[
    MeterConnection | ValidationError | NotFound | Forbidden, strawberry.union("MetersLookup")
]
MeterReadingsLookup = Annotated[
    MeterReadingConnection | ValidationError | NotFound | Forbidden,
    strawberry.union("MeterReadingsLookup"),
]
MeterSharingLookup = Annotated[
    MeterSharing | ValidationError | NotFound | Forbidden, strawberry.union("MeterSharingLookup")
]
