from __future__ import annotations

from typing import Any

import graphene
from django.utils import timezone
from graphene import relay

from marketplace.governance.error_codes import GovernanceErrorCode
from marketplace.governance.models import (
    AuditAction,
    AuditEntry,
    CommissionRule,
    CommissionScope,
    StripeFeesPayer,
)
from marketplace.governance.town_settings import governance_settings_for
from marketplace.graphql.core.dataloaders import then
from marketplace.graphql.core.errors import error_type
from marketplace.graphql.core.pagination import CountableConnection
from marketplace.graphql.core.scalars import Decimal, Money
from marketplace.graphql.governance import dataloaders as gov_loaders
from marketplace.graphql.vendors import dataloaders as loaders
from marketplace.graphql.vendors.types import CategoryType, VendorType, vendor_is_visible
from marketplace.towns.access import is_town_staff
from marketplace.towns.models import TownStaff, TownStaffRole

GovernanceError = error_type("GovernanceError", GovernanceErrorCode)
TownStaffRoleEnum = graphene.Enum.from_enum(TownStaffRole, name="TownStaffRole")
CommissionScopeEnum = graphene.Enum.from_enum(CommissionScope, name="CommissionScope")
StripeFeesPayerEnum = graphene.Enum.from_enum(StripeFeesPayer, name="StripeFeesPayer")
AuditActionEnum = graphene.Enum(
    "AuditAction",
    [(value.replace(".", "_").upper(), value) for value in AuditAction.values],
)


class CommissionRuleStatus(graphene.Enum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    ENDED = "ended"
    SUPERSEDED = "superseded"


class CommissionRuleType(graphene.ObjectType):
    class Meta:
        name = "CommissionRule"
        interfaces = (relay.Node,)
        possible_types = (CommissionRule,)
        description = "One version of a commission rule; changes create new versions."

    town = graphene.Field("marketplace.graphql.towns.types.TownType")
    vendor = graphene.Field(VendorType, description="For one shop only; null for all shops.")
    category = graphene.Field(CategoryType, description="For shops of this category (or below).")
    scope = graphene.Field(CommissionScopeEnum, required=True)
    percentage = graphene.Field(Decimal, required=True, description="Percent of the goods.")
    fixed_amount = graphene.Field(Money, required=True, description="Per shop order.")
    min_amount = graphene.Field(Money)
    max_amount = graphene.Field(Money)
    valid_from = graphene.DateTime(required=True)
    valid_until = graphene.DateTime(description="Exclusive; null: until further notice.")
    ended_at = graphene.DateTime(description="When it was ended or superseded, if it was.")
    status = graphene.Field(CommissionRuleStatus, required=True)
    previous = graphene.Field(lambda: CommissionRuleType, description="The version it replaced.")
    next = graphene.Field(lambda: CommissionRuleType, description="The version replacing it.")
    created_at = graphene.DateTime(required=True)

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:
        return gov_loaders.CommissionRuleByIdLoader(info.context).load(int(pk))

    @staticmethod
    def resolve_town(root: CommissionRule, info: Any) -> Any:
        if root.town_id is None:
            return None
        return loaders.TownByIdLoader(info.context).load(root.town_id)

    @staticmethod
    def resolve_vendor(root: CommissionRule, info: Any) -> Any:
        if root.vendor_id is None:
            return None
        return then(
            loaders.VendorByIdLoader(info.context).load(root.vendor_id),
            lambda vendor: vendor if vendor_is_visible(info, vendor) else None,
        )

    @staticmethod
    def resolve_category(root: CommissionRule, info: Any) -> Any:
        if root.category_id is None:
            return None
        return loaders.CategoryByIdLoader(info.context).load(root.category_id)

    @staticmethod
    def resolve_scope(root: CommissionRule, _info: Any) -> Any:
        return root.scope

    @staticmethod
    def _money(root: CommissionRule, info: Any, amount: Any) -> Any:
        if root.town_id is None:
            return Money.of(amount, "EUR")
        return then(
            loaders.TownByIdLoader(info.context).load(root.town_id),
            lambda town: Money.of(amount, town.currency),
        )

    @staticmethod
    def resolve_fixed_amount(root: CommissionRule, info: Any) -> Any:
        return CommissionRuleType._money(root, info, root.fixed_amount)

    @staticmethod
    def resolve_min_amount(root: CommissionRule, info: Any) -> Any:
        return CommissionRuleType._money(root, info, root.min_amount)

    @staticmethod
    def resolve_max_amount(root: CommissionRule, info: Any) -> Any:
        return CommissionRuleType._money(root, info, root.max_amount)

    @staticmethod
    def resolve_status(root: CommissionRule, info: Any) -> Any:
        now = timezone.now()

        def status(next_versions: list[CommissionRule]) -> str:
            if next_versions:
                return CommissionRuleStatus.SUPERSEDED
            if root.valid_until is not None and root.valid_until <= now:
                return CommissionRuleStatus.ENDED
            if root.valid_from > now:
                return CommissionRuleStatus.SCHEDULED
            return CommissionRuleStatus.ACTIVE

        return then(gov_loaders.NextVersionsByRuleIdLoader(info.context).load(root.pk), status)

    @staticmethod
    def resolve_previous(root: CommissionRule, info: Any) -> Any:
        if root.previous_id is None:
            return None
        return gov_loaders.CommissionRuleByIdLoader(info.context).load(root.previous_id)

    @staticmethod
    def resolve_next(root: CommissionRule, info: Any) -> Any:
        return then(
            gov_loaders.NextVersionsByRuleIdLoader(info.context).load(root.pk),
            lambda items: items[0] if items else None,
        )


class TownStaffType(graphene.ObjectType):
    class Meta:
        name = "TownStaff"

    email = graphene.String(required=True)
    role = graphene.Field(TownStaffRoleEnum, required=True)
    town = graphene.Field("marketplace.graphql.towns.types.TownType", required=True)
    created_at = graphene.DateTime()

    @staticmethod
    def resolve_email(root: TownStaff, info: Any) -> Any:
        return then(
            gov_loaders.UserByIdLoader(info.context).load(root.user_id),
            lambda user: user.email if user else "",
        )

    @staticmethod
    def resolve_role(root: TownStaff, _info: Any) -> Any:
        return root.role

    @staticmethod
    def resolve_town(root: TownStaff, info: Any) -> Any:
        return loaders.TownByIdLoader(info.context).load(root.town_id)


class TownSettingsType(graphene.ObjectType):
    class Meta:
        name = "TownSettings"
        description = "A town's governance settings (defaults when never changed)."

    refund_commission = graphene.Boolean(
        required=True, description="Whether a refund gives the commission back too."
    )
    stripe_fees_payer = graphene.Field(StripeFeesPayerEnum, required=True)
    checkout_max_units_per_variant = graphene.Int(
        required=True, description="The most units of one variant one checkout may hold."
    )
    checkout_max_units = graphene.Int(
        required=True, description="The most units in all one checkout may hold."
    )
    audit_show_staff_names = graphene.Boolean(
        required=True,
        description="Whether the public audit log names the staff member (else only the role).",
    )


def audit_names_visible(info: Any, town_id: int) -> bool:
    """The town's staff see who acted; the public too when the town decided so (per request)."""
    memo: dict[int, bool] = info.context.__dict__.setdefault("_audit_names_visible", {})
    if town_id not in memo:
        memo[town_id] = is_town_staff(info.context.user, town_id) or (
            governance_settings_for(town_id).audit_show_staff_names
        )
    return memo[town_id]


class AuditEntryType(graphene.ObjectType):
    class Meta:
        name = "AuditEntry"
        description = "One governance action: who, what, when, why, before and after."

    id = graphene.ID(required=True)
    action = graphene.Field(AuditActionEnum, required=True)
    object_type = graphene.String(required=True)
    object_id = graphene.ID(required=True, description="Global id of the object acted on.")
    actor_name = graphene.String(
        required=True,
        description="Empty when the account is gone, and for the public unless the town "
        "shows its staff's names (auditShowStaffNames); the role is always shown.",
    )
    actor_role = graphene.String(required=True)
    reason = graphene.String(required=True)
    before = graphene.JSONString()
    after = graphene.JSONString()
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_id(root: AuditEntry, _info: Any) -> str:
        return str(root.pk)

    @staticmethod
    def resolve_action(root: AuditEntry, _info: Any) -> Any:
        return root.action

    @staticmethod
    def resolve_object_id(root: AuditEntry, _info: Any) -> str:
        names = {"vendor": "Vendor", "commissionrule": "CommissionRule"}
        name = names.get(root.object_type)
        return relay.Node.to_global_id(name, root.object_id) if name else str(root.object_id)

    @staticmethod
    def resolve_actor_name(root: AuditEntry, info: Any) -> Any:
        if (
            root.actor_id is None
            or root.town_id is None
            or not audit_names_visible(info, root.town_id)
        ):
            return ""
        return then(
            gov_loaders.UserByIdLoader(info.context).load(root.actor_id),
            lambda user: f"{user.first_name} {user.last_name}".strip() if user else "",
        )

    @staticmethod
    def resolve_before(root: AuditEntry, _info: Any) -> Any:
        return root.before

    @staticmethod
    def resolve_after(root: AuditEntry, _info: Any) -> Any:
        return root.after


class AuditEntryConnection(CountableConnection):
    class Meta:
        node = AuditEntryType


class CategoryFigures(graphene.ObjectType):
    category = graphene.String(description="The shops' main category slug; null: uncategorised.")
    gross = graphene.Field(Money, required=True)
    commission = graphene.Field(Money, required=True)


class TransparencyReportType(graphene.ObjectType):
    class Meta:
        name = "TransparencyReport"
        description = "A town's month, computed from the ledger (months in the town's timezone)."

    town = graphene.String(required=True)
    year = graphene.Int(required=True)
    month = graphene.Int(required=True)
    orders = graphene.Int(required=True, description="Orders charged in the month.")
    gross = graphene.Field(Money, required=True, description="Σ charges (goods + delivery).")
    commission = graphene.Field(
        Money, required=True, description="Net commission: charged − refunded."
    )
    commission_charged = graphene.Field(Money, required=True)
    commission_refunded = graphene.Field(Money, required=True)
    stripe_fees = graphene.Field(Money, required=True)
    transfers = graphene.Field(
        Money, required=True, description="Net paid to shops: transfers − reversals."
    )
    reversals = graphene.Field(Money, required=True)
    refunds = graphene.Field(Money, required=True, description="Σ refunds to customers.")
    disputes = graphene.Field(
        Money,
        required=True,
        description="Chargebacks: taken back by the customers' banks − won back.",
    )
    by_category = graphene.List(graphene.NonNull(CategoryFigures), required=True)


def report_to_graphql(report: Any) -> dict[str, Any]:
    currency = report.currency

    def money(value: Any) -> Any:
        return Money.of(value, currency)

    return {
        "town": report.town_slug,
        "year": report.year,
        "month": report.month,
        "orders": report.orders,
        "gross": money(report.gross),
        "commission": money(report.commission),
        "commission_charged": money(report.commission_charged),
        "commission_refunded": money(report.commission_refunded),
        "stripe_fees": money(report.stripe_fees),
        "transfers": money(report.transfers),
        "reversals": money(report.reversals),
        "refunds": money(report.refunds),
        "disputes": money(report.disputes),
        "by_category": [
            {
                "category": row.category,
                "gross": money(row.gross),
                "commission": money(row.commission),
            }
            for row in report.by_category
        ],
    }
