"""An Order is what a customer paid once; it splits into one ShopOrder per shop."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from marketplace.accounts.models import EMAIL_MAX_LENGTH
from marketplace.core.money import ZERO, equal_to_the_cent
from marketplace.orders.reasons import status_reason_text

# A person's name as they write it for the shops ("Camille Martin"): one line.
CUSTOMER_NAME_MAX_LENGTH = 150


class OrderStatus(models.TextChoices):
    UNPAID = "unpaid", _("Awaiting payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED = "closed", _("Closed")


class ShopOrderStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    PAID = "paid", _("Paid")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    READY = "ready", _("Ready")
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class Order(models.Model):
    number = models.CharField(max_length=32)  # unique: Meta (no LIKE index: see `indexes`)
    # The checkout it was made from: completing a checkout twice finds this order again.
    checkout_token = models.UUIDField(unique=True)
    # Lets a guest follow the order without an account.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    town = models.ForeignKey("towns.Town", on_delete=models.PROTECT, related_name="orders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    email = models.EmailField(max_length=EMAIL_MAX_LENGTH)
    # Copied from the checkout: who the order is for (blank: placed through the API without one),
    # how the shops reach the customer, where the delivering ones go.
    customer_name = models.CharField(max_length=CUSTOMER_NAME_MAX_LENGTH, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    delivery_address = models.TextField(max_length=500, blank=True)
    status = models.CharField(
        max_length=16, choices=OrderStatus.choices, default=OrderStatus.UNPAID
    )
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    delivery_total = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    language = models.CharField(max_length=8, default="fr")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # Declared here rather than with unique=/db_index= on the fields: those add a second,
        # LIKE-only index to a text column on PostgreSQL, which no query here uses and which
        # every order's INSERT and UPDATE would write (#16).
        indexes = [
            # The payment timeout's query (payments.charges.orders_cancel_timed_out): the
            # unpaid orders only. Other queries by status start with the town or the user.
            models.Index(
                fields=["created_at"],
                condition=Q(status=OrderStatus.UNPAID),
                name="order_unpaid_since",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="order_number_unique"),
            models.CheckConstraint(
                condition=equal_to_the_cent(F("total"), F("subtotal") + F("delivery_total")),
                name="order_total_is_subtotal_plus_delivery",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ShopOrder(models.Model):
    # Indexed by shop_order_one_per_vendor (order first).
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="shop_orders", db_index=False
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="shop_orders"
    )
    status = models.CharField(
        max_length=16,
        choices=ShopOrderStatus.choices,
        default=ShopOrderStatus.UNCONFIRMED,
    )
    status_reason = models.TextField(blank=True)
    # The state a refund in full took it from (status.shop_order_move_refunded): where a
    # refund that fails takes it back to (transitions.REFUND_FAILED_RETURNS).
    status_before_refund = models.CharField(
        max_length=16, choices=ShopOrderStatus.choices, blank=True, default=""
    )
    currency = models.CharField(max_length=3)
    # Goods, tax included.
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    delivery_method = models.CharField(max_length=16)
    delivery_fee = models.DecimalField(max_digits=10, decimal_places=2, default=ZERO)
    # Commission snapshot: the rule that applied and what it took. Never recomputed.
    commission_rule = models.ForeignKey(
        "governance.CommissionRule",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    commission_percentage = models.DecimalField(max_digits=6, decimal_places=3, default=ZERO)
    commission_fixed = models.DecimalField(max_digits=10, decimal_places=2, default=ZERO)
    commission = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    # What the shop receives: subtotal + delivery_fee - commission.
    payout = models.DecimalField(max_digits=12, decimal_places=2)
    # {"20.00": {"base": "10.00", "vat": "2.00", "total": "12.00"}, ...}
    vat_breakdown = models.JSONField(default=dict)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order_id", "id"]
        # None on the status: every query by status starts with the shop or the order. So moving
        # a shop order to another status writes no index entry (PostgreSQL's HOT update) (#16).
        constraints = [
            models.UniqueConstraint(fields=["order", "vendor"], name="shop_order_one_per_vendor"),
            models.CheckConstraint(
                condition=equal_to_the_cent(
                    F("payout"), F("subtotal") + F("delivery_fee") - F("commission")
                ),
                name="shop_order_payout_balances",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.vendor_id}"

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.delivery_fee

    @property
    def status_reason_text(self) -> str:
        """`status_reason` as people read it (`reasons.status_reason_text`)."""
        return status_reason_text(self.status_reason)


class OrderLine(models.Model):
    shop_order = models.ForeignKey(ShopOrder, on_delete=models.CASCADE, related_name="lines")
    # The variant may be deleted later: the snapshot below stays.
    variant = models.ForeignKey(
        "vendors.Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_name = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=120, blank=True)
    sku = models.CharField(max_length=64)
    category_slug = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    vat_amount = models.DecimalField(max_digits=12, decimal_places=2)
    # Quantity still allocated in stock for this line (released on cancel/refuse, consumed on fulfil).
    quantity_allocated = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["shop_order_id", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"
