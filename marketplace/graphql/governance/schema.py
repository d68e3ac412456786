"""GraphQL queries and mutations of the governance domain.

Public (no account): commissionRules, townSettings, auditLog (its public part), transparencyReport.
Town staff: townStaff, the staff-only part of auditLog, and the mutations (admins for rules,
settings and roles; admins and moderators for shop decisions). Shop members: vendorDataExport.
"""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from graphql import GraphQLError

from marketplace.governance.audit import audit_entries
from marketplace.governance.data_export import vendor_data_export
from marketplace.governance.rules import commission_rules_of_town
from marketplace.governance.town_settings import governance_settings_for
from marketplace.governance.transparency import transparency_report
from marketplace.graphql.core.ids import decode_id_or_none
from marketplace.graphql.core.pagination import paginate_queryset
from marketplace.graphql.governance import types
from marketplace.graphql.governance.mutations.account_data_export import AccountDataExport
from marketplace.graphql.governance.mutations.account_delete import AccountDelete
from marketplace.graphql.governance.mutations.commission_rule_create import (
    CommissionRuleCreate,
)
from marketplace.graphql.governance.mutations.commission_rule_end import CommissionRuleEnd
from marketplace.graphql.governance.mutations.commission_rule_update import (
    CommissionRuleUpdate,
)
from marketplace.graphql.governance.mutations.town_settings_update import TownSettingsUpdate
from marketplace.graphql.governance.mutations.town_staff_grant import TownStaffGrant
from marketplace.graphql.governance.mutations.town_staff_revoke import TownStaffRevoke
from marketplace.graphql.governance.mutations.vendor_approve import VendorApprove
from marketplace.graphql.governance.mutations.vendor_reinstate import VendorReinstate
from marketplace.graphql.governance.mutations.vendor_suspend import VendorSuspend
from marketplace.towns.access import is_town_staff
from marketplace.towns.models import Town, TownStaff
from vendors.access import is_vendor_member
from vendors.models import Vendor


def _town(slug: str) -> Town | None:
    return Town.objects.filter(slug=slug).first()


class Query(graphene.ObjectType):
    commission_rules = graphene.List(
        graphene.NonNull(types.CommissionRuleType),
        required=True,
        town=graphene.String(required=True),
        description="Every version of the town's commission rules, current and past, newest "
        "first (see `status`, `previous`, `next`). Public.",
    )
    town_settings = graphene.Field(
        types.TownSettingsType,
        town=graphene.String(required=True),
        description="The town's governance settings. Public.",
    )
    audit_log = graphene.Field(
        types.AuditEntryConnection,
        town=graphene.String(required=True),
        first=graphene.Int(),
        after=graphene.String(),
        description="The town's governance actions, newest first. Public for rules, shop "
        "decisions and settings; the town's staff also see staff changes.",
    )
    transparency_report = graphene.Field(
        types.TransparencyReportType,
        town=graphene.String(required=True),
        year=graphene.Int(required=True),
        month=graphene.Int(required=True),
        description="A town's month of money movements, from the ledger. Public.",
    )
    town_staff = graphene.List(
        graphene.NonNull(types.TownStaffType),
        required=True,
        town=graphene.String(required=True),
        description="The town's association staff (town staff only; empty otherwise).",
    )
    vendor_data_export = graphene.JSONString(
        id=graphene.ID(required=True),
        description="All of a shop's data as JSON (its members only; null otherwise).",
    )

    @staticmethod
    def resolve_commission_rules(_root: Any, _info: Any, town: str) -> Any:
        found = _town(town)
        return list(commission_rules_of_town(town_id=found.pk)) if found else []

    @staticmethod
    def resolve_town_settings(_root: Any, _info: Any, town: str) -> Any:
        found = _town(town)
        return governance_settings_for(found.pk) if found else None

    @staticmethod
    def resolve_audit_log(
        _root: Any, info: Any, town: str, first: int | None = None, after: str | None = None
    ) -> Any:
        found = _town(town)
        if found is None:
            return None
        queryset = audit_entries(
            town_id=found.pk, include_private=is_town_staff(info.context.user, found.pk)
        )
        return paginate_queryset(types.AuditEntryConnection, queryset, first=first, after=after)

    @staticmethod
    def resolve_transparency_report(
        _root: Any, _info: Any, town: str, year: int, month: int
    ) -> Any:
        found = _town(town)
        if found is None:
            return None
        try:
            report = transparency_report(town=found, year=year, month=month)
        except ValidationError as error:
            raise GraphQLError(
                _("Give a month between 1 and 12 of a year between 2000 and 2999."),
                extensions={"code": "INVALID_PERIOD", "field": "month"},
            ) from error
        return types.report_to_graphql(report)

    @staticmethod
    def resolve_town_staff(_root: Any, info: Any, town: str) -> Any:
        found = _town(town)
        if found is None or not is_town_staff(info.context.user, found.pk):
            return []
        return list(TownStaff.objects.filter(town=found).order_by("role", "id"))

    @staticmethod
    def resolve_vendor_data_export(_root: Any, info: Any, id: str) -> Any:
        pk = decode_id_or_none(id, "Vendor")
        if pk is None or not Vendor.objects.filter(pk=pk).exists():
            return None
        if not is_vendor_member(info.context.user, pk):
            return None
        return vendor_data_export(vendor_id=pk)


class Mutation(graphene.ObjectType):
    town_staff_grant = TownStaffGrant.Field()
    town_staff_revoke = TownStaffRevoke.Field()
    vendor_approve = VendorApprove.Field()
    vendor_suspend = VendorSuspend.Field()
    vendor_reinstate = VendorReinstate.Field()
    commission_rule_create = CommissionRuleCreate.Field()
    commission_rule_update = CommissionRuleUpdate.Field()
    commission_rule_end = CommissionRuleEnd.Field()
    town_settings_update = TownSettingsUpdate.Field()
    account_data_export = AccountDataExport.Field()
    account_delete = AccountDelete.Field()
