"""What ``tests/erms/test_kills.py`` runs in a fresh interpreter that dies (SIGKILL) at one step of it.

``python -m tests.kill_operations URL STORE OPERATION RECORD_ID WRAPPED CALL WHEN``: ``WRAPPED`` is a dotted name
(``module.function`` or ``module.Class.method``) replaced by a version that kills the process on its ``CALL``-th
call, ``before`` or ``after`` running it. Nothing in the product knows: the test places the fault.
"""

from __future__ import annotations

import importlib
import io
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import db
from erms.db import make_session_factory, transaction
from erms.models import TransferItem, User
from erms.permissions import load_actor
from erms.storage import FileStore
from filing import dossiers
from tests.factories import DOCUMENT

NOW = datetime(2026, 6, 16, 3, 0, tzinfo=UTC)


def actor(session: Session, username: str):
    return load_actor(session, session.scalar(select(User.id).where(User.username == username)))


def upload(factory, store: FileStore, dossier_id: int) -> None:
    with transaction(factory) as session:
        data = dict(DOCUMENT, code_number="777", subject="Văn bản tải lên khi máy chủ tắt đột ngột")
        stream = dossiers.Upload("văn bản.pdf", io.BytesIO(b"%PDF-1.4 uploaded while killed"), 10**6)
        dossiers.add_document(session, actor(session, "officer1"), dossier_id, data, stream, store=store, now=NOW)


def close(factory, store: FileStore, dossier_id: int) -> None:
    # As the close view does: the index made reading only, then the short writing transaction.
    with transaction(factory, read_only=True) as session:
        prepared = dossiers.prepare_close(session, actor(session, "officer1"), dossier_id, now=NOW)
    with transaction(factory) as session:
        dossiers.close_dossier(session, actor(session, "officer1"), dossier_id, store=store, now=NOW, prepared=prepared)


def submit(factory, store: FileStore, dossier_id: int) -> None:
    with transaction(factory) as session:
        dossiers.submit(session, actor(session, "officer1"), [dossier_id], now=NOW)


def accept(factory, store: FileStore, dossier_id: int) -> None:
    with transaction(factory) as session:
        item = session.scalar(select(TransferItem.id).where(TransferItem.dossier_id == dossier_id))
        dossiers.accept(session, actor(session, "archivist"), item, store=store, now=NOW)


OPERATIONS: dict[str, Callable] = {"upload": upload, "close": close, "submit": submit, "accept": accept}


def _kill_at(wrapped: str, call: int, when: str) -> None:
    module_name, _, rest = wrapped.partition(":")
    owner = importlib.import_module(module_name)
    *path, attribute = rest.split(".")
    for part in path:
        owner = getattr(owner, part)
    original, calls = getattr(owner, attribute), [0]

    def dying(*args, **kwargs):
        calls[0] += 1
        if when == "before" and calls[0] == call:
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if when == "after" and calls[0] == call:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, attribute, dying)


if __name__ == "__main__":
    url, store_root, operation, record_id, wrapped, call, when = sys.argv[1:8]
    _kill_at(wrapped, int(call), when)
    engine = db.make_engine(url)
    OPERATIONS[operation](make_session_factory(engine), FileStore(store_root), int(record_id))
