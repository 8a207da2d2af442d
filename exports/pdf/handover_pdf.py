"""PDFs of a hand-over package: the transfer list ("mục lục hồ sơ nộp lưu") and the hand-over record
("biên bản giao nhận tài liệu"), both printed with the mark NĐ 30/2020 PL6 III.6.k requires."""

from __future__ import annotations

from exports.pdf import ProductPDF, table
from exports.snapshot import PackageSnapshot
from exports.xml.tt02 import transfer_rows

COLUMNS = (
    ("STT", 10),
    ("Mã hồ sơ", 48),
    ("Số, ký hiệu", 22),
    ("Tiêu đề hồ sơ", 86),
    ("Thời gian", 40),
    ("Thời hạn bảo quản", 22),
    ("Số văn bản", 14),
    ("Đơn vị", 20),
)
LINE = 6


def _top(pdf: ProductPDF, snapshot: PackageSnapshot, title: str) -> None:
    pdf.add_page()
    pdf.multi_cell(
        120,
        LINE,
        f"{snapshot.parent_name.upper()}\n{snapshot.organisation_name.upper()}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(LINE)
    pdf.set_font(style="B", size=14)
    pdf.cell(0, LINE + 2, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=10)
    pdf.cell(
        0, LINE, f"Gói {snapshot.name} — Phông {snapshot.organisation_code}", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(LINE / 2)


def transfer_list(snapshot: PackageSnapshot, font: str = "") -> bytes:
    """Return the transfer list of the package as an A4 landscape PDF, one row per dossier."""
    pdf = ProductPDF(snapshot.created_at, f"Mục lục hồ sơ nộp lưu {snapshot.name}", landscape=True, font=font)
    _top(pdf, snapshot, f"MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU NĂM {snapshot.year}")
    table(pdf, [name for name, _ in COLUMNS], [width for _, width in COLUMNS], transfer_rows(snapshot))
    pdf.ln(LINE / 2)
    pdf.cell(0, LINE, f"Mục lục này gồm {len(snapshot.dossiers)} hồ sơ.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def handover_record(snapshot: PackageSnapshot, font: str = "") -> bytes:
    """Return the hand-over record: who hands what to which archive, with the audit-chain head hash."""
    pdf = ProductPDF(snapshot.created_at, f"Biên bản giao nhận {snapshot.name}", font=font)
    _top(pdf, snapshot, "BIÊN BẢN GIAO NHẬN TÀI LIỆU")
    documents = sum(len(dossier.documents) for dossier in snapshot.dossiers)
    lines = [
        f"Bên giao: {snapshot.organisation_name}, đại diện: {snapshot.operator_name} "
        f"({snapshot.operator_position or 'Cán bộ lưu trữ'}).",
        f"Bên nhận: Lưu trữ lịch sử {snapshot.archive_code}.",
        f"Nội dung: giao nộp {len(snapshot.dossiers)} hồ sơ, {documents} văn bản, theo Mục lục hồ sơ nộp lưu "
        f"kèm theo (gói điện tử {snapshot.name}, định dạng BagIt).",
        f"Mã băm đầu chuỗi nhật ký hệ thống tại thời điểm lập gói (SHA-256): {snapshot.audit_head}",
        "Biên bản được lập thành hai bản, mỗi bên giữ một bản.",
    ]
    for line in lines:
        pdf.multi_cell(0, LINE, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE * 2)
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.set_font(style="B")
    pdf.cell(width, LINE, "ĐẠI DIỆN BÊN GIAO", align="C")
    pdf.cell(width, LINE, "ĐẠI DIỆN BÊN NHẬN", align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
