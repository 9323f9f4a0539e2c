"""Spreadsheet-formula-safe CSV text cells (issue 17), reversible by the importer.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return as a formula. An `excel_safe` export prefixes such a text cell with an
apostrophe (OWASP's advice), and so also a cell that starts with an apostrophe
followed by one of those characters or by another apostrophe; it marks its files
with a UTF-8 BOM (which also makes Excel read them as UTF-8). The importer removes
that one apostrophe from label and type cells of a file that starts with a BOM; any
other file is read verbatim, as before.

Only text cells written verbatim are concerned: labels and types. node ids cannot
start with these characters, JSON cells start with `{` or `[`, weights are numbers.
"""

from __future__ import annotations

FORMULA_STARTS = frozenset("=+-@\t\r")
_ESCAPED_AFTER = FORMULA_STARTS | {"'"}


def escape_cell(value: str, *, excel_safe: bool) -> str:
    """The cell as written by an export (verbatim unless `excel_safe`)."""
    if not excel_safe or not value:
        return value
    if value[0] in FORMULA_STARTS or (value[0] == "'" and value[1:2] in _ESCAPED_AFTER):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """The value of a cell of a formula-safe file (one that starts with a BOM)."""
    if len(value) > 1 and value[0] == "'" and value[1] in _ESCAPED_AFTER:
        return value[1:]
    return value
