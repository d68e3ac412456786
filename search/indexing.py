"""Keeping the search index in step with the catalogue.

Writes call `mark_products_dirty` inside their transaction; indexing happens after commit.
(Filled in by the search issue.)
"""

from __future__ import annotations

from collections.abc import Iterable


def mark_products_dirty(*, product_ids: Iterable[int]) -> None:
    """Record that these products must be (re)indexed or removed from the index."""
    return None


def mark_vendor_dirty(*, vendor_id: int) -> None:
    """Record that every product of this shop must be (re)indexed (status, name, location...)."""
    return None
