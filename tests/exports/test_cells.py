"""Spreadsheets the product writes open safely: no text a person typed runs as a formula (OWASP)."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from exports.cells import formula_safe
from exports.pdf import dossier_list_pdf

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell_holding(sheet, text: str):
    """Return the cell whose value ends with ``text`` (the quote the export adds comes first)."""
    return next(
        cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str) and cell.value.endswith(text)
    )


@pytest.mark.parametrize("trigger", TRIGGERS, ids=repr)
def test_a_title_that_starts_like_a_formula_is_exported_as_text_behind_a_quote(world, session, trigger):
    dossier_list = world.approved_list(2026, entries=1)
    # As stored before input was checked, or typed by a person: the export must not trust it.
    title = f'{trigger}HYPERLINK("http://x.example","y")'
    dossier_list.entries[0].title = title
    sheet = load_workbook(io.BytesIO(dossier_list_pdf.render_xlsx(dossier_list))).active
    cell = cell_holding(sheet, title[1:])
    assert cell.value == "'" + title
    assert cell.data_type == "s"


def test_the_whole_sheet_holds_no_formula(world, session):
    dossier_list = world.approved_list(2026, entries=2)
    dossier_list.entries[0].title = "=cmd|' /C calc'!A0"
    dossier_list.entries[1].note = "@SUM(1+1)*cmd|' /C calc'!A0"
    dossier_list.organisation.name = "=1+1"
    sheet = load_workbook(io.BytesIO(dossier_list_pdf.render_xlsx(dossier_list))).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert "'=cmd|' /C calc'!A0" in [cell.value for cell in cells]


@pytest.mark.parametrize(
    "text,written",
    [
        ("=1+1", "'=1+1"),
        ("-2+3", "'-2+3"),
        ("'=1+1", "''=1+1"),
        ("Hồ sơ = 1", "Hồ sơ = 1"),
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_formula_safe_quotes_text_that_would_run_and_nothing_else(text, written):
    assert formula_safe(text) == written


def test_numbers_and_dates_stay_numbers_and_dates():
    book = Workbook()
    book.active.append([formula_safe(value) for value in (-5, 2.5, date(2026, 6, 15), datetime(2026, 6, 15, 10))])
    data = io.BytesIO()
    book.save(data)
    cells = next(load_workbook(io.BytesIO(data.getvalue())).active.iter_rows())
    assert [cell.data_type for cell in cells] == ["n", "n", "d", "d"]
    assert cells[0].value == -5
