"""What the console's 抄表 page reads besides the readings: each meter's last reading, and a
round's 公摊 per common meter before it is billed, the same fen the billing then splits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import LOOKUP_PROBLEMS, bill
from tests.integration.test_graphql_meters import install, lines_of, metered_estate

SHARING = f"""query($c: ID!, $p: String!) {{ meterSharing(communityId: $c, period: $p) {{
    __typename ... on MeterSharing {{ period sharingMethod commonMeters {{ meterNumber kind
        servedUnits consumption unitsConsumption sharedConsumption sharedFen }} }}
    {LOOKUP_PROBLEMS} }} }}"""


def sharing(api: Api, community: str, period: str, as_: Principal | None = None) -> Any:
    variables = {"c": community, "p": period}
    return api.gql(SHARING, variables, **({"as_": as_} if as_ else {}))["meterSharing"]


def test_a_rounds_shared_consumption_is_read_per_common_meter_as_the_billing_charges_it(
    api: Api,
) -> None:
    # Given October read: the units used 12.5 + 8 + 3.3 + 0 吨, the common meter 30 吨
    e, _ = metered_estate(api)
    install(api, e, "C-unread")  # a common meter not read in October: not listed
    api.settle()
    # When the round's 公摊 is read before billing
    found = sharing(api, e.community, "2026-10", as_=e.staff)
    for use in found["commonMeters"]:
        for name in ("consumption", "unitsConsumption", "sharedConsumption"):
            use[name] = Decimal(use[name])
    # Then the common meter's 30 − 23.8 = 6.2 吨 is shared, 6.2 × 3.45 = 21.39 元
    assert found == {
        "__typename": "MeterSharing",
        "period": "2026-10",
        "sharingMethod": "AREA",
        "commonMeters": [
            {
                "meterNumber": "C-1",
                "kind": "WATER",
                "servedUnits": 4,
                "consumption": Decimal(30),
                "unitsConsumption": Decimal("23.8"),
                "sharedConsumption": Decimal("6.2"),
                "sharedFen": 2139,
            }
        ],
    }
    # And each meter lists its last reading and the round it was read in
    listed = api.gql(
        """query($c: ID!) { meters(communityId: $c) { ... on MeterConnection {
        meters { number lastReading lastReadIn } } } }""",
        {"c": e.community},
    )["meters"]["meters"]
    last = {m["number"]: (m["lastReading"], m["lastReadIn"]) for m in listed}
    assert last["W-101"] == ("112.50", "2026-10")
    assert last["C-unread"] == (None, None)
    # When October is billed, the shares the units are charged sum to that figure exactly
    assert bill(api, e, "2026-10")["__typename"] == "BillingRunPayload"
    shares = [lines_of(api, e.units[u], "SHARED") for u in ("101", "201", "301", "401")]
    assert sum(fen for lines in shares for _, fen in lines) == 2139
    # A resident of 101 sees the common meter serving the unit; a month unread lists none;
    # a period that is not a month is refused, naming it
    resident = Principal(
        subject="yz-101",
        role=Role.RESIDENT,
        community_id=UUID(e.community),
        unit_ids=(UUID(e.units["101"]),),
    )
    assert [
        m["meterNumber"] for m in sharing(api, e.community, "2026-10", resident)["commonMeters"]
    ] == ["C-1"]
    assert sharing(api, e.community, "2026-11", as_=e.staff)["commonMeters"] == []
    refused = sharing(api, e.community, "2026-13", as_=e.staff)
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "period")
