"""Hostile spreadsheets and list input: each is refused with a clear problem and writes nothing, and what the
product exports comes back unchanged when it is imported again."""

from __future__ import annotations

import io
import unicodedata
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from classification import dossier_list as dossier_lists
from classification import spreadsheet
from erms.errors import InvalidMetadata, Problem, RuleViolation
from erms.metadata import CONTROL_CHARACTER, MESSAGES
from erms.models import (
    ClassificationHeading,
    DossierListEntry,
    Organisation,
    RetentionRow,
    RetentionSchedule,
    Role,
    RoleMembership,
    User,
)
from exports.cells import formula_safe
from exports.pdf import dossier_list_pdf

HEADER = "Tiêu đề hồ sơ,Thời hạn bảo quản,Đơn vị"


def draft(session, world, now):
    return dossier_lists.create_list(session, world.actor("registry"), world.org.id, 2027, now=now)


def import_file(session, world, target, name: str, content: bytes, now):
    return spreadsheet.import_entries(session, world.actor("registry"), target.id, name, io.BytesIO(content), now=now)


def nothing_written(session, target) -> bool:
    entries = session.scalar(
        select(func.count()).select_from(DossierListEntry).where(DossierListEntry.dossier_list_id == target.id)
    )
    headings = session.scalar(
        select(func.count())
        .select_from(ClassificationHeading)
        .where(ClassificationHeading.dossier_list_id == target.id)
    )
    return entries == 0 and headings == 0


def xlsx(lines: list[list]) -> bytes:
    book = Workbook()
    for cells in lines:
        book.active.append(cells)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def zip_of(name: str, content: bytes) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr(name, content)
    return data.getvalue()


# ---------------------------------------------------------------- control characters


def test_a_nul_in_an_imported_title_is_refused_on_its_line_and_nothing_is_written(session, world, now):
    target = draft(session, world, now)
    content = f"{HEADER}\nHồ sơ hội nghị,Vĩnh viễn,VP\nHồ sơ\x00 thi đua,10 năm,VP\n".encode()
    with pytest.raises(InvalidMetadata) as refused:
        import_file(session, world, target, "dmhs.csv", content, now)
    assert refused.value.problems == [Problem("3:title", CONTROL_CHARACTER)]
    assert str(refused.value) == "3:title: Contains a control character that is not allowed."
    assert nothing_written(session, target)
    assert dossier_list_pdf.render_xlsx(target).startswith(b"PK")


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x0b", "\x1b", "\x7f", "\ud800", "\uffff"], ids=repr)
def test_control_characters_are_refused_in_every_list_text_field(session, world, now, character):
    target = draft(session, world, now)
    registry = world.actor("registry")
    with pytest.raises(InvalidMetadata) as refused:
        dossier_lists.add_heading(session, registry, target.id, "I", f"Tổng{character}hợp", now=now)
    assert refused.value.problems == [Problem("title", CONTROL_CHARACTER)]
    with pytest.raises(InvalidMetadata) as refused:
        dossier_lists.add_entry(
            session,
            registry,
            target.id,
            title=f"Hồ{character}sơ",
            unit_id=world.unit_a.id,
            retention_row_id=world.rows["10y"].id,
            note=f"Ghi{character}chú",
            now=now,
        )
    assert refused.value.problems == [Problem("title", CONTROL_CHARACTER), Problem("note", CONTROL_CHARACTER)]
    assert nothing_written(session, target)


def test_tab_and_new_lines_stay_allowed_in_a_note(session, world, now):
    target = draft(session, world, now)
    entry = dossier_lists.add_entry(
        session,
        world.actor("registry"),
        target.id,
        title="Hồ sơ",
        note="Quý I\tII\r\nIII",
        unit_id=world.unit_a.id,
        retention_row_id=world.rows["10y"].id,
        now=now,
    )
    assert entry.note == "Quý I\tII\r\nIII"


def test_list_text_longer_than_its_column_is_refused_before_the_database_sees_it(session, world, now):
    target = draft(session, world, now)
    with pytest.raises(InvalidMetadata) as refused:
        dossier_lists.add_heading(session, world.actor("registry"), target.id, "XIIIIIIIIII", "Tổng hợp", now=now)
    assert refused.value.problems == [Problem("label", MESSAGES["maxLength"], {"limit": 10})]
    world.approved_list(2026, entries=1)
    assert nothing_written(session, target)


# ---------------------------------------------------------------- files that cannot be read

NOT_A_WORKBOOK = "The file is not an Excel workbook (.xlsx) that can be read."


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("dmhs.xlsx", b"", NOT_A_WORKBOOK),
        ("dmhs.xlsx", bytes(range(256)) * 40, NOT_A_WORKBOOK),
        ("dmhs.xlsx", zip_of("hello.txt", b"not a workbook"), NOT_A_WORKBOOK),
        ("dmhs.xlsx", zip_of("[Content_Types].xml", b"<Types"), NOT_A_WORKBOOK),
        ("dmhs.csv", b"", "The file is empty."),
        ("dmhs.csv", "Tiêu đề hồ sơ\nHồ sơ\n".encode("utf-16"), 'The file is not UTF-8 text: save it as "CSV UTF-8".'),
        ("dmhs.csv", f"{HEADER}\n".encode(), "The file has no rows under its header line."),
        (
            "dmhs.csv",
            f"{HEADER},Ghi chú,Tiêu đề hồ sơ\n".encode(),
            'Line 1, column E: the column "Tiêu đề hồ sơ" appears twice.',
        ),
        ("dmhs.csv", f"{HEADER},title\n".encode(), 'Line 1, column D: the column "title" appears twice.'),
        ("dmhs.csv", f"{HEADER},Ngày lập\n".encode(), 'Line 1, column D: no column is called "Ngày lập".'),
        (
            "dmhs.csv",
            f"{HEADER}\nHồ sơ,10 năm,VP,thừa\n".encode(),
            "Line 2, column D: a value under no column heading.",
        ),
        (
            "dmhs.csv",
            "Tiêu đề hồ sơ,,Đơn vị\nHồ sơ,10 năm,VP\n".encode(),
            "Line 2, column B: a value under no column heading.",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_on_the_file_field(session, world, now, name, content, message):
    target = draft(session, world, now)
    with pytest.raises(InvalidMetadata) as refused:
        import_file(session, world, target, name, content, now)
    assert [str(problem) for problem in refused.value.problems] == [f"file: {message}"]
    assert nothing_written(session, target)


def test_a_header_written_in_decomposed_unicode_is_known(session, world, now):
    target = draft(session, world, now)
    content = f"{HEADER}\nHồ sơ hội nghị,Vĩnh viễn,VP\n"
    assert import_file(session, world, target, "dmhs.csv", unicodedata.normalize("NFD", content).encode(), now) == 1


def test_lines_are_numbered_as_the_spreadsheet_numbers_them(session, world, now):
    target = draft(session, world, now)
    content = xlsx([[], ["Tiêu đề hồ sơ", "Thời hạn bảo quản", "Đơn vị"], [], ["Hồ sơ", "mãi mãi", "VP"]])
    with pytest.raises(InvalidMetadata) as refused:
        import_file(session, world, target, "dmhs.xlsx", content, now)
    assert [problem.field for problem in refused.value.problems] == ["4:retention"]


def test_a_file_with_too_many_lines_is_refused(session, world, now, monkeypatch):
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 3)
    target = draft(session, world, now)
    content = (HEADER + "\n" + "Hồ sơ,10 năm,VP\n" * 3).encode()
    with pytest.raises(InvalidMetadata) as refused:
        import_file(session, world, target, "dmhs.csv", content, now)
    assert [str(problem) for problem in refused.value.problems] == ["file: The file has more than 3 lines; split it."]


# ---------------------------------------------------------------- references in rows


def test_a_file_notation_used_twice_is_refused_on_its_line(session, world, now):
    target = draft(session, world, now)
    dossier_lists.add_entry(
        session,
        world.actor("registry"),
        target.id,
        title="Hồ sơ có sẵn",
        file_notation="01.TH",
        unit_id=world.unit_a.id,
        retention_row_id=world.rows["10y"].id,
        now=now,
    )
    content = (
        "Số và ký hiệu hồ sơ,Tiêu đề hồ sơ,Thời hạn bảo quản,Đơn vị\n"
        "01.TH,Hồ sơ một,10 năm,VP\n02.TH,Hồ sơ hai,10 năm,VP\n02.TH,Hồ sơ ba,10 năm,VP\n"
    ).encode()
    with pytest.raises(InvalidMetadata) as refused:
        import_file(session, world, target, "dmhs.csv", content, now)
    assert [str(problem) for problem in refused.value.problems] == [
        "2:file_notation: The file notation 01.TH is already used in this list.",
        "4:file_notation: The file notation 02.TH is already used in this list.",
    ]
    assert len(target.entries) == 1


def test_a_person_of_another_organisation_is_no_user_here(session, world, now):
    other = Organisation(
        code="000.00.00.H27", name="UBND quận Ba Đình", parent_name="UBND thành phố Hà Nội", created_at=now
    )
    session.add(other)
    session.flush()
    stranger = User(username="stranger", full_name="Người ngoài", password_hash="!", created_at=now)
    stranger.memberships.append(RoleMembership(organisation_id=other.id, role=Role.OFFICER))
    session.add(stranger)
    target = draft(session, world, now)
    content = f"{HEADER},Người lập hồ sơ\nHồ sơ,10 năm,VP,stranger\n".encode()
    with pytest.raises(InvalidMetadata) as refused:
        import_file(session, world, target, "dmhs.csv", content, now)
    assert [str(problem) for problem in refused.value.problems] == ["2:responsible: No user stranger."]
    session.flush()
    with pytest.raises(InvalidMetadata) as refused:
        dossier_lists.add_entry(
            session,
            world.actor("registry"),
            target.id,
            title="Hồ sơ",
            unit_id=world.unit_a.id,
            retention_row_id=world.rows["10y"].id,
            responsible_user_id=stranger.id,
            now=now,
        )
    assert refused.value.problems == [Problem("responsible_user_id", "Choose a person who works in that unit.")]
    assert nothing_written(session, target)


def test_an_entry_names_only_its_own_lists_heading_and_a_real_retention_row(session, world, now):
    other_list = world.approved_list(2026, entries=1)
    target = draft(session, world, now)
    with pytest.raises(InvalidMetadata) as refused:
        dossier_lists.add_entry(
            session,
            world.actor("registry"),
            target.id,
            title="Hồ sơ",
            unit_id=world.unit_a.id,
            heading_id=other_list.headings[0].id,
            retention_row_id=987654,
            now=now,
        )
    assert refused.value.problems == [
        Problem("heading_id", MESSAGES["enum"]),
        Problem("retention_row_id", MESSAGES["enum"]),
    ]
    assert nothing_written(session, target)


def test_copy_forward_leaves_out_a_person_who_has_left(session, world, now):
    last = world.approved_list(2026, entries=1)
    dossier_lists.assign_entry(
        session, world.actor("registry"), last.entries[0].id, world.unit_a.id, world.users["officer1"].id, now=now
    )
    world.users["officer1"].active = False
    copied = dossier_lists.copy_forward(session, world.actor("registry"), world.org.id, 2027, now=now)
    assert [(entry.unit_id, entry.responsible_user_id) for entry in copied.entries] == [(world.unit_a.id, None)]


def test_a_generated_notation_that_is_taken_is_refused_not_a_server_error(session, world, now):
    target = draft(session, world, now)
    registry = world.actor("registry")
    dossier_lists.add_entry(
        session,
        registry,
        target.id,
        title="Hồ sơ một",
        file_notation="02",
        unit_id=world.unit_a.id,
        retention_row_id=world.rows["10y"].id,
        now=now,
    )
    with pytest.raises(RuleViolation) as refused:
        dossier_lists.add_entry(
            session,
            registry,
            target.id,
            title="Hồ sơ hai",
            unit_id=world.unit_a.id,
            retention_row_id=world.rows["10y"].id,
            now=now,
        )
    assert str(refused.value) == "The file notation 02 is already used in this list."


@pytest.mark.parametrize("text", ["0", "0 năm", "١٠ năm", "10 năm\x00", "x" * 10_000])
def test_retention_text_that_names_no_period_is_unreadable(session, world, text):
    assert spreadsheet.period_of_text(session, text, world.org.id) == (None, None)


def test_retention_text_is_read_whatever_its_unicode_form(session, world):
    assert spreadsheet.period_of_text(session, " Vi\u0303nh vie\u0302\u0303n ", world.org.id) == (
        None,
        (True, None, ""),
    )
    assert spreadsheet.period_of_text(session, "10 NĂM", world.org.id) == (None, (False, 10, ""))


# ---------------------------------------------------------------- export, then import again

TITLES = [
    '=HYPERLINK("http://x.example","y")',
    "+1",
    "-2+3",
    "@SUM(1)",
    "'=already quoted",
    "''=twice",
    "'plain quote",
    "Hồ sơ = kế hoạch",
]


@pytest.mark.parametrize(
    "text,read",
    [
        ("'=x", "=x"),
        ("''=x", "'=x"),
        ("'\tx", "\tx"),
        ("'x", "'x"),
        ("'", "'"),
        ("=x", "=x"),
        ("x'=", "x'="),
    ],
)
def test_the_import_takes_off_exactly_the_quote_an_export_adds(text, read):
    assert spreadsheet.unquoted(text) == read


def test_titles_come_back_unchanged_from_the_exported_xlsx(session, world, now):
    dossier_list = draft(session, world, now)
    for title in TITLES:
        dossier_lists.add_entry(
            session,
            world.actor("registry"),
            dossier_list.id,
            title=title,
            unit_id=world.unit_a.id,
            retention_row_id=world.rows["10y"].id,
            now=now,
        )
    lines = spreadsheet.sheet_lines("dmhs.xlsx", io.BytesIO(dossier_list_pdf.render_xlsx(dossier_list)))
    exported = [cells[1] for cells in lines.values() if len(cells) > 2 and cells[2] == "10 năm"]
    assert exported == TITLES


def test_a_sheet_written_with_formula_safe_cells_imports_the_original_titles(session, world, now):
    target = draft(session, world, now)
    content = xlsx(
        [["Tiêu đề hồ sơ", "Thời hạn bảo quản", "Đơn vị"]] + [[formula_safe(title), "10 năm", "VP"] for title in TITLES]
    )
    assert import_file(session, world, target, "dmhs.xlsx", content, now) == len(TITLES)
    assert [entry.title for entry in target.entries] == TITLES


def test_a_row_code_is_read_in_the_organisations_tables_its_own_current_one_first(session, world, now):
    other = Organisation(code="000.00.00.H99", name="UBND huyện khác", parent_name="", created_at=now)
    session.add(other)
    session.flush()
    for code, organisation_id, superseded, years in (
        ("tt09-2011", None, True, 20),  # the superseded common table
        ("rieng-h26", world.org.id, False, 5),  # the agency's own
        ("rieng-h99", other.id, False, 7),  # another agency's own
    ):
        schedule = RetentionSchedule(
            code=code, title=code, organisation_id=organisation_id, superseded=superseded, imported_at=now
        )
        session.add(schedule)
        session.flush()
        session.add(
            RetentionRow(
                schedule_id=schedule.id, code="1-04", title="Hồ sơ hội nghị", permanent=False, period_years=years
            )
        )
    session.flush()
    assert spreadsheet.period_of_text(session, "1-04", world.org.id)[1] == (False, 5, "")
    assert spreadsheet.period_of_text(session, "1-04", other.id)[1] == (False, 7, "")
    nobody = Organisation(code="000.00.00.H98", name="UBND huyện mới", parent_name="", created_at=now)
    session.add(nobody)
    session.flush()
    assert spreadsheet.period_of_text(session, "1-04", nobody.id)[1] == (False, 20, "")  # only the common one is left
