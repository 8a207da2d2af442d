"""Helpers shared by the retention tests."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from retention import destruction

# 10-year dossiers closed in 2026 become due on 1 January 2037 (docs/standards.md decision 2).
LATER = datetime(2037, 3, 2, 3, 0, tzinfo=UTC)
SCAN = b"%PDF-1.4 signed scan"


def paper(number: str, signer: str = "") -> destruction.Paper:
    """Return a decision on paper dated 20/02/2037 with a small attached scan."""
    return destruction.Paper(number, date(2037, 2, 20), io.BytesIO(SCAN + number.encode()), signer)
