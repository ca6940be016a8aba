"""Every export is a valid query of the schema as it is now: a field renamed or removed in a
query's answer fails here, naming the export, before any user downloads a broken file."""

from __future__ import annotations

import re

import graphql
import pytest

from gongzhi.graphql.exports.catalogue import EXPORTS, ExportKind
from gongzhi.graphql.exports.running import answer_types, document
from gongzhi.graphql.schema import schema

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("kind", list(ExportKind), ids=lambda kind: kind.value)
def test_each_export_is_a_valid_query_with_chinese_headers(kind: ExportKind) -> None:
    export = EXPORTS[kind]
    query = document(export, answer_types(schema, export.field))
    assert graphql.validate(schema._schema, graphql.parse(query)) == []
    assert all(CJK.search(header) for header in export.headers), export.headers
    assert len(set(export.headers)) == len(export.headers)


def test_a_paged_export_asks_for_its_count_only_on_the_first_page() -> None:
    export = EXPORTS[ExportKind.FEE_LEDGER]
    query = document(export, answer_types(schema, export.field))
    assert "totalCount @include(if: $counted)" in query
