"""GraphQL execution that resolves dataloader futures (graphql-sync-dataloaders).

graphql-core 3.2.4+ passes the field's path to `handle_field_error`; the library's execution
context still calls it without one, so the path is rebuilt from the error here.

An error raised by a resolver reaches the client with its message only when it was meant for
the client (GraphQLError, a permission or validation error, graphene's own messages about ids);
a conflict PostgreSQL ended (a deadlock) is answered CONFLICT, to be sent again; anything else (a
database error, a bug) is logged with its traceback and answered with a generic message, so no
internal text (SQL, constraint names, file paths) leaks.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy
from graphql import GraphQLError, GraphQLOutputType
from graphql.pyutils import Path
from graphql_sync_dataloaders import DeferredExecutionContext

from marketplace.core.conflicts import is_conflict

logger = logging.getLogger(__name__)

INTERNAL_ERROR_MESSAGE = gettext_lazy("Internal error: it has been logged; please try again later.")
CONFLICT_MESSAGE = gettext_lazy(
    "Someone changed the same data at the same moment: nothing was saved. Please try again."
)
_FOR_THE_CLIENT = (GraphQLError, PermissionDenied, ValidationError, ObjectDoesNotExist)


def _meant_for_the_client(error: BaseException | None) -> bool:
    # graphene raises plain `Exception` with a message for an id of the wrong type or shape.
    return error is None or type(error) is Exception or isinstance(error, _FOR_THE_CLIENT)


def internal_error(error: BaseException, *, located: GraphQLError | None = None) -> GraphQLError:
    """The generic error for an unexpected exception, which is logged."""
    path = located.path if located else None
    logger.error("GraphQL internal error at %s", path, exc_info=error)
    return GraphQLError(
        str(INTERNAL_ERROR_MESSAGE),
        nodes=located.nodes if located else None,
        path=path,
        extensions={"code": "INTERNAL_ERROR"},
    )


def client_facing(error: GraphQLError) -> GraphQLError:
    if error.original_error is None or _meant_for_the_client(error.original_error):
        return error
    if is_conflict(error.original_error):
        # PostgreSQL ended the request's transaction to let another one go on: not a bug.
        logger.warning("GraphQL conflict at %s: %s", error.path, error.original_error)
        return GraphQLError(
            str(CONFLICT_MESSAGE),
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "CONFLICT"},
        )
    return internal_error(error.original_error, located=error)


class DataLoaderExecutionContext(DeferredExecutionContext):
    def handle_field_error(
        self, error: GraphQLError, return_type: GraphQLOutputType, path: Path | None = None
    ) -> None:
        if path is None:
            for key in error.path or ():
                path = Path(path, key, None)
        super().handle_field_error(client_facing(error), return_type, path)


__all__ = ["DataLoaderExecutionContext"]
