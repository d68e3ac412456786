"""Query depth and cost limits, as GraphQL validation rules.

Cost: every field costs 1, multiplied by the page size (`first`, default the maximum page size)
of each enclosing connection. A query over the limit is refused before it runs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from graphene.validation import depth_limit_validator
from graphql import GraphQLError, ValidationRule
from graphql.language import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    VariableNode,
)


def depth_limit_rule() -> type[ValidationRule]:
    return depth_limit_validator(max_depth=settings.GRAPHQL_MAX_DEPTH)  # type: ignore[no-any-return]


class QueryCostRule(ValidationRule):
    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        fragments = {
            definition.name.value: definition
            for definition in self.context.document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        variables = getattr(self.context, "variable_values", None) or {}
        cost = _selection_cost(node.selection_set, fragments, variables, multiplier=1, depth=0)
        if cost > settings.GRAPHQL_MAX_COST:
            self.report_error(
                GraphQLError(
                    f"The query costs {cost}, more than the limit of {settings.GRAPHQL_MAX_COST}. "
                    "Ask for smaller pages (first) or fewer nested fields.",
                    node,
                    extensions={"code": "QUERY_TOO_COSTLY"},
                )
            )


def _selection_cost(
    selection_set: Any,
    fragments: dict[str, Any],
    variables: dict[str, Any],
    *,
    multiplier: int,
    depth: int,
) -> int:
    if selection_set is None or depth > 50:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            page = _page_size(selection, variables)
            total += multiplier
            total += _selection_cost(
                selection.selection_set,
                fragments,
                variables,
                multiplier=multiplier * page,
                depth=depth + 1,
            )
        elif isinstance(selection, InlineFragmentNode):
            total += _selection_cost(
                selection.selection_set,
                fragments,
                variables,
                multiplier=multiplier,
                depth=depth + 1,
            )
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                total += _selection_cost(
                    fragment.selection_set,
                    fragments,
                    variables,
                    multiplier=multiplier,
                    depth=depth + 1,
                )
    return total


def _page_size(field: FieldNode, variables: dict[str, Any]) -> int:
    for argument in field.arguments or ():
        if argument.name.value in {"first", "last"}:
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(1, int(value.value))
            if isinstance(value, VariableNode):
                given = variables.get(value.name.value)
                return max(1, int(given)) if isinstance(given, int) else settings.MAX_PAGE_SIZE
    if field.name.value in {"edges"}:
        return 1
    return 1
