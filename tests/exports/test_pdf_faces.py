"""The default faces cut to the scripts agencies print (exports/pdf/faces.py): what they keep and leave out."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import unicodedata
from datetime import date, datetime
from pathlib import Path

from fontTools.ttLib import TTFont
from pypdf import PdfReader

from exports import pdf
from exports.pdf import faces, pdf_index

VOWELS = "aăâeêioôơuưy"
# Every Vietnamese letter in both cases with each of the five tone marks, composed (NFC).
VIETNAMESE = (
    "".join(
        unicodedata.normalize("NFC", letter + tone)
        for base in VOWELS
        for letter in (base, base.upper())
        for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    )
    + "đĐ"
)


def characters(face: Path) -> set[int]:
    return set(TTFont(face).getBestCmap())


def pdf_text(data: bytes) -> str:
    """The PDF's text without its spaces and line breaks (a table cell wraps a long word anywhere)."""
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_the_cut_faces_keep_every_vietnamese_letter_and_the_other_scripts_agencies_use():
    regular, bold = pdf.find_font()
    for face in (regular, bold):
        kept = characters(faces.cut_face(face))
        for text in (VIETNAMESE, "Москва", "Ελλάδα", "ສະບາຍດີ", "№ 5 – “trích yếu” … ±2 → 3 €"):
            assert not [char for char in text if ord(char) not in kept], text
        # Scripts left out: they print as characters the font lacks do.
        assert ord("ש") not in kept and ord("ب") not in kept and ord("Հ") not in kept and ord("⠃") not in kept
        assert len(kept) < len(characters(face)) / 2


def test_a_face_is_cut_once_per_process_into_a_folder_of_its_own():
    regular, _bold = pdf.find_font()
    first = faces.cut_face(regular)
    assert faces.cut_face(regular) == first
    assert first.parent.name.startswith("erms-faces-") and first.parent.stat().st_mode & 0o077 == 0


def test_a_pdf_in_the_default_faces_prints_vietnamese_whole():
    document = pdf.ProductPDF(datetime(2026, 6, 15, 10, 30), "Thử")
    document.add_page()
    document.multi_cell(0, 6, VIETNAMESE)
    document.set_font(pdf.FAMILY, "B")
    document.cell(0, 6, "ĐỐNG ĐA")
    reader = PdfReader(io.BytesIO(bytes(document.output())))
    text = "".join(reader.pages[0].extract_text().split())
    assert VIETNAMESE in text and "ĐỐNGĐA" in text
    assert all(str(faces.cut_face(path)).endswith(path.name) for path in pdf.find_font())


def test_a_configured_font_is_used_whole(tmp_path: Path):
    shutil.copy(pdf.DEFAULT_FONT_DIR / "DejaVuSans.ttf", tmp_path / "Body-Regular.ttf")
    shutil.copy(pdf.DEFAULT_FONT_DIR / "DejaVuSans-Bold.ttf", tmp_path / "Body-Bold.ttf")
    document = pdf.ProductPDF(datetime(2026, 6, 15, 10, 30), "Thử", font=str(tmp_path / "Body-Regular.ttf"))
    document.add_page()
    document.cell(0, 6, "Հայաստան")  # Armenian: in the whole DejaVu Sans, not in the cut
    reader = PdfReader(io.BytesIO(bytes(document.output())))
    assert "Հայաստան" in reader.pages[0].extract_text()


def test_the_folders_of_killed_processes_are_removed_by_the_next_one(tmp_path: Path):
    ended = subprocess.Popen(["true"])
    ended.wait()  # a process that is gone, as one killed before it could clean up
    orphan, living = tmp_path / f"erms-faces-{ended.pid}-abc123", tmp_path / f"erms-faces-{os.getpid()}-xyz789"
    for folder in (orphan, living):
        folder.mkdir()
        (folder / "DejaVuSans.ttf").write_bytes(b"cut face")
    cut = "from exports import pdf; from exports.pdf import faces; print(faces.cut_face(pdf.find_font()[0]).parent)"
    made = subprocess.run(
        [sys.executable, "-c", cut], env={**os.environ, "TMPDIR": str(tmp_path)}, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    assert Path(made.stdout.strip()).parent == tmp_path
    assert not orphan.exists() and living.exists()  # the test's own process lives: its folder stays
    assert not Path(made.stdout.strip()).exists()  # and the one that exited removed its own


def test_a_vietnamese_index_is_printed_with_the_vietnamese_cut_and_another_script_with_the_wide_one():
    def index(subject: str) -> pdf_index.DocumentIndex:
        row = pdf_index.IndexRow(1, "12/QĐ-UBND", date(2026, 1, 5), subject, "UBND quận", "2", "")
        return pdf_index.DocumentIndex(
            "UBND thành phố Hà Nội", "UBND quận Đống Đa", "01.VP", "H26.2026.01.VP", 2026, "Hồ sơ", (row,),
            datetime(2026, 6, 15, 10, 30),
        )  # fmt: skip

    vietnamese = pdf_text(pdf_index.render(index(VIETNAMESE)))
    assert VIETNAMESE in vietnamese
    assert faces.vietnamese_only(VIETNAMESE) and not faces.vietnamese_only("Thư gửi Viêng Chăn ສະບາຍດີ")
    lao = pdf_text(pdf_index.render(index("Thư gửi Viêng Chăn ສະບາຍດີ")))
    assert "ສະບາຍດີ" in lao and "ThưgửiViêngChăn" in lao  # the cut that holds Lao served the whole index
    vietnamese_cut = characters(faces.cut_face(pdf.find_font()[0], faces.VIETNAMESE_BLOCKS))
    assert ord("ສ") not in vietnamese_cut and not [char for char in VIETNAMESE if ord(char) not in vietnamese_cut]
