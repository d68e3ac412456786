"""The association's levers: commission rules. (Approval, audit log: see the governance issue.)"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class CommissionRule(models.Model):
    """One version of a commission rule. A rule that has been used is never edited."""

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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "-id"]

    def __str__(self) -> str:
        return f"{self.percentage}% + {self.fixed_amount}"
