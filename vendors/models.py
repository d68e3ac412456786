"""The merchant side: shops, their members, catalogue and stock."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from marketplace.accounts.models import EMAIL_MAX_LENGTH
from marketplace.core.money import ZERO


class VendorStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")


class FulfilmentMethodName(models.TextChoices):
    PICKUP = "pickup", _("Pickup in shop")
    LOCAL_DELIVERY = "local_delivery", _("Local delivery")
    SHIPPING = "shipping", _("Shipping")


class Vendor(models.Model):
    """A shop of a town. Its slug is unique within its town only."""

    town = models.ForeignKey("towns.Town", on_delete=models.PROTECT, related_name="vendors")
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="vendors"
    )
    email = models.EmailField(max_length=EMAIL_MAX_LENGTH)
    phone = models.CharField(max_length=32, blank=True)
    status = models.CharField(
        max_length=16, choices=VendorStatus.choices, default=VendorStatus.PENDING, db_index=True
    )
    status_reason = models.TextField(blank=True)
    street = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=16, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, default="FR")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # {"mon": "09:00-19:00", ..., "sun": null}; several ranges: "09:00-12:00,14:00-19:00".
    opening_hours = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["town_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["town", "slug"], name="vendor_slug_unique_in_town"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.town_id})"

    @property
    def is_approved(self) -> bool:
        return self.status == VendorStatus.APPROVED


class FulfilmentMethod(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="fulfilment_methods")
    method = models.CharField(max_length=16, choices=FulfilmentMethodName.choices)
    fee = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["vendor_id", "method"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "method"], name="fulfilment_method_unique"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="fulfilment_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.fee}"


class VendorRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    STAFF = "staff", _("Staff")


class VendorMember(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vendor_memberships"
    )
    role = models.CharField(max_length=16, choices=VendorRole.choices, default=VendorRole.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor", "user"], name="vendor_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of {self.vendor_id}"


class Product(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="products")
    slug = models.SlugField(max_length=120)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.ForeignKey(
        "catalog.Category", on_delete=models.PROTECT, related_name="products"
    )
    image = models.ImageField(upload_to="products/", null=True, blank=True)
    thumbnail = models.ImageField(upload_to="products/thumbnails/", null=True, blank=True)
    # An unpublished product is kept (stock, orders) but not shown, searched or sold.
    is_published = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vendor_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "slug"], name="product_slug_unique_in_vendor"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    # Denormalised so that the SKU can be unique within a shop.
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=120, blank=True)
    # Tax-included price in the town's currency.
    price = models.DecimalField(max_digits=10, decimal_places=2)
    # VAT rate in percent; null means "the category's rate".
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    low_stock_threshold = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "sku"], name="variant_sku_unique_in_vendor"),
            models.CheckConstraint(condition=Q(price__gt=0), name="variant_price_positive"),
        ]

    def __str__(self) -> str:
        return self.sku


class Stock(models.Model):
    variant = models.OneToOneField(Variant, on_delete=models.CASCADE, related_name="stock")
    quantity = models.IntegerField(default=0)
    quantity_allocated = models.IntegerField(default=0)
    # Set when the low-stock email went out; cleared when stock rises above the threshold again.
    low_stock_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_allocated__gte=0) & Q(quantity_allocated__lte=F("quantity")),
                name="stock_allocation_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.quantity} ({self.quantity_allocated} allocated)"


class StockMovementReason(models.TextChoices):
    IMPORT = "import", _("Import")
    SET = "set", _("Stock count")
    ADJUSTMENT = "adjustment", _("Adjustment")
    RECEIVED = "received", _("Goods received")
    LOSS = "loss", _("Loss or breakage")
    RETURN = "return", _("Customer return")
    SALE = "sale", _("Sale")
    CANCELLATION = "cancellation", _("Order cancelled")


class StockMovement(models.Model):
    """Every change of a stock's quantity: who, when, how much and why."""

    stock = models.ForeignKey(Stock, on_delete=models.CASCADE, related_name="movements")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delta = models.IntegerField()
    quantity_after = models.IntegerField()
    reason = models.CharField(max_length=16, choices=StockMovementReason.choices)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.stock_id}: {self.delta:+d} ({self.reason})"


class VendorInvitation(models.Model):
    """An invitation to join a shop, sent to an email that has no account yet.

    Accepted by the account that logs in with that email (token from the email), or claimed at
    registration time (`vendors.members.vendor_invitations_claim`).
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=EMAIL_MAX_LENGTH)
    role = models.CharField(max_length=16, choices=VendorRole.choices, default=VendorRole.STAFF)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["vendor_id", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "email"],
                condition=Q(accepted_at__isnull=True),
                name="vendor_invitation_pending_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.vendor_id}"
