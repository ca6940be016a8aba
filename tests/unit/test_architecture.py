"""Layering rules that keep the domain pure and the schema file honest."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gongzhi.graphql.schema import SCHEMA_FILE, schema_sdl

PACKAGE = Path(__file__).resolve().parents[2] / "gongzhi"

ALLOWED = {
    # package: the only modules it may import besides the stdlib (an allow-list)
    "domain": {"eventsourcing.domain", "gongzhi.domain"},
    "application": {"eventsourcing", "gongzhi.domain", "gongzhi.application"},
}
FORBIDDEN = {
    # package: our own layers it must not import (third-party libraries are its business)
    "infra": {
        "gongzhi.domain",
        "gongzhi.application",
        "gongzhi.projections",
        "gongzhi.graphql",
        "gongzhi.workers",
    },
    "projections": {"gongzhi.application", "gongzhi.graphql", "gongzhi.workers"},
    "graphql": {"gongzhi.workers"},
    "workers": {"gongzhi.graphql"},
}
FORBIDDEN_FOR_ALL_BUT_WIRING = ("gongzhi.bootstrap", "gongzhi.cli")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def third_party_or_ours(name: str) -> bool:
    import sys

    top = name.split(".", maxsplit=1)[0]
    return top not in sys.stdlib_module_names and top != "__future__"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_layer_imports_only_what_it_may(package: str) -> None:
    offending = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        for name in imports_of(path):
            if not third_party_or_ours(name):
                continue
            if not any(name == ok or name.startswith(ok + ".") for ok in ALLOWED[package]):
                offending.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offending == []


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_does_not_import_the_layers_above_it(package: str) -> None:
    offending = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / package).rglob("*.py"))
        for name in imports_of(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[package])
    ]
    assert offending == []


def test_only_the_wiring_imports_the_wiring() -> None:
    offending = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name not in {"cli.py", "bootstrap.py"}
        and any(name.startswith(FORBIDDEN_FOR_ALL_BUT_WIRING) for name in imports_of(path))
    ]
    assert offending == []


def test_schema_graphql_matches_the_code() -> None:
    # Regenerate with: gongzhi schema
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_sdl()
