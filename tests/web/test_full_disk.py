"""A full disk while a file is stored: a clear page (507), no document, no partial file, and a retry once there is
room again saves normally."""

from __future__ import annotations

import errno
import html
import os

from erms_browser import DOCUMENT_FORM, closing_form, file_field, make_pdf
from sqlalchemy import func, select

from erms import storage
from erms.models import Document


def test_an_upload_onto_a_full_disk_says_so_and_stores_nothing(client, session, store, make_dossier, monkeypatch):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    form = {**DOCUMENT_FORM, "file": file_field(make_pdf("Cong van khi dia day"), "công văn.pdf")}

    def full(_fd) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(storage.os, "fsync", full)  # the disk fills as the file is flushed
        refused = client.post(f"/dossiers/{dossier.id}/documents", form)
    assert refused.status_code == 507
    assert "Không còn chỗ để lưu tệp. Chưa có gì được lưu" in html.unescape(refused.get_data(as_text=True))
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert list((store.root / "incoming").iterdir()) == []  # no half-written file
    form = {**DOCUMENT_FORM, "file": file_field(make_pdf("Cong van khi dia day"), "công văn.pdf")}
    assert client.post(f"/dossiers/{dossier.id}/documents", form).status_code == 302
    assert session.scalar(select(func.count()).select_from(Document)) == 1


def test_closing_onto_a_full_disk_says_so_and_leaves_the_dossier_open(client, session, make_dossier, monkeypatch):
    dossier = make_dossier("open")
    client.login("officer1")

    def full(_fd) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    confirmation = closing_form(client, dossier.id)
    confirmation = closing_form(client, dossier.id)
    with monkeypatch.context() as patch:
        patch.setattr(storage.os, "fsync", full)  # the disk fills as the index PDF is stored
        refused = client.post(f"/dossiers/{dossier.id}/close", confirmation)
    assert refused.status_code == 507
    session.expire_all()
    assert dossier.state.value == "open" and dossier.index_file_id is None
    assert client.post(f"/dossiers/{dossier.id}/close", confirmation).status_code == 302
    session.expire_all()
    assert dossier.state.value == "closed"
