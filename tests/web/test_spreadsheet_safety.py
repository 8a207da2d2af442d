"""The dossier-list pages under hostile spreadsheets and text: a Vietnamese explanation and nothing written, and
an export that opens as text in any spreadsheet program."""

from __future__ import annotations

import html
import io

from erms_browser import file_field
from openpyxl import load_workbook
from sqlalchemy import func, select

from classification import dossier_list as dossier_lists
from erms.models import DossierListEntry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def entries(session) -> int:
    return session.scalar(select(func.count()).select_from(DossierListEntry))


def draft_id(session, world, now) -> int:
    return dossier_lists.create_list(session, world.actor("registry"), world.org.id, 2027, now=now).id


def test_a_nul_in_an_imported_title_is_named_in_vietnamese_and_nothing_is_imported(client, world, session, now):
    list_id = draft_id(session, world, now)
    client.login("registry")
    content = "Tiêu đề hồ sơ,Thời hạn bảo quản,Đơn vị\nHồ sơ hội nghị,Vĩnh viễn,VP\nHồ\x00sơ,10 năm,VP\n"
    refused = client.post(
        f"/dossier-lists/{list_id}/import", {"file": file_field(content.encode(), "dmhs.csv", "text/csv")}
    )
    assert refused.status_code == 422
    assert "<td>3</td><td>Tiêu đề hồ sơ</td><td>Có ký tự điều khiển không được phép.</td>" in text_of(refused)
    assert entries(session) == 0
    assert client.get(f"/dossier-lists/{list_id}/export.xlsx").status_code == 200


def test_a_file_that_is_not_a_workbook_is_explained_not_a_server_error(client, world, session, now):
    list_id = draft_id(session, world, now)
    client.login("registry")
    refused = client.post(
        f"/dossier-lists/{list_id}/import", {"file": file_field(bytes(range(256)), "dmhs.xlsx", XLSX)}
    )
    assert refused.status_code == 422
    assert "Tệp không phải bảng tính Excel (.xlsx) đọc được." in text_of(refused)
    assert entries(session) == 0


def test_a_control_character_typed_in_the_entry_form_is_refused_on_its_field(client, world, session, now):
    list_id = draft_id(session, world, now)
    client.login("registry")
    refused = client.post(
        f"/dossier-lists/{list_id}/entries",
        {"title": "Hồ\x1bsơ", "unit_id": str(world.unit_a.id), "retention": "10 năm"},
    )
    assert refused.status_code == 422
    assert "Có ký tự điều khiển không được phép." in text_of(refused)
    assert entries(session) == 0


def test_a_formula_typed_as_a_title_is_text_in_the_exported_workbook(client, world, session, now):
    list_id = draft_id(session, world, now)
    client.login("registry")
    title = '=HYPERLINK("http://evil.example","Bấm vào đây")'
    added = client.post(
        f"/dossier-lists/{list_id}/entries", {"title": title, "unit_id": str(world.unit_a.id), "retention": "10 năm"}
    )
    assert added.status_code == 302
    sheet = load_workbook(io.BytesIO(client.get(f"/dossier-lists/{list_id}/export.xlsx").data)).active
    cell = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "'" + title)
    assert cell.data_type == "s"
