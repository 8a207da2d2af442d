"""A save or an audited read of one document holds SQLite's write lock without reading the dossier's other documents
(issue 18): a download, a document's page, an opinion, a new version, marking it final, correcting it or adding files
to a dossier of hundreds of documents made every other save in the agency wait while all of them, their versions and
files were loaded as objects."""

from __future__ import annotations

import re

import pytest
from erms_browser import file_field
from sqlalchemy import event, select

from erms import db
from erms.models import Document, DossierDocument
from tests.factories import DOCUMENT


@pytest.fixture()
def loaded_while_writing():
    """Record the ids of the documents loaded while a writing transaction is open."""
    loaded: list[int] = []

    def seen(document, _context) -> None:
        if db._WRITING.get():
            loaded.append(document.id)

    event.listen(Document, "load", seen)
    yield loaded
    event.remove(Document, "load", seen)


def test_one_documents_saves_and_audited_reads_load_that_document_only(
    browsers, make_dossier, session, loaded_while_writing
):
    dossier = make_dossier("open", documents=8)
    session.commit()
    officer = browsers("officer1")
    form = {**DOCUMENT, "status": "draft", "code_number": "77", "file": file_field(b"%PDF-1.4 du thao", "dt.pdf")}
    assert officer.post(f"/dossiers/{dossier.id}/documents", form).status_code == 302
    draft = session.scalar(
        select(DossierDocument.document_id).where(
            DossierDocument.dossier_id == dossier.id, DossierDocument.ordinal == 9
        )
    )
    first = session.scalar(
        select(DossierDocument.document_id).where(
            DossierDocument.dossier_id == dossier.id, DossierDocument.ordinal == 1
        )
    )
    page = officer.get(f"/dossiers/{dossier.id}/documents/{first}").get_data(as_text=True)
    version = re.search(rf"/dossiers/{dossier.id}/versions/(\d+)", page).group(1)
    loaded_while_writing.clear()  # adding the draft created it: what follows reads what is there

    download = officer.get(f"/dossiers/{dossier.id}/versions/{version}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert set(loaded_while_writing) == {first}
    loaded_while_writing.clear()
    assert officer.get(f"/dossiers/{dossier.id}/documents/{first}").status_code == 200
    assert set(loaded_while_writing) == {first}
    loaded_while_writing.clear()
    comment = {"kind": "comment", "text": "Đề nghị bổ sung số liệu quý I."}
    assert officer.post(f"/dossiers/{dossier.id}/documents/{first}/opinions", comment).status_code == 302
    assert set(loaded_while_writing) == {first}
    loaded_while_writing.clear()
    added = officer.post(
        f"/dossiers/{dossier.id}/documents/{draft}/versions", {"file": file_field(b"%PDF-1.4 lan 2", "dt2.pdf")}
    )
    assert added.status_code == 302
    assert officer.post(f"/dossiers/{dossier.id}/documents/{draft}/finalise").status_code == 302
    assert set(loaded_while_writing) == {draft}
    loaded_while_writing.clear()
    batch = {key: value for key, value in DOCUMENT.items() if key not in ("subject", "code_number")}
    batch["files"] = [file_field(b"%PDF-1.4 mot", "mot.pdf"), file_field(b"%PDF-1.4 hai", "hai.pdf")]
    assert officer.post(f"/dossiers/{dossier.id}/documents/batch", batch).status_code == 302
    assert loaded_while_writing == []  # the new ones are made, none of the ten is read

    session.expire_all()
    held = session.scalars(
        select(Document)
        .join(DossierDocument)
        .where(DossierDocument.dossier_id == dossier.id)
        .order_by(DossierDocument.ordinal)
    ).all()
    assert [document.subject for document in held[-2:]] == ["mot", "hai"]
    assert [version.filename for version in held[8].versions] == ["dt.pdf", "dt2.pdf"]
    assert held[8].status.value == "final"


def test_a_version_of_a_document_of_another_dossier_is_not_downloaded_through_this_one(browsers, make_dossier, session):
    mine, other = make_dossier("open", documents=2), make_dossier("open", documents=1)
    session.commit()
    officer = browsers("officer1")
    page = officer.get(f"/dossiers/{other.id}").get_data(as_text=True)
    version = re.search(rf"/dossiers/{other.id}/versions/(\d+)", page).group(1)
    assert officer.get(f"/dossiers/{other.id}/versions/{version}").status_code == 200
    assert officer.get(f"/dossiers/{mine.id}/versions/{version}").status_code == 404
    document = re.search(rf"/dossiers/{other.id}/documents/(\d+)", page).group(1)
    assert officer.get(f"/dossiers/{mine.id}/documents/{document}").status_code == 404
    assert officer.post(f"/dossiers/{mine.id}/documents/{document}/finalise").status_code == 404


def test_a_save_opens_one_writing_transaction(browsers, make_dossier, session, monkeypatch):
    dossier = make_dossier("open", documents=1)
    session.commit()
    officer = browsers("officer1")
    officer.get(f"/dossiers/{dossier.id}")
    opened: list[str] = []
    real = db.transaction

    def counted(factory, *, read_only=False, lock_early=True):
        opened.append("read" if read_only else "write")
        return real(factory, read_only=read_only, lock_early=lock_early)

    monkeypatch.setattr(db, "transaction", counted)
    batch = {key: value for key, value in DOCUMENT.items() if key not in ("subject", "code_number")}
    answer = officer.post(
        f"/dossiers/{dossier.id}/documents/batch", {**batch, "files": [file_field(b"%PDF-1.4 ba", "ba.pdf")]}
    )
    assert answer.status_code == 302
    # Who is logged in and whether the form holds are read first; the save alone waits its turn for the write lock.
    assert opened.count("write") == 1 and opened[-1] == "write"
