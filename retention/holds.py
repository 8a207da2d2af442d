"""Holds ("đóng băng", PL6 IV.1.g): legal, audit, inspection or dispute freezes on dossiers.

A held dossier cannot be destroyed, transferred, or have files removed. Every path that does
one of those asks :func:`held_dossier_ids` inside its own transaction, so a hold placed a
moment earlier still stops it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms.models import Hold


def held_dossier_ids(session: Session, dossier_ids: Iterable[int]) -> set[int]:
    """Return which of ``dossier_ids`` are under at least one hold not yet released."""
    ids = list(dossier_ids)
    if not ids:
        return set()
    query = select(Hold.dossier_id).where(Hold.dossier_id.in_(ids), Hold.released_at.is_(None))
    return set(session.scalars(query))
