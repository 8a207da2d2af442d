"""Any input gives a value or a listed problem, never an exception (hypothesis).

Covered: the metadata coercion and check of every schema a form or an import fills (numbers, dates, text),
the parsers of numbers and retention periods, the dossier-list importer on CSV and XLSX built from hostile cells,
the retention-table JSON importer, the historical archive's receipt (XML and CSV); and the round trip of a title through
the XLSX export and the import.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from classification import dossier_list as dossier_lists
from classification import spreadsheet
from erms import metadata
from erms.errors import InvalidMetadata, RuleViolation
from erms.models import DossierList, DossierListEntry, Organisation, Unit
from exports import receipt
from exports.cells import formula_safe
from exports.pdf import dossier_list_pdf
from retention import schedule

FAST = settings(max_examples=80, deadline=None)
WITH_DATABASE = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# The schemas people fill through a form or a spreadsheet.
FORM_KINDS = ("document", "dossier", "dossier-list-import")
TEMPLATES = set(metadata.MESSAGES.values()) | {
    metadata.CONTROL_CHARACTER,
    metadata.SHOWS_NOTHING,
    metadata.OUT_OF_RANGE,
    metadata.NO_SUCH_DAY,
}

# Text a person or an attacker may send: anything at all (lone surrogates too), numbers of every shape,
# control characters, formula triggers, dates that do not exist.
ANY_CHARACTER = st.characters(exclude_categories=())
HOSTILE_TEXT = st.one_of(
    st.text(ANY_CHARACTER, max_size=40),
    st.text(st.sampled_from("\x00\x01\x0b\x1b\x7f\t\r\n =+-@'²١0123456789 năm"), max_size=20),
    st.integers().map(str),
    st.from_regex(r"\A[0-9]{15,30}\Z"),
    st.sampled_from(
        [
            "²",
            "9" * 5000,
            "1e309",
            "NaN",
            "-1",
            "2026-02-30",
            "0000-00-00",
            "31/12/99999",
            "2026-06-15T10:00",
            "Vĩnh viễn",
            "10 năm",
            '=HYPERLINK("http://x","y")',
            "x" * 600,
        ]
    ),
)


def field_forms(kind: str):
    """Forms of ``kind``: any subset of its fields, each holding hostile text, and a field it does not know."""
    properties = metadata.field_titles(kind)
    return st.fixed_dictionaries({}, optional={**{key: HOSTILE_TEXT for key in properties}, "unknown": HOSTILE_TEXT})


def assert_listed(refused: InvalidMetadata, fields) -> None:
    """Each problem names a known field (or line:field) and carries a message the UI can translate."""
    assert refused.problems
    for problem in refused.problems:
        assert problem.field.rpartition(":")[2] in fields, problem
        assert isinstance(problem.template % problem.params if problem.params else problem.template, str)


# ---------------------------------------------------------------- metadata


@pytest.mark.parametrize("kind", FORM_KINDS)
@FAST
@given(data=st.data())
def test_any_form_is_a_value_or_problems_on_its_fields(kind, data):
    form = data.draw(field_forms(kind))
    try:
        values = metadata.check(kind, metadata.coerce(kind, form))
    except InvalidMetadata as refused:
        assert_listed(refused, metadata.field_titles(kind))
        assert {problem.template for problem in refused.problems} <= TEMPLATES
    else:
        assert not any(
            isinstance(value, str) and metadata.FORBIDDEN_CHARACTERS.search(value) for value in values.values()
        )


@FAST
@given(text=HOSTILE_TEXT)
def test_any_date_is_a_date_or_a_problem(text):
    problems = metadata.validate(
        "dossier",
        metadata.normalise({"title": "Hồ sơ", "rights": "public", "language": "Tiếng Việt", "start_date": text}),
    )
    if not problems:
        assert datetime.fromisoformat(text.strip()).date().isoformat() == text.strip()
    else:
        assert [problem.field for problem in problems] == ["start_date"]


@FAST
@given(text=HOSTILE_TEXT)
def test_whole_number_is_a_64_bit_integer_or_none(text):
    number = metadata.whole_number(text)
    assert number is None or 0 <= number < 2**63


# ---------------------------------------------------------------- code parsers


@WITH_DATABASE
@given(text=HOSTILE_TEXT)
def test_any_retention_text_is_a_period_or_unreadable(session, world, text):
    row_id, period = spreadsheet.period_of_text(session, text, world.org.id)
    assert period is None or period[0] or (period[1] is None or 0 < period[1] < 1000)


@FAST
@given(text=st.text(ANY_CHARACTER))
def test_the_import_undoes_exactly_what_the_export_does(text):
    assert spreadsheet.unquoted(formula_safe(text)) == text
    assert not str(formula_safe(text)).startswith(("=", "+", "-", "@", "\t", "\r"))


# ---------------------------------------------------------------- the dossier-list importer

HEADINGS = st.one_of(st.sampled_from(sorted(spreadsheet.HEADERS)), st.text(max_size=12), st.just(""))
XLSX_CELLS = st.one_of(
    HOSTILE_TEXT,
    st.none(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1)),
)


def sheets(cells):
    """Header lines and data lines of hostile cells."""
    return st.tuples(st.lists(HEADINGS, max_size=12), st.lists(st.lists(cells, max_size=12), max_size=6))


def writable(cell):
    """Return the cell without what openpyxl refuses to write (C0 controls, U+FFFE/U+FFFF, surrogates)."""
    if isinstance(cell, str):
        return ILLEGAL_CHARACTERS_RE.sub("", metadata.FORBIDDEN_CHARACTERS.sub("", cell))
    return cell


def xlsx_of(header: list, lines: list[list]) -> bytes:
    book = Workbook()
    for cells in [header, *lines]:
        book.active.append([writable(cell) for cell in cells])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def csv_of(header: list, lines: list[list]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows([header, *lines])
    # Lone surrogates become bytes that are not UTF-8, as a broken file would hold.
    return text.getvalue().encode("utf-8", "surrogatepass")


FILES = st.one_of(
    sheets(XLSX_CELLS).map(lambda sheet: ("dmhs.xlsx", xlsx_of(*sheet))),
    sheets(HOSTILE_TEXT).map(lambda sheet: ("dmhs.csv", csv_of(*sheet))),
    st.tuples(st.sampled_from(["dmhs.xlsx", "dmhs.csv", "dmhs.ods"]), st.binary(max_size=2000)),
)


@FAST
@given(file=FILES)
def test_any_file_reads_as_rows_or_is_refused_on_the_file_field(file):
    name, content = file
    try:
        rows = spreadsheet.read_rows(name, io.BytesIO(content))
    except InvalidMetadata as refused:
        assert_listed(refused, {"file"})
    else:
        assert all(set(row) <= set(metadata.field_titles("dossier-list-import")) for row in rows.values())


@pytest.fixture
def draft(session, world, now):
    return dossier_lists.create_list(session, world.actor("registry"), world.org.id, 2027, now=now)


@WITH_DATABASE
@given(file=FILES)
def test_any_file_imports_whole_or_is_refused_naming_line_and_field(session, world, draft, now, file):
    name, content = file
    savepoint = session.begin_nested()
    try:
        spreadsheet.import_entries(session, world.actor("registry"), draft.id, name, io.BytesIO(content), now=now)
    except InvalidMetadata as refused:
        assert_listed(refused, {"file", *metadata.field_titles("dossier-list-import")})
    except RuleViolation as refused:
        # A generated notation ("02.TH") may meet one a line of the file spelt out.
        assert refused.template == dossier_lists.NOTATION_TAKEN
    finally:
        savepoint.rollback()


# ---------------------------------------------------------------- the retention-table importer

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**80), max_value=2**80),
        st.floats(),
        st.text(ANY_CHARACTER, max_size=20),
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
TABLE_ROWS = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "code": st.one_of(st.sampled_from(["1.1", "1.2", " 1.1"]), JSON_VALUES),
            "title_vi": st.one_of(st.text(ANY_CHARACTER, max_size=20), JSON_VALUES),
            "permanent": st.one_of(st.booleans(), JSON_VALUES),
            "period_years": st.one_of(st.none(), st.integers(min_value=-5, max_value=200), st.floats(), JSON_VALUES),
            "note": JSON_VALUES,
            "group": JSON_VALUES,
            "source": JSON_VALUES,
        },
    ),
    max_size=5,
)
TABLE_FILES = st.one_of(
    st.one_of(TABLE_ROWS, JSON_VALUES).map(lambda payload: json.dumps(payload).encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
)


@FAST
@given(content=TABLE_FILES)
def test_any_table_file_is_rows_or_problems_one_per_line(content):
    try:
        rows = schedule.checked_rows(schedule.read_table(content))
    except InvalidMetadata as refused:
        assert refused.problems
        assert all(problem.field == "file" or problem.field.startswith("rows") for problem in refused.problems)
        assert all("\n" not in str(problem) for problem in refused.problems)
    else:
        assert len({row["code"] for row in rows}) == len(rows)


# ---------------------------------------------------------------- export, then import

TITLES = (
    st.text(
        ANY_CHARACTER.filter(lambda character: not metadata.FORBIDDEN_CHARACTERS.match(character)),
        min_size=1,
        max_size=60,
    )
    .map(lambda text: unicodedata.normalize("NFC", text).strip())
    .filter(bool)
)


def listed(title: str) -> DossierList:
    """Return a one-entry list held in memory only, as the export reads it."""
    unit = Unit(code="VP", name="Văn phòng")
    dossier_list = DossierList(
        year=2027,
        organisation=Organisation(name="UBND quận", parent_name="UBND thành phố"),
        created_at=datetime(2026, 6, 15, tzinfo=UTC),
    )
    dossier_list.entries = [
        DossierListEntry(
            number=1,
            file_notation="01",
            title=title,
            retention_permanent=False,
            retention_years=10,
            retention_condition="",
            unit=unit,
            note="",
        )
    ]
    return dossier_list


@FAST
@given(title=TITLES)
def test_any_title_survives_the_xlsx_export_and_the_import(title):
    exported = dossier_list_pdf.render_xlsx(listed(title))
    entry_line = 8  # after the organisation block, the title, the decision, the headings and their numbers
    assert spreadsheet.sheet_lines("dmhs.xlsx", io.BytesIO(exported))[entry_line][1] == title
    rows = spreadsheet.read_rows("dmhs.xlsx", io.BytesIO(xlsx_of(["Tiêu đề hồ sơ"], [[formula_safe(title)]])))
    assert rows == {2: {"title": title}}


# ---------------------------------------------------------------- the historical archive's receipt (XML and CSV)


def receipt_xml(package: str, reference: str, received_on: str, codes: list[str], wrapper: str) -> bytes:
    """Return a receipt whose values are hostile text, escaped as any XML writer would (or not, in ``wrapper``)."""

    def attribute(value: str) -> str:
        return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")

    dossiers = "".join(f'<Dossier code="{attribute(code)}"/>' for code in codes)
    body = (
        f'<HandoverReceipt package="{attribute(package)}" reference="{attribute(reference)}" '
        f'received_on="{attribute(received_on)}">{dossiers}</HandoverReceipt>'
    )
    return wrapper.replace("BODY", body).encode("utf-8", "surrogatepass")


@FAST
@given(
    st.text(ANY_CHARACTER, max_size=30),
    st.text(ANY_CHARACTER, max_size=30),
    HOSTILE_TEXT,
    st.lists(HOSTILE_TEXT, max_size=5),
    st.sampled_from(
        [
            "BODY",
            "<?xml version='1.0'?>BODY",
            "<!DOCTYPE x [<!ENTITY e 'x'>]>BODY",
            "BODY<extra/>",
            "<HandoverReceipt>BODY",
            "\ufeffBODY",
            "BODY&e;",
        ]
    ),
)
def test_any_xml_receipt_gives_a_receipt_or_listed_problems(package, reference, received_on, codes, wrapper):
    content = receipt_xml(package, reference, received_on, codes, wrapper)
    try:
        found = receipt.parse(content, "bien-nhan.xml")
    except InvalidMetadata as refused:
        assert refused.problems
    else:
        assert len(found.file_codes) == len(codes)  # every listed dossier read, none invented


@FAST
@given(st.binary(max_size=2000), st.sampled_from(["bien-nhan.xml", "bien-nhan.csv"]))
@example(b"<:>\r>", "bien-nhan.xml")  # a root name libxml2 lets through until the error after it (found by CI)
def test_any_bytes_as_a_receipt_give_a_receipt_or_listed_problems(content, filename):
    try:
        receipt.parse(content, filename)
    except InvalidMetadata as refused:
        assert refused.problems
