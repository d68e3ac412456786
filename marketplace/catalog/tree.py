"""The category tree: each category's path from the root, read in one query."""

from __future__ import annotations

from marketplace.catalog.models import Category

MAX_DEPTH = 16


def category_paths() -> dict[int, list[Category]]:
    """For each category id, its path from the root to itself (a cycle or a too deep tree is cut
    at MAX_DEPTH). One query: the taxonomy is small and shared by every town."""
    categories = {c.pk: c for c in Category.objects.all()}
    paths: dict[int, list[Category]] = {}
    for pk, category in categories.items():
        path: list[Category] = []
        current: Category | None = category
        while current is not None and current not in path and len(path) < MAX_DEPTH:
            path.insert(0, current)
            current = categories.get(current.parent_id) if current.parent_id else None
        paths[pk] = path
    return paths
