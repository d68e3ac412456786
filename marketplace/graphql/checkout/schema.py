"""GraphQL queries and mutations of the checkout domain (filled in by its issue)."""

from __future__ import annotations

import graphene


class Query(graphene.ObjectType):
    pass


class Mutation(graphene.ObjectType):
    pass
