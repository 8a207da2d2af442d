"""Files sent to a dossier are read, hashed and synced into the store before the save takes SQLite's write lock, so a
large scan on a slow disk does not make every other save in the agency wait (issue 18); what the save checks first
is checked before: nobody else's refused request, no form sent back and no classified file leaves bytes behind."""

from __future__ import annotations

from erms_browser import file_field

from erms import db
from erms.storage import FileStore
from tests.factories import DOCUMENT

SHARED = {key: value for key, value in DOCUMENT.items() if key not in ("subject", "code_number")}


def watch_puts(monkeypatch) -> list[int]:
    """Record, for each file the store keeps, how many writing transactions were open meanwhile."""
    open_writers: list[int] = []
    put = FileStore.put

    def watched(self, stream, max_size=None):
        open_writers.append(db._WRITING.get())
        return put(self, stream, max_size)

    monkeypatch.setattr(FileStore, "put", watched)
    return open_writers


def test_the_files_of_a_batch_are_kept_before_the_save_begins(browsers, make_dossier, session, monkeypatch):
    dossier = make_dossier("open", documents=1)
    session.commit()
    open_writers = watch_puts(monkeypatch)
    files = [file_field(b"%PDF-1.4 mot", "mot.pdf"), file_field(b"%PDF-1.4 hai", "hai.pdf")]
    answer = browsers("officer1").post(f"/dossiers/{dossier.id}/documents/batch", {**SHARED, "files": files})
    assert answer.status_code == 302
    assert open_writers == [0, 0]
    session.expire_all()
    added = [(link.document.subject, link.document.versions[0].filename) for link in dossier.links[1:]]
    assert added == [("mot", "mot.pdf"), ("hai", "hai.pdf")]


def test_one_document_with_its_file_is_kept_before_the_save_begins(browsers, make_dossier, session, monkeypatch):
    dossier = make_dossier("open", documents=1)
    session.commit()
    open_writers = watch_puts(monkeypatch)
    sent = {**DOCUMENT, "code_number": "31", "file": file_field(b"%PDF-1.4 ba", "ba.pdf")}
    assert browsers("officer1").post(f"/dossiers/{dossier.id}/documents", sent).status_code == 302
    assert open_writers == [0]


def test_a_refused_sender_a_bad_form_or_a_classified_batch_leaves_no_bytes(browsers, make_dossier, session, store):
    dossier = make_dossier("open", documents=1)
    session.commit()
    before = sorted(store.files())
    batch = f"/dossiers/{dossier.id}/documents/batch"
    other_unit = browsers("officer2").post(batch, {**SHARED, "files": [file_field(b"%PDF-1.4 khac", "khac.pdf")]})
    assert other_unit.status_code == 404
    officer = browsers("officer1")
    bad_day = officer.post(
        batch, {**SHARED, "issued_date": "31/02/2026", "files": [file_field(b"%PDF-1.4 x", "x.pdf")]}
    )
    assert bad_day.status_code == 422
    secret = officer.post(batch, {**SHARED, "marking": "mat", "files": [file_field(b"%PDF-1.4 mat", "mat.pdf")]})
    assert secret.status_code in (403, 422)
    assert sorted(store.files()) == before


def test_an_empty_file_is_refused_on_its_field(browsers, make_dossier, session, store):
    dossier = make_dossier("open", documents=1)
    session.commit()
    before = sorted(store.files())
    officer = browsers("officer1")
    files = [file_field(b"%PDF-1.4 co", "co.pdf"), file_field(b"", "rong.pdf")]
    batch = officer.post(f"/dossiers/{dossier.id}/documents/batch", {**SHARED, "files": files})
    single = officer.post(f"/dossiers/{dossier.id}/documents", {**DOCUMENT, "file": file_field(b"", "rong.pdf")})
    for refused in (batch, single):
        assert refused.status_code == 422
        assert "Tệp rong.pdf không có nội dung: hãy chọn đúng tệp văn bản." in refused.get_data(as_text=True)
    assert sorted(store.files()) == before
    session.expire_all()
    assert len(dossier.links) == 1
