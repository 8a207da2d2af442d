"""Setting an agency up from the console: organisations and units, then users in them; bad input is refused with
every problem named and nothing written."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from administration import people
from erms import db, search
from erms.cli import erms_group
from erms.errors import RuleViolation
from erms.models import AuditEvent, Organisation, RoleMembership, Unit, User


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


def test_the_first_administrator_is_made_once_from_the_console(tmp_path):
    runner = CliRunner(env={"ERMS_DATA_DIR": str(tmp_path), "DATABASE_URL": ""})
    upgraded = runner.invoke(erms_group, ["db", "upgrade"])
    assert upgraded.exit_code == 0 and "(upgraded from schema revision none to " in upgraded.output
    assert "(already at " in runner.invoke(erms_group, ["db", "upgrade"]).output
    weak = runner.invoke(erms_group, ["admin", "create", "Quan Tri", "--name", "", "--password", "ngan"])
    assert weak.exit_code == 1 and weak.output.splitlines() == [
        "error: full_name: This field is required.",
        "error: username: A username is lower-case letters, digits, dots and hyphens, like lan.pt.",
        "error: password: A password needs at least 8 characters.",
    ]
    made = runner.invoke(
        erms_group, ["admin", "create", "quantri", "--name", "Quản trị", "--password", "mat-khau-2026"]
    )
    assert made.exit_code == 0, made.output
    again = runner.invoke(erms_group, ["admin", "create", "quantri2", "--name", "Khác", "--password", "mat-khau-2026"])
    assert again.exit_code == 1
    assert again.output == (
        "error: An administrator of the deployment exists already (quantri): give --another to make one more, or set "
        "a new password for them with erms admin reset-password quantri.\n"
    )
    # The way back in when the only administrator has left or lost their password: from the server's console.
    more = ["admin", "create", "quantri2", "--name", "Khác", "--password", "mat-khau-2027", "--another"]
    assert runner.invoke(erms_group, more).exit_code == 0
    reset = runner.invoke(erms_group, ["admin", "reset-password", "quantri", "--password", "mat-khau-moi-2026"])
    assert reset.exit_code == 0 and "chooses their own at once" in reset.output
    short = runner.invoke(erms_group, ["admin", "reset-password", "quantri", "--password", "ngan"])
    assert short.exit_code == 1 and short.output == "error: password: A password needs at least 8 characters.\n"
    engine = db.make_engine(f"sqlite:///{tmp_path / 'erms.sqlite3'}")
    with Session(engine) as session:
        admins = session.execute(select(User.username, User.system_admin).order_by(User.id)).all()
        assert admins == [("quantri", True), ("quantri2", True)]
        assert session.scalars(select(RoleMembership)).all() == []
        quantri = session.scalar(select(User).where(User.username == "quantri"))
        assert quantri.password_change_required  # chosen at the console: replaced at the next log-in
        assert session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)) == "user.password_set"
        ordinary = people.reset_system_admin_password
        session.add(User(username="lan.pt", full_name="Lan", password_hash="!", created_at=quantri.created_at))
        session.flush()
        with pytest.raises(RuleViolation, match="lan.pt is not an administrator of the deployment"):
            ordinary(session, "lan.pt", "mat-khau-2026", now=quantri.created_at)
    engine.dispose()
    search.install(None)


def test_a_unit_is_placed_under_another_from_the_console(tmp_path):
    runner = CliRunner(env={"ERMS_DATA_DIR": str(tmp_path), "DATABASE_URL": ""})
    steps = [
        ["db", "upgrade"],
        ["org", "create", "000.00.31.H26", "--name", "UBND quận Hoàn Kiếm"],
        ["unit", "create", "TCKH", "--org", "000.00.31.H26", "--name", "Phòng Tài chính - Kế hoạch"],
        ["unit", "create", "TCKH-NS", "--org", "000.00.31.H26", "--name", "Tổ ngân sách", "--parent", "TCKH"],
    ]
    for step in steps:
        done = runner.invoke(erms_group, step)
        assert done.exit_code == 0, done.output
    orphan = runner.invoke(
        erms_group, ["unit", "create", "XX", "--org", "000.00.31.H26", "--name", "X", "--parent", "KT"]
    )
    assert orphan.output == "error: parent: The organisation has no open unit KT.\n"
    engine = db.make_engine(f"sqlite:///{tmp_path / 'erms.sqlite3'}")
    with Session(engine) as session:
        units = {unit.code: unit for unit in session.scalars(select(Unit))}
        assert set(units) == {"TCKH", "TCKH-NS"} and units["TCKH-NS"].parent_id == units["TCKH"].id
    engine.dispose()
    search.install(None)


def test_an_organisation_code_is_ascii_digits_and_a_role_given_twice_is_granted_once(tmp_path):
    runner = CliRunner(env={"ERMS_DATA_DIR": str(tmp_path), "DATABASE_URL": ""})
    assert runner.invoke(erms_group, ["db", "upgrade"]).exit_code == 0
    for lookalike in ("０００.００.３１.H２６", "٠٠٠.٠٠.٣١.H٢٦"):  # full-width and Arabic-Indic digits
        refused = runner.invoke(erms_group, ["org", "create", lookalike, "--name", "UBND quận Hoàn Kiếm"])
        assert refused.exit_code == 1 and refused.output.startswith("error: code:"), refused.output
    assert runner.invoke(erms_group, ["org", "create", "000.00.31.H26", "--name", "UBND quận"]).exit_code == 0
    made = runner.invoke(
        erms_group,
        ["user", "create", "lan.pt", "--name", "Lan", "--org", "000.00.31.H26", "--role", "head", "--role", "head",
         "--password", "mat-khau-2026"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    engine = db.make_engine(f"sqlite:///{tmp_path / 'erms.sqlite3'}")
    with Session(engine) as session:
        assert session.scalars(select(Organisation.code)).all() == ["000.00.31.H26"]
        assert [membership.role.value for membership in session.scalars(select(RoleMembership))] == ["head"]
    engine.dispose()
    search.install(None)
