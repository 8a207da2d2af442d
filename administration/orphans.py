"""The sweep of unused bytes: a file the store holds that no record lists, left by a transaction that stored it and
then rolled back (or by a crash between the two), is removed once it is older than a grace period.

The grace period is what keeps the sweep from racing an upload: ``FileStore.put`` writes (or touches) the file before
its transaction commits the row, so a file younger than the grace period may still be about to be used. Bytes a
record lists are never removed, whatever their age.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms.db import transaction
from erms.models import StoredFile
from erms.storage import FileStore


def sweep(factory: Callable[[], Session], store: FileStore, *, now: datetime, grace: timedelta) -> list[str]:
    """Remove the files no stored-file row lists and untouched for ``grace``, and stale temp files; return the
    SHA-256 of each file removed."""
    before = (now - grace).timestamp()
    _finish_interrupted(factory, store)
    candidates = [sha256 for sha256, modified in store.files() if modified < before]
    with transaction(factory, read_only=True) as session:
        listed = _listed(session, candidates)
    removed = [sha256 for sha256 in candidates if sha256 not in listed and _remove(factory, store, sha256, before)]
    for leftover in store.leftovers(before):
        leftover.unlink(missing_ok=True)
    return removed


def _listed(session: Session, digests: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(digests), 500):  # bounded IN lists
        chunk = digests[start : start + 500]
        found.update(session.scalars(select(StoredFile.sha256).where(StoredFile.sha256.in_(chunk))))
    return found


def _finish_interrupted(factory: Callable[[], Session], store: FileStore) -> None:
    """A sweep stopped between setting a file aside and deciding: put back what a record lists, remove the rest."""
    aside = list(store.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*.swept"))
    with transaction(factory, read_only=True) as session:
        listed = _listed(session, [path.name.removesuffix(".swept") for path in aside])
    for path in aside:
        if path.name.removesuffix(".swept") in listed:
            os.replace(path, path.with_name(path.name.removesuffix(".swept")))
        else:
            path.unlink(missing_ok=True)


def _remove(factory: Callable[[], Session], store: FileStore, sha256: str, before: float) -> bool:
    """Take the file out of the store's path first, then look again: an upload that touched it just before (or
    whose row was committed meanwhile) gets it back; one that comes after finds it gone and stores its own bytes."""
    path = store.path_for(sha256)
    aside = path.with_name(path.name + ".swept")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return False
    with transaction(factory, read_only=True) as session:
        wanted = aside.stat().st_mtime >= before or bool(_listed(session, [sha256]))
    if wanted:
        os.replace(aside, path)
        return False
    aside.unlink()
    return True
