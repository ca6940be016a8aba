"""业主/住户 a person the platform knows: owners, residents, building leaders, grid workers.

Personal data is kept minimal (name, phone, optional ID number). It is never put in an
error message, and the audit trail and the API show the phone and ID number masked
unless the reader's role needs them.
"""

from __future__ import annotations

import enum
import re
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.values import enum_value, required_text

MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# What an erased person's name reads as, everywhere (PIPL art. 47: 删除).
ERASED_NAME = "已删除"


class CommunityRole(enum.Enum):
    """Roles a person holds in a community (社区角色)."""

    BUILDING_LEADER = "BUILDING_LEADER"  # 楼栋长
    GRID_WORKER = "GRID_WORKER"  # 网格员
    PARTY_MEMBER = "PARTY_MEMBER"  # 党员
    PARTY_MEMBER_HOUSEHOLD = "PARTY_MEMBER_HOUSEHOLD"  # 党员中心户


class Person(Aggregate):
    """A natural person, with the roles held in communities."""

    class Registered(Aggregate.Created):
        name: str
        phone: str
        id_number: str

    class PhoneChanged(Aggregate.Event):
        phone: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Person)
            aggregate.phone = self.phone

    class Erased(Aggregate.Event):
        """个人信息删除: the person's data key is destroyed with this event, so the name, phone
        and ID number recorded before read as erased from now on; the reason is in the
        metadata, whether the person asked for it here."""

        requested_by_person: bool

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Person)
            aggregate.name, aggregate.phone, aggregate.id_number = ERASED_NAME, "", ""
            aggregate.erased = True

    class RoleGranted(Aggregate.Event):
        role: str
        community_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Person)
            aggregate.roles.add((self.role, self.community_id))

    class RoleRevoked(Aggregate.Event):
        role: str
        community_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Person)
            aggregate.roles.discard((self.role, self.community_id))

    def __init__(self, name: str, phone: str, id_number: str) -> None:
        self.name = name
        self.phone = phone
        self.id_number = id_number
        self.roles: set[tuple[str, UUID]] = set()
        self.erased = False

    @classmethod
    def register(cls, *, name: str, phone: str = "", id_number: str = "") -> Person:
        return cls._create(
            cls.Registered,
            id=uuid4(),
            name=required_text("name", name, max_length=60),
            phone=phone_number("phone", phone) if phone.strip() else "",
            id_number=resident_id_number("idNumber", id_number) if id_number.strip() else "",
        )

    def change_phone(self, phone: str) -> None:
        self._not_erased()
        number = phone_number("phone", phone)
        if number == self.phone:
            raise RuleViolated("phone", "is already the person's phone number")
        self.trigger_event(self.PhoneChanged, phone=number)

    def erase(self, *, requested_by_person: bool) -> None:
        self._not_erased()
        self.trigger_event(self.Erased, requested_by_person=requested_by_person)

    def _not_erased(self) -> None:
        if self.erased:
            raise RuleViolated("personId", "the person's personal data has been erased")

    def grant_role(self, role: str, community_id: UUID) -> None:
        value = enum_value("role", CommunityRole, role)
        if (value, community_id) in self.roles:
            raise RuleViolated("role", "the person already holds this role in the community")
        self.trigger_event(self.RoleGranted, role=value, community_id=community_id)

    def revoke_role(self, role: str, community_id: UUID) -> None:
        value = enum_value("role", CommunityRole, role)
        if (value, community_id) not in self.roles:
            raise RuleViolated("role", "the person does not hold this role in the community")
        self.trigger_event(self.RoleRevoked, role=value, community_id=community_id)


def phone_number(field: str, value: str) -> str:
    """A mainland mobile (11 digits from 13x) or a landline with its area code."""
    number = re.sub(r"[\s()]", "", value or "")
    if not (MOBILE.fullmatch(number) or LANDLINE.fullmatch(number)):
        # The value itself is personal data: it stays out of the message.
        raise InvalidValue(field, "must be an 11-digit mobile number or a landline with area code")
    return number


def resident_id_number(field: str, value: str) -> str:
    """居民身份证号码 (GB 11643): 18 characters, the last a check character."""
    number = (value or "").strip().upper()
    if (
        len(number) != 18
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        raise InvalidValue(field, "must be 18 characters: 17 digits and a check digit or X")
    if id_check_character(number[:17]) != number[17]:
        raise InvalidValue(field, "has a wrong check character")
    return number


def id_check_character(first17: str) -> str:
    """The check character of an ID number's first 17 digits (GB 11643, ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]
