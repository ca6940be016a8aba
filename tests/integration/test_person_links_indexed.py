"""A person's communities are found through indexes, never by reading every unit: the person
reference check (recordOwnership, moveIn, castBallot …) and a person's visibility
(registerPerson's reply) ran on every such request, and expanding every unit's owners made
them grow with the whole platform (26 ms at 11,000 units, bench_estate_http).

With sequential scans priced out, a plan that still reads ``units`` whole has no index to use."""

from __future__ import annotations

from uuid import uuid4

import psycopg

from gongzhi.graphql.references import KIND_SQL, PERSON_COMMUNITIES, Kind
from gongzhi.infra.settings import PgParams


def plan(database: PgParams, sql: str) -> str:
    """The plan of ``sql`` for some person's id, written where the statement says ``$1``."""
    person = f"'{uuid4()}'::uuid"
    with psycopg.connect(database.url()) as conn:
        conn.execute("SET enable_seqscan = off")
        rows = conn.execute(f"EXPLAIN {sql.replace('$1', person)}".encode()).fetchall()
    return "\n".join(row[0] for row in rows)


def test_the_person_reference_check_reads_the_persons_links_only(database: PgParams) -> None:
    shown = plan(database, KIND_SQL[Kind.PERSON])
    assert "Seq Scan on units" not in shown, shown
    assert "units_owner_paths" in shown, shown


def test_the_persons_communities_are_read_through_the_owner_paths_index(
    database: PgParams,
) -> None:
    shown = plan(database, PERSON_COMMUNITIES.format(p="$1"))
    assert "Seq Scan" not in shown, shown
    assert "units_owner_paths" in shown, shown
