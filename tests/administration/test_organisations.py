"""Setting an agency up from the console: organisations and units, then users in them; bad input is refused with
every problem named and nothing written."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import db, search
from erms.cli import erms_group
from erms.models import AuditEvent, Organisation, Unit


def test_an_agency_is_set_up_from_an_empty_database(tmp_path):
    runner = CliRunner(env={"ERMS_DATA_DIR": str(tmp_path), "DATABASE_URL": ""})
    steps = [
        ["db", "upgrade"],
        ["org", "create", "000.00.31.H26", "--name", "UBND quận Hoàn Kiếm", "--parent", "UBND thành phố Hà Nội"],
        ["unit", "create", "VP", "--org", "000.00.31.H26", "--name", "Văn phòng HĐND và UBND quận"],
        ["unit", "create", "TCKH", "--org", "000.00.31.H26", "--name", "Phòng Tài chính - Kế hoạch"],
        [
            "user",
            "create",
            "lan",
            "--name",
            "Phạm Thị Lan",
            "--org",
            "000.00.31.H26",
            "--unit",
            "VP",
            "--role",
            "officer",
            "--password",
            "mat-khau-lan-2026",
        ],
    ]
    for step in steps:
        done = runner.invoke(erms_group, step)
        assert done.exit_code == 0, done.output
    refused = runner.invoke(erms_group, ["org", "create", "H26", "--name", " "])
    assert refused.exit_code == 1
    assert refused.output.splitlines() == [
        "error: name: This field is required.",
        "error: code: An organisation code looks like 000.00.00.G09 (OrganId).",
    ]
    again = runner.invoke(erms_group, ["unit", "create", "VP", "--org", "000.00.31.H26", "--name", "Văn phòng"])
    assert again.exit_code == 1 and "error: code: The organisation has a unit VP already." in again.output
    nowhere = runner.invoke(erms_group, ["unit", "create", "vp 2", "--org", "000.00.99.H26", "--name", "X"])
    assert nowhere.output.splitlines() == [
        "error: organisation: No organisation with code 000.00.99.H26.",
        "error: code: A unit code is capitals, digits and hyphens, like TCCB or VP.",
    ]
    engine = db.make_engine(f"sqlite:///{tmp_path / 'erms.sqlite3'}")
    with Session(engine) as session:
        assert session.scalars(select(Organisation.code)).all() == ["000.00.31.H26"]
        assert sorted(session.scalars(select(Unit.code))) == ["TCKH", "VP"]
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[:3] == ["organisation.created", "unit.created", "unit.created"]
    engine.dispose()
    search.install(None)
