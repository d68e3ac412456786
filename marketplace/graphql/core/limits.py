"""What one GraphQL document may ask for: size, depth, cost, aliases, root fields, introspection.

The limits are read from settings (each set by an environment variable, see the README's
"Limits" table) into a frozen `QueryLimits`, which is also part of the validated-document cache key.

Cost: every field costs its weight (1, more for introspection and search), multiplied by the page
size (`first`/`last`, default the maximum page size) of each enclosing field. Depth counts nested
fields with a selection (introspection subtrees excepted, as graphene's depth rule does).

The measure runs only on documents that passed the specification's rules (so every fragment exists
and none spreads itself) and expands each fragment once: a "fragment bomb" (fragments spreading
the next one twice) costs linear time to measure and is then refused for its exponential cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from graphql import GraphQLError, ValidationRule
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.validation import NoSchemaIntrospectionCustomRule


@dataclass(frozen=True)
class QueryLimits:
    max_bytes: int
    max_tokens: int
    max_depth: int
    max_cost: int
    max_aliases: int
    max_root_fields: int
    max_page_size: int
    introspection: bool
    field_weights: tuple[tuple[str, int], ...]

    @classmethod
    def from_settings(cls) -> QueryLimits:
        return cls(
            max_bytes=settings.GRAPHQL_MAX_QUERY_BYTES,
            max_tokens=settings.GRAPHQL_MAX_TOKENS,
            max_depth=settings.GRAPHQL_MAX_DEPTH,
            max_cost=settings.GRAPHQL_MAX_COST,
            max_aliases=settings.GRAPHQL_MAX_ALIASES,
            max_root_fields=settings.GRAPHQL_MAX_ROOT_FIELDS,
            max_page_size=settings.MAX_PAGE_SIZE,
            introspection=settings.GRAPHQL_INTROSPECTION,
            field_weights=tuple(sorted(settings.GRAPHQL_FIELD_WEIGHTS.items())),
        )


@dataclass(frozen=True)
class _Measure:
    """A selection set's measure at multiplier 1 (cost is linear in the multiplier)."""

    cost: int = 0
    depth: int = 0
    aliases: int = 0
    fields: int = 0


@cache
def limit_rules(limits: QueryLimits) -> tuple[type[ValidationRule], ...]:
    """Our rules for these limits (built once per distinct limits)."""
    weights = dict(limits.field_weights)

    class QueryLimitsRule(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            fragments = {
                definition.name.value: definition
                for definition in node.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            measurer = _Measurer(fragments, weights, limits.max_page_size)
            for definition in node.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    self._check(definition, measurer.selection_set(definition.selection_set))

        def _check(self, operation: OperationDefinitionNode, measure: _Measure) -> None:
            name = operation.name.value if operation.name else "anonymous"
            if measure.depth > limits.max_depth:
                self._refuse(
                    operation,
                    "QUERY_TOO_DEEP",
                    _("'%(name)s' exceeds the maximum operation depth of %(limit)s.")
                    % {"name": name, "limit": limits.max_depth},
                )
            if measure.cost > limits.max_cost:
                self._refuse(
                    operation,
                    "QUERY_TOO_COSTLY",
                    _(
                        "The query costs %(cost)s, more than the limit of %(limit)s. "
                        "Ask for smaller pages (first) or fewer nested fields."
                    )
                    % {"cost": measure.cost, "limit": limits.max_cost},
                )
            if measure.aliases > limits.max_aliases:
                self._refuse(
                    operation,
                    "TOO_MANY_ALIASES",
                    _("The query uses %(count)s aliases, more than the limit of %(limit)s.")
                    % {"count": measure.aliases, "limit": limits.max_aliases},
                )
            if measure.fields > limits.max_root_fields:
                self._refuse(
                    operation,
                    "TOO_MANY_ROOT_FIELDS",
                    _(
                        "The operation asks for %(count)s root fields, more than the limit of %(limit)s."
                    )
                    % {"count": measure.fields, "limit": limits.max_root_fields},
                )

        def _refuse(self, node: OperationDefinitionNode, code: str, message: str) -> None:
            self.report_error(GraphQLError(message, node, extensions={"code": code}))

    rules: tuple[type[ValidationRule], ...] = (QueryLimitsRule,)
    if not limits.introspection:
        rules += (NoSchemaIntrospectionCustomRule,)
    return rules


class _Measurer:
    def __init__(
        self, fragments: dict[str, FragmentDefinitionNode], weights: dict[str, int], page: int
    ) -> None:
        self.fragments = fragments
        self.weights = weights
        self.default_page = page
        self.memo: dict[str, _Measure] = {}

    def selection_set(self, selection_set: SelectionSetNode | None) -> _Measure:
        cost = depth = aliases = fields = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                inner = self.selection_set(selection.selection_set)
                cost += self.weights.get(selection.name.value, 1)
                cost += inner.cost * self._page_size(selection)
                if selection.selection_set and not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + inner.depth)
                aliases += inner.aliases + (1 if selection.alias else 0)
                fields += 1
                continue
            if isinstance(selection, FragmentSpreadNode):
                part = self._fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                part = self.selection_set(selection.selection_set)
            else:  # pragma: no cover - no other selection kind exists
                continue
            cost += part.cost
            depth = max(depth, part.depth)
            aliases += part.aliases
            fields += part.fields
        return _Measure(cost=cost, depth=depth, aliases=aliases, fields=fields)

    def _fragment(self, name: str) -> _Measure:
        if name not in self.memo:
            fragment = self.fragments.get(name)  # the specification's rules ran first
            self.memo[name] = self.selection_set(fragment.selection_set if fragment else None)
        return self.memo[name]

    def _page_size(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value in {"first", "last"}:
                if isinstance(argument.value, IntValueNode):
                    digits = argument.value.value.lstrip("-")
                    return max(1, int(argument.value.value)) if len(digits) < 10 else 10**10
                return self.default_page  # a variable: the largest page it may ask for
        return 1
