"""The /graphql/ endpoint: dataloader-aware execution, depth and cost limits, GraphiQL."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_file_upload.django import FileUploadGraphQLView

from marketplace.graphql.core.execution import DataLoaderExecutionContext
from marketplace.graphql.core.limits import QueryCostRule, depth_limit_rule


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(FileUploadGraphQLView):  # type: ignore[misc]
    """GraphQL over HTTP; multipart uploads follow the GraphQL multipart request spec."""

    execution_context_class = DataLoaderExecutionContext

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validation_rules", (depth_limit_rule(), QueryCostRule))
        super().__init__(**kwargs)

    def get_context(self, request: HttpRequest) -> HttpRequest:
        return request
