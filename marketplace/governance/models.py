"""The association's levers: commission rules, per-town settings, and the audit log."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class CommissionRule(models.Model):
    """One version of a commission rule. A rule that has been used is never edited.

    Scope: `town` alone, `town + category`, `town + vendor` or `town + vendor + category`.
    Window: [valid_from, valid_until); `valid_until` null means open-ended. Changing a rule ends
    this version and creates a new one pointing back at it through `previous`.
    """

    town = models.ForeignKey(
        "towns.Town",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commission_rules",
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    percentage = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("0"))
    fixed_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    min_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    max_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    # The version this one replaces (commissionRuleUpdate); null for a first version.
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    # When an administrator ended (or superseded) this version, if ever.
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["town", "valid_from"], name="commission_rule_town_from")]
        constraints = [
            models.CheckConstraint(
                condition=Q(percentage__gte=0) & Q(percentage__lte=100),
                name="commission_rule_percentage_0_100",
            ),
            models.CheckConstraint(
                condition=Q(fixed_amount__gte=0), name="commission_rule_fixed_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(min_amount__isnull=True) | Q(min_amount__gte=0))
                & (Q(max_amount__isnull=True) | Q(max_amount__gte=0)),
                name="commission_rule_bounds_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(min_amount__isnull=True)
                | Q(max_amount__isnull=True)
                | Q(min_amount__lte=F("max_amount")),
                name="commission_rule_min_le_max",
            ),
            # An ended version may have an empty window (ended before it started: never applied).
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="commission_rule_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.percentage}% + {self.fixed_amount}"

    @property
    def scope(self) -> str:
        if self.vendor_id and self.category_id:
            return CommissionScope.VENDOR_CATEGORY
        if self.vendor_id:
            return CommissionScope.VENDOR
        if self.category_id:
            return CommissionScope.CATEGORY
        return CommissionScope.TOWN


class CommissionScope(models.TextChoices):
    """From the most specific to the least; the global default is settings' percentage."""

    VENDOR_CATEGORY = "vendor_category", _("Shop and category")
    VENDOR = "vendor", _("Shop")
    CATEGORY = "category", _("Category")
    TOWN = "town", _("Town")


class StripeFeesPayer(models.TextChoices):
    ASSOCIATION = "association", _("The association")
    VENDOR = "vendor", _("The shop")


class TownSettings(models.Model):
    """A town's governance settings. A town without a row uses the defaults below."""

    town = models.OneToOneField(
        "towns.Town", on_delete=models.CASCADE, related_name="governance_settings"
    )
    # Whether the commission is given back (to the shop's payout) when a shop order is refunded.
    refund_commission = models.BooleanField(default=True)
    stripe_fees_payer = models.CharField(
        max_length=16, choices=StripeFeesPayer.choices, default=StripeFeesPayer.ASSOCIATION
    )
    # What one checkout may hold (its reservations): no buyer can hoard a shop's stock.
    checkout_max_units_per_variant = models.PositiveIntegerField(default=50)
    checkout_max_units = models.PositiveIntegerField(default=200)
    # Whether the public audit log names the staff member who acted (else only their role).
    audit_show_staff_names = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "town settings"

    def __str__(self) -> str:
        return f"settings of {self.town_id}"


class AuditAction(models.TextChoices):
    VENDOR_APPROVE = "vendor.approve", _("Shop approved")
    VENDOR_SUSPEND = "vendor.suspend", _("Shop suspended")
    VENDOR_REINSTATE = "vendor.reinstate", _("Shop reinstated")
    COMMISSION_RULE_CREATE = "commission_rule.create", _("Commission rule created")
    COMMISSION_RULE_UPDATE = "commission_rule.update", _("Commission rule changed")
    COMMISSION_RULE_END = "commission_rule.end", _("Commission rule ended")
    TOWN_SETTINGS_UPDATE = "town_settings.update", _("Town settings changed")
    TOWN_STAFF_GRANT = "town_staff.grant", _("Staff role granted")
    TOWN_STAFF_REVOKE = "town_staff.revoke", _("Staff role revoked")
    # What the staff do to customers' orders (staff-only, like the roles).
    ORDER_CANCEL = "order.cancel", _("Unpaid order cancelled")
    SHOP_ORDER_CANCEL = "shop_order.cancel", _("Shop's part of an order cancelled")
    SHOP_ORDER_REFUND = "shop_order.refund", _("Refund asked")


# Actions everyone may read (rules, shop decisions, settings); staff changes are staff-only.
PUBLIC_ACTIONS = frozenset(
    {
        AuditAction.VENDOR_APPROVE,
        AuditAction.VENDOR_SUSPEND,
        AuditAction.VENDOR_REINSTATE,
        AuditAction.COMMISSION_RULE_CREATE,
        AuditAction.COMMISSION_RULE_UPDATE,
        AuditAction.COMMISSION_RULE_END,
        AuditAction.TOWN_SETTINGS_UPDATE,
    }
)


class AuditEntry(models.Model):
    """One governance action: who, what, when, why, and the object before and after. Append-only."""

    town = models.ForeignKey(
        "towns.Town", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_log"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's role when acting ("admin", "moderator", "superuser"): kept if the user goes.
    actor_role = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    reason = models.TextField(blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["town", "-id"], name="audit_entry_town_id")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"
