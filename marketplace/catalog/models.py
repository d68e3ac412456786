"""The shared category taxonomy, governed by the association."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Category(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=128)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # VAT rate (percent) applied by default to the products of this category.
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("20.00"))

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name
