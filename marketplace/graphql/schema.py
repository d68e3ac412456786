"""The GraphQL schema root: each domain's Query and Mutation classes, merged."""

from __future__ import annotations

import graphene
from graphene import relay

from marketplace.graphql.accounts import schema as accounts
from marketplace.graphql.checkout import schema as checkout
from marketplace.graphql.governance import schema as governance
from marketplace.graphql.orders import schema as orders
from marketplace.graphql.payments import schema as payments
from marketplace.graphql.search import schema as search
from marketplace.graphql.towns import schema as towns
from marketplace.graphql.vendors import schema as vendors


class Query(
    accounts.Query,
    towns.Query,
    vendors.Query,
    checkout.Query,
    orders.Query,
    payments.Query,
    governance.Query,
    search.Query,
    graphene.ObjectType,
):
    node = relay.Node.Field()


class Mutation(
    accounts.Mutation,
    vendors.Mutation,
    checkout.Mutation,
    orders.Mutation,
    payments.Mutation,
    governance.Mutation,
    search.Mutation,
    graphene.ObjectType,
):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
