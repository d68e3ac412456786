from __future__ import annotations

from django.db.models import QuerySet

from marketplace.accounts.models import User
from marketplace.governance.models import CommissionRule
from marketplace.graphql.core.dataloaders import ByForeignKeyLoader, ByIdLoader


class CommissionRuleByIdLoader(ByIdLoader[CommissionRule]):
    def queryset(self) -> QuerySet[CommissionRule]:
        return CommissionRule.objects.all()


class NextVersionsByRuleIdLoader(ByForeignKeyLoader[CommissionRule]):
    """The version that replaced a rule (a list of zero or one)."""

    field = "previous"

    def queryset(self) -> QuerySet[CommissionRule]:
        return CommissionRule.objects.all()


class UserByIdLoader(ByIdLoader[User]):
    def queryset(self) -> QuerySet[User]:
        return User.objects.all()
