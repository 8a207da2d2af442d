"""Print the registers of incoming and outgoing documents ("sổ đăng ký văn bản đến/đi", NĐ 30/2020 Phụ lục IV)
and the report on how their documents are handled ("báo cáo tình hình giải quyết văn bản đến/đi", PL6 V.2, V.4).

NĐ 30 Điều 16: a register kept in the system must print with all its fields in the register's
template, so that it can be closed and kept ("đóng sổ"). This module owns that PDF: the cover
lines, the ten columns of each register, and the printed-from-system mark (through ProductPDF).
Columns the system does not track on paper (hand-over date, signature of receipt) print empty,
to be filled by hand as the template expects. The handling report has no template in the decree:
it prints one line per series and the total, saying what its "due date passed" count means.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date, datetime

from erms.config import LOCAL_TZ
from erms.models import Organisation, RegisterEntry
from erms.models.register import RegisterKind, RegisterSeries
from exports.pdf import ProductPDF, table
from exports.pdf.pdf_index import LINE, organisation_block

# A date column holds a whole dd/mm/yyyy (20.3 mm in 9 pt with its padding), and every column its heading's longest
# word: a date or a word cut across two lines is what the clerk cannot read on the printed register.
DATE_WIDTH = 22
# Phụ lục IV: the columns of each register, with widths in mm (A4 landscape text width 262 mm).
COLUMNS = {
    RegisterKind.INCOMING: (
        ("Ngày đến", DATE_WIDTH),
        ("Số đến", 14),
        ("Tác giả", 36),
        ("Số, ký hiệu", 28),
        ("Ngày tháng văn bản", DATE_WIDTH),
        ("Tên loại và trích yếu nội dung", 64),
        ("Đơn vị hoặc người nhận", 28),
        ("Ngày chuyển", DATE_WIDTH),
        ("Ký nhận", 12),
        ("Ghi chú", 14),
    ),
    RegisterKind.OUTGOING: (
        ("Số, ký hiệu văn bản", 28),
        ("Ngày tháng văn bản", DATE_WIDTH),
        ("Tên loại và trích yếu nội dung", 64),
        ("Người ký", 28),
        ("Nơi nhận", 32),
        ("Đơn vị, người nhận bản lưu", 26),
        ("Số lượng bản", 14),
        ("Ngày chuyển", DATE_WIDTH),
        ("Ký nhận", 12),
        ("Ghi chú", 14),
    ),
}
TITLES = {RegisterKind.INCOMING: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", RegisterKind.OUTGOING: "SỔ ĐĂNG KÝ VĂN BẢN ĐI"}
URGENCY_WORDS = {"khan": "Khẩn", "thuong_khan": "Thượng khẩn", "hoa_toc": "Hỏa tốc"}
# What stands for a summary left out, by why (filing.registers.withheld_summaries).
HIDDEN = {
    "top_secret": "(trích yếu hạn chế — tuyệt mật)",
    "restricted": "(trích yếu hạn chế sử dụng, chỉ dành cho người được chỉ định)",
}
REPORT_TITLES = {
    RegisterKind.INCOMING: "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐẾN",
    RegisterKind.OUTGOING: "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐI",
}
REPORT_COLUMNS = (
    ("Loại sổ", 52),
    ("Số văn bản đăng ký", 30),
    ("Có hạn giải quyết", 30),
    ("Đã giải quyết", 30),
    ("Giải quyết sau hạn", 30),
    ("Quá hạn, chưa giải quyết", 30),
    ("Chưa đến hạn, chưa giải quyết", 30),
    ("Khẩn, thượng khẩn, hỏa tốc", 30),
)
SERIES_WORDS = {RegisterSeries.REGULAR: "Văn bản thường", RegisterSeries.CLASSIFIED: "Văn bản mật"}
# What "handled" rests on: the day the registry records on the register, not the file's content.
REPORT_NOTE = (
    'Ghi chú: "Đã giải quyết" là văn bản đã được văn thư ghi nhận ngày giải quyết trên sổ; '
    '"Quá hạn, chưa giải quyết" là văn bản có hạn giải quyết trước ngày lập báo cáo mà chưa được '
    "ghi nhận ngày giải quyết."
)


@dataclass(frozen=True)
class HandlingCounts:
    """One line of the handling report: counts of one series' documents registered in the period.

    "Handled" rests on the day the registry recorded; a document with no such day is overdue when
    its deadline (DueDate) is before the report day, not yet due otherwise.
    """

    registered: int
    with_due_date: int
    handled: int
    handled_late: int
    overdue: int
    due_ahead: int
    urgent: int


@dataclass(frozen=True)
class HandlingReport:
    """The "báo cáo tình hình giải quyết văn bản đến/đi" of one register over a period (PL6 V.2, V.4)."""

    organisation: Organisation
    kind: RegisterKind
    start: date
    end: date
    today: date
    series: dict[RegisterSeries, HandlingCounts]

    @property
    def total(self) -> HandlingCounts:
        """Both series together (classified documents are also shown on their own line)."""
        return HandlingCounts(*map(sum, zip(*(astuple(line) for line in self.series.values()), strict=True)))


def render(
    organisation: Organisation,
    kind: RegisterKind,
    year: int,
    series: RegisterSeries,
    entries: list[tuple[RegisterEntry, str | None]],
    printed_at: datetime,
    font: str = "",
) -> bytes:
    """Return one register of a year as an A4 landscape PDF; each entry comes with why its summary is left out (a
    key of HIDDEN), None when it is shown."""
    title = TITLES[kind] + (" MẬT" if series is RegisterSeries.CLASSIFIED else "")
    pdf = ProductPDF(printed_at, f"{title} năm {year}", landscape=True, font=font)
    pdf.add_page()
    organisation_block(pdf, organisation.parent_name, organisation.name)
    pdf.set_font(style="B", size=14)
    pdf.cell(0, LINE + 2, f"{title}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=11)
    pdf.cell(0, LINE, f"Năm {year}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=9)
    pdf.ln(LINE / 2)
    columns = COLUMNS[kind]
    cells = _incoming if kind is RegisterKind.INCOMING else _outgoing
    table(
        pdf,
        [name for name, _ in columns],
        [width for _, width in columns],
        [cells(entry, withheld) for entry, withheld in entries],
    )
    pdf.ln(LINE / 2)
    pdf.cell(0, LINE, f"Sổ có {len(entries)} văn bản.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render_handling_report(report: HandlingReport, printed_at: datetime, font: str = "") -> bytes:
    """Return the handling report as an A4 landscape PDF: a line per series, then the total."""
    title = REPORT_TITLES[report.kind]
    pdf = ProductPDF(printed_at, title, landscape=True, font=font)
    pdf.add_page()
    organisation_block(pdf, report.organisation.parent_name, report.organisation.name)
    pdf.set_font(style="B", size=14)
    pdf.cell(0, LINE + 2, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=11)
    pdf.cell(
        0, LINE, f"Từ ngày {_date(report.start)} đến ngày {_date(report.end)}", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.cell(0, LINE, f"Số liệu tính đến ngày {_date(report.today)}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE / 2)
    lines = [*((SERIES_WORDS[series], counts) for series, counts in report.series.items()), ("Tổng số", report.total)]
    table(
        pdf,
        [name for name, _ in REPORT_COLUMNS],
        [width for _, width in REPORT_COLUMNS],
        [[label, *(str(value) for value in astuple(counts))] for label, counts in lines],
    )
    pdf.ln(LINE / 2)
    pdf.multi_cell(0, LINE, REPORT_NOTE, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _summary(entry: RegisterEntry, withheld: str | None) -> str:
    document = entry.document
    urgency = URGENCY_WORDS.get(document.urgency, "")
    summary = (
        f"{document.type_name} {HIDDEN[withheld]}" if withheld else f"{document.type_name} {document.subject}".strip()
    )
    deadline = f" (hạn giải quyết {document.due_date:%d/%m/%Y})" if document.due_date else ""
    return f"[{urgency}] {summary}{deadline}" if urgency else f"{summary}{deadline}"


def _notation(entry: RegisterEntry) -> str:
    document = entry.document
    return "/".join(part for part in (document.code_number, document.code_notation) if part)


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _incoming(entry: RegisterEntry, withheld: str | None) -> list[str]:
    document = entry.document
    # The unit it was sent to, and when, fill the register's "Đơn vị hoặc người nhận" and "Ngày chuyển".
    receiver = entry.assigned_unit.name if entry.assigned_unit else document.recipients
    sent = _date(entry.assigned_at.astimezone(LOCAL_TZ).date()) if entry.assigned_at else ""
    return [
        _date(document.arrival_date),
        str(entry.number),
        document.organ_name,
        _notation(entry),
        _date(document.issued_date),
        _summary(entry, withheld),
        receiver,
        sent,
        "",
        document.description,
    ]


def _outgoing(entry: RegisterEntry, withheld: str | None) -> list[str]:
    document = entry.document
    signer = ", ".join(part for part in (document.signer_position, document.signer_name) if part)
    return [
        _notation(entry),  # the document's own số (its line's number unless typed: filing.registers.with_numbers)
        _date(document.issued_date),
        _summary(entry, withheld),
        signer,
        document.recipients,
        "",
        "",
        "",
        "",
        document.description,
    ]
