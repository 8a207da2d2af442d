"""Text extraction for the index: PDF, DOCX and TXT read in Vietnamese, and a PDF's pages counted; bad or huge
files give no text and no count."""

import docx
from fpdf import FPDF

from erms import extract
from exports.pdf import find_font

SENTENCE = "Quyết định về việc thu hồi đất tại phường Láng Hạ, quận Đống Đa"


def make_pdf(path, pages: int = 1):
    regular, _bold = find_font()
    pdf = FPDF()
    pdf.add_font("body", "", str(regular))
    for _page in range(pages):
        pdf.add_page()
        pdf.set_font("body", size=12)
        pdf.multi_cell(0, 8, SENTENCE)
    pdf.output(str(path))
    return path


def text_of(path, media_type: str, name: str, **limits) -> str:
    return extract.extracted(path, media_type, name, **limits).text


def test_pdf_docx_and_txt_give_their_vietnamese_text(tmp_path):
    pdf = make_pdf(tmp_path / "quyết định.pdf")
    document = docx.Document()
    document.add_paragraph(SENTENCE)
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "Biên bản họp hội đồng"
    document.save(tmp_path / "biên bản.docx")
    (tmp_path / "ghi chú.txt").write_text(SENTENCE, encoding="utf-8")
    assert " ".join(text_of(pdf, "application/pdf", pdf.name).split()) == SENTENCE
    from_docx = text_of(tmp_path / "biên bản.docx", "application/octet-stream", "biên bản.docx")
    assert SENTENCE in from_docx and "Biên bản họp hội đồng" in from_docx
    assert text_of(tmp_path / "ghi chú.txt", "text/plain", "ghi chú.txt") == SENTENCE


def test_a_pdf_s_pages_are_counted_with_its_text_and_only_a_pdf_s(tmp_path):
    pdf = make_pdf(tmp_path / "ba trang.pdf", pages=3)
    read = extract.extracted(pdf, "application/pdf", pdf.name)
    assert read.pages == 3 and read.text.split()[:2] == ["Quyết", "định"]  # the count's line is not text
    (tmp_path / "ghi chú.txt").write_text(SENTENCE, encoding="utf-8")
    assert extract.extracted(tmp_path / "ghi chú.txt", "text/plain", "ghi chú.txt").pages is None


def test_broken_huge_slow_and_unknown_files_give_no_text(tmp_path):
    broken = tmp_path / "hỏng.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not a PDF at all")
    assert extract.extracted(broken, "application/pdf", broken.name) == extract.NOTHING  # no text, no count
    pdf = make_pdf(tmp_path / "lớn.pdf")
    assert extract.extracted(pdf, "application/pdf", pdf.name, max_bytes=10) == extract.NOTHING
    assert extract.extracted(pdf, "application/pdf", pdf.name, timeout=0.001) == extract.NOTHING  # the child is killed
    image = tmp_path / "ảnh.png"
    image.write_bytes(b"\x89PNG\r\n")
    assert text_of(image, "image/png", image.name) == ""
