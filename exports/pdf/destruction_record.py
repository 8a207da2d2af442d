"""Print the destruction record ("biên bản hủy tài liệu hết giá trị") of an executed destruction list.

This module owns the record's layout only: the organisation block, the council's opinions and the decision it
executes, the table of destroyed dossiers with their extent, the dossiers a hold kept back, and the backup sets
that still hold the content until they expire (destruction must reach every copy). It is a pure
function of :class:`retention.destruction.DestructionRecord`; nothing here touches the database.
"""

from __future__ import annotations

from exports.pdf import ProductPDF, table
from retention.destruction import DestructionRecord, MemberOpinion, RecordRow

COLUMNS = (
    ("STT", 10),
    ("Mã hồ sơ", 56),  # a whole file code on one line: one cut in two is misread
    ("Tiêu đề hồ sơ", 84),
    ("Thời gian", 38),
    ("Thời hạn bảo quản", 30),
    ("Số văn bản / trang", 24),
    ("Dung lượng", 20),
)
LINE = 6


def render(record: DestructionRecord, font: str = "") -> bytes:
    """Return the destruction record as an A4 landscape PDF; ``font`` is the PDF_FONT setting."""
    pdf = ProductPDF(record.printed_at, f"Biên bản hủy tài liệu — {record.title}", landscape=True, font=font)
    pdf.add_page()
    pdf.multi_cell(
        0, LINE, f"{record.parent_organisation.upper()}\n{record.organisation.upper()}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(style="B", size=14)
    pdf.multi_cell(0, 9, "BIÊN BẢN HỦY TÀI LIỆU HẾT GIÁ TRỊ", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=10)
    for line in (
        f"Danh mục: {record.title}",
        _council(record.council),
        f"Văn bản thẩm định của cơ quan có thẩm quyền: {record.appraisal}",
        f"Quyết định hủy tài liệu: {record.decision}",
        f"Người thực hiện: {record.executed_by}, lúc {record.printed_at.strftime('%d/%m/%Y %H:%M')}",
    ):
        pdf.multi_cell(0, LINE, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE / 2)
    table(
        pdf,
        [name for name, _ in COLUMNS],
        [width for _, width in COLUMNS],
        [_cells(number, row) for number, row in enumerate(record.rows, start=1)],
    )
    pdf.ln(LINE / 2)
    pdf.multi_cell(
        0,
        LINE,
        f"Đã hủy {len(record.rows)} hồ sơ: nội dung đã bị xóa khỏi kho lưu trữ, chỉ giữ lại dữ liệu đặc tả.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if record.held:
        pdf.multi_cell(
            0, LINE, "Không hủy do đang bị phong tỏa: " + ", ".join(record.held), new_x="LMARGIN", new_y="NEXT"
        )
    pdf.multi_cell(0, LINE, _backups(record), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _cells(number: int, row: RecordRow) -> list[str]:
    end = row.end_date.strftime("%d/%m/%Y") if row.end_date else ""
    return [
        str(number),
        row.file_code,
        row.title,
        f"{row.start_date.strftime('%d/%m/%Y')} – {end}",
        row.period,
        f"{row.documents} / {row.pages}",
        _size(row.size),
    ]


def _council(opinions: tuple[MemberOpinion, ...]) -> str:
    said = "; ".join(
        f"{opinion.name}: {'đồng ý' if opinion.agrees else 'không đồng ý'}"
        + (f" ({opinion.comment})" if opinion.comment else "")
        for opinion in opinions
    )
    agreeing = sum(opinion.agrees for opinion in opinions)
    return f"Ý kiến của Hội đồng xác định giá trị tài liệu ({agreeing}/{len(opinions)} đồng ý): {said}"


def _size(size: int) -> str:
    # With the decimal comma, as the pages and reports write a size (97,1 kB).
    value, unit = (size / 1024, "kB") if size < 1024 * 1024 else (size / 1024 / 1024, "MB")
    return f"{value:.1f}".replace(".", ",") + f" {unit}"


def _backups(record: DestructionRecord) -> str:
    if not record.backups:
        return "Bản sao lưu: không có bộ sao lưu nào đang lưu nội dung này."
    sets = "; ".join(
        f"{backup.name} đến hết ngày {backup.expires_on.strftime('%d/%m/%Y')}" for backup in record.backups
    )
    return f"Nội dung còn trong các bản sao lưu sau cho đến khi chúng hết hạn: {sets}."
