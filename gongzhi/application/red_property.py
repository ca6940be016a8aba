"""红色物业 red property commands: party organisations and their links, demonstration titles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from gongzhi.application.base import Done, GongzhiBase, Meta, business_today
from gongzhi.domain.community import Community
from gongzhi.domain.company import PropertyCompany
from gongzhi.domain.demonstration import DemonstrationTitle, Evidence, Subject, scoring_rule_set
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.party import Deliberation, PartyOrganisation, PartyOrganisationKind


@dataclass(frozen=True)
class PartyOrganisationFacts:
    """What access decisions need about a party organisation, as plain data."""

    id: UUID
    kind: str
    community_id: UUID | None
    company_id: UUID | None
    district: str | None
    serving_company_id: UUID | None


@dataclass(frozen=True)
class TitleFacts:
    id: UUID
    subject: str
    district: str
    community_id: UUID | None
    company_id: UUID | None


@dataclass(frozen=True)
class DeliberationFacts:
    """党组织先议 as an owners' decision proposal needs it: whose, what, when, concluded."""

    organisation_id: UUID
    community_id: UUID | None
    deliberation: Deliberation


class RedPropertyService(GongzhiBase):
    # --- party organisations (党组织) -------------------------------------------------------

    def set_up_party_organisation(
        self,
        meta: Meta,
        *,
        kind: str,
        name: str,
        community_id: UUID | None = None,
        company_id: UUID | None = None,
        set_up_on: date | None = None,
    ) -> Done:
        organisation = PartyOrganisation.set_up(
            kind=kind,
            name=name,
            community_id=community_id,
            company_id=company_id,
            set_up_on=set_up_on or business_today(),
        )
        if community_id is not None:
            self.load(Community, community_id, "communityId")
        if company_id is not None:
            self.load(PropertyCompany, company_id, "companyId")
        attached = "company" if company_id is not None else "community"
        return self.create(
            meta, organisation, f"this {attached} already has a party organisation of this kind"
        )

    def party_organisation_facts(self, organisation_id: UUID) -> PartyOrganisationFacts:
        organisation = self.load(PartyOrganisation, organisation_id, "organisationId")
        district = serving = None
        if organisation.community_id is not None:
            community = self.load(Community, organisation.community_id, "communityId")
            district = community.district
            serving = community.serving_company(business_today())
        return PartyOrganisationFacts(
            id=organisation.id,
            kind=organisation.kind,
            community_id=organisation.community_id,
            company_id=organisation.company_id,
            district=district,
            serving_company_id=serving,
        )

    def approve_party_organisation(
        self,
        meta: Meta,
        organisation_id: UUID,
        *,
        approved_on: date | None = None,
        approved_by: str = "",
    ) -> Done:
        on = approved_on or business_today()
        return self._change_organisation(
            meta, organisation_id, lambda o: o.approve(on, approved_by)
        )

    def add_party_member(
        self,
        meta: Meta,
        organisation_id: UUID,
        *,
        person_id: UUID | None,
        name: str,
        party_member: bool,
        joined_on: date | None = None,
    ) -> Done:
        """A person id from the roster, or a new one for a person not on it yet."""
        person = person_id or uuid4()
        on = joined_on or business_today()
        return self._change_organisation(
            meta, organisation_id, lambda o: o.add_member(person, name, party_member, on)
        )

    def remove_party_member(
        self, meta: Meta, organisation_id: UUID, person_id: UUID, left_on: date | None = None
    ) -> Done:
        on = left_on or business_today()
        return self._change_organisation(
            meta, organisation_id, lambda o: o.remove_member(person_id, on)
        )

    def appoint_party_secretary(
        self,
        meta: Meta,
        organisation_id: UUID,
        person_id: UUID,
        appointed_on: date | None = None,
    ) -> Done:
        on = appointed_on or business_today()
        return self._change_organisation(
            meta, organisation_id, lambda o: o.appoint_secretary(person_id, on)
        )

    def record_cross_appointment(
        self,
        meta: Meta,
        organisation_id: UUID,
        person_id: UUID,
        posts: list[tuple[str, str]],
        recorded_on: date | None = None,
    ) -> Done:
        on = recorded_on or business_today()
        return self._change_organisation(
            meta, organisation_id, lambda o: o.record_cross_appointment(person_id, posts, on)
        )

    def assign_red_steward(
        self,
        meta: Meta,
        organisation_id: UUID,
        *,
        person_id: UUID,
        community_id: UUID,
        assigned_on: date | None = None,
    ) -> Done:
        """红管家 go to communities their company serves (professional management) today."""
        on = assigned_on or business_today()
        community = self.load(Community, community_id, "communityId")
        serving = community.serving_company(business_today())

        def assign(organisation: PartyOrganisation) -> UUID:
            if organisation.of_company and serving != organisation.company_id:
                raise RuleViolated("communityId", "the company does not serve this community")
            return organisation.assign_steward(person_id, community_id, on)

        return self._change_organisation(meta, organisation_id, assign)

    def withdraw_red_steward(
        self,
        meta: Meta,
        organisation_id: UUID,
        assignment_id: UUID,
        withdrawn_on: date | None = None,
    ) -> Done:
        on = withdrawn_on or business_today()
        return self._change_organisation(
            meta, organisation_id, lambda o: o.withdraw_steward(assignment_id, on)
        )

    def red_steward_community(self, organisation_id: UUID, assignment_id: UUID) -> UUID:
        """The community a 红管家 assignment in force is for."""
        organisation = self.load(PartyOrganisation, organisation_id, "organisationId")
        return organisation.steward(assignment_id).community_id

    def record_joint_meeting(
        self,
        meta: Meta,
        organisation_id: UUID,
        *,
        held_on: date,
        attendees: list[tuple[str, str]],
        topics: list[str],
        decisions: list[str],
    ) -> Done:
        return self._change_organisation(
            meta,
            organisation_id,
            lambda o: o.hold_joint_meeting(held_on, attendees, topics, decisions),
        )

    def record_party_deliberation(
        self,
        meta: Meta,
        organisation_id: UUID,
        *,
        matter: str,
        deliberated_on: date,
        conclusion: str,
    ) -> Done:
        return self._change_organisation(
            meta,
            organisation_id,
            lambda o: o.record_deliberation(matter, deliberated_on, conclusion),
        )

    def party_deliberation(self, organisation_id: UUID, deliberation_id: UUID) -> DeliberationFacts:
        """For an owners' decision proposal citing a 先议: raises when it does not exist."""
        organisation = self.load(PartyOrganisation, organisation_id, "partyOrganisationId")
        return DeliberationFacts(
            organisation_id=organisation.id,
            community_id=organisation.community_id,
            deliberation=organisation.deliberation(deliberation_id),
        )

    def community_party_deliberation(
        self, community_id: UUID, deliberation_id: UUID
    ) -> DeliberationFacts:
        """The 先议 a proposal in ``community_id`` cites, from any of the community's party
        organisations (their ids derive from kind and community); raises UnknownPart if none
        of them recorded it."""
        for kind in PartyOrganisationKind:
            if kind is PartyOrganisationKind.COMPANY_PARTY_ORGANISATION:
                continue
            organisation_id = PartyOrganisation.id_for(kind.value, community_id)
            try:
                organisation: object = self.repository.get(organisation_id)
            except AggregateNotFoundError:
                continue
            assert isinstance(organisation, PartyOrganisation)
            found = organisation.deliberations.get(deliberation_id)
            if found is not None:
                return DeliberationFacts(organisation.id, community_id, found)
        raise UnknownPart(
            "partyDeliberationId",
            "no party organisation of this community recorded this deliberation",
        )

    def _change_organisation(
        self, meta: Meta, organisation_id: UUID, command: Callable[[PartyOrganisation], Any]
    ) -> Done:
        return self.change(
            meta, PartyOrganisation, organisation_id, command, field="organisationId"
        )

    # --- demonstration titles (示范小区 / 示范企业) -------------------------------------------

    def apply_for_demonstration(
        self,
        meta: Meta,
        *,
        subject: str,
        community_id: UUID | None = None,
        company_id: UUID | None = None,
        district: str = "",
        year: int,
        evidence: Evidence,
        applied_on: date | None = None,
    ) -> Done:
        """A community's title is granted by its own district; a company's names the district."""
        if subject == Subject.COMMUNITY.value and community_id is not None:
            district = self.load(Community, community_id, "communityId").district
        if company_id is not None:
            self.load(PropertyCompany, company_id, "companyId")
        title = DemonstrationTitle.apply_for(
            subject=subject,
            community_id=community_id,
            company_id=company_id,
            district=district,
            year=year,
            applied_on=applied_on or business_today(),
            evidence=evidence,
        )
        return self.create(meta, title, f"an application for {year} already exists")

    def title_facts(self, title_id: UUID) -> TitleFacts:
        title = self.load(DemonstrationTitle, title_id, "titleId")
        return TitleFacts(
            title.id, title.subject, title.district, title.community_id, title.company_id
        )

    def title_district(
        self, subject: str, community_id: UUID | None, district: str | None
    ) -> str | None:
        """The district an application is decided in, for the access check."""
        if subject == Subject.COMMUNITY.value:
            if community_id is None:
                raise InvalidValue("communityId", "is required for a 示范小区")
            return self.load(Community, community_id, "communityId").district
        if not (district or "").strip():
            raise InvalidValue("district", "is required for a 示范企业: the granting district")
        return (district or "").strip()

    def score_demonstration(
        self,
        meta: Meta,
        title_id: UUID,
        *,
        rule_set_name: str | None = None,
        rule_set_version: int | None = None,
        scored_on: date | None = None,
    ) -> Done:
        rules = scoring_rule_set(rule_set_name, rule_set_version)
        on = scored_on or business_today()
        return self.change(
            meta, DemonstrationTitle, title_id, lambda t: t.score(rules, on), field="titleId"
        )

    def award_demonstration(
        self, meta: Meta, title_id: UUID, awarded_on: date | None = None
    ) -> Done:
        on = awarded_on or business_today()
        return self.change(
            meta, DemonstrationTitle, title_id, lambda t: t.award(on), field="titleId"
        )

    def revoke_demonstration(
        self, meta: Meta, title_id: UUID, reason: str, revoked_on: date | None = None
    ) -> Done:
        on = revoked_on or business_today()
        return self.change(
            meta, DemonstrationTitle, title_id, lambda t: t.revoke(reason, on), field="titleId"
        )
