"""The /graphql/ endpoint: dataloader-aware execution, depth and cost limits, GraphiQL.

A query text is parsed and validated once, then its document is kept (least recently used, a
bounded number): clients send the same few operations over and over, with other variables.
Only valid documents are kept, so invalid queries cannot fill the cache.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseNotAllowed
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.settings import graphene_settings
from graphene_django.views import HttpError
from graphene_file_upload.django import FileUploadGraphQLView
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)

from marketplace.graphql.core.execution import DataLoaderExecutionContext
from marketplace.graphql.core.limits import QueryCostRule, depth_limit_rule

CACHED_DOCUMENTS = 500
CACHED_QUERY_MAX_LENGTH = 20_000
# The specification's rules, then ours. Built once: part of the cache key.
VALIDATION_RULES = (*specified_rules, depth_limit_rule(), QueryCostRule)


class InvalidDocument(Exception):
    def __init__(self, errors: list[GraphQLError]) -> None:
        super().__init__(errors)
        self.errors = errors


def _validated(schema: GraphQLSchema, rules: tuple[Any, ...], query: str) -> DocumentNode:
    """The parsed document, or GraphQLError (syntax) / InvalidDocument (validation)."""
    document = parse(query)
    errors = validate(schema, document, rules, graphene_settings.MAX_VALIDATION_ERRORS)
    if errors:
        raise InvalidDocument(errors)
    return document


_validated_cached = lru_cache(maxsize=CACHED_DOCUMENTS)(_validated)


def validated_document(schema: GraphQLSchema, rules: tuple[Any, ...], query: str) -> DocumentNode:
    if len(query) > CACHED_QUERY_MAX_LENGTH:
        return _validated(schema, rules, query)
    return _validated_cached(schema, rules, query)


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(FileUploadGraphQLView):  # type: ignore[misc]
    """GraphQL over HTTP; multipart uploads follow the GraphQL multipart request spec."""

    execution_context_class = DataLoaderExecutionContext

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validation_rules", VALIDATION_RULES)
        super().__init__(**kwargs)

    def get_context(self, request: HttpRequest) -> HttpRequest:
        return request

    def execute_graphql_request(
        self,
        request: HttpRequest,
        data: dict[str, Any],
        query: str | None,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        show_graphiql: bool = False,
    ) -> ExecutionResult | None:
        if not query:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest("Must provide query string."))
        schema = self.schema.graphql_schema
        try:
            document = validated_document(schema, tuple(self.validation_rules), query)
        except GraphQLError as error:
            return ExecutionResult(data=None, errors=[error])
        except InvalidDocument as invalid:
            return ExecutionResult(data=None, errors=invalid.errors)
        operation = get_operation_ast(document, operation_name)
        if (
            request.method is not None
            and request.method.lower() == "get"
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"], f"Can only perform a {operation.operation.value} from a POST request."
                )
            )
        try:
            result = execute(
                schema,
                document,
                root_value=self.get_root_value(request),
                context_value=self.get_context(request),
                variable_values=variables,
                operation_name=operation_name,
                middleware=self.get_middleware(request),
                execution_context_class=self.execution_context_class,
            )
        except Exception as error:  # reported as a GraphQL error, as graphene does
            return ExecutionResult(
                data=None, errors=[GraphQLError(str(error), original_error=error)]
            )
        assert isinstance(result, ExecutionResult)  # no async resolvers: never awaitable
        return result
