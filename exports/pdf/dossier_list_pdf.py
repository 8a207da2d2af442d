"""The yearly dossier list ("Danh mục hồ sơ") in the layout of NĐ 30/2020 Phụ lục V, as PDF and as XLSX.

This module owns the printed list: the organisation block, the title with the year and the
issuing decision, the five numbered columns with heading lines, and the closing count of
permanent and fixed-term dossiers. The PDF and the XLSX are made from the same lines, so both
show the same list; entries added after approval are marked "(bổ sung)".
"""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from classification import dossier_list as dossier_list_rules
from erms.models import DossierList
from exports.cells import formula_safe
from exports.pdf import ProductPDF, table
from exports.pdf.pdf_index import LINE, organisation_block
from retention import clock

# The five columns of the template, in mm (A4 portrait text width 175 mm).
WIDTHS = (25, 75, 25, 30, 20)


def render(dossier_list: DossierList, printed_at: datetime, font: str = "") -> bytes:
    """Return the dossier list as an A4 portrait PDF; ``font`` is the PDF_FONT setting."""
    organisation = dossier_list.organisation
    pdf = ProductPDF(printed_at, f"Danh mục hồ sơ năm {dossier_list.year}", font=font)
    pdf.add_page()
    organisation_block(pdf, organisation.parent_name, organisation.name, width=90)
    pdf.set_font(style="B", size=13)
    pdf.multi_cell(
        0,
        LINE + 1,
        f"DANH MỤC HỒ SƠ CỦA {organisation.name.upper()}\nNĂM {dossier_list.year}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(style="", size=10)
    pdf.cell(0, LINE, decision_line(dossier_list), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE / 2)
    headings = [f"{name}\n({number})" for number, name in enumerate(TEMPLATE_COLUMNS, start=1)]
    table(pdf, headings, list(WIDTHS), [list(row) for row in template_rows(dossier_list)])
    pdf.ln(LINE / 2)
    pdf.multi_cell(0, LINE, footer(dossier_list), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def decision_line(dossier_list: DossierList) -> str:
    """Return the line under the title naming the issuing decision, its number and date ("…" until approved)."""
    day = dossier_list.decision_date.strftime("%d/%m/%Y") if dossier_list.decision_date else "…"
    return f"(Kèm theo Quyết định số {dossier_list.decision_ref or '…'} ngày {day})"


TEMPLATE_COLUMNS = (
    "Số và ký hiệu hồ sơ",
    "Tên đề mục và tiêu đề hồ sơ",
    "Thời hạn bảo quản",
    "Người lập hồ sơ",
    "Ghi chú",
)


def render_xlsx(dossier_list: DossierList) -> bytes:
    """Return the list as an XLSX workbook laid out like the Phụ lục V template."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"DMHS {dossier_list.year}"
    organisation = dossier_list.organisation
    lines = [
        [organisation.parent_name.upper()],
        [organisation.name.upper()],
        [],
        [f"DANH MỤC HỒ SƠ CỦA {organisation.name.upper()} NĂM {dossier_list.year}"],
        [decision_line(dossier_list)],
        list(TEMPLATE_COLUMNS),
        [f"({number})" for number in range(1, 6)],
        *template_rows(dossier_list),
        [],
        [footer(dossier_list)],
    ]
    for cells in lines:
        # Titles and notes are typed by people: none may reach the sheet as a formula.
        sheet.append([formula_safe(cell) for cell in cells])
    for column, width in zip("ABCDE", (18, 60, 16, 24, 24), strict=True):
        sheet.column_dimensions[column].width = width
    for row in (2, 4, 6):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def template_rows(dossier_list: DossierList) -> list[tuple[str, str, str, str, str]]:
    """Return the list's lines in template order: each heading line, then its entries."""
    rows, current = [], object()
    for entry in sorted(dossier_list.entries, key=lambda item: item.number):
        if entry.heading_id != current:
            current = entry.heading_id
            if entry.heading is not None:
                heading = entry.heading
                title = heading.title.upper() if heading.parent_id is None else heading.title
                rows.append(("", f"{heading.label}. {title}", "", "", ""))
        period = clock.Period(entry.retention_permanent, entry.retention_years, entry.retention_condition)
        person = entry.responsible_user.full_name if entry.responsible_user else entry.unit.name
        note = entry.note
        if dossier_list_rules.is_addition(entry):
            note = f"{note} (bổ sung)".strip()
        rows.append((entry.file_notation, entry.title, period.label(), person, note))
    return rows


def footer(dossier_list: DossierList) -> str:
    """Return the closing sentence of the template with its counts."""
    permanent = sum(1 for entry in dossier_list.entries if entry.retention_permanent)
    total = len(dossier_list.entries)
    return (
        f"Danh mục hồ sơ này có {total} hồ sơ, bao gồm: {permanent} hồ sơ bảo quản vĩnh viễn; "
        f"{total - permanent} hồ sơ bảo quản có thời hạn."
    )
