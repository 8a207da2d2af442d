"""What ``tests/erms/test_kills.py`` runs in a child process that dies (SIGKILL) at one step of it.

``killed(url, store, operation, record_id, wrapped, call, when)`` forks; the child replaces ``wrapped``
(``module:function`` or ``module:Class.method``) by a version that kills the process on its ``call``-th call,
``before`` or ``after`` running it, then does the work with database connections of its own. Nothing in the
product knows: the test places the fault.
"""

from __future__ import annotations

import importlib
import io
import os
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from administration import backup
from erms import db, intake_runner
from erms.db import make_session_factory, transaction
from erms.models import HandoverItem, TransferItem, User
from erms.permissions import load_actor
from erms.storage import FileStore
from exports import handover
from filing import dossiers
from intake import legacy
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


def receipt(factory, store: FileStore, dossier_id: int) -> None:
    """The historical archive's receipt for the batch holding the dossier, listing it."""
    with transaction(factory) as session:
        item = session.scalar(select(HandoverItem).where(HandoverItem.dossier_id == dossier_id))
        content = (
            f'<HandoverReceipt package="{item.batch.name}" reference="25/BB-LTLS" received_on="2026-06-16">'
            f'<Dossier code="{item.dossier.file_code}"/></HandoverReceipt>'
        ).encode()
        handover.import_receipt(session, actor(session, "archivist"), content, "bien-nhan.xml", now=NOW)


def make_backup(factory, store: FileStore, _record_id: int) -> None:
    """A backup set of the instance onto the medium ``BACKUP_TARGET`` names (one copy at a time)."""
    backup.COPY_THREADS = 1  # "the first file" is then exactly one
    with factory() as session:
        engine = session.get_bind()
    target = backup.Target("usb", Path(os.environ["BACKUP_TARGET"]))
    settings = {"STORAGE_ROOT": str(store.root), "DATABASE_URL": str(engine.url)}
    backup.create(engine, settings, target, now=datetime.now(UTC))


def legacy_import(factory, store: FileStore, organisation_id: int) -> None:
    """Import the legacy folder ``LEGACY_FOLDER`` (its mapping file ho-so.csv) as the console does."""
    folder = Path(os.environ["LEGACY_FOLDER"])
    with transaction(factory, read_only=True) as session:
        archivist = actor(session, "archivist")
        mapping = (folder / "ho-so.csv").read_bytes()
        plan = legacy.plan(session, archivist, organisation_id, folder, "ho-so.csv", mapping, now=NOW, max_size=10**6)
    intake_runner.take_in(factory, archivist.user_id, plan, store=store, clock=lambda: NOW)


OPERATIONS: dict[str, Callable] = {
    "upload": upload,
    "close": close,
    "submit": submit,
    "accept": accept,
    "receipt": receipt,
    "backup": make_backup,
    "legacy_import": legacy_import,
}


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


def killed(url: str, store_root: str, operation: str, record_id: int, wrapped: str, call: int, when: str) -> int:
    """Run the operation in a forked child that kills itself at the point; return how the child ended (its
    ``waitpid`` status). A child that never reaches the point exits 0."""
    pid = os.fork()
    if pid == 0:  # the child: its own engine, never the parent's connections
        try:
            _kill_at(wrapped, call, when)
            OPERATIONS[operation](make_session_factory(db.make_engine(url)), FileStore(store_root), record_id)
        finally:
            os._exit(0)
    return os.waitpid(pid, 0)[1]
