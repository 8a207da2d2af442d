"""Helpers shared by the retention tests."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from retention import destruction

# 10-year dossiers closed in 2026 become due on 1 January 2037 (docs/standards.md decision 2).
LATER = datetime(2037, 3, 2, 3, 0, tzinfo=UTC)
SCAN = b"%PDF-1.4 signed scan"


PROPOSED_ON = LATER.date()


def paper(number: str, signer: str = "", on: date = PROPOSED_ON) -> destruction.Paper:
    """Return a decision on paper dated ``on`` (02/03/2037, the day the lists are proposed) with a small scan."""
    return destruction.Paper(number, on, io.BytesIO(SCAN + number.encode()), signer)
