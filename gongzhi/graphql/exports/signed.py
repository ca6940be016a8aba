"""Signed download links: what to download, for whom, until when, signed with a key derived
from the platform's secret (why a link and not a job: ``links.py``). Apart from the route so
that a feature offering a document (a receipt's PDF) signs its links without importing the
export machinery, which reads the whole schema."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import strawberry

from gongzhi.graphql.auth import Principal
from gongzhi.graphql.context import Context

# Long enough to start a download after asking for it, short enough that a link is not a
# standing credential (each download is checked again anyway).
LINK_TTL = timedelta(minutes=5)
AUDIENCE = "gongzhi-export"
PATH = "/exports/"


def link_key(secret: str) -> bytes:
    """A key of its own for links, derived from the platform's secret: a link is never a
    valid bearer token, nor a token a valid link."""
    return hmac.new(secret.encode(), b"gongzhi export links", hashlib.sha256).digest()


def sign_document_link(
    secret: str, principal: Principal, document: str, variables: dict[str, Any]
) -> tuple[str, datetime]:
    """A link to one of the ``DOCUMENTS`` (a PDF), signed and checked as an export's."""
    return sign_claims(secret, principal, document, "PDF", variables)


def sign_claims(
    secret: str, principal: Principal, kind: str, file_format: str, variables: dict[str, Any]
) -> tuple[str, datetime]:
    expires = datetime.now(UTC) + LINK_TTL
    claims = {
        "aud": AUDIENCE,
        "sub": principal.subject,
        "kind": kind,
        "format": file_format,
        # Texts and ids as text, a year as the number its query takes
        "args": {
            name: value if isinstance(value, int) else str(value)
            for name, value in variables.items()
            if value is not None
        },
        "exp": expires,
    }
    return PATH + jwt.encode(claims, link_key(secret), algorithm="HS256"), expires


def read_link(secret: str, link: str, principal: Principal) -> dict[str, Any] | None:
    """The link's claims if it is ours, unexpired and the caller's own; else None."""
    try:
        claims: dict[str, Any] = jwt.decode(
            link, link_key(secret), algorithms=["HS256"], audience=AUDIENCE
        )
    except jwt.InvalidTokenError:
        return None
    return claims if claims.get("sub") == principal.subject else None


@dataclass(frozen=True)
class Document:
    """A file made whole for one download (a receipt's PDF), not streamed as rows."""

    name: str
    media_type: str
    content: bytes


# A document kind's maker: from the link's arguments, as the caller (whose access is checked
# again, as by the query that offered the link); Refused as that query refuses. Each feature
# registers its own (``gongzhi/graphql/fees/receipts.py``: RECEIPT), so this module needs none.
DocumentMaker = Callable[[Context, dict[str, str]], Awaitable[Document]]
DOCUMENTS: dict[str, DocumentMaker] = {}


@strawberry.type(description="A download link: GET it with the same bearer token")
class ExportLink:
    url: str = strawberry.field(description="Path on this API, valid until expiresAt")
    expires_at: dt.datetime
    file_name: str
    rows: int = strawberry.field(description="Rows the export holds now, the header not counted")
