"""The GraphQL schema root: each domain's Query and Mutation classes, merged."""

from __future__ import annotations

import graphene
from graphene import relay

from marketplace.graphql.accounts import schema as accounts
from marketplace.graphql.towns import schema as towns
from marketplace.graphql.vendors import schema as vendors


class Query(accounts.Query, towns.Query, vendors.Query, graphene.ObjectType):
    node = relay.Node.Field()


class Mutation(accounts.Mutation, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
