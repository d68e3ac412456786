"""CSV cells that a spreadsheet will not run as formulas (CSV/formula injection).

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading
apostrophe, which spreadsheets show as text. So that an exported file imports back unchanged, a
cell that already starts with apostrophes before such a character gets one more, and
`spreadsheet_text` (the importer) removes exactly one: `=x` → `'=x` → `=x`, `'=x` → `''=x` → `'=x`.
Numbers stay numbers: a number value, or a text that is only a number (`-12.50`), is no formula.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def _needs_apostrophe(text: str) -> bool:
    bare = text.lstrip("'")
    return bare.startswith(FORMULA_STARTS) and _NUMBER.fullmatch(bare) is None


def spreadsheet_safe(value: Any) -> Any:
    """The value as a CSV cell a spreadsheet shows as written."""
    if isinstance(value, str) and value and _needs_apostrophe(value):
        return "'" + value
    return value


def spreadsheet_text(cell: str) -> str:
    """A cell written by `spreadsheet_safe`, back to its text."""
    if cell.startswith("'") and _needs_apostrophe(cell):
        return cell[1:]
    return cell
