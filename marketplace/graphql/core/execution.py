"""GraphQL execution that resolves dataloader futures (graphql-sync-dataloaders).

graphql-core 3.2.4+ passes the field's path to `handle_field_error`; the library's execution
context still calls it without one, so the path is rebuilt from the error here.
"""

from __future__ import annotations

from graphql import GraphQLError, GraphQLOutputType
from graphql.pyutils import Path
from graphql_sync_dataloaders import DeferredExecutionContext


class DataLoaderExecutionContext(DeferredExecutionContext):
    def handle_field_error(
        self, error: GraphQLError, return_type: GraphQLOutputType, path: Path | None = None
    ) -> None:
        if path is None:
            for key in error.path or ():
                path = Path(path, key, None)
        super().handle_field_error(error, return_type, path)  # type: ignore[arg-type]


__all__ = ["DataLoaderExecutionContext"]
