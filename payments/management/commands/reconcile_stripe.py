"""Reconciles the payments ledger with Stripe's balance transactions and reports mismatches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payments.reconcile import ledger_reconcile


class Command(BaseCommand):
    help = "Compare the ledger with Stripe balance transactions of the last N days."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=7)
        parser.add_argument(
            "--fail", action="store_true", help="Exit with an error when anything mismatches."
        )

    def handle(self, *args: Any, days: int, fail: bool, **options: Any) -> None:
        report = ledger_reconcile(since=timezone.now() - timedelta(days=days))
        self.stdout.write(
            f"checked {report.checked} balance transactions: {report.matched} matched, "
            f"{len(report.mismatches)} mismatched, {len(report.missing_in_ledger)} missing in "
            f"the ledger, {len(report.missing_at_provider)} missing at Stripe; fees Stripe "
            f"{report.fees_provider} / ledger {report.fees_ledger}"
        )
        for title, items in (
            ("mismatch", report.mismatches),
            ("missing in ledger", report.missing_in_ledger),
            ("missing at Stripe", report.missing_at_provider),
        ):
            for item in items:
                self.stdout.write(f"  {title}: {item}")
        if fail and not report.ok:
            raise CommandError("The ledger does not match Stripe.")
