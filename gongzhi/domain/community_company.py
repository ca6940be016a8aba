"""强社惠民公司 community company: owned by a 村/社区集体经济组织 (collective economic
organisation), linked to the communities it serves, designated a pilot (试点) or not, running
business lines whose revenue and costs it records and whose surplus it reinvests (反哺) into
inclusive public services.

The ledger is append-only: a correction reverses an entry (the negated amount, in the year
of the original) and records the right one. ``community_ledger`` has the surplus rules and
the meaning of each period's end day.
"""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.community_ledger import (
    Allocation,
    BusinessLine,
    Entry,
    EntryKind,
    Period,
    YearFigures,
    check_line_open,
    checked_beneficiaries,
    reversible,
)
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.money import fen_amount
from gongzhi.domain.values import enum_value, optional_text, required_text, unified_credit_code

COMMUNITY_COMPANY_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/community-company")


class CommunityCompany(Aggregate):
    """强社惠民公司, identified by its 统一社会信用代码."""

    class Registered(Aggregate.Created):
        name: str
        credit_code: str
        owner_name: str
        owner_credit_code: str
        district: str
        registered_on: date

    class CommunityLinked(Aggregate.Event):
        link_id: UUID
        community_id: UUID
        linked_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CommunityCompany)
            aggregate.links[self.community_id] = Period(self.link_id, self.linked_on)

    class CommunityUnlinked(Aggregate.Event):
        link_id: UUID
        community_id: UUID
        unlinked_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CommunityCompany)
            del aggregate.links[self.community_id]

    class PilotDesignated(Aggregate.Event):
        """试点 designated by ``authority`` (e.g. 区农业农村局)."""

        designation_id: UUID
        designated_on: date
        authority: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CommunityCompany)
            aggregate.pilot = Period(self.designation_id, self.designated_on)

    class PilotRevoked(Aggregate.Event):
        designation_id: UUID
        revoked_on: date
        grounds: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CommunityCompany)
            aggregate.pilot = None

    class BusinessLineOpened(Aggregate.Event):
        period_id: UUID
        line: str
        opened_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CommunityCompany)
            aggregate.lines.setdefault(self.line, []).append(Period(self.period_id, self.opened_on))

    class BusinessLineClosed(Aggregate.Event):
        period_id: UUID
        line: str
        closed_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CommunityCompany)
            aggregate.lines[self.line][-1].end = self.closed_on

    class EntryRecorded(Aggregate.Event):
        """A revenue (收入) or cost (成本) entry, or (with ``reverses_id``) its reversal."""

        entry_id: UUID
        line: str
        kind: str
        amount_fen: int
        on: date
        year: int
        note: str
        reverses_id: UUID | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CommunityCompany)
            aggregate.entries[self.entry_id] = Entry.of(self)
            if self.reverses_id is not None:
                aggregate.reversed.add(self.reverses_id)
            aggregate.years.setdefault(self.year, YearFigures()).post(self.kind, self.amount_fen)

    class ReinvestmentAllocated(Aggregate.Event):
        """反哺: surplus of ``year`` to a public service, or (``reverses_id``) its reversal."""

        allocation_id: UUID
        year: int
        service: str
        beneficiary_count: int | None
        beneficiaries: str
        amount_fen: int
        allocated_on: date
        note: str
        reverses_id: UUID | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CommunityCompany)
            aggregate.allocations[self.allocation_id] = Allocation.of(self)
            if self.reverses_id is not None:
                aggregate.reversed.add(self.reverses_id)
            aggregate.years.setdefault(self.year, YearFigures()).reinvested_fen += self.amount_fen

    def __init__(
        self,
        name: str,
        credit_code: str,
        owner_name: str,
        owner_credit_code: str,
        district: str,
        registered_on: date,
    ) -> None:
        self.name = name
        self.credit_code = credit_code
        self.owner_name = owner_name
        self.owner_credit_code = owner_credit_code
        self.district = district
        self.registered_on = registered_on
        self.links: dict[UUID, Period] = {}
        self.pilot: Period | None = None
        self.lines: dict[str, list[Period]] = {}
        self.entries: dict[UUID, Entry] = {}
        self.allocations: dict[UUID, Allocation] = {}
        self.reversed: set[UUID] = set()
        self.years: dict[int, YearFigures] = {}

    @staticmethod
    def id_for(credit_code: str) -> UUID:
        """One company per credit code: the store refuses a second registration."""
        return uuid5(COMMUNITY_COMPANY_NAMESPACE, credit_code)

    @classmethod
    def register(
        cls,
        *,
        name: str,
        credit_code: str,
        owner_name: str,
        owner_credit_code: str,
        community_id: UUID,
        district: str,
        registered_on: date,
    ) -> CommunityCompany:
        """Register the company in the district of its first community, linked to it."""
        code = unified_credit_code("creditCode", credit_code)
        owner_code = unified_credit_code("ownerCreditCode", owner_credit_code)
        if owner_code == code:
            raise InvalidValue(
                "ownerCreditCode", "is the company's own code: give the owning organisation's"
            )
        company = cls._create(
            cls.Registered,
            id=cls.id_for(code),
            name=required_text("name", name),
            credit_code=code,
            owner_name=required_text("ownerName", owner_name),
            owner_credit_code=owner_code,
            district=required_text("district", district),
            registered_on=registered_on,
        )
        company.link_community(community_id, registered_on)
        return company

    def figures(self, year: int) -> YearFigures:
        """The year's figures (zero for a year without entries); a copy, for reading."""
        return YearFigures(**vars(self.years.get(year, YearFigures())))

    # --- communities and pilot status ------------------------------------------------------

    def link_community(self, community_id: UUID, linked_on: date) -> None:
        if community_id in self.links:
            raise RuleViolated("communityId", "the community is already linked to this company")
        self._not_before_registration("linkedOn", linked_on)
        self.trigger_event(
            self.CommunityLinked, link_id=uuid4(), community_id=community_id, linked_on=linked_on
        )

    def unlink_community(self, community_id: UUID, unlinked_on: date) -> None:
        if community_id not in self.links:
            raise UnknownPart("communityId", "the community is not linked to this company")
        period = self.links[community_id]
        if unlinked_on <= period.start:
            raise InvalidValue("unlinkedOn", f"must be after it was linked ({period.start})")
        self.trigger_event(
            self.CommunityUnlinked,
            link_id=period.id,
            community_id=community_id,
            unlinked_on=unlinked_on,
        )

    def designate_pilot(self, designated_on: date, authority: str) -> None:
        if self.pilot is not None:
            raise RuleViolated("companyId", f"the company is a pilot since {self.pilot.start}")
        self._not_before_registration("designatedOn", designated_on)
        self.trigger_event(
            self.PilotDesignated,
            designation_id=uuid4(),
            designated_on=designated_on,
            authority=required_text("authority", authority),
        )

    def revoke_pilot(self, revoked_on: date, grounds: str) -> None:
        if self.pilot is None:
            raise RuleViolated("companyId", "the company is not a pilot")
        if revoked_on <= self.pilot.start:
            raise InvalidValue("revokedOn", f"must be after the designation ({self.pilot.start})")
        self.trigger_event(
            self.PilotRevoked,
            designation_id=self.pilot.id,
            revoked_on=revoked_on,
            grounds=required_text("grounds", grounds, max_length=500),
        )

    # --- business lines and their ledger ---------------------------------------------------

    def open_business_line(self, line: str, opened_on: date) -> None:
        value = enum_value("line", BusinessLine, line)
        self._not_before_registration("openedOn", opened_on)
        periods = self.lines.get(value, [])
        if periods and periods[-1].end is None:
            raise RuleViolated("line", f"{value} is already open (since {periods[-1].start})")
        if periods and opened_on <= (last := periods[-1].end or opened_on):
            raise InvalidValue("openedOn", f"must be after {value} was last closed ({last})")
        self.trigger_event(
            self.BusinessLineOpened, period_id=uuid4(), line=value, opened_on=opened_on
        )

    def close_business_line(self, line: str, closed_on: date) -> None:
        value = enum_value("line", BusinessLine, line)
        periods = self.lines.get(value, [])
        if not periods or periods[-1].end is not None:
            raise RuleViolated("line", f"{value} is not open")
        if closed_on < periods[-1].start:
            opened = periods[-1].start
            raise InvalidValue("closedOn", f"must not be before {value} opened ({opened})")
        later = [e.on for e in self.entries.values() if e.line == value and e.on > closed_on]
        if later:
            raise RuleViolated("closedOn", f"{value} has entries after that day ({max(later)})")
        self.trigger_event(
            self.BusinessLineClosed, period_id=periods[-1].id, line=value, closed_on=closed_on
        )

    def record_entry(self, line: str, kind: str, amount_fen: int, on: date, note: str) -> UUID:
        """收入/成本 on a day the line was open; returns the entry's id."""
        value = enum_value("line", BusinessLine, line)
        kind_value = enum_value("kind", EntryKind, kind)
        amount = fen_amount("amountFen", amount_fen)
        self._line_open_on(value, on)
        entry_id = uuid4()
        self.trigger_event(
            self.EntryRecorded,
            entry_id=entry_id,
            line=value,
            kind=kind_value,
            amount_fen=amount,
            on=on,
            year=on.year,
            note=optional_text("note", note),
            reverses_id=None,
        )
        return entry_id

    def reverse_entry(self, entry_id: UUID, on: date, note: str) -> UUID:
        """冲销: the negated entry, posted on ``on``, counted in the original's year. A line
        closed since still takes reversals: corrections outlive the business."""
        original = self._reversible_entry(entry_id)
        if on < original.on:
            raise InvalidValue("on", f"must not be before the entry it reverses ({original.on})")
        reversal_id = uuid4()
        self.trigger_event(
            self.EntryRecorded,
            entry_id=reversal_id,
            line=original.line,
            kind=original.kind,
            amount_fen=-original.amount_fen,
            on=on,
            year=original.year,
            note=optional_text("note", note),
            reverses_id=original.entry_id,
        )
        return reversal_id

    def correct_entry(
        self, entry_id: UUID, amount_fen: int, on: date, note: str, entry_on: date | None = None
    ) -> UUID:
        """更正: reverse the entry and record the right amount (on ``entry_on``, by default
        the original's day), both or neither; returns the new entry's id."""
        original = self._reversible_entry(entry_id)
        fen_amount("amountFen", amount_fen)
        self._line_open_on(original.line, entry_on or original.on)
        self.reverse_entry(entry_id, on, note)
        return self.record_entry(
            original.line, original.kind, amount_fen, entry_on or original.on, note
        )

    # --- 反哺 reinvestment -----------------------------------------------------------------

    def allocate_reinvestment(
        self,
        *,
        year: int,
        service: str,
        beneficiary_count: int | None,
        beneficiaries: str,
        amount_fen: int,
        allocated_on: date,
        note: str,
    ) -> UUID:
        """Surplus of ``year`` to a named public service; no more than the year has left."""
        if not self.registered_on.year <= year <= allocated_on.year:
            raise InvalidValue(
                "year",
                f"must be between {self.registered_on.year} (registration) and the year of "
                f"allocatedOn ({allocated_on.year})",
            )
        count, described = checked_beneficiaries(beneficiary_count, beneficiaries)
        amount = fen_amount("amountFen", amount_fen)
        self.figures(year).check_allocation(year, amount)
        allocation_id = uuid4()
        self.trigger_event(
            self.ReinvestmentAllocated,
            allocation_id=allocation_id,
            year=year,
            service=required_text("service", service),
            beneficiary_count=count,
            beneficiaries=described,
            amount_fen=amount,
            allocated_on=allocated_on,
            note=optional_text("note", note),
            reverses_id=None,
        )
        return allocation_id

    def reverse_reinvestment(self, allocation_id: UUID, on: date, note: str) -> UUID:
        """冲销 an allocation (e.g. after late costs left its year over-allocated)."""
        original = reversible("allocationId", self.allocations.get(allocation_id), self.reversed)
        reversal_id = uuid4()
        self.trigger_event(
            self.ReinvestmentAllocated,
            allocation_id=reversal_id,
            year=original.year,
            service=original.service,
            beneficiary_count=None,
            beneficiaries="",
            amount_fen=-original.amount_fen,
            allocated_on=on,
            note=optional_text("note", note),
            reverses_id=allocation_id,
        )
        return reversal_id

    def _not_before_registration(self, field: str, day: date) -> None:
        if day < self.registered_on:
            raise InvalidValue(field, f"must not be before the registration ({self.registered_on})")

    def _line_open_on(self, line: str, on: date) -> None:
        check_line_open(self.lines.get(line, []), line, on)

    def _reversible_entry(self, entry_id: UUID) -> Entry:
        return reversible("entryId", self.entries.get(entry_id), self.reversed)
