"""Checks the ledger's invariants for every order and shop order (see payments/ledger_check.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from payments.ledger_check import ledger_check


class Command(BaseCommand):
    help = "Check the ledger's invariants for every order and shop order; exit 1 on a violation."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--town", type=int, default=None, help="Only this town (its id).")

    def handle(self, *args: Any, town: int | None, **options: Any) -> None:
        violations = ledger_check(town_id=town)
        for violation in violations:
            self.stdout.write(str(violation))
        if violations:
            raise CommandError(f"{len(violations)} ledger violation(s).")
        self.stdout.write("ledger ok")
