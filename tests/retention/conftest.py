"""Retention fixtures: a moment when 10-year dossiers of 2026 are due, and a list walked to approval."""

from __future__ import annotations

from datetime import datetime

import pytest
from retention_helpers import LATER, paper

from retention import destruction


@pytest.fixture
def later() -> datetime:
    return LATER


@pytest.fixture
def approved(world, session, store):
    """Return a factory: a destruction list of ``dossiers`` walked through council, appraisal and decision."""

    def make(dossiers, now=LATER):
        archivist = world.actor("archivist")
        listed = destruction.propose(
            session,
            archivist,
            world.org.id,
            [d.id for d in dossiers],
            "Danh mục tài liệu hết giá trị năm 2037",
            "Hết thời hạn bảo quản 10 năm.",
            now=now,
        )
        destruction.record_opinion(session, world.actor("council1"), listed.id, True, "", now=now)
        destruction.record_appraisal(session, archivist, listed.id, paper("12/SNV-CCVTLT"), store=store, now=now)
        destruction.approve(
            session, world.actor("head"), listed.id, paper("45/QĐ-UBND", "Nguyễn Thị Thu Hà"), store=store, now=now
        )
        return listed

    return make
