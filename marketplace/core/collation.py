"""Names in the order a French reader expects: « abricot, Boulangerie, Éclair, Zèbre », not the
byte order of the database's default collation (C.UTF-8: capitals first, accented letters last).

`FrenchOrder("name")` is an ordering expression: on PostgreSQL, ICU's French collation
(`fr-x-icu`, built into Debian's PostgreSQL); on the demo's SQLite, which knows no accents,
at least without regard to case (NOCASE). `french_sort_key(text)` orders Python lists the same
way, for the few lists sorted after they are read.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import Expression
from django.db.models.functions import Collate

POSTGRESQL_FRENCH = "fr-x-icu"


class FrenchOrder(Collate):
    """`expression` in French alphabetical order (`Model.objects.order_by(FrenchOrder("name"))`)."""

    def __init__(self, expression: str | Expression) -> None:
        super().__init__(expression, POSTGRESQL_FRENCH)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, collation="NOCASE", **extra_context)


def french_sort_key(text: str) -> tuple[str, str]:
    """A key ordering strings as `FrenchOrder` does for names: letters first without their
    accents and case, then (for equal letters) the accented and capital forms after."""
    folded = unicodedata.normalize("NFKD", text)
    base = "".join(char for char in folded if not unicodedata.combining(char)).casefold()
    return base, text
