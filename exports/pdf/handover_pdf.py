"""PDFs of a hand-over package: the transfer list ("mục lục hồ sơ nộp lưu") and the hand-over record
("biên bản giao nhận tài liệu"), both printed with the mark NĐ 30/2020 PL6 III.6.k requires."""

from __future__ import annotations

from dataclasses import dataclass

from exports.bagging import layout
from exports.pdf import ProductPDF, table
from exports.pdf.number_words import boxes_and_shelf, words
from exports.snapshot import PackageSnapshot
from exports.xml.tt02 import transfer_rows

COLUMNS = (
    ("STT", 10),
    ("Mã hồ sơ", 53),
    ("Số, ký hiệu", 20),
    ("Tiêu đề hồ sơ", 54),
    ("Thời gian", 34),
    ("Thời hạn bảo quản", 20),
    ("Số văn bản", 13),
    ("Đơn vị", 20),
    ("Ghi chú", 38),
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
        *quantity_lines(quantities(snapshot)),
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


@dataclass(frozen=True)
class Quantities:
    """How much a hand-over holds, paper apart from electronic records (NĐ 30/2020 Phụ lục V, issue 28)."""

    paper: int  # paper and hybrid dossiers: storage units ("đơn vị bảo quản") on the archive's shelves
    paper_only: int  # of which no part is electronic: not counted among the electronic dossiers
    boxes: int  # the boxes they are kept in
    sheets: int  # their sheets ("tờ")
    electronic: int  # electronic and hybrid dossiers
    files: int  # the files the package carries for them, their preservation copies not counted


def quantities(snapshot: PackageSnapshot) -> Quantities:
    """Return the package's quantities as the hand-over record counts them."""
    physical = [dossier for dossier in snapshot.dossiers if dossier.physical]
    paper_only = sum(1 for dossier in physical if dossier.paper)
    return Quantities(
        paper=len(physical),
        paper_only=paper_only,
        boxes=len({dossier.box_number for dossier in physical if dossier.box_number is not None}),
        sheets=sum(dossier.sheet_total or 0 for dossier in physical),
        electronic=len(snapshot.dossiers) - paper_only,
        files=sum(content.original is None for content in layout.content_files(snapshot.dossiers)),
    )


def quantity_lines(values: Quantities) -> list[str]:
    """Return the record's quantities, paper (a) and electronic (b) as Phụ lục V has it; nothing for a package of
    electronic records only, whose "Nội dung" line says it all."""
    if not values.paper:
        return []
    return [
        "Số lượng tài liệu:",
        "a) Tài liệu giấy (giao nộp bản gốc, gói điện tử chỉ mô tả): "
        f"tổng số hộp (cặp): {boxes_and_shelf(values.boxes)}; "
        f"tổng số hồ sơ (đơn vị bảo quản): {values.paper} ({words(values.paper)}); "
        f"tổng số tờ: {values.sheets} ({words(values.sheets)});",
        f"b) Tài liệu điện tử: tổng số hồ sơ: {values.electronic} ({words(values.electronic)}); "
        f"tổng số tệp tin trong hồ sơ: {values.files} ({words(values.files)}).",
    ]
