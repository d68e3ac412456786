"""manage.py search_rebuild <town>... | --all: rebuild into a new index version, swap the alias."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from marketplace.towns.models import Town
from search.backends import get_backend
from search.indexing import search_rebuild_town


class Command(BaseCommand):
    help = "Rebuilds towns' search indices into new versions and swaps their aliases atomically."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("towns", nargs="*", help="town slugs")
        parser.add_argument("--all", action="store_true", help="every town")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        slugs: list[str] = list(options["towns"])
        if options["all"]:
            slugs = list(Town.objects.order_by("slug").values_list("slug", flat=True))
        if not slugs:
            raise CommandError("Give town slugs or --all.")
        unknown = set(slugs) - set(
            Town.objects.filter(slug__in=slugs).values_list("slug", flat=True)
        )
        if unknown:
            raise CommandError(f"Unknown town(s): {', '.join(sorted(unknown))}")
        if get_backend().name != "engine":
            self.stdout.write(
                "Database search backend: nothing to build, searches read the database."
            )
            return
        for slug in slugs:
            bar = tqdm(desc=slug, unit="doc", disable=options["no_progress"], file=self.stderr._out)

            def start(total: int, bar: Any = bar) -> None:
                bar.reset(total=total)

            index, count = search_rebuild_town(
                town_slug=slug, on_start=start, on_progress=bar.update
            )
            bar.close()
            self.stdout.write(f"{slug}: {count} product(s) indexed into {index}")
