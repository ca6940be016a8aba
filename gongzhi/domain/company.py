"""物业服务企业 property service company."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import RuleViolated
from gongzhi.domain.values import required_text, unified_credit_code

COMPANY_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/property-company")


class PropertyCompany(Aggregate):
    """物业服务企业, identified by its 统一社会信用代码 (unified social credit code)."""

    class Registered(Aggregate.Created):
        name: str
        credit_code: str

    class Renamed(Aggregate.Event):
        name: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PropertyCompany)
            aggregate.name = self.name

    def __init__(self, name: str, credit_code: str) -> None:
        self.name = name
        self.credit_code = credit_code

    @staticmethod
    def id_for(credit_code: str) -> UUID:
        """One company per credit code: the id is derived from it, so the store refuses a second."""
        return uuid5(COMPANY_NAMESPACE, credit_code)

    @classmethod
    def register(cls, *, name: str, credit_code: str) -> PropertyCompany:
        code = unified_credit_code("creditCode", credit_code)
        return cls._create(
            cls.Registered,
            id=cls.id_for(code),
            name=required_text("name", name),
            credit_code=code,
        )

    def rename(self, name: str) -> None:
        new_name = required_text("name", name)
        if new_name == self.name:
            raise RuleViolated("name", "is already the company's name")
        self.trigger_event(self.Renamed, name=new_name)
