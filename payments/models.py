"""Payments: connected shop accounts, payments, transfers, refunds, webhook events and the ledger.

Money is Decimal in the order's currency everywhere here; Stripe minor units exist only in
`payments/gateways/stripe_amounts.py`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.core.money import ZERO, equal_to_the_cent


class ConnectedAccount(models.Model):
    """A shop's Stripe Connect (Express) account and whether it can be paid.

    Follows `account.updated`: `last_event_created` keeps the newest event applied so that an
    older event arriving late changes nothing.
    """

    vendor = models.OneToOneField(
        "vendors.Vendor", on_delete=models.CASCADE, related_name="payment_account"
    )
    gateway = models.CharField(max_length=16)
    account_id = models.CharField(max_length=64, blank=True, db_index=True)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    requirements_due = models.JSONField(default=list, blank=True)
    disabled_reason = models.CharField(max_length=128, blank=True)
    # Number of onboarding links asked for: part of the link's idempotency key.
    link_count = models.PositiveIntegerField(default=0)
    last_event_created = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id"],
                condition=~Q(account_id=""),
                name="connected_account_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.vendor_id}: {self.account_id or '-'}"

    @property
    def can_receive_transfers(self) -> bool:
        return bool(self.account_id) and self.charges_enabled and self.payouts_enabled


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


class Payment(models.Model):
    """The one payment of an order (one PaymentIntent with Stripe)."""

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="payment")
    gateway = models.CharField(max_length=16)
    status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    # Part of the idempotency key of the PaymentIntent.
    attempt = models.PositiveIntegerField(default=1)
    intent_id = models.CharField(max_length=64, blank=True)
    client_secret = models.CharField(max_length=255, blank=True)
    charge_id = models.CharField(max_length=64, blank=True)
    fee = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.TextField(blank=True)
    disputed_amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    # Money received that does not match the order (`payment_intent.succeeded` for another
    # amount): never marked paid; the amount is refunded and a person is asked to look.
    mismatch_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    mismatch_refund_id = models.CharField(max_length=64, blank=True)
    needs_review = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Here, not db_index= on the fields: that adds a LIKE-only index per text column on
        # PostgreSQL, written by every payment's INSERT and UPDATE and read by no query (#16).
        # None on the status: the one query by status (the ledger check) reads them all.
        indexes = [
            models.Index(fields=["intent_id"], name="payment_intent"),
            models.Index(fields=["charge_id"], name="payment_charge"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.gateway} {self.status}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # to send (again)
    WAITING = "waiting", _("Waiting for the shop's account")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Nothing to transfer")


class Transfer(models.Model):
    """The one transfer of a shop order to its shop (ShopOrder.payout less refunds borne by it)."""

    shop_order = models.OneToOneField(
        "orders.ShopOrder", on_delete=models.PROTECT, related_name="transfer"
    )
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING, db_index=True
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    transfer_id = models.CharField(max_length=64, blank=True, db_index=True)
    reversed_amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    attempts = models.PositiveIntegerField(default=0)
    # Stripe forgets an idempotency key after 24 hours: a retry later than KEY_WINDOW after the
    # key was first sent looks the transfer up first, then uses the next version of the key.
    key_version = models.PositiveIntegerField(default=1)
    key_first_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="transfer_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(reversed_amount__gte=0) & Q(reversed_amount__lte=models.F("amount")),
                name="transfer_reversed_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_order_id} {self.amount} {self.status}"


REFUND_REASON_MAX_LENGTH = 1000


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Refund(models.Model):
    """A (partial or full) refund of a shop order, numbered per shop order (`sequence`).

    `amount` goes back to the customer; the shop bears `shop_share`, the association
    `commission_refunded` (amount = shop_share + commission_refunded). `reversal_amount` is what
    is taken back from a transfer already sent (fixed before the reversal is asked for, under the
    transfer's lock; done once `reversal_id` is set).

    A refund that fails at the provider after it was accepted (`refund.failed`, ...) is undone:
    its ledger entries are reversed, and what the shop lost by it (reversal, smaller transfer) is
    given back by a new transfer (`restore_amount`, `restore_id`) once `restore_due`.
    """

    shop_order = models.ForeignKey(
        "orders.ShopOrder", on_delete=models.PROTECT, related_name="refunds"
    )
    sequence = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING, db_index=True
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    shop_share = models.DecimalField(max_digits=12, decimal_places=2)
    commission_refunded = models.DecimalField(max_digits=12, decimal_places=2)
    refund_id = models.CharField(max_length=64, blank=True, db_index=True)
    # A reversal is due when the shop's transfer was sent; done once reversal_id is set.
    reversal_due = models.BooleanField(default=False)
    reversal_amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    reversal_id = models.CharField(max_length=64, blank=True)
    # The provider transfer reversed: the shop order's transfer ("" for it), or the transfer that
    # gave back an undone refund (once the first is all reversed).
    reversal_source = models.CharField(max_length=64, blank=True)
    restore_due = models.BooleanField(default=False)
    restore_amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    restore_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # See Transfer.key_version.
    key_version = models.PositiveIntegerField(default=1)
    key_first_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why the shop or the town's staff refunded (told to the customer); "" when not given.
    reason = models.TextField(blank=True, default="", max_length=REFUND_REASON_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shop_order_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop_order", "sequence"], name="refund_sequence_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                # To the cent on SQLite too (it adds decimals in floating point).
                condition=equal_to_the_cent(
                    models.F("amount"), models.F("shop_share") + models.F("commission_refunded")
                ),
                name="refund_shares_balance",
            ),
            models.CheckConstraint(
                condition=Q(shop_share__gte=0) & Q(commission_refunded__gte=0),
                name="refund_shares_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_order_id}#{self.sequence} {self.amount} {self.status}"


class Dispute(models.Model):
    """A chargeback opened by the customer's bank (`charge.dispute.*`); its money movements are
    in the ledger (see `payments.disputes`)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    dispute_id = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.dispute_id


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    DEFERRED = "deferred", _("Deferred (its object is not known yet)")


class WebhookEvent(models.Model):
    """A verified provider event, stored once per event id before it is processed."""

    gateway = models.CharField(max_length=16, default="stripe")
    event_id = models.CharField(max_length=128, unique=True)
    type = models.CharField(max_length=64, db_index=True)
    # Provider's `created` (seconds since epoch): orders events of one object.
    created = models.BigIntegerField(default=0)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16,
        choices=WebhookEventStatus.choices,
        default=WebhookEventStatus.RECEIVED,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class LedgerAccount(models.TextChoices):
    """The accounts of the double-entry ledger.

    - PLATFORM_CASH: money held on the platform's (association's) Stripe balance.
    - CUSTOMER: the customers' side (money paid in, refunds paid back).
    - SHOP_PAYABLE: what the platform owes a shop (per vendor; credited at charge).
    - COMMISSION: the association's commission revenue.
    - STRIPE_FEES: Stripe's processing fees (an expense).
    """

    PLATFORM_CASH = "platform_cash", _("Platform cash")
    CUSTOMER = "customer", _("Customers")
    SHOP_PAYABLE = "shop_payable", _("Owed to shops")
    COMMISSION = "commission", _("Commission revenue")
    STRIPE_FEES = "stripe_fees", _("Stripe fees")


class LedgerEntryKind(models.TextChoices):
    """What a movement is. Each kind always moves money between the same two accounts:

    | kind              | debit          | credit        | amount                              |
    |-------------------|----------------|---------------|-------------------------------------|
    | charge            | platform_cash  | customer      | shop order total (goods + delivery) |
    | shop_share        | customer       | shop_payable  | shop order payout                   |
    | commission        | customer       | commission    | shop order commission               |
    | transfer          | shop_payable   | platform_cash | transfer sent to the shop           |
    | refund            | customer       | platform_cash | refund paid back to the customer    |
    | refund_shop       | shop_payable   | customer      | part of a refund borne by the shop  |
    | commission_refund | commission     | customer      | part borne by the association       |
    | reversal          | platform_cash  | shop_payable  | transfer reversed from the shop     |
    | stripe_fee        | stripe_fees    | platform_cash | Stripe's fee on the charge          |
    | fee_recharge      | shop_payable   | stripe_fees   | a shop's part of the fee, when the  |
    |                   |                |               | town has shops bear Stripe fees     |
    | dispute           | customer       | platform_cash | withdrawn by the customer's bank    |
    |                   |                |               | for a chargeback (dispute)          |
    | dispute_won       | platform_cash  | customer      | given back when the dispute is won  |
    | fee_recharge_back | stripe_fees    | shop_payable  | a shop's part of the fee given back |
    |                   |                |               | (its shop order refunded, see below)|
    | refund_failed     | platform_cash  | customer      | a refund that failed at the provider|
    |                   |                |               | after it was booked (undoes refund) |
    | refund_shop_failed| customer       | shop_payable  | undoes refund_shop                  |
    | commission_refund_failed | customer | commission   | undoes commission_refund            |

    `gross` of a period = Σ charge; refunds = Σ refund − Σ refund_failed; net commission =
    Σ commission − (Σ commission_refund − Σ commission_refund_failed); money sent to shops =
    Σ transfer − Σ reversal; fees borne by the association = Σ stripe_fee − (Σ fee_recharge −
    Σ fee_recharge_back); disputes outstanding = Σ dispute − Σ dispute_won (Stripe's dispute fee is a
    stripe_fee). Balances (debit − credit) of a settled shop order: customer = 0 (for an order:
    its disputes outstanding), shop_payable = 0 once transferred, platform_cash = commission kept −
    fees.
    """

    CHARGE = "charge", _("Charge")
    SHOP_SHARE = "shop_share", _("Shop's share of a charge")
    COMMISSION = "commission", _("Commission")
    TRANSFER = "transfer", _("Transfer to shop")
    REFUND = "refund", _("Refund")
    REFUND_SHOP = "refund_shop", _("Refund borne by the shop")
    COMMISSION_REFUND = "commission_refund", _("Commission refunded")
    REVERSAL = "reversal", _("Transfer reversal")
    STRIPE_FEE = "stripe_fee", _("Stripe fee")
    FEE_RECHARGE = "fee_recharge", _("Stripe fee borne by the shop")
    DISPUTE = "dispute", _("Chargeback withdrawn")
    DISPUTE_WON = "dispute_won", _("Chargeback won back")
    FEE_RECHARGE_BACK = "fee_recharge_back", _("Stripe fee given back to the shop")
    REFUND_FAILED = "refund_failed", _("Refund failed")
    REFUND_SHOP_FAILED = "refund_shop_failed", _("Refund borne by the shop, failed")
    COMMISSION_REFUND_FAILED = "commission_refund_failed", _("Commission refund failed")


LEDGER_ACCOUNTS: dict[str, tuple[str, str]] = {
    LedgerEntryKind.CHARGE: (LedgerAccount.PLATFORM_CASH, LedgerAccount.CUSTOMER),
    LedgerEntryKind.SHOP_SHARE: (LedgerAccount.CUSTOMER, LedgerAccount.SHOP_PAYABLE),
    LedgerEntryKind.COMMISSION: (LedgerAccount.CUSTOMER, LedgerAccount.COMMISSION),
    LedgerEntryKind.TRANSFER: (LedgerAccount.SHOP_PAYABLE, LedgerAccount.PLATFORM_CASH),
    LedgerEntryKind.REFUND: (LedgerAccount.CUSTOMER, LedgerAccount.PLATFORM_CASH),
    LedgerEntryKind.REFUND_SHOP: (LedgerAccount.SHOP_PAYABLE, LedgerAccount.CUSTOMER),
    LedgerEntryKind.COMMISSION_REFUND: (LedgerAccount.COMMISSION, LedgerAccount.CUSTOMER),
    LedgerEntryKind.REVERSAL: (LedgerAccount.PLATFORM_CASH, LedgerAccount.SHOP_PAYABLE),
    LedgerEntryKind.STRIPE_FEE: (LedgerAccount.STRIPE_FEES, LedgerAccount.PLATFORM_CASH),
    LedgerEntryKind.FEE_RECHARGE: (LedgerAccount.SHOP_PAYABLE, LedgerAccount.STRIPE_FEES),
    LedgerEntryKind.DISPUTE: (LedgerAccount.CUSTOMER, LedgerAccount.PLATFORM_CASH),
    LedgerEntryKind.DISPUTE_WON: (LedgerAccount.PLATFORM_CASH, LedgerAccount.CUSTOMER),
    LedgerEntryKind.FEE_RECHARGE_BACK: (LedgerAccount.STRIPE_FEES, LedgerAccount.SHOP_PAYABLE),
    LedgerEntryKind.REFUND_FAILED: (LedgerAccount.PLATFORM_CASH, LedgerAccount.CUSTOMER),
    LedgerEntryKind.REFUND_SHOP_FAILED: (LedgerAccount.CUSTOMER, LedgerAccount.SHOP_PAYABLE),
    LedgerEntryKind.COMMISSION_REFUND_FAILED: (LedgerAccount.CUSTOMER, LedgerAccount.COMMISSION),
}


class LedgerEntry(models.Model):
    """One money movement: `amount` debited from `debit` and credited to `credit` (so every entry
    balances by itself). Entries are append-only; `key` is unique so that replaying a movement
    (retry, duplicated webhook) never records it twice.

    Scoped by town (always), order, shop order and vendor (when they apply); `occurred_at` is
    when the money moved (months are counted in the town's timezone by the reports).
    """

    key = models.CharField(max_length=128)  # unique: Meta
    kind = models.CharField(max_length=24, choices=LedgerEntryKind.choices)
    debit = models.CharField(max_length=24, choices=LedgerAccount.choices)
    credit = models.CharField(max_length=24, choices=LedgerAccount.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    # Indexed by ledger_town_time (town first).
    town = models.ForeignKey(
        "towns.Town", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shop_order = models.ForeignKey(
        "orders.ShopOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The provider object behind the movement (charge, transfer, refund, reversal id).
    reference = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        # Written 9 times per 3-shop order: only the indexes queries use (no LIKE index on
        # `key`, none on `kind`, whose queries are narrowed by time or order first) (#16).
        indexes = [models.Index(fields=["town", "occurred_at"], name="ledger_town_time")]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="ledger_key_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="ledger_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(debit=models.F("credit")), name="ledger_debit_differs_from_credit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"
