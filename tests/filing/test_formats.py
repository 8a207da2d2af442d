"""Format identification at capture: PRONOM PUIDs from the file's bytes, the person's name only as a weak fallback.

The store keeps files under their digest, with no extension, so every file here is written as "stored" and its
name passed as the person gave it.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path

import fido
import openpyxl
from docx import Document
from fido.fido import Fido
from fido.package import OlePackage, ZipPackage
from fpdf import FPDF
from PIL import Image

from filing import formats
from filing.formats import Format, identify

PDF_PUIDS = {"fmt/14", "fmt/15", "fmt/16", "fmt/17", "fmt/18", "fmt/19", "fmt/20", "fmt/276"}  # PDF 1.0–1.7


def stored(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "stored"
    path.write_bytes(content)
    return path


def pdf_bytes(tmp_path: Path) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Quyet dinh so 12/QD-UBND")
    return bytes(pdf.output())


def test_a_pdf_is_known_by_its_signature(tmp_path):
    found = identify(stored(tmp_path, pdf_bytes(tmp_path)), "Quyết định 12.pdf")
    assert found.puid in PDF_PUIDS
    assert (found.basis, found.known, found.mime) == ("signature", True, "application/pdf")
    assert "Portable Document Format" in found.name and found.version


def test_a_hand_written_pdf_header_is_enough(tmp_path):
    found = identify(stored(tmp_path, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
    assert (found.puid, found.version, found.known) == ("fmt/18", "1.4", True)


def test_a_png(tmp_path):
    path = tmp_path / "stored"
    Image.new("RGB", (4, 4), "red").save(path, format="PNG")
    found = identify(path, "sơ đồ.png")
    assert (found.puid, found.mime, found.known) == ("fmt/11", "image/png", True)


def test_a_docx_is_word_not_zip(tmp_path):
    path = tmp_path / "stored"
    Document().save(str(path))
    found = identify(path)  # the container signature decides, with no name to help
    assert (found.puid, found.basis, found.known) == ("fmt/412", "signature", True)
    assert found.mime == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_an_xlsx_is_excel_not_zip(tmp_path):
    path = tmp_path / "stored"
    openpyxl.Workbook().save(path)
    found = identify(path, "Danh mục hồ sơ 2026.xlsx")
    assert (found.puid, found.basis, found.known) == ("fmt/214", "signature", True)


def test_plain_text_has_no_signature_in_pronom_so_only_its_name_says_so(tmp_path):
    path = stored(tmp_path, "Xin chào, đây là văn bản thường.\n".encode())
    named = identify(path, "ghi chú.txt")
    assert (named.puid, named.mime, named.basis, named.known) == ("x-fmt/111", "text/plain", "extension", False)
    assert identify(path) == formats.UNKNOWN


def test_random_bytes_are_not_known(tmp_path):
    found = identify(stored(tmp_path, os.urandom(4096)), "dữ liệu.bin")
    assert not found.known
    assert found.basis in {"extension", ""}


def test_the_bytes_win_over_the_name_which_is_pointed_out(tmp_path):
    found = identify(stored(tmp_path, pdf_bytes(tmp_path)), "x.doc")
    assert found.puid in PDF_PUIDS and found.known and found.basis == "misnamed"
    # An executable named as a PDF: known by its bytes, and its name pointed out as not theirs.
    exe = identify(stored(tmp_path, b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)), "fake.pdf")
    assert (exe.puid, exe.basis) == ("x-fmt/409", "misnamed")
    assert identify(stored(tmp_path, pdf_bytes(tmp_path)), "Quyết định.PDF").basis == "signature"


def test_an_empty_file_is_unknown(tmp_path):
    path = stored(tmp_path, b"")
    assert identify(path) == Format(puid="", name="", version="", mime="", basis="")
    assert not identify(path, "trống.pdf").known  # fido tries an empty file's name: a weak match at most


def test_a_missing_file_is_an_error_not_an_unknown_format(tmp_path):
    try:
        identify(tmp_path / "gone", "a.pdf")
    except FileNotFoundError:
        return
    raise AssertionError("identify() of a missing file must raise")


def test_threads_share_the_one_identifier(tmp_path):
    pdf = stored(tmp_path, pdf_bytes(tmp_path))
    docx = tmp_path / "docx"
    Document().save(str(docx))
    with ThreadPoolExecutor(4) as pool:
        puids = list(pool.map(lambda path: identify(path).puid, [pdf, docx] * 20))
    assert set(puids[0::2]) <= PDF_PUIDS and len(set(puids[0::2])) == 1 and set(puids[1::2]) == {"fmt/412"}


def test_fido_is_the_version_whose_internals_identify_uses():
    installed = version("opf-fido")
    assert installed == fido.__version__ == formats.FIDO_VERSION, (
        f"opf-fido {installed} is installed, but filing/formats.py was checked against {formats.FIDO_VERSION}: "
        "read Fido.__init__, get_buffers, blocking_read, match_formats, get_regex, container_type, as_good_as_any, "
        "match_extensions, extract_signatures and fido.package in the new version, then update FIDO_VERSION and the pin"
    )
    for name in (
        "get_buffers",
        "blocking_read",
        "match_formats",
        "get_regex",
        "container_type",
        "as_good_as_any",
        "match_extensions",
        "extract_signatures",
    ):
        assert callable(getattr(Fido, name)), name
    assert callable(ZipPackage.detect_formats) and callable(OlePackage.detect_formats)


def test_loading_fido_leaves_the_process_regex_cache_alone():
    before = re._MAXCACHE  # type: ignore[attr-defined]
    formats._identifier.cache_clear()
    formats._identifier()
    assert re._MAXCACHE == before  # type: ignore[attr-defined]
    assert formats.signature_files().startswith(f"fido {formats.FIDO_VERSION}, PRONOM v")
