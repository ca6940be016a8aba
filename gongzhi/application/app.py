"""The platform's one event-sourced application: all services over one event log."""

from __future__ import annotations

from gongzhi.application.committees import CommitteeService
from gongzhi.application.communities import CommunityService
from gongzhi.application.companies import CompanyService
from gongzhi.application.contracts import ContractService
from gongzhi.application.credit import CreditService
from gongzhi.application.decisions import DecisionService
from gongzhi.application.owners import OwnerService
from gongzhi.application.red_property import RedPropertyService
from gongzhi.application.roster import RosterService


class Gongzhi(
    CreditService,
    DecisionService,
    RedPropertyService,
    OwnerService,
    RosterService,
    CommitteeService,
    CommunityService,
    CompanyService,
    ContractService,
):
    """共治: every operation recorded as an event in the ``gongzhi_events`` log."""

    name = "gongzhi"
