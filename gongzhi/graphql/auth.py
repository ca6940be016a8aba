"""Who is asking: signed bearer tokens (JWT, HS256) and the principal they carry."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import jwt

ISSUER = "gongzhi"
ALGORITHM = "HS256"
# Short-lived: a token is a bearer credential, and a stolen one must not outlive a working day.
# Revocation (``revokeToken``) covers the rest; the CLI says the lifetime it gives.
DEFAULT_TTL = timedelta(hours=8)


class Role(enum.Enum):
    """The five roles of the access model."""

    PLATFORM_ADMIN = "PLATFORM_ADMIN"  # 平台管理员
    REGULATOR = "REGULATOR"  # 住建部门, scoped to districts
    COMPANY_STAFF = "COMPANY_STAFF"  # 物业服务企业, scoped to its company and served communities
    COMMITTEE_MEMBER = "COMMITTEE_MEMBER"  # 业委会成员, scoped to one community
    RESIDENT = "RESIDENT"  # 业主/住户, scoped to own units


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    name: str = ""
    districts: tuple[str, ...] = ()
    company_id: UUID | None = None
    community_id: UUID | None = None
    unit_ids: tuple[UUID, ...] = field(default_factory=tuple)
    # The person (persons.id) the token speaks for: a committee member's membership and a
    # resident's ownership or residence are checked against the views through it
    # (graphql/access.py). Tokens of the other roles need not name one.
    person_id: UUID | None = None
    # The token itself (``jti``, ``iat``, ``exp``), for revocation and for closing a
    # websocket when the token runs out; None on a principal not read from a token.
    token_id: UUID | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    # Set by graphql/access.py when nothing the token claimed holds today (a seat that ended,
    # no home left): every rule then allows nothing but giving up one's own access.
    lapsed: bool = False


class AuthenticationFailed(Exception):
    """Raised when a request's token is missing, malformed, expired or not ours."""


def issue_token(secret: str, principal: Principal, ttl: timedelta = DEFAULT_TTL) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": principal.subject,
        "name": principal.name,
        "role": principal.role.value,
        "jti": str(principal.token_id or uuid4()),
        # To the microsecond (a NumericDate may have a fraction): a token issued right after
        # its subject's tokens were revoked, in the same second, must open.
        "iat": now.timestamp(),
        "exp": now + ttl,
    }
    if principal.person_id:
        claims["person_id"] = str(principal.person_id)
    if principal.districts:
        claims["districts"] = list(principal.districts)
    if principal.company_id:
        claims["company_id"] = str(principal.company_id)
    if principal.community_id:
        claims["community_id"] = str(principal.community_id)
    if principal.unit_ids:
        claims["unit_ids"] = [str(unit) for unit in principal.unit_ids]
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


# Roles whose scope follows facts about a person (a committee seat, a home).
PERSONAL_ROLES = frozenset({Role.COMMITTEE_MEMBER, Role.RESIDENT})


def read_token(secret: str, token: str, *, require_person: bool = False) -> Principal:
    """The principal a valid token carries. With ``require_person`` (everywhere but the test
    suite: ``Settings.requires_person_tokens``), a committee member's or resident's token
    must name its person, or its scope could not be checked against the facts."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "sub", "role", "jti"]},
        )
        principal = Principal(
            subject=str(claims["sub"]),
            role=Role(claims["role"]),
            name=str(claims.get("name", "")),
            districts=tuple(str(d) for d in claims.get("districts", [])),
            company_id=_uuid(claims.get("company_id")),
            community_id=_uuid(claims.get("community_id")),
            unit_ids=tuple(UUID(str(u)) for u in claims.get("unit_ids", [])),
            person_id=_uuid(claims.get("person_id")),
            token_id=_uuid(claims.get("jti")),
            issued_at=_instant(claims.get("iat")),
            expires_at=_instant(claims["exp"]),
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("the token has expired") from None
    except (jwt.InvalidTokenError, ValueError, KeyError, TypeError):
        raise AuthenticationFailed("the token is not valid") from None
    if principal.role is Role.REGULATOR and not principal.districts:
        raise AuthenticationFailed("a regulator token must name its districts")
    if principal.role is Role.COMPANY_STAFF and principal.company_id is None:
        raise AuthenticationFailed("a company staff token must name its company")
    if principal.role is Role.COMMITTEE_MEMBER and principal.community_id is None:
        raise AuthenticationFailed("a committee member token must name its community")
    if principal.role is Role.RESIDENT and not principal.unit_ids:
        raise AuthenticationFailed("a resident token must name the resident's units")
    if require_person and principal.role in PERSONAL_ROLES and principal.person_id is None:
        raise AuthenticationFailed("this token must name its person (person_id)")
    return principal


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthenticationFailed("sign in: send 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def _uuid(value: object) -> UUID | None:
    return UUID(str(value)) if value else None


def _instant(value: object) -> datetime | None:
    return datetime.fromtimestamp(float(str(value)), UTC) if value is not None else None
