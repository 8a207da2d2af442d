"""A whole dossier as one PDF (PL6 III.4.g: "kết xuất toàn bộ văn bản, tài liệu, dữ liệu đặc tả của hồ sơ sang định
dạng .pdf … bảo đảm trình tự thời gian"): the dossier's metadata, its document index, then each document in the
index's (chronological) order — a page of its metadata, followed by the pages of its file when that file is a PDF
the reader may read — with a bookmark per document.

Files are joined as they are (pypdf copies their pages; nothing is re-rendered). A file that is not a PDF, or that
cannot be opened (damaged, locked by a password), is named on its document's page with the reason instead. Callers
pass plain values and open streams; nothing here touches the database or Flask.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import IO, BinaryIO

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from exports.pdf import ProductPDF, table
from exports.pdf.pdf_index import organisation_block

LINE = 6


@dataclass(frozen=True)
class Part:
    """One document of the dossier: its heading, its metadata lines, what follows its page, and its file to join."""

    heading: str  # "Văn bản số 3: Quyết định 15/QĐ-UBND"
    lines: tuple[tuple[str, str], ...]  # (element, value), in the metadata schema's order
    note: str  # what the reader finds after this page: the file's pages, or why not
    file: BinaryIO | None  # a PDF that opens (``pages``), or None


@dataclass(frozen=True)
class WholeDossier:
    """Everything the whole-dossier PDF prints."""

    parent_organisation: str
    organisation: str
    file_code: str
    title: str
    lines: tuple[tuple[str, str], ...]  # the dossier's metadata (element, value)
    index_pdf: bytes  # the document index ("mục lục văn bản") as the reader may read it
    parts: tuple[Part, ...]
    printed_at: datetime


def pages_of(stream: BinaryIO) -> int | None:
    """Return how many pages the PDF in ``stream`` has, or None when it cannot be joined (not a PDF, damaged, or
    locked by a password to open it)."""
    try:
        reader = PdfReader(stream)
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        return len(reader.pages)
    except (PyPdfError, ValueError, OSError, KeyError, TypeError):
        return None
    finally:
        stream.seek(0)


def render(whole: WholeDossier, output: IO[bytes], font: str = "") -> int:
    """Write the whole dossier to ``output`` as one PDF; return its number of pages."""
    front, first_parts = _front(whole, font)
    writer = PdfWriter()
    writer.append(front, pages=(0, first_parts))
    writer.add_outline_item(title="Dữ liệu đặc tả hồ sơ", page_number=0)
    index_at = len(writer.pages)
    writer.append(PdfReader(io.BytesIO(whole.index_pdf)))
    writer.add_outline_item(title="Mục lục văn bản", page_number=index_at)
    for number, part in enumerate(whole.parts):
        at = len(writer.pages)
        writer.append(front, pages=(first_parts + number, first_parts + number + 1))
        writer.add_outline_item(title=part.heading, page_number=at)
        if part.file is not None:
            _join(writer, part)
    writer.write(output)
    return len(writer.pages)


class NotJoinable(Exception):
    """A file that opened (``pages_of``) but whose pages could not be copied; ``heading`` names its document."""

    def __init__(self, heading: str) -> None:
        super().__init__(heading)
        self.heading = heading


def _join(writer: PdfWriter, part: Part) -> None:
    assert part.file is not None  # only parts with a file are joined
    try:
        reader = PdfReader(part.file)
        if reader.is_encrypted:
            reader.decrypt("")  # pages_of found it opens without a password
        writer.append(reader, import_outline=False)
    except (PyPdfError, ValueError, OSError, KeyError, TypeError) as error:
        raise NotJoinable(part.heading) from error


class _Pages(ProductPDF):
    """The pages ERMS prints for the whole dossier: the footer names the print, without a page count (the joined
    files' pages come between them)."""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(size=8)
        self.cell(0, 5, f"In từ Hệ thống ERMS — {self.printed_at:%d/%m/%Y %H:%M}", align="C")


def _front(whole: WholeDossier, font: str) -> tuple[PdfReader, int]:
    """Return the pages printed here — the dossier's metadata, then one page per document — and where the
    documents' pages begin."""
    pdf = _Pages(whole.printed_at, f"Hồ sơ {whole.file_code} — {whole.title}", font=font)
    pdf.add_page()
    organisation_block(pdf, whole.parent_organisation, whole.organisation)
    pdf.ln(LINE)
    pdf.set_font(style="B", size=14)
    pdf.multi_cell(0, LINE + 2, "HỒ SƠ", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, LINE + 2, whole.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=11)
    pdf.multi_cell(0, LINE, f"Mã hồ sơ: {whole.file_code}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE)
    _lines(pdf, "Dữ liệu đặc tả hồ sơ", whole.lines)
    first_parts = pdf.page_no()
    for part in whole.parts:
        pdf.add_page()
        _lines(pdf, part.heading, part.lines)
        pdf.ln(LINE / 2)
        pdf.multi_cell(0, LINE, part.note, new_x="LMARGIN", new_y="NEXT")
    return PdfReader(io.BytesIO(bytes(pdf.output()))), first_parts


def _lines(pdf: ProductPDF, heading: str, lines: tuple[tuple[str, str], ...]) -> None:
    pdf.set_font(style="B")
    pdf.multi_cell(0, LINE, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="")
    pdf.ln(LINE / 3)
    table(pdf, ["Yếu tố", "Nội dung"], [60, 115], [[title, value or "—"] for title, value in lines])
