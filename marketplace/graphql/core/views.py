"""The /graphql/ endpoint: dataloader-aware execution, depth and cost limits, GraphiQL.

A query text is parsed and validated once, then its document is kept (least recently used, a
bounded number): clients send the same few operations over and over, with other variables.
Only valid documents are kept, so invalid queries cannot fill the cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView as GrapheneView
from graphene_django.views import HttpError
from graphene_file_upload.django import FileUploadGraphQLView
from graphene_file_upload.utils import place_files_in_operations
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

from marketplace.graphql.core.execution import DataLoaderExecutionContext, internal_error
from marketplace.graphql.core.limits import QueryLimits, limit_rules

CACHED_DOCUMENTS = 500


class InvalidDocument(Exception):
    def __init__(self, errors: list[GraphQLError]) -> None:
        super().__init__(errors)
        self.errors = errors


def _validated(schema: GraphQLSchema, query: str, limits: QueryLimits) -> DocumentNode:
    """The parsed document, or GraphQLError (syntax) / InvalidDocument (validation).

    Our limits run only once the specification's rules passed: every fragment then exists and
    none spreads itself, so the limits never meet an impossible document.
    """
    document = parse(query, max_tokens=limits.max_tokens)
    max_errors = graphene_settings.MAX_VALIDATION_ERRORS
    errors = validate(schema, document, specified_rules, max_errors)
    if not errors:
        errors = validate(schema, document, limit_rules(limits), max_errors)
    if errors:
        raise InvalidDocument(errors)
    return document


_validated_cached = lru_cache(maxsize=CACHED_DOCUMENTS)(_validated)


def validated_document(schema: GraphQLSchema, query: str, limits: QueryLimits) -> DocumentNode:
    """Documents are at most `max_bytes` long, so every valid one may be kept."""
    if len(query.encode("utf-8", errors="replace")) > limits.max_bytes:
        raise GraphQLError(
            _("The query is longer than the limit of %(limit)s bytes.")
            % {"limit": limits.max_bytes},
            extensions={"code": "QUERY_TOO_LARGE"},
        )
    return _validated_cached(schema, query, limits)


def _bad_request(message: str) -> HttpError:
    return HttpError(HttpResponseBadRequest(message))


def _multipart_operations(request: HttpRequest) -> dict[str, Any]:
    """The operations of a GraphQL multipart request, with its files in place, or 400."""
    try:
        operations = json.loads(request.POST["operations"])
        files_map = json.loads(request.POST.get("map", "{}"))
    except ValueError as error:
        raise _bad_request(_("The operations and map fields must be JSON.")) from error
    if not isinstance(operations, dict):
        raise _bad_request(_("The operations field must be a JSON object."))
    if not isinstance(files_map, dict) or not all(
        isinstance(paths, list) and all(isinstance(path, str) for path in paths)
        for paths in files_map.values()
    ):
        raise _bad_request(_("The map field must map each file key to a list of paths."))
    missing = sorted(key for key in files_map if key not in request.FILES)
    if missing:
        raise _bad_request(
            _("The map names files that were not sent: %(keys)s.") % {"keys": ", ".join(missing)}
        )
    try:
        placed = place_files_in_operations(operations, files_map, request.FILES)
    except (KeyError, IndexError, ValueError, TypeError) as error:
        raise _bad_request("A path of the map does not lead to a null value.") from error
    return placed  # type: ignore[no-any-return]


GRAPHIQL_CSP = {
    "script-src": ["https://cdn.jsdelivr.net", "'unsafe-inline'"],
    "style-src": ["https://cdn.jsdelivr.net", "'unsafe-inline'"],
    "font-src": ["https://cdn.jsdelivr.net", "data:"],
}
_CSRF = CsrfViewMiddleware(lambda _request: HttpResponse())


def _csrf_protected(_request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    return HttpResponse()


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """A 403 for a POST authenticated by the session cookie without a valid CSRF token.

    A call with `Authorization: Bearer` carries no ambient authority: no token needed. GraphiQL
    sends the csrftoken cookie's value in X-CSRFToken (the view sets the cookie).
    """
    if request.method != "POST" or request.headers.get("Authorization", "").lower().startswith(
        "bearer "
    ):
        return None
    if not request.user.is_authenticated:
        return None
    if _CSRF.process_view(request, _csrf_protected, (), {}):
        return JsonResponse(
            {
                "errors": [
                    {
                        "message": "CSRF token missing or incorrect: send the csrftoken cookie's "
                        "value in X-CSRFToken, or authenticate with Authorization: Bearer.",
                        "extensions": {"code": "CSRF_FAILED"},
                    }
                ]
            },
            status=403,
        )
    return None


# graphene's dispatch without its ensure_csrf_cookie (method_decorator keeps the function).
_UNDECORATED_DISPATCH: Callable[..., HttpResponse] = GrapheneView.dispatch.__wrapped__


# The middleware's check is replaced by `_csrf_refusal`: only session-authenticated calls need it.
@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(FileUploadGraphQLView):
    """GraphQL over HTTP; multipart uploads follow the GraphQL multipart request spec."""

    execution_context_class = DataLoaderExecutionContext

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = _csrf_refusal(request)
        if refusal is not None:
            return refusal
        if request.method == "GET":  # GraphiQL's page: graphene's view sets the csrftoken cookie
            page: HttpResponse = super().dispatch(request, *args, **kwargs)
            return page
        # An API call: no CSRF token drawn and cookie set at every POST (GraphiQL has its
        # cookie from its page; a session-authenticated POST is checked by `_csrf_refusal`).
        return _UNDECORATED_DISPATCH(self, request, *args, **kwargs)

    def render_graphiql(self, request: HttpRequest, **data: Any) -> HttpResponse:
        """GraphiQL's page loads its scripts and styles from jsDelivr and configures itself
        inline: the site's content security policy is widened for this page only."""
        response: HttpResponse = super().render_graphiql(request, **data)
        response._csp_update = GRAPHIQL_CSP  # type: ignore[attr-defined]  # read by django-csp
        return response

    def parse_body(self, request: HttpRequest) -> Any:
        if self.get_content_type(request) == "multipart/form-data" and "operations" in request.POST:
            return _multipart_operations(request)
        return super().parse_body(request)

    @staticmethod
    def get_graphql_params(request: HttpRequest, data: Any) -> tuple[Any, Any, Any, Any]:
        """The query, variables and operation name, each of the type the spec says, or 400."""
        if not isinstance(data, dict):
            raise _bad_request(_("The request body must be a JSON object."))
        query, variables, operation_name, id_ = GrapheneView.get_graphql_params(request, data)
        if query is not None and not isinstance(query, str):
            raise _bad_request(_("query must be a string."))
        if variables is not None and not isinstance(variables, dict):
            raise _bad_request(_("variables must be a JSON object."))
        if operation_name is not None and not isinstance(operation_name, str):
            raise _bad_request(_("operationName must be a string."))
        return query, variables, operation_name, id_

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
            raise HttpError(HttpResponseBadRequest(_("Must provide query string.")))
        schema = self.schema.graphql_schema
        try:
            document = validated_document(schema, query, QueryLimits.from_settings())
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
        except Exception as error:  # reported as a GraphQL error without its internal text
            return ExecutionResult(data=None, errors=[internal_error(error)])
        assert isinstance(result, ExecutionResult)  # no async resolvers: never awaitable
        return result
