"""Records taken in from the past keep their supplementary metadata ("dữ liệu đặc tả bổ sung", NĐ 30/2020 Phụ lục VI
III.7.c): a legacy mapping file's columns headed by the organisation's fields (label, code, or "Hồ sơ: " / "Văn bản: "
and the label) fill them, checked like every other column; our own hand-over package read back keeps the values of
the fields the receiving organisation offers and notes the others."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from erms.cli import erms_group
from erms.errors import InvalidMetadata
from erms.models import Document, Dossier, IntakeRun, Organisation
from erms.web.common import by_line
from exports import handover
from intake import legacy
from tests.exports.test_handover import build
from tests.exports.test_supplementary_in_package import described  # noqa: F401
from tests.factories import supplementary_field
from tests.intake.test_legacy_import import HEADER, MAX_SIZE, make_folder
from tests.intake.test_legacy_import import run as take_in

EXTRA = ["Nguồn kinh phí", "tong_muc", "NGÀY KÝ HỢP ĐỒNG", "Hồ sơ: Mã cũ", "Văn bản: Mã cũ"]
EXTRA_AT = len(HEADER)


@pytest.fixture
def fields(session, world):
    """The organisation's fields: a choice and a number of its dossiers, a date of its documents, and "Mã cũ" (code
    ma_cu) on both, which only the prefixed headers tell apart."""
    org = world.org.id
    supplementary_field(
        session, org, "dossier", "nguon_kinh_phi", "Nguồn kinh phí", "choice", choices="Ngân sách\nVốn khác"
    )
    supplementary_field(session, org, "dossier", "tong_muc", "Tổng mức đầu tư", "number")
    supplementary_field(session, org, "document", "ngay_ky_hd", "Ngày ký hợp đồng", "date")
    supplementary_field(session, org, "dossier", "ma_cu", "Mã cũ", "text")
    supplementary_field(session, org, "document", "ma_cu", "Mã cũ", "text")


def filled(tmp_path) -> tuple[Path, list[list[str]]]:
    """A folder of four scans, two dossiers of two, each row with its supplementary cells (dossier's alike)."""
    folder, rows = make_folder(tmp_path, 4, 2)
    for number, cells in enumerate(rows):
        dossier = number // 2
        cells += ["Ngân sách" if dossier == 0 else "Vốn khác", "12,5", f"0{number + 1}/04/2019", f"HS-{dossier}"]
        cells += [f"VB-{number}"]
    return folder, rows


def mapping(rows: list[list[str]], header: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def plan_of(session, world, now, folder, rows, header=HEADER + EXTRA):
    data = mapping(rows, header)
    return legacy.plan(
        session, world.actor("archivist"), world.org.id, folder, "ho-so.csv", data, now=now, max_size=MAX_SIZE
    )


def refusal(session, world, now, folder, rows, header=HEADER + EXTRA) -> list[str]:
    with pytest.raises(InvalidMetadata) as refused:
        plan_of(session, world, now, folder, rows, header)
    return [str(problem) for problem in refused.value.problems]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_columns_headed_by_label_code_or_kind_fill_the_dossiers_and_documents_fields(
    session, session_factory, world, fields, store, now, tmp_path
):
    folder, rows = filled(tmp_path)
    plan = plan_of(session, world, now, folder, rows)
    take_in(session_factory, world, plan, store, now)

    session.expire_all()
    made = {dossier.file_notation: dossier for dossier in session.scalars(select(Dossier))}
    assert json.loads(made["01.VP"].supplementary) == {
        "nguon_kinh_phi": "Ngân sách",
        "tong_muc": "12.5",
        "ma_cu": "HS-0",
    }
    assert json.loads(made["02.VP"].supplementary) == {
        "nguon_kinh_phi": "Vốn khác",
        "tong_muc": "12.5",
        "ma_cu": "HS-1",
    }
    documents = {link.document.code_number: link.document for dossier in made.values() for link in dossier.links}
    assert {number: json.loads(document.supplementary) for number, document in documents.items()} == {
        str(number + 1): {"ngay_ky_hd": f"2019-04-0{number + 1}", "ma_cu": f"VB-{number}"} for number in range(4)
    }


def test_a_wrong_value_and_a_dossier_whose_rows_disagree_are_refused_by_line_and_column(
    session, world, fields, now, tmp_path
):
    folder, rows = filled(tmp_path)
    rows[1][EXTRA_AT] = "Vốn khác"  # line 3: dossier 01.VP's line 2 says "Ngân sách"
    rows[2][EXTRA_AT + 2] = "31/02/2019"  # line 4: no such day
    rows[3][EXTRA_AT + 1] = "mười hai"  # line 5: not a number
    problems = refusal(session, world, now, folder, rows)
    assert problems == [
        "3:Nguồn kinh phí: Line 2 gives dossier 01.VP another value here; every row of a dossier gives the same.",
        "4:NGÀY KÝ HỢP ĐỒNG: Not a valid date (day/month/year).",
        "5:tong_muc: Not a number: write digits, with a comma or a dot before any decimals (12,5).",
    ]
    # The intake page names the column as the file heads it.
    shown = by_line({"4:NGÀY KÝ HỢP ĐỒNG": ["Ngày không hợp lệ."]}, "legacy-import")
    assert shown == [("4", "NGÀY KÝ HỢP ĐỒNG", "Ngày không hợp lệ.")]
    assert count(session, Dossier) == count(session, Document) == count(session, IntakeRun) == 0


def test_a_header_no_field_or_standard_column_has_is_still_refused(session, world, fields, now, tmp_path):
    folder, rows = filled(tmp_path)
    # "Mã cũ" alone names a dossier field and a document field; "Ghi chú riêng" names nothing.
    for header in ("Mã cũ", "Ghi chú riêng"):
        problems = refusal(session, world, now, folder, rows, [*HEADER, *EXTRA[:-1], header])
        assert problems == [f'file: Line 1, column T: no column is called "{header}".']
    assert count(session, Dossier) == 0


def test_a_standard_columns_header_wins_over_a_fields(session, world, fields, now, tmp_path):
    supplementary_field(session, world.org.id, "document", "ghi_chu", "Trích yếu nội dung", "text")
    folder, rows = filled(tmp_path)
    for number, cells in enumerate(rows):
        cells.append(f"ghi chú {number}")
    plan = plan_of(session, world, now, folder, rows, [*HEADER, *EXTRA, "Văn bản: Trích yếu nội dung"])
    documents = [document for dossier in plan.dossiers for document in dossier.documents]
    assert [document.values["subject"] for document in documents] == [
        f"Về việc trao đổi công tác số {number}" for number in range(4)
    ]
    assert [document.supplementary["ghi_chu"] for document in documents] == [f"ghi chú {n}" for n in range(4)]


@pytest.fixture
def package(session, world, store, now, tmp_path, described):  # noqa: F811
    settings = handover.BuildSettings(store=store, out_dir=tmp_path / "out", eark_tool=None)
    _batch, built = build(session, world, settings, now, [dossier.id for dossier in described])
    return Path(built.path)


def test_our_package_read_back_keeps_the_values_of_fields_offered_here_and_notes_the_others(
    package,
    described,  # noqa: F811
    empty_instance,
    world,
):
    runner, database = empty_instance
    engine = create_engine(f"sqlite:///{database}")
    with Session(engine) as other:
        org = other.scalar(select(Organisation.id).where(Organisation.code == world.org.code))
        supplementary_field(other, org, "dossier", "ma_du_an", "Mã công trình", "text")
        supplementary_field(other, org, "document", "so_hop_dong", "Số hợp đồng", "text")
        supplementary_field(other, org, "document", "phan_loai", "Phân loại", "choice", choices="Công văn\nTờ trình")
        supplementary_field(other, org, "dossier", "tong_muc_dau_tu", "Tổng mức", "number", active=False)
        other.commit()
    engine.dispose()

    taken = runner.invoke(erms_group, ["import", "bag", str(package), "--user", "luutru", "--unit", "LT"])
    assert taken.exit_code == 0, taken.output
    notes = [line for line in taken.output.splitlines() if line.startswith("not mapped: ")]
    assert sorted(notes) == sorted(
        [
            "not mapped: dossier field ngay_phe_duyet (Ngày phê duyệt) is not offered here: left out of 1 dossier(s)",
            "not mapped: dossier field tong_muc_dau_tu (Tổng mức đầu tư (tỷ đồng)) is not offered here: left out of 1 "
            "dossier(s)",
            "not mapped: document field ma_cu (Mã lưu trữ cũ) is not offered here: left out of 1 document(s)",
            f"not mapped: Dossier {described[0].file_code}, document 1: phan_loai 'Hợp đồng' (Phân loại) was left "
            "out: Choose one of the listed values.",
        ]
    )
    db = sqlite3.connect(database)
    kept = sorted((json.loads(text) for (text,) in db.execute("select supplementary from dossiers")), key=len)
    assert kept == [{}, {"ma_du_an": "DA-2026/01"}]
    documents = sorted((json.loads(text) for (text,) in db.execute("select supplementary from documents")), key=len)
    assert documents == [{}, {"so_hop_dong": "HĐ 15 & 16/2026"}]
