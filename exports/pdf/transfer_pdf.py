"""The two papers of a submission to the agency archive, in the Phụ lục V layout (NĐ 30/2020 Điều 30 k.3): the
"mục lục hồ sơ, tài liệu nộp lưu" the unit hands over and the "biên bản giao nhận hồ sơ, tài liệu" both sides sign."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from exports.pdf import ProductPDF, table
from exports.pdf.number_words import boxes_and_shelf, words
from exports.pdf.pdf_index import organisation_block

LINE = 6
COLUMNS = (
    ("Số TT", 12),
    ("Số, ký hiệu hồ sơ", 28),
    ("Tiêu đề hồ sơ", 96),
    ("Thời gian tài liệu", 42),
    ("Thời hạn bảo quản", 26),
    ("Số văn bản", 20),
    ("Ghi chú", 38),
)


@dataclass(frozen=True)
class ListRow:
    """One dossier of the mục lục."""

    code: str
    title: str
    dates: str
    retention: str
    documents: int
    note: str


@dataclass(frozen=True)
class TransferList:
    """What the mục lục prints."""

    parent_name: str
    unit_name: str
    year: int
    rows: list[ListRow]
    made_by: str
    made_by_position: str
    made_on: date
    printed_at: datetime
    returned: list[str] = field(default_factory=list)  # "code: reason" of each dossier the archive gave back


@dataclass(frozen=True)
class HandoverRecord:
    """What the biên bản giao nhận prints; each person is (name, position)."""

    parent_name: str
    organisation_name: str
    unit_name: str
    year: int
    giver: tuple[str, str]
    receiver: tuple[str, str]
    checker: tuple[str, str]
    dossiers: int
    files: int
    returned: int
    first_day: date | None
    last_day: date | None
    signed_on: date
    printed_at: datetime
    # Paper and hybrid dossiers among those accepted, and the boxes the archive has put them in (issue 28).
    paper: int = 0
    paper_only: int = 0  # of which no part is electronic: not counted as electronic dossiers
    boxes: int = 0


def _day_line(day: date) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def transfer_list(values: TransferList, font: str = "") -> bytes:
    """Return the mục lục hồ sơ, tài liệu nộp lưu as an A4 landscape PDF, one row per dossier."""
    pdf = ProductPDF(
        values.printed_at, f"Mục lục hồ sơ nộp lưu {values.unit_name} {values.year}", landscape=True, font=font
    )
    pdf.add_page()
    organisation_block(pdf, values.parent_name, values.unit_name)
    pdf.set_font(style="B", size=14)
    pdf.cell(0, LINE + 2, "MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=11)
    pdf.cell(0, LINE, values.unit_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, LINE, f"Năm {values.year}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=10)
    pdf.ln(LINE / 2)
    headings = [f"{name}\n({number})" for number, (name, _) in enumerate(COLUMNS, start=1)]
    rows = [
        [str(number), row.code, row.title, row.dates, row.retention, str(row.documents), row.note]
        for number, row in enumerate(values.rows, start=1)
    ]
    table(pdf, headings, [width for _, width in COLUMNS], rows)
    pdf.ln(LINE / 2)
    count = len(values.rows)
    pdf.multi_cell(
        0,
        LINE,
        f"Mục lục này gồm: {count} hồ sơ (đơn vị bảo quản).\nViết bằng chữ: {words(count)} hồ sơ.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if values.returned:
        returned = "\n".join(f"- {line}" for line in values.returned)
        pdf.multi_cell(0, LINE, f"Hồ sơ trả lại đơn vị, không giao nhận:\n{returned}", new_x="LMARGIN", new_y="NEXT")
    _signature(pdf, [("Người lập", *_person(values.made_by, values.made_by_position))], values.made_on)
    return bytes(pdf.output())


def handover_record(values: HandoverRecord, font: str = "") -> bytes:
    """Return the biên bản giao nhận hồ sơ, tài liệu: who hands what to the agency archive, and how much."""
    pdf = ProductPDF(values.printed_at, f"Biên bản giao nhận hồ sơ, tài liệu {values.unit_name}", font=font)
    pdf.add_page()
    top = pdf.get_y()
    organisation_block(pdf, values.parent_name, values.organisation_name, width=80)
    pdf.set_xy(pdf.l_margin + 80, top)
    pdf.set_font(style="B")
    pdf.multi_cell(0, LINE, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", align="C")
    pdf.set_font(style="")
    pdf.set_x(pdf.l_margin + 80)
    pdf.cell(0, LINE, _day_line(values.signed_on), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE)
    pdf.set_font(style="B", size=14)
    pdf.cell(0, LINE + 2, "BIÊN BẢN", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=11)
    pdf.cell(0, LINE, "Giao nhận hồ sơ, tài liệu", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=10)
    pdf.ln(LINE / 2)
    for line in _record_lines(values):
        pdf.multi_cell(0, LINE, line, new_x="LMARGIN", new_y="NEXT")
    _signature(
        pdf,
        [("ĐẠI DIỆN BÊN GIAO", *_person(*values.giver)), ("ĐẠI DIỆN BÊN NHẬN", *_person(*values.receiver))],
        None,
    )
    return bytes(pdf.output())


def _record_lines(values: HandoverRecord) -> list[str]:
    span = (
        f"{values.first_day:%d/%m/%Y} - {values.last_day:%d/%m/%Y}"
        if values.first_day is not None and values.last_day is not None
        else "—"
    )
    state = "Các tệp tin được kiểm tra mã băm khi tiếp nhận, đầy đủ, nguyên vẹn."
    if values.returned:
        state += f" {values.returned} hồ sơ bị trả lại đơn vị, không giao nhận trong biên bản này."
    giver, receiver, checker = values.giver, values.receiver, values.checker
    return [
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
        f"Căn cứ Danh mục hồ sơ năm {values.year} của {values.organisation_name},",
        "Chúng tôi gồm:",
        f"BÊN GIAO: {values.unit_name}. Ông (bà): {giver[0]}. Chức vụ công tác: {giver[1] or '—'}.",
        f"BÊN NHẬN: Lưu trữ cơ quan. Ông (bà): {receiver[0]}. Chức vụ công tác: {receiver[1] or '—'}.",
        f"Cùng kiểm tra: Văn thư cơ quan, ông (bà): {checker[0]}. Chức vụ công tác: {checker[1] or '—'}.",
        "Thống nhất lập biên bản giao nhận tài liệu như sau:",
        f"1. Tên khối tài liệu giao nộp: hồ sơ, tài liệu của {values.unit_name} năm {values.year}.",
        f"2. Thời gian của hồ sơ, tài liệu: {span}.",
        *_quantity_lines(values),
        f"4. Tình trạng tài liệu giao nộp: {state}",
        "5. Mục lục hồ sơ, tài liệu nộp lưu kèm theo.",
        "Biên bản này được lập thành hai bản; bên giao giữ một bản, bên nhận giữ một bản.",
    ]


def _quantity_lines(values: HandoverRecord) -> list[str]:
    """Return item 3 of the biên bản: electronic records only, or paper (a) and electronic (b) as Phụ lục V has it."""
    dossiers = values.dossiers - values.paper_only
    electronic = (
        f"tổng số hồ sơ: {dossiers} ({words(dossiers)}); "
        f"tổng số tệp tin trong hồ sơ: {values.files} ({words(values.files)})."
    )
    if not values.paper:
        return ["3. Số lượng tài liệu điện tử: " + electronic]
    return [
        "3. Số lượng tài liệu:",
        f"a) Tài liệu giấy: tổng số hộp (cặp): {boxes_and_shelf(values.boxes)}; "
        f"tổng số hồ sơ (đơn vị bảo quản): {values.paper} ({words(values.paper)});",
        "b) Tài liệu điện tử: " + electronic,
    ]


def _person(name: str, position: str) -> tuple[str, str]:
    return name or "…", position


def _signature(pdf: ProductPDF, people: list[tuple[str, str, str]], day: date | None) -> None:
    """Print the signature blocks side by side: the role, "(Ký và ghi rõ họ tên)", the name and position."""
    pdf.ln(LINE)
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / max(len(people), 2)
    left = pdf.l_margin + (width if len(people) == 1 else 0)
    if day is not None:
        pdf.set_x(left)
        pdf.cell(width, LINE, f"…, {_day_line(day)}", align="C", new_x="LMARGIN", new_y="NEXT")
    rows = [
        [role for role, _, _ in people],
        ["(Ký và ghi rõ họ tên, chức vụ)"] * len(people),
        [""] * len(people),
        [name for _, name, _ in people],
        [position for _, _, position in people],
    ]
    for number, cells in enumerate(rows):
        pdf.set_font(style="B" if number in (0, 3) else "")
        pdf.set_x(left)
        for cell in cells:
            pdf.cell(width, LINE, cell, align="C")
        pdf.ln(LINE * (2 if number == 2 else 1))
    pdf.set_font(style="")
