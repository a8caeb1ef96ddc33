"""Cells written to an exported sheet (XLSX or CSV) are data, never formulas."""

# Spreadsheets run a cell starting with one of these as a formula (or a DDE call).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run is written with a leading apostrophe, so it is shown
    as the text it is; numbers, dates and other text pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def plain_cell(value: str) -> str:
    """Read back a cell `safe_cell` wrote: an exported sheet imports as it was."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value
