"""U+0000 in text: PostgreSQL's text cannot hold it, so it is refused before anything runs.

A string literal holding it fails validation at its place in the operation; a variable holding
it is refused with the variable's path, as coercion errors are. Without this an argument such
as ``communities(filter: {nameContains: "\\u0000"})`` reached the database and failed there.
"""

from __future__ import annotations

from typing import Any

from graphql import ASTValidationRule, GraphQLError, StringValueNode

MESSAGE = "text must not contain the NUL character (U+0000)"


class NoNulInStrings(ASTValidationRule):
    """Refuses string literals that hold U+0000 (built once: the validation cache keys on it)."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError(MESSAGE, node))


def nul_path(value: Any, path: str) -> str | None:
    """The path of the first string in ``value`` that holds U+0000, else None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if "\x00" in str(key):
            return f"{path}.{key}"
        found = nul_path(item, f"{path}.{key}")
        if found is not None:
            return found
    return None
