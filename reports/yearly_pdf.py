"""The yearly records-work report ("Báo cáo kết quả thực hiện công tác văn thư, lưu trữ năm …") as a PDF.

Agencies send it every year to the Department of Home Affairs (Sở Nội vụ). No official form of its tables is known to
this project, so the two tables of documents follow the headings of the thesis's chapter 2 (Bảng 2.4 "Thống kê tổng
số văn bản đi, văn bản đến tính từ ngày … đến ngày …", Bảng 2.5 "Thống kê biến động văn bản đi, văn bản đến … năm …
và năm …", "Đơn vị tính: văn bản"); the tables of handling, filing and holdings are the product's own reports, with
Vietnamese headings of their columns. Every number comes from the same report objects the web pages show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from erms.models.register import RegisterKind
from exports.pdf import ProductPDF
from exports.pdf.pdf_index import LINE
from reports import pdf_layout as layout
from reports.figures import Cell, Report, Table
from reports.flow import KIND_WORDS
from reports.scope import Scope

# The row labels the reports give as msgids, in Vietnamese (the PDF is printed in the agency's language).
LABELS = {
    "Total": "Tổng số",
    "Sent to no unit": "Chưa giao đơn vị",
    "Destroyed": "Tiêu hủy",
    "Handed over": "Nộp lưu vào Lưu trữ lịch sử",
    "Destruction list": "Danh mục tài liệu hủy",
    "Not in a box yet": "Chưa xếp hộp",
}
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Figures:
    """The reports the yearly report is printed from."""

    scope: Scope
    units: list[str]  # the names of the units reported on, when not the whole organisation
    year: int
    today: date
    flow: Report  # 1 January – 31 December of the year
    previous: dict[RegisterKind, dict[str, int]]  # the year before, for the change (Bảng 2.5)
    compliance: Report
    holdings: Report  # every year's dossiers in custody today
    use: dict[str, int] | None = None  # the year's requests to use records (holdings.use_requests.counts), if shown


def render(figures: Figures, printed_at: datetime, font: str = "") -> bytes:
    """Return the yearly report of ``figures`` as an A4 portrait PDF."""
    year = figures.year
    pdf = ProductPDF(printed_at, f"Báo cáo công tác văn thư, lưu trữ năm {year}", font=font)
    pdf.add_page()
    _header(pdf, figures)
    number = layout.Numbering()
    layout.section(pdf, "I. VĂN BẢN ĐI, VĂN BẢN ĐẾN")
    _totals(pdf, figures, number())
    _change(pdf, figures, number())
    _handling(pdf, figures, number())
    layout.section(pdf, "II. LẬP HỒ SƠ VÀ NỘP LƯU HỒ SƠ, TÀI LIỆU VÀO LƯU TRỮ CƠ QUAN")
    _filing(pdf, figures, number())
    layout.section(pdf, "III. TÀI LIỆU LƯU TRỮ")
    _holdings(pdf, figures, number())
    _paper(pdf, figures, number)
    _disposal(pdf, figures, number())
    if figures.use is not None:
        _use(pdf, figures.use, figures.year, number())
    layout.closing(pdf)
    return bytes(pdf.output())


def _header(pdf: ProductPDF, figures: Figures) -> None:
    organisation = figures.scope.organisation
    lines = [] if figures.scope.whole else ["Đơn vị: " + ", ".join(figures.units)]
    lines.append(f"(Số liệu trích từ Hệ thống ERMS, tính đến ngày {layout.day(figures.today)})")
    title = f"Kết quả thực hiện công tác văn thư, lưu trữ năm {figures.year}"
    layout.heading(pdf, organisation.parent_name, organisation.name, figures.today, title, lines)


def _row(table_: Table, label: str) -> tuple[Cell, ...]:
    """Return the row of a table whose first cell is ``label`` (a msgid), or its total for "Total"."""
    if label == "Total" and table_.total is not None:
        return table_.total
    return next(row for row in table_.rows if row[0].value == label)


def _get(table_: Table, row: tuple[Cell, ...], key: str) -> int:
    value = row[table_.index(key)].value
    return value if isinstance(value, int) else 0


def _totals(pdf: ProductPDF, figures: Figures, number: int) -> None:
    """Bảng 2.4 of the thesis: the incoming and outgoing documents of the year, ordinary and classified apart."""
    registers = figures.flow.table("registers")
    incoming, outgoing = (_row(registers, KIND_WORDS[kind]) for kind in (RegisterKind.INCOMING, RegisterKind.OUTGOING))
    caption = (
        f"Bảng {number}. Thống kê tổng số văn bản đi, văn bản đến "
        f"tính từ ngày 01/01/{figures.year} đến ngày 31/12/{figures.year}"
    )
    layout.caption(pdf, caption, "Đơn vị tính: văn bản")
    rows = [
        ("Tổng số văn bản đến", _get(registers, incoming, "registered")),
        ("Trong đó: + Văn bản thông thường", _get(registers, incoming, "ordinary")),
        ("+ Văn bản mang bí mật nhà nước đến", _get(registers, incoming, "classified")),
        ("Tổng số văn bản đi", _get(registers, outgoing, "registered")),
        ("Trong đó: + Văn bản thông thường", _get(registers, outgoing, "ordinary")),
        ("+ Văn bản mang bí mật nhà nước đi", _get(registers, outgoing, "classified")),
    ]
    layout.print_table(
        pdf, ["Nội dung", "Số lượng"], [125, 50], [[label, layout.number(value)] for label, value in rows]
    )


def _change(pdf: ProductPDF, figures: Figures, number: int) -> None:
    """Bảng 2.5 of the thesis: the documents of the year beside those of the year before."""
    year, name = figures.year, _whose(figures)
    caption = f"Bảng {number}. Thống kê biến động văn bản đi, văn bản đến của {name} năm {year - 1} và năm {year}"
    layout.caption(pdf, caption, "Đơn vị tính: văn bản")
    registers = figures.flow.table("registers")
    lines = (
        ("Tổng số văn bản đi", RegisterKind.OUTGOING, "registered"),
        ("Trong đó văn bản mật đi", RegisterKind.OUTGOING, "classified"),
        ("Tổng số văn bản đến", RegisterKind.INCOMING, "registered"),
        ("Trong đó văn bản mật đến", RegisterKind.INCOMING, "classified"),
    )
    rows = []
    for label, kind, key in lines:
        values = (figures.previous[kind][key], _get(registers, _row(registers, KIND_WORDS[kind]), key))
        rows.append([label, *(f"{layout.number(value)} văn bản" for value in values)])
    layout.print_table(pdf, ["Nội dung", f"Năm {year - 1}", f"Năm {year}"], [85, 45, 45], rows)


def _handling(pdf: ProductPDF, figures: Figures, number: int) -> None:
    """The handling deadlines of the year's documents, as the register's handling report counts them."""
    registers = figures.flow.table("registers")
    incoming, outgoing = (_row(registers, KIND_WORDS[kind]) for kind in (RegisterKind.INCOMING, RegisterKind.OUTGOING))
    layout.caption(
        pdf, f"Bảng {number}. Tình hình giải quyết văn bản đến, văn bản đi năm {figures.year}", "Đơn vị tính: văn bản"
    )
    lines = (
        ("Có hạn giải quyết", "with_deadline"),
        ("Giải quyết đúng hạn", "met"),
        ("Giải quyết sau hạn", "late"),
        ("Quá hạn, chưa giải quyết", "overdue"),
        ("Chưa đến hạn, chưa giải quyết", "ahead"),
    )
    rows = [
        [label, layout.number(_get(registers, incoming, key)), layout.number(_get(registers, outgoing, key))]
        for label, key in lines
    ]
    layout.print_table(pdf, ["Nội dung", "Văn bản đến", "Văn bản đi"], [85, 45, 45], rows)


FILING_COLUMNS = (
    ("Hồ sơ trong Danh mục", "entries"),
    ("Chưa lập hồ sơ", "unfiled_entries"),
    ("Hồ sơ đã lập", "opened"),
    ("Đã kết thúc", "closed"),
    ("Đã nộp lưu", "submitted"),
    ("Đã tiếp nhận vào Lưu trữ cơ quan", "accepted"),
    ("Quá hạn nộp lưu", "handover_overdue"),
    ("Văn bản chưa lập hồ sơ", "unfiled_documents"),
)


def _filing(pdf: ProductPDF, figures: Figures, number: int) -> None:
    """The year's filing per unit: the list's entries, the dossiers formed and handed to the agency archive."""
    units = figures.compliance.table("units")
    layout.caption(
        pdf, f"Bảng {number}. Tình hình lập hồ sơ năm {figures.year} của các đơn vị", "Đơn vị tính: hồ sơ, văn bản"
    )
    rows = [
        [_label(row[units.index("unit")]), *(layout.number(_get(units, row, key)) for _, key in FILING_COLUMNS)]
        for row in (*units.rows, *([units.total] if units.total else []))
    ]
    headings = ["Đơn vị", *(heading for heading, _ in FILING_COLUMNS)]
    layout.print_table(pdf, headings, [39, *([17] * len(FILING_COLUMNS))], rows, size=8)


def _holdings(pdf: ProductPDF, figures: Figures, number: int) -> None:
    """What each unit's dossiers in custody hold today, and what falls due."""
    units = figures.holdings.table("units")
    layout.caption(pdf, f"Bảng {number}. Hồ sơ, tài liệu đang bảo quản tính đến ngày {layout.day(figures.today)}")
    columns = (
        ("Hồ sơ", "dossiers"),
        ("Văn bản", "documents"),
        ("Số trang", "pages"),
        (f"Đến hạn xác định giá trị đến 31/12/{figures.today.year}", "due_this_year"),
        ("Vĩnh viễn, đến hạn nộp Lưu trữ lịch sử", "due_historical"),
    )
    rows = []
    for row in (*units.rows, *([units.total] if units.total else [])):
        size = _get(units, row, "bytes") / MEGABYTE
        values = [layout.number(_get(units, row, key)) for _, key in columns]
        rows.append([_label(row[units.index("unit")]), *values[:3], f"{size:.2f}".replace(".", ","), *values[3:]])
    headings = ["Đơn vị", *(heading for heading, _ in columns[:3]), "Dung lượng (MB)", *(h for h, _ in columns[3:])]
    layout.print_table(pdf, headings, [45, 20, 20, 20, 20, 25, 25], rows, size=8)


def _paper(pdf: ProductPDF, figures: Figures, number: layout.Numbering) -> None:
    """The paper in custody per repository, its boxes in shelf metres (mét giá); no table when there is no paper."""
    paper = figures.holdings.table("paper")
    if not paper.total or not _get(paper, paper.total, "dossiers"):
        return
    layout.caption(pdf, f"Bảng {number()}. Tài liệu giấy đang bảo quản tính đến ngày {layout.day(figures.today)}")
    rows = [
        [
            _label(row[paper.index("repository")]),
            layout.number(_get(paper, row, "boxes")),
            f"{row[paper.index('metres')].value:.1f}".replace(".", ","),
            *(layout.number(_get(paper, row, key)) for key in ("dossiers", "sheets")),
        ]
        for row in (*paper.rows, paper.total)
    ]
    headings = ["Kho", "Số hộp", "Quy ra mét giá", "Hồ sơ giấy", "Số tờ"]
    layout.print_table(pdf, headings, [65, 25, 30, 25, 25], rows)


def _disposal(pdf: ProductPDF, figures: Figures, number: int) -> None:
    """The dossiers destroyed and handed over during the year, a line per decision or receipt."""
    disposal = figures.holdings.table("disposal")
    layout.caption(
        pdf, f"Bảng {number}. Hồ sơ, tài liệu đã tiêu hủy, đã nộp lưu vào Lưu trữ lịch sử năm {figures.year}"
    )
    rows = [
        [
            _label(row[disposal.index("kind")]),
            _label(row[disposal.index("paper")]),
            layout.day(row[disposal.index("on")].value),
            *(layout.number(_get(disposal, row, key)) for key in ("dossiers", "documents", "pages")),
        ]
        for row in disposal.rows
        if row[disposal.index("year")].value == figures.year
    ]
    if not rows:
        pdf.multi_cell(0, LINE, "Trong năm không có hồ sơ, tài liệu bị tiêu hủy hoặc nộp lưu vào Lưu trữ lịch sử.")
        pdf.ln(LINE)
        return
    headings = ["Hình thức", "Quyết định, biên bản", "Ngày", "Hồ sơ", "Văn bản", "Số trang"]
    layout.print_table(pdf, headings, [45, 45, 25, 20, 20, 20], rows)


USE_LINES = (
    ("Phiếu yêu cầu khai thác, sử dụng tài liệu", "requests"),
    ("trong đó của công dân", "citizens"),
    ("Đã duyệt", "approved"),
    ("Không duyệt", "refused"),
    ("Đang chờ duyệt", "waiting"),
    ("Hồ sơ phục vụ đọc trực tuyến", "online"),
    ("Lượt hồ sơ giấy cho mượn", "lent"),
    ("Hồ sơ giấy đang cho mượn", "out"),
    ("trong đó quá hạn trả", "overdue"),
)


def _use(pdf: ProductPDF, counts: dict[str, int], year: int, number: int) -> None:
    """The year's requests to use the archive's records, from the register of use."""
    layout.caption(pdf, f"Bảng {number}. Khai thác, sử dụng tài liệu lưu trữ năm {year}")
    rows = [[label, layout.number(counts.get(key, 0))] for label, key in USE_LINES]
    layout.print_table(pdf, ["Nội dung", "Số lượng"], [120, 40], rows)


def _whose(figures: Figures) -> str:
    return figures.scope.organisation.name if figures.scope.whole else ", ".join(figures.units)


def _label(cell: Cell) -> str:
    if cell.label and isinstance(cell.value, str):
        return LABELS.get(cell.value, cell.value)
    return "" if cell.value is None else str(cell.value)
