"""A Checkout is a cart in one town: lines of any of its approved shops, one delivery choice per
shop, and the stock they reserve for a while."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from marketplace.accounts.models import EMAIL_MAX_LENGTH
from marketplace.orders.models import CUSTOMER_NAME_MAX_LENGTH


class Checkout(models.Model):
    # The id is the unguessable token a guest uses to reach the checkout.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    town = models.ForeignKey("towns.Town", on_delete=models.CASCADE, related_name="checkouts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checkouts",
    )
    email = models.EmailField(max_length=EMAIL_MAX_LENGTH, blank=True)
    # Contact for the shops (web checkout): who the order is for, a phone, and an address when a
    # shop delivers.
    customer_name = models.CharField(max_length=CUSTOMER_NAME_MAX_LENGTH, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    delivery_address = models.TextField(max_length=500, blank=True)
    language = models.CharField(max_length=8, default="fr")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.id)


class CheckoutLine(models.Model):
    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("vendors.Variant", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["checkout_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkout", "variant"], name="checkout_line_one_per_variant"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="checkout_line_quantity_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id}"


class CheckoutDelivery(models.Model):
    """The delivery method chosen for one shop of a checkout (absent: the shop's default)."""

    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="deliveries")
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checkout", "vendor"], name="checkout_delivery_one_per_vendor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor_id}: {self.method}"


class Reservation(models.Model):
    """Stock held for a checkout's line until `expires_at`; it stops counting at that instant."""

    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="reservations")
    variant = models.ForeignKey("vendors.Variant", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checkout", "variant"], name="reservation_one_per_variant"
            ),
        ]
        indexes = [models.Index(fields=["variant", "expires_at"], name="reservation_active")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id} until {self.expires_at}"
