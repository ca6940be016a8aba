"""Every id inside an input, found and placed: which communities, districts and companies it
belongs to, and whether the caller may refer to it. One rule per kind, written once.

A kind's rule is a SQL statement over the views that returns one row per community the thing
belongs to (``community_id``), and may name a company (``company_id``) or a district for things
that stand outside any community (a company's party organisation, a community company's home).
The community's district and serving company are joined in here, not in each rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from gongzhi.application.fields import Kind
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.permissions import SERVING_COMPANY, Target

# The communities one person ``{p}`` is linked to: owns a unit in (found through the index of
# the units' owner paths, ``units_owner_paths``: expanding every unit's owners instead read
# the whole units table for each person looked up, 26 ms at 11,000 units), lives in, or holds
# a role in.
PERSON_COMMUNITIES = """
    SELECT u.community_id FROM units u
    WHERE u.owners @> jsonb_build_array(jsonb_build_object('person_id', {p}::text))
      AND NOT u.retired
    UNION SELECT community_id FROM unit_residents WHERE person_id = {p} AND active
    UNION SELECT community_id FROM person_roles WHERE person_id = {p} AND active"""

# Each statement takes the id as $1 and selects community_id, company_id, district (any may be
# NULL, by name); no row means no such thing of this kind.
KIND_SQL: dict[Kind, str] = {
    Kind.COMMUNITY: "SELECT id AS community_id FROM communities WHERE id = $1",
    Kind.BUILDING: "SELECT community_id FROM buildings WHERE id = $1",
    Kind.ENTRANCE: "SELECT community_id FROM entrances WHERE id = $1",
    Kind.UNIT: "SELECT community_id FROM units WHERE id = $1",
    Kind.COMPANY: "SELECT id AS company_id FROM companies WHERE id = $1",
    # A person belongs to every community where the person owns a unit, lives, or holds a
    # role; a person linked nowhere yet belongs to whoever registered the person.
    Kind.PERSON: f"""
        SELECT l.community_id, p.registered_by FROM persons p
        LEFT JOIN LATERAL ({PERSON_COMMUNITIES.format(p="p.id")}) l ON TRUE
        WHERE p.id = $1""",
    # --- decisions, committees, contracts, red property ---
    Kind.DECISION: "SELECT community_id FROM decisions WHERE id = $1",
    # A party organisation belongs to its community, or (a company's) to its company.
    Kind.PARTY_ORGANISATION: (
        "SELECT community_id, company_id FROM party_organisations WHERE id = $1"
    ),
    # A member (by the person's id, or the id given when the person joined) belongs where
    # each organisation that has or had the member belongs.
    Kind.PARTY_MEMBER: """
        SELECT DISTINCT o.community_id, o.company_id
        FROM party_members m JOIN party_organisations o ON o.id = m.organisation_id
        WHERE m.person_id = $1""",
    # A 红管家 assignment: the community served, and the company whose organisation sent them.
    Kind.RED_STEWARD: """
        SELECT s.community_id, o.company_id
        FROM red_stewards s JOIN party_organisations o ON o.id = s.organisation_id
        WHERE s.id = $1""",
    Kind.PARTY_DELIBERATION: """
        SELECT o.community_id, o.company_id
        FROM party_deliberations d JOIN party_organisations o ON o.id = d.organisation_id
        WHERE d.id = $1""",
    # A 示范小区 belongs to its community; a 示范企业 to its company, in the granting district.
    Kind.DEMONSTRATION: (
        "SELECT community_id, company_id, district FROM demonstration_titles WHERE id = $1"
    ),
    Kind.COMMITTEE: "SELECT community_id FROM committees WHERE id = $1",
    # --- fees, common income, companies, roster ---
    Kind.BILL: "SELECT community_id FROM fee_bills WHERE id = $1",
    Kind.PAYMENT: "SELECT community_id FROM fee_payments WHERE id = $1",
    Kind.PAYMENT_ORDER: "SELECT community_id, unit_id FROM payment_orders WHERE id = $1",
    Kind.METER_BOOK: "SELECT community_id FROM meter_books WHERE id = $1",
    Kind.METER: """
        SELECT b.community_id, m.unit_id FROM meters m JOIN meter_books b ON b.id = m.book_id
        WHERE m.id = $1""",
    Kind.RECONCILIATION: "SELECT community_id FROM reconciliations WHERE id = $1",
    Kind.PARKING_SPACE: """
        SELECT s.community_id FROM fee_schedule_items i
        JOIN fee_schedules s ON s.id = i.schedule_id
        WHERE i.kind = 'PARKING_SPACE' AND i.key = $1::uuid::text""",
    Kind.COMMON_INCOME_ENTRY: """
        SELECT l.community_id FROM common_income_entries e
        JOIN common_income_ledgers l ON l.id = e.ledger_id WHERE e.id = $1""",
    # --- maintenance fund, community companies ---
    Kind.FUND_USE: """
        SELECT f.community_id FROM fund_uses u JOIN maintenance_funds f ON f.id = u.fund_id
        WHERE u.id = $1""",
    # A community company belongs to every community it is or was linked to, and to the
    # district it is registered in (its home: the row without a community).
    Kind.COMMUNITY_COMPANY: """
        SELECT l.community_id, NULL AS district FROM community_company_links l
        WHERE l.company_id = $1
        UNION
        SELECT NULL, cc.district FROM community_companies cc WHERE cc.id = $1""",
    # Its ledger entries and 反哺 allocations belong to the company's home district.
    Kind.BUSINESS_ENTRY: """
        SELECT cc.district FROM community_business_entries e
        JOIN community_companies cc ON cc.id = e.company_id WHERE e.id = $1""",
    Kind.REINVESTMENT: """
        SELECT cc.district FROM community_reinvestments r
        JOIN community_companies cc ON cc.id = r.company_id WHERE r.id = $1""",
    # --- engagement, participation ---
    # A complaint names the company complained about, fixed when it was filed.
    Kind.COMPLAINT: "SELECT community_id, company_id, unit_id FROM complaints WHERE id = $1",
    Kind.DISPUTE: "SELECT community_id FROM disputes WHERE id = $1",
    # A survey covers one community, or several of the company it was made for: one row each.
    Kind.SURVEY: "SELECT community_id FROM survey_communities WHERE survey_id = $1",
    Kind.REWARD: "SELECT community_id FROM rewards WHERE id = $1",
    # --- work orders, facilities, credit, health ---
    Kind.WORK_ORDER: "SELECT community_id FROM work_orders WHERE id = $1",
    Kind.FACILITY: "SELECT community_id FROM facilities WHERE id = $1",
    Kind.DEFECT: "SELECT community_id FROM facility_defects WHERE id = $1",
    Kind.CONTRACT: "SELECT community_id, company_id FROM service_contracts WHERE id = $1",
    Kind.CREDIT_RECORD: "SELECT company_id FROM credit_records WHERE id = $1",
    Kind.CREDIT_REPAIR: "SELECT company_id FROM credit_repairs WHERE id = $1",
    Kind.CREDIT_EVALUATION: "SELECT company_id FROM credit_evaluations WHERE id = $1",
    Kind.CREDIT_OBJECTION: """
        SELECT e.company_id FROM credit_objections o
        JOIN credit_evaluations e ON e.id = o.evaluation_id WHERE o.id = $1""",
    # A notice, 公示 or 催缴通知 belongs to its community (a reminder also to its unit).
    Kind.NOTICE: """
        SELECT community_id, CASE WHEN audience = 'UNIT' THEN audience_id END AS unit_id
        FROM notices WHERE id = $1""",
    # --- read only through history(id:) ---
    Kind.FEE_SCHEDULE: "SELECT community_id FROM fee_schedules WHERE id = $1",
    Kind.BILLING_RUN: "SELECT community_id FROM billing_runs WHERE id = $1",
    Kind.FEE_ACCOUNT: "SELECT community_id, unit_id FROM fee_accounts WHERE id = $1",
    Kind.MAINTENANCE_FUND: "SELECT community_id FROM maintenance_funds WHERE id = $1",
    Kind.COMMON_INCOME_LEDGER: "SELECT community_id FROM common_income_ledgers WHERE id = $1",
    Kind.SURVEY_RESPONSE: "SELECT community_id, unit_id FROM survey_responses WHERE id = $1",
    Kind.POINTS_ACCOUNT: "SELECT community_id, unit_id FROM points_accounts WHERE id = $1",
    Kind.HEALTH_ASSESSMENT: "SELECT community_id FROM health_assessments WHERE id = $1",
}

# Kinds a command may name beside its community without belonging to it.
FREE_KINDS = {Kind.PERSON, Kind.COMPANY}


@dataclass(frozen=True)
class Place:
    """One community (with its district and serving company) or company a thing belongs to."""

    community_id: UUID | None = None
    district: str | None = None
    serving_company_id: UUID | None = None
    company_id: UUID | None = None
    # The household it belongs to (a complaint's complainant, a points account).
    unit_id: UUID | None = None


@dataclass(frozen=True)
class Found:
    """A referenced thing: its kind and where it belongs."""

    kind: Kind
    id: UUID
    places: tuple[Place, ...] = ()
    registered_by: str | None = None
    unit_ids: tuple[UUID, ...] = field(default_factory=tuple)

    @property
    def community_ids(self) -> tuple[UUID, ...]:
        return tuple(p.community_id for p in self.places if p.community_id is not None)

    def target(self) -> Target:
        """The access target of a command about this thing."""
        first = self.places[0] if self.places else Place()
        return Target(
            district=first.district,
            community_id=first.community_id,
            serving_company_id=first.serving_company_id,
            company_id=first.company_id,
            unit_id=self.id if self.kind is Kind.UNIT else first.unit_id,
            community_ids=self.community_ids,
            districts=tuple(sorted({p.district for p in self.places if p.district})),
        )

    def targets(self) -> list[Target]:
        """One access target per place the thing belongs to: reading it is allowed through
        any of them (an owner in two communities has two stewards)."""
        return [Found(self.kind, self.id, (place,)).target() for place in self.places]


async def find(connection: Any, kinds: tuple[Kind, ...], thing_id: UUID) -> Found | None:
    """The thing of one of ``kinds`` with this id, or None."""
    for kind in kinds:
        # The rule selects only the columns it has; to_jsonb reads the others as NULL.
        rows = await connection.fetch(
            f"""SELECT k.*, c.district AS community_district,
                       {SERVING_COMPANY.format(alias="c")} AS serving
                FROM ({KIND_SQL[kind]}) k
                LEFT JOIN communities c ON c.id = (to_jsonb(k)->>'community_id')::uuid""",
            thing_id,
        )
        if not rows:
            continue
        places = []
        for row in rows:
            place = Place(
                community_id=row.get("community_id"),
                district=row["community_district"] or row.get("district"),
                serving_company_id=row["serving"],
                company_id=row.get("company_id"),
                unit_id=row.get("unit_id"),
            )
            if place != Place():
                places.append(place)
        return Found(kind, thing_id, tuple(places), rows[0].get("registered_by"))
    return None


@dataclass
class Scope:
    """What the caller may refer to. A resident's communities, and the companies serving a
    committee's or resident's communities, are looked up once."""

    principal: Principal
    resident_communities: frozenset[UUID] = frozenset()
    serving_companies: frozenset[UUID] = frozenset()

    def place_visible(self, place: Place) -> bool:
        principal = self.principal
        match principal.role:
            case Role.PLATFORM_ADMIN:
                return True
            case Role.REGULATOR:
                # Companies (and what hangs on a company alone) have no district: every
                # regulator sees them, as every regulator may register and evaluate them.
                return place.district in principal.districts or (
                    place.community_id is None and place.district is None
                )
            case Role.COMPANY_STAFF:
                own = principal.company_id
                return own is not None and own in {place.serving_company_id, place.company_id}
            case Role.COMMITTEE_MEMBER:
                return place.community_id is not None and (
                    place.community_id == principal.community_id
                )
            case Role.RESIDENT:
                return place.community_id in self.resident_communities
        return False  # pragma: no cover

    def may_refer_to(self, found: Found) -> bool:
        principal = self.principal
        if principal.role is Role.PLATFORM_ADMIN:
            return True
        if found.kind is Kind.UNIT and principal.role is Role.RESIDENT:
            return found.id in principal.unit_ids
        if found.kind is Kind.PERSON and not found.places:
            return found.registered_by == principal.subject
        if found.kind is Kind.COMPANY and principal.role in {
            Role.COMMITTEE_MEMBER,
            Role.RESIDENT,
        }:
            # The company serving their community (a dispute with it, a survey of it).
            return found.id in self.serving_companies
        return any(self.place_visible(place) for place in found.places)


async def scope_of(connection: Any, principal: Principal) -> Scope:
    if principal.role is Role.COMMITTEE_MEMBER:
        communities: frozenset[UUID] = (
            frozenset({principal.community_id}) if principal.community_id else frozenset()
        )
    elif principal.role is Role.RESIDENT:
        rows = await connection.fetch(
            "SELECT DISTINCT community_id FROM units WHERE id = ANY($1::uuid[])",
            list(principal.unit_ids),
        )
        communities = frozenset(row["community_id"] for row in rows)
    else:
        return Scope(principal)
    serving = await connection.fetch(
        f"SELECT {SERVING_COMPANY.format(alias='c')} AS company FROM communities c "
        "WHERE c.id = ANY($1::uuid[])",
        list(communities),
    )
    companies = frozenset(row["company"] for row in serving if row["company"] is not None)
    return Scope(
        principal, communities if principal.role is Role.RESIDENT else frozenset(), companies
    )
