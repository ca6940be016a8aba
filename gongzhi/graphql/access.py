"""Access that follows the facts: a token's claims are narrowed, on every request, to what
still holds in the views today, and a revoked token opens nothing.

One query per request (HTTP) or per websocket connection, before anything runs; the
narrowed principal is what every permission check and scope condition of the request then
reads (it lives on the request's context: the check is cached for exactly one request).

- A committee member's community counts only while the token's person is a member of a term
  of that community's committee in office today (``committees.members``).
- A resident's units count only those the person owns (``units.owners``) or lives in
  (``unit_residents``, active) today.
- Company staff need nothing here: every scope of theirs already goes through
  ``serving_company(community, today)``, so a handed-over community is out of it at once.

Losing a fact is not losing one's identity: the token still opens the platform (a member
whose term ended may still revoke their own tokens) and whatever needed the lost community
or unit answers ``Forbidden`` (commands) or nothing (queries). A principal left with nothing
is ``lapsed``: every rule (``permissions.allowed``, ``community_scope``) then allows nothing
but revoking its own tokens, including the rules that ask only for the role. Only a revoked,
expired or invalid token gets 401.

A committee member's or resident's token that names no person (``person_id``) cannot be
checked; every environment but the test suite's refuses such tokens when reading them
(``read_token(require_person=)``, ``Settings.requires_person_tokens``).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from gongzhi.graphql.auth import AuthenticationFailed, Principal, Role
from gongzhi.projections.committees import IN_OFFICE

TODAY = "(now() AT TIME ZONE 'Asia/Shanghai')::date"
# The community of a committee member who no longer sits: an id no community has. Not None,
# which a rule comparing two absent communities (``None == None``) would take for a match.
NO_COMMUNITY = UUID(int=0)

# $1 token id, $2 subject, $3 issued at, $4 person (NULL: nothing to check),
# $5 committee community (NULL unless a committee member), $6 resident's units.
CURRENT_FACTS = f"""
SELECT
  EXISTS (SELECT 1 FROM revocations WHERE token_id = $1::uuid)
  OR EXISTS (SELECT 1 FROM revocations
             WHERE subject = $2::text AND issued_up_to >= $3::timestamptz) AS revoked,
  $5::uuid IS NOT NULL AND EXISTS (
    SELECT 1 FROM committees k
    WHERE k.community_id = $5::uuid AND {IN_OFFICE.format(day=TODAY)}
      AND k.members @> jsonb_build_array(jsonb_build_object('person_id', $4::text))
  ) AS member,
  ARRAY(
    SELECT u.id FROM units u
    WHERE u.id = ANY($6::uuid[]) AND NOT u.retired
      AND (u.owners @> jsonb_build_array(jsonb_build_object('person_id', $4::text))
           OR EXISTS (SELECT 1 FROM unit_residents r
                      WHERE r.unit_id = u.id AND r.person_id = $4::uuid AND r.active))
  ) AS units
"""


async def current_principal(connection: Any, principal: Principal) -> Principal:
    """``principal`` narrowed to what holds today; AuthenticationFailed if its token was
    revoked or has expired."""
    if principal.expires_at is not None and principal.expires_at <= datetime.now(UTC):
        raise AuthenticationFailed("the token has expired")
    person = principal.person_id
    checks_person = person is not None
    row = await connection.fetchrow(
        CURRENT_FACTS,
        principal.token_id,
        principal.subject,
        principal.issued_at,
        str(person) if person else None,
        principal.community_id
        if checks_person and principal.role is Role.COMMITTEE_MEMBER
        else None,
        list(principal.unit_ids) if checks_person and principal.role is Role.RESIDENT else [],
    )
    if row["revoked"]:
        raise AuthenticationFailed("the token has been revoked")
    if not checks_person:
        return principal
    if principal.role is Role.COMMITTEE_MEMBER and not row["member"]:
        return dataclasses.replace(principal, community_id=NO_COMMUNITY, lapsed=True)
    if principal.role is Role.RESIDENT:
        held = set(row["units"])
        kept = tuple(unit for unit in principal.unit_ids if unit in held)
        if kept != principal.unit_ids:
            return dataclasses.replace(principal, unit_ids=kept, lapsed=not kept)
    return principal
