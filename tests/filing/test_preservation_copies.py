"""Preservation copies (PL6 III.5.e): the worker copies a document's office file into PDF/A-2b with LibreOffice once,
keeps a file it cannot convert as failed with the reason (never tried again), leaves other formats alone, and the
original stays as it was. Each conversion runs with a timeout (filing.libreoffice)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import time
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import db, jobs, search
from erms.cli import erms_group
from erms.models import AuditEvent, PreservationCopy, StoredFile
from erms.storage import FileStore
from filing import formats, libreoffice, preservation
from tests import factories
from tests.factories import NOW, World
from tests.filing.test_format_records import add, identify
from tests.signing import plain_pdf

TIMEOUT = 90.0  # a conversion takes about 2 s here; a stuck one is killed and recorded, never waited on for ever


def word_document(*lines: str) -> bytes:
    """A real .docx, written by python-docx."""
    made = docx.Document()
    for line in lines:
        made.add_paragraph(line)
    buffer = io.BytesIO()
    made.save(buffer)
    return buffer.getvalue()


def broken_word_document() -> bytes:
    """A .docx PRONOM knows by its parts, whose text part is not XML: LibreOffice cannot load it."""
    whole = zipfile.ZipFile(io.BytesIO(word_document("x")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as broken:
        for name in whole.namelist():
            broken.writestr(name, b"<w:document>cut short" if name == "word/document.xml" else whole.read(name))
    return buffer.getvalue()


def run(session, session_factory, store) -> list[preservation.Attempt]:
    """Identify what waits, then make the copies as the worker does; return the attempts."""
    identify(session, session_factory, store)
    attempts = jobs.make_preservation_copies(session_factory, store, limit=None, timeout=TIMEOUT)
    session.expire_all()
    return attempts


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=60, check=True)
    return " ".join(done.stdout.split())


def test_a_word_document_is_copied_into_a_pdf_a_with_its_text_and_the_original_is_kept(
    session, session_factory, world, store, now, make_dossier, tmp_path
):
    dossier = make_dossier("open", documents=0)
    original = word_document("Quyết định về việc lưu trữ hồ sơ", "Điều 1. Giao Văn phòng thực hiện.")
    source = add(session, world, store, now, dossier, original, "quyết định.docx")
    (attempt,) = run(session, session_factory, store)
    row = session.scalars(select(PreservationCopy)).one()
    assert (row.source_file_id, row.outcome, row.reason, row.target) == (source.id, "made", "", "fmt/477")
    assert row.tool.startswith("LibreOffice 7") and attempt.captured is not None
    copy = row.copy
    assert copy is not None and copy.media_type == "application/pdf"
    pdf = store.path_for(copy.sha256).read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == copy.sha256 and copy.size == len(pdf)
    assert b"<pdfaid:part>2</pdfaid:part>" in pdf and b"<pdfaid:conformance>B</pdfaid:conformance>" in pdf
    text = pdf_text(pdf, tmp_path)
    assert "Quyết định về việc lưu trữ hồ sơ" in text and "Điều 1. Giao Văn phòng thực hiện." in text
    assert store.path_for(source.sha256).read_bytes() == original  # the original, unchanged
    assert session.get(StoredFile, source.id).puid == "fmt/412"
    identify(session, session_factory, store)  # PRONOM itself names the copy PDF/A-2b
    assert (copy.puid, copy.format_basis) == ("fmt/477", "signature")
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "stored_file.preservation_copy")).all()
    assert event.subject_id == source.id and copy.sha256 in event.details
    assert run(session, session_factory, store) == []  # once per file


def test_a_file_libreoffice_cannot_read_is_recorded_as_failed_with_why_and_not_tried_again(
    session, session_factory, world, store, now, make_dossier
):
    dossier = make_dossier("open", documents=0)
    source = add(session, world, store, now, dossier, broken_word_document(), "hỏng.docx")
    (attempt,) = run(session, session_factory, store)
    assert attempt.captured is None
    row = session.scalars(select(PreservationCopy)).one()
    assert (row.source_file_id, row.outcome, row.copy_file_id) == (source.id, "failed", None)
    assert row.reason == "LibreOffice made no PDF: Error: source file could not be loaded"
    assert session.scalars(select(StoredFile).where(StoredFile.media_type == "application/pdf")).all() == []
    assert run(session, session_factory, store) == []
    assert preservation.pending(session) == []


def test_a_conversion_past_its_timeout_is_killed_and_recorded_as_failed(
    session, session_factory, world, store, now, make_dossier, monkeypatch
):
    dossier = make_dossier("open", documents=0)
    add(session, world, store, now, dossier, word_document("Chậm"), "cham.docx")
    identify(session, session_factory, store)
    groups: list[int] = []
    killed = libreoffice._kill_leftovers
    monkeypatch.setattr(libreoffice, "_kill_leftovers", lambda group: (groups.append(group), killed(group)))
    (attempt,) = jobs.make_preservation_copies(session_factory, store, timeout=0.2)
    assert attempt.reason == "LibreOffice took longer than 0.2 seconds"
    assert gone(groups[0])  # its whole process group, not only the script started


def gone(group: int, within: float = 10.0) -> bool:
    """True once no process of ``group`` is left (SIGKILL takes a moment to land)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_files_of_other_or_unknown_formats_are_left_alone(session, session_factory, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    add(session, world, store, now, dossier, bytes(range(256)) * 4, "du-lieu.docx")  # named .docx, unknown bytes
    add(session, world, store, now, dossier, plain_pdf("Đã là PDF"), "ban.pdf")
    assert run(session, session_factory, store) == []
    assert session.scalars(select(PreservationCopy)).all() == []
    assert all(stored.puid for stored in session.scalars(select(StoredFile)))  # identified, then left alone


@pytest.mark.parametrize("puid", sorted(preservation.CONVERTIBLE))
def test_every_format_in_the_table_is_a_pronom_format_of_the_extension_given(puid):
    known = formats._identifier().puid_format_map[puid]
    _family, extension = preservation.CONVERTIBLE[puid]
    assert extension in {element.text for element in known.findall("extension")}


def test_the_console_converts_now_and_prints_what_it_did(tmp_path):
    data = tmp_path / "instance"
    runner = CliRunner(env={"ERMS_DATA_DIR": str(data), "DATABASE_URL": ""})
    assert runner.invoke(erms_group, ["db", "upgrade"]).exit_code == 0
    engine = db.make_engine(f"sqlite:///{data / 'erms.sqlite3'}")
    store = FileStore(data / "files")
    try:
        with Session(engine) as session:
            world = World(session, NOW)
            dossier = factories.make_dossier(session, world, store, NOW, "open", documents=0)
            source = add(session, world, store, NOW, dossier, word_document("Báo cáo năm"), "bao-cao.docx").sha256
            session.commit()
        jobs.identify_formats(db.make_session_factory(engine), store)
        answer = runner.invoke(erms_group, ["preservation", "run"])
    finally:
        engine.dispose()
        search.install(None)
    assert answer.exit_code == 0, answer.output
    assert f"  {source} (fmt/412) -> " in answer.output
    assert answer.output.endswith("preservation copies: 1 made, 0 failed\n")


def spreadsheet(*cells: str) -> bytes:
    """A real .xlsx, written by openpyxl."""
    book = openpyxl.Workbook()
    for row, cell in enumerate(cells, 1):
        book.active.cell(row=row, column=1, value=cell)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def counted_runs(monkeypatch) -> list[list[str]]:
    """Watch LibreOffice's runs: for each, the extensions of the files it was given."""
    runs: list[list[str]] = []
    started = libreoffice._run

    def run_counted(command: list[str], work, timeout: float) -> str:
        runs.append(sorted(Path(part).suffix for part in command if Path(part).name.startswith("document-")))
        return started(command, work, timeout)

    monkeypatch.setattr(libreoffice, "_run", run_counted)
    return runs


def test_a_round_converts_each_kind_of_file_in_one_run_and_a_broken_file_again_alone(
    session, session_factory, world, store, now, make_dossier, monkeypatch, tmp_path
):
    dossier = make_dossier("open", documents=0)
    letters = {
        add(session, world, store, now, dossier, word_document(f"Công văn số {n}"), f"cv-{n}.docx").sha256: n
        for n in (1, 2, 3)
    }
    broken = add(session, world, store, now, dossier, broken_word_document(), "hỏng.docx")
    table = add(session, world, store, now, dossier, spreadsheet("Bảng kê tài liệu"), "bang-ke.xlsx")
    runs = counted_runs(monkeypatch)
    attempts = run(session, session_factory, store)
    # The Word files in one run, the one it could not copy again alone (for a reason of its own), the spreadsheet.
    assert sorted(runs) == [[".docx"], [".docx"] * 4, [".xlsx"]]
    made = {row.source.sha256: row for row in session.scalars(select(PreservationCopy))}
    assert len(attempts) == len(made) == 5
    assert (made[broken.sha256].outcome, made[broken.sha256].reason) == (
        "failed",
        "LibreOffice made no PDF: Error: source file could not be loaded",
    )
    for sha256, number in letters.items():  # each copy is its own file's, not a neighbour's
        assert pdf_text(store.path_for(made[sha256].copy.sha256).read_bytes(), tmp_path) == f"Công văn số {number}"
    assert "Bảng kê tài liệu" in pdf_text(store.path_for(made[table.sha256].copy.sha256).read_bytes(), tmp_path)
