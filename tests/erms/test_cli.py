"""The operator's console on a fresh data directory: upgrade, demo, org list, users, audit verify."""

import re
import sqlite3

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from erms.cli import erms_group


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A data directory migrated and loaded with the demo once for this module."""
    path = tmp_path_factory.mktemp("erms-data")
    env = {"ERMS_DATA_DIR": str(path), "DATABASE_URL": "", "ERMS_DEMO_PASSWORD": "demo-pass-123"}
    runner = CliRunner(env=env)
    upgraded = runner.invoke(erms_group, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    loaded = runner.invoke(erms_group, ["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    return path, runner, loaded.output


def test_demo_prints_fixed_accounts(data_dir):
    _path, _runner, output = data_dir
    assert "demo data loaded" in output
    for username in ("admin", "head", "registry", "officer1", "officer2", "unithead", "archivist", "council1"):
        assert f"  {username:<10} demo-pass-123" in output
    assert "  quantri    demo-pass-123          system_admin" in output  # the deployment's administrator


def test_demo_has_every_state_and_a_full_list(data_dir):
    path, _runner, _output = data_dir
    db = sqlite3.connect(path / "erms.sqlite3")
    states = dict(db.execute("select state, count(*) from dossiers group by state").fetchall())
    assert set(states) == {"open", "closed", "submitted", "archived"}
    assert (
        db.execute(
            "select count(*) from dossier_list_entries e join dossier_lists l on l.id = e.dossier_list_id "
            "where l.year = strftime('%Y', 'now')"
        ).fetchone()[0]
        >= 20
    )
    this_year = db.execute("select state from dossier_lists where year = strftime('%Y', 'now')").fetchall()
    assert this_year == [("approved",)]
    # The decision's number and its own date apart: the list's page writes "Quyết định số … ngày …" once.
    decisions = db.execute("select decision_ref, decision_date from dossier_lists where decision_ref != ''").fetchall()
    assert not [ref for ref, _day in decisions if "ngày" in ref]
    assert [day is not None for ref, day in decisions if "/QĐ-" in ref] == [True, True, True]
    assert db.execute("select superseded from retention_schedules").fetchall() == [(1,)]
    index_sha = db.execute(
        "select s.sha256 from dossiers d join stored_files s on s.id = d.index_file_id limit 1"
    ).fetchone()[0]
    index = path / "files" / index_sha[:2] / index_sha[2:4] / index_sha
    assert "MỤC LỤC VĂN BẢN" in PdfReader(index).pages[0].extract_text()
    # The agency's own fields (PL6 III.7.c), one filled in on the archived dossier the demo shows first.
    assert db.execute("select label from supplementary_fields order by id").fetchall()[0] == ("Nguồn kinh phí",)
    filled = db.execute("select state, supplementary from dossiers where supplementary != '{}'").fetchall()
    assert filled == [("archived", '{"nguon_kinh_phi": "Ngân sách"}')]
    # The outgoing documents' recipients got their codes from the directory (PL6 III.1.g, field 13.1).
    coded = db.execute("select name, code from document_recipients where code != '' order by id limit 2").fetchall()
    assert coded == [("UBND thành phố Hà Nội", "000.00.00.H26"), ("Sở Nội vụ thành phố Hà Nội", "000.05.00.H26")]
    # An open dossier's handling (PL6 III.5.a, III.1.n): a direction, a comment, a draft sent back to its author.
    given = db.execute("select kind from document_opinions order by id").fetchall()
    assert given == [("direction",), ("comment",), ("sent_back",)]
    told = "select count(*) from notifications n join users u on u.id = n.user_id where n.kind = 'draft_sent_back'"
    assert db.execute(told + " and u.username = 'officer1'").fetchone()[0] == 1


def test_demo_load_again_keeps_data_and_resets_passwords(data_dir):
    _path, runner, _output = data_dir
    again = runner.invoke(erms_group, ["demo", "load"])
    assert again.exit_code == 0
    assert "demo data already present" in again.output and "officer1" in again.output


def test_org_list(data_dir):
    _path, runner, _output = data_dir
    listed = runner.invoke(erms_group, ["org", "list"])
    assert listed.output.splitlines() == ["000.00.12.H26"]


def test_user_create_and_precise_errors(data_dir):
    _path, runner, _output = data_dir
    created = runner.invoke(
        erms_group,
        [
            "user",
            "create",
            "officer3",
            "--name",
            "Ngô Thị Hoa",
            "--org",
            "000.00.12.H26",
            "--role",
            "officer",
            "--unit",
            "NV",
            "--password",
            "long-enough-1",
        ],
    )
    assert created.exit_code == 0, created.output
    taken = runner.invoke(
        erms_group,
        [
            "user",
            "create",
            "officer3",
            "--name",
            "X",
            "--org",
            "000.00.12.H26",
            "--role",
            "officer",
            "--password",
            "long-enough-1",
        ],
    )
    assert taken.exit_code == 1 and "The username officer3 is taken." in taken.output
    no_unit = runner.invoke(
        erms_group,
        [
            "user",
            "create",
            "officer4",
            "--name",
            "X",
            "--org",
            "000.00.12.H26",
            "--role",
            "officer",
            "--unit",
            "XX",
            "--password",
            "long-enough-1",
        ],
    )
    assert no_unit.exit_code == 1 and "No unit XX in organisation 000.00.12.H26." in no_unit.output


def test_audit_verify_detects_tampering(data_dir):
    path, runner, _output = data_dir
    intact = runner.invoke(erms_group, ["audit", "verify"])
    assert intact.exit_code == 0 and "audit chain intact" in intact.output
    db = sqlite3.connect(path / "erms.sqlite3")
    victim = db.execute("select id from audit_events where action = 'dossier.accepted' limit 1").fetchone()[0]
    db.execute("update audit_events set actor_name = 'mallory' where id = ?", (victim,))
    db.commit()
    broken = runner.invoke(erms_group, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"BROKEN at event {victim}" in broken.output


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("[" * 100_000, "nesting too deep"),
        ("{not json", "line 1"),
        ('[{"code": "1"}]', "rows[0]: 'title_vi'"),
        (b"\xff\xfe[]", "UTF-8"),
    ],
)
def test_retention_import_refuses_a_bad_file_in_one_line(data_dir, tmp_path, content, said):
    _path, runner, _output = data_dir
    table = tmp_path / "bang.json"
    table.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = runner.invoke(
        erms_group, ["retention", "import", str(table), "--org", "000.00.12.H26", "--code", "x", "--title", "Bảng thử"]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output and said in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# NĐ 30/2020 Phụ lục III: the abbreviation a notation starts with, by type; a công văn has none (issuer-unit).
TYPE_ABBREVIATIONS = {"Kế hoạch": "KH", "Báo cáo": "BC", "Tờ trình": "TTr", "Quyết định": "QĐ", "Thông báo": "TB"}


def test_demo_documents_carry_standard_notations_and_summaries_that_do_not_repeat_their_type(data_dir):
    path, _runner, _output = data_dir
    db = sqlite3.connect(path / "erms.sqlite3")
    documents = db.execute("select type_name, code_notation, subject from documents").fetchall()
    numbered = [(type_name, notation) for type_name, notation, _ in documents if notation]  # none till numbered
    assert len(numbered) >= 3
    for type_name, notation in numbered:
        assert re.fullmatch(r"[A-ZĐ][A-ZĐa-z]*-[A-ZĐ0-9]+", notation), notation  # KH-UBND, TTr-UBND, UBND-VP
        first = notation.split("-")[0]
        # A công văn: the issuer's and the drafting unit's (UBND-VP); another type: its own and the issuer's (KH-UBND).
        assert first == TYPE_ABBREVIATIONS.get(type_name, first), (type_name, notation)
        assert type_name != "Công văn" or first not in TYPE_ABBREVIATIONS.values(), notation
    for type_name, _, subject in documents:
        assert not subject.lower().startswith(type_name.lower()), subject  # read after the type: "Kế hoạch …"
