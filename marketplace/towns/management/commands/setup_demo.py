from typing import Any

from django.core.management.base import BaseCommand

from marketplace.towns.demo import DEMO_PASSWORD, demo_accounts_setup


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent). Demo only: every password is 'demo'."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = demo_accounts_setup()
        self.stdout.write(f"Demo accounts, password {DEMO_PASSWORD!r}:")
        shown = [a for a in accounts if not a[1].startswith("owner of")]
        owners = [a for a in accounts if a[1].startswith("owner of")]
        for email, role in shown + owners[:4]:
            self.stdout.write(f"  {email:55} {role}")
        if len(owners) > 4:
            self.stdout.write(f"  ... and {len(owners) - 4} more shop owners (each shop's email).")
