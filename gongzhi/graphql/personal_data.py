"""个人信息 on the read side: opening the sealed values of the views for one response, and the
one record of every unmasked phone or ID number shown (who, whose, which field, when).

The views hold personal data sealed (gongzhi/infra/personal_data.py). A response reads the
wrapped data keys of the persons it shows in one query, from ``person_keys``: an erased person
has no row there, so whatever the process cached, the person reads as erased
(``已删除``, empty phone and ID number) at once.

The names that role records copy beside a person's id (committee members and candidates, party
members, secretaries, cross-appointments, 红管家, and the credit evidence copied from them) are
sealed under that person's key too: a response gathers the sealed values of its rows
(``sealed_in``), reads their keys in one query (``opener``) and opens each value it shows
(``Opener.__call__``, or ``Opener.within`` for a JSON document of them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag

from gongzhi.application.personal_data import erased_value
from gongzhi.graphql.context import Context
from gongzhi.infra.personal_data import (
    SEALED_PREFIX,
    KeyRing,
    is_sealed,
    sealed_subject,
    unseal,
    wrapped_keys_sql,
)

# A sealed value inside any text (a JSON document of a view's row): the prefix and base64.
SEALED_IN_TEXT = re.compile(re.escape(SEALED_PREFIX) + r"[A-Za-z0-9+/]+={0,2}")


def key_ring(context: Context) -> KeyRing:
    """The API application's key ring (the wiring gives it one: bootstrap.Platform.app)."""
    ring = context.app.sealing.sealer
    assert isinstance(ring, KeyRing), "the API's application has its key ring"
    return ring


class Opener:
    """Opens sealed values with the data keys read for one response."""

    def __init__(self, keys: dict[UUID, bytes]) -> None:
        self.keys = keys

    def __call__(self, value: object, field: str) -> str:
        if not isinstance(value, str):
            return ""
        if not is_sealed(value):
            return value  # recorded before sealing, or nothing personal
        try:
            key = self.keys.get(sealed_subject(value))
            return unseal(key, value) if key is not None else erased_value(field)
        except (InvalidTag, ValueError):
            # Not a value we sealed (cut or altered on the way to the view): show nothing of
            # it rather than fail the whole response.
            return erased_value(field)

    def within(self, value: Any, field: str = "") -> Any:
        """A copy of ``value`` (a JSON document: dicts, lists, strings) with every sealed
        string opened; a dict's key names the field (an erased ``name`` reads ``已删除``)."""
        if isinstance(value, Mapping):
            return {key: self.within(item, str(key)) for key, item in value.items()}
        if isinstance(value, list):
            return [self.within(item, field) for item in value]
        return self(value, field) if is_sealed(value) else value

    def erased(self, value: object) -> bool:
        """Whether ``value`` is sealed under a key destroyed by erasure."""
        subject = _subject(value)
        return subject is not None and subject not in self.keys


async def opener(
    context: Context, values: Iterable[object] = (), persons: Iterable[UUID] = ()
) -> Opener:
    """An opener for ``values`` (any mix of sealed and clear) and the persons named, with one
    query for their wrapped keys."""
    subjects = {s for v in values if (s := _subject(v)) is not None}
    subjects.update(persons)
    if not subjects:
        return Opener({})
    ring = key_ring(context)
    rows = await context.pool.fetch(wrapped_keys_sql("$1::uuid[]"), list(subjects))
    return Opener(
        {
            row["subject"]: ring.unwrap_stored(row["subject"], bytes(row["wrapped_key"]))
            for row in rows
        }
    )


def sealed_in(*values: Any) -> Iterator[str]:
    """The sealed values inside ``values``: rows, dicts, lists, strings and JSON text, for
    ``opener`` to read their keys in one query."""
    for value in values:
        if isinstance(value, str):
            yield from SEALED_IN_TEXT.findall(value)
        elif isinstance(value, Mapping):
            yield from sealed_in(*value.values())
        elif isinstance(value, list | tuple):
            yield from sealed_in(*value)
        elif hasattr(value, "values") and callable(value.values):  # an asyncpg Record
            yield from sealed_in(*value.values())


async def opener_for(context: Context, *rows: Any) -> Opener:
    """An opener for every sealed value of ``rows`` (view rows, with their JSON columns)."""
    return await opener(context, sealed_in(*rows))


def _subject(value: object) -> UUID | None:
    if not is_sealed(value):
        return None
    try:
        return sealed_subject(str(value))
    except ValueError:
        return None  # not a value we sealed: the opener shows nothing of it


async def record_access(context: Context, shown: Iterable[tuple[UUID, str]]) -> None:
    """The access log (PIPL art. 51/54): append who was shown which person's unmasked field.
    The one place that writes it; called by the one place that unmasks (owners/types.py)."""
    pairs = list(dict.fromkeys(shown))
    if not pairs:
        return
    principal = context.principal
    # The primary's pool: a query reads from the replica, which refuses every write.
    await context.primary.execute(
        "INSERT INTO personal_data_access (actor, actor_role, person_id, field) "
        "SELECT $1, $2, p, f FROM unnest($3::uuid[], $4::text[]) AS s(p, f)",
        principal.subject,
        principal.role.value,
        [person for person, _ in pairs],
        [field for _, field in pairs],
    )


async def open_history(context: Context, entries: Sequence[dict[str, Any]]) -> None:
    """Open the sealed values of audit-trail entries' data in place, however deep (a
    committee's member list, a credit evaluation's evidence): a name as recorded (or
    ``已删除``), a phone and ID number in clear (or empty once erased), for ``history_entry``
    (graphql/history) to mask as it masks everything personal in the trail."""
    sealed = list(sealed_in(*entries))
    if not sealed:
        return
    opened = await opener(context, sealed)
    for data in entries:
        for field, value in data.items():
            data[field] = opened.within(value, field)
