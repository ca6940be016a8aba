"""The platform's one event-sourced application: all services over one event log."""

from __future__ import annotations

from gongzhi.application.communities import CommunityService
from gongzhi.application.companies import CompanyService


class Gongzhi(CommunityService, CompanyService):
    """共治: every operation recorded as an event in the ``gongzhi_events`` log."""

    name = "gongzhi"
