import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marketplace.towns.loading import TownsFileError, load_towns
from search.backends import get_backend
from search.indexing import search_index_towns
from search.query import SearchUnavailable


class Command(BaseCommand):
    help = (
        "Load towns, shops and products from a towns.json file (idempotent, all or nothing), "
        "then index the loaded towns on the search engine."
    )

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
        else:
            created = ", ".join(f"{n} {k}" for k, n in report.created.items()) or "nothing"
            updated = ", ".join(f"{n} {k}" for k, n in report.updated.items()) or "nothing"
            self.stdout.write(self.style.SUCCESS(f"{file}: created {created}; updated {updated}."))
        self._index([town["slug"] for town in data["towns"]], changed=report.changed_anything)

    def _index(self, town_slugs: list[str], *, changed: bool) -> None:
        """After the load has committed: the engine gets the towns' new indices (when unchanged,
        only those that have none), so they are searchable there at once."""
        if get_backend().name != "engine":
            self.stdout.write("Search: database backend, the towns are searchable now.")
            return
        try:
            built = search_index_towns(town_slugs=town_slugs, only_missing=not changed)
        except SearchUnavailable as error:
            self.stderr.write(
                f"Search engine unavailable ({error}): the load is kept; the towns are searched "
                "in the database until `manage.py search_rebuild --all` (or the sweeper) builds them."
            )
            return
        for town in built:
            self.stdout.write(
                f"Search: {town.town_slug}: {town.count} product(s) indexed into {town.index}."
            )
        if not built:
            self.stdout.write("Search: every town of the file is already indexed.")
