"""Spreadsheet cells that open safely: OWASP's rule against formula (CSV) injection.

Every XLSX and CSV the product writes passes its cells through :func:`formula_safe`, so text a
person typed ("=HYPERLINK(…)", "@SUM(…)", "-2+3") is shown as text and never run as a formula;
``classification.spreadsheet`` takes the quote off again when such a file is imported.
"""

from __future__ import annotations

from classification.spreadsheet import FORMULA_QUOTE, FORMULA_START


def formula_safe(value: object) -> object:
    """Return ``value`` ready for a cell: text that a spreadsheet would run gets a leading quote, anything else
    (numbers, dates, other text) is left as it is."""
    if isinstance(value, str) and FORMULA_START.match(value):
        return FORMULA_QUOTE + value
    return value
