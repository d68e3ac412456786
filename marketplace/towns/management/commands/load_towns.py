import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marketplace.towns.loading import TownsFileError, load_towns


class Command(BaseCommand):
    help = "Load towns, shops and products from a towns.json file (idempotent, all or nothing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{file}: cannot read JSON: {error}") from error
        try:
            report = load_towns(data)
        except TownsFileError as error:
            raise CommandError(f"{file}: nothing was loaded.\n{error}") from error
        if not report.changed_anything:
            self.stdout.write(f"{file}: already loaded, nothing changed.")
            return
        created = ", ".join(f"{n} {k}" for k, n in report.created.items()) or "nothing"
        updated = ", ".join(f"{n} {k}" for k, n in report.updated.items()) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"{file}: created {created}; updated {updated}."))
