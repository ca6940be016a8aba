"""The issue-13 benchmark over HTTP, in its quick mode: it starts the node as real processes,
sends every command as a GraphQL mutation with a token of the right role, and each answer is
the payload (no refusal, no conflict between voters), the close counts every ballot and the
recount agrees. The times are not checked here (the machine is shared); the benchmark
prints them."""

from __future__ import annotations

import math

import pytest

from bench.bench_estate_http import QUICK, run
from gongzhi.infra.settings import PgParams
from tests.conftest import Servers


@pytest.mark.slow
def test_the_quick_estate_benchmark_runs_over_http(database: PgParams, servers: Servers) -> None:
    outcome = run(database, servers.broker_url, **QUICK)

    assert outcome.command_failures == {}
    for kind, by_size in outcome.medians.items():
        assert set(by_size) == set(QUICK["sizes"]), kind
        assert all(math.isfinite(m) and m > 0 for m in by_size.values()), kind
    assert [(v.apis, v.voters) for v in outcome.votes] == [
        (apis, voters) for apis in QUICK["api_counts"] for voters in QUICK["voter_counts"]
    ]
    assert outcome.vote_failures == {}
    assert all(v.refused_conflict == 0 and v.refused_other == 0 for v in outcome.votes)
    assert outcome.closed["closed"] is True
    assert outcome.closed["ballotsCast"] == outcome.closing_ballots > 0
    assert (outcome.recounted["recounts"], outcome.recounted["recountsAgreeing"]) == (1, 1)
    # A fresh process's first ballot and close were answered (each checked for its payload)
    assert len(outcome.fresh.first_ballots) == QUICK["fresh"]
    assert all(math.isfinite(s) and s > 0 for pair in outcome.fresh.first_ballots for s in pair)
    assert math.isfinite(outcome.fresh.close_warm) and outcome.fresh.close_warm > 0
