"""``erms import legacy`` on a fresh instance: an XLSX mapping file, a dry run, the import and its summary."""

from __future__ import annotations

import sqlite3

from openpyxl import Workbook

from erms.cli import erms_group
from tests.intake.test_legacy_import import HEADER, make_folder, mapping


def test_the_console_checks_then_imports_an_xlsx_mapping_and_refuses_it_once_done(empty_instance, tmp_path):
    runner, database = empty_instance
    folder, rows = make_folder(tmp_path, 30, 10)
    workbook = Workbook()
    for cells in [HEADER, *rows]:
        workbook.active.append(cells)
    workbook.save(folder / "ho-so.xlsx")
    command = ["import", "legacy", str(folder), "--map", str(folder / "ho-so.xlsx"), "--org"]
    command += ["000.00.00.H26", "--user", "luutru"]

    dry = runner.invoke(erms_group, [*command, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[:3] == [
        f"checked: 3 dossiers, 30 documents, {sum((folder / cells[0]).stat().st_size for cells in rows)} bytes",
        "  2019: 2 dossiers (2 archived, 0 closed), 20 documents",
        "  2020: 1 dossiers (0 archived, 1 closed), 10 documents",
    ]
    assert sqlite3.connect(database).execute("select count(*) from dossiers").fetchone() == (0,)

    done = runner.invoke(erms_group, command)
    assert done.exit_code == 0, done.output
    assert "run 1: 3 of 3 dossiers made" in done.output
    db = sqlite3.connect(database)
    assert sorted(db.execute("select file_code, state from dossiers")) == [
        ("000.00.00.H26.2019.01.VP", "archived"),
        ("000.00.00.H26.2019.03.VP", "archived"),
        ("000.00.00.H26.2020.02.VP", "closed"),
    ]
    assert db.execute("select count(*) from documents").fetchone() == (30,)

    again = runner.invoke(erms_group, command)
    assert again.exit_code == 1 and "error: These records were taken in already, on" in again.output


def test_the_console_names_every_bad_row_and_writes_nothing(empty_instance, tmp_path):
    runner, database = empty_instance
    folder, rows = make_folder(tmp_path, 4, 2)
    rows[1][5] = "mãi mãi"
    csv = folder / "ho-so.csv"
    csv.write_bytes(mapping(rows))
    refused = runner.invoke(
        erms_group, ["import", "legacy", str(folder), "--map", str(csv), "--org", "000.00.00.H26", "--user", "luutru"]
    )
    assert refused.exit_code == 1
    assert refused.output.splitlines() == [
        'error: 3:retention: Write "Vĩnh viễn", a number of years, or a retention row code.'
    ]
    assert sqlite3.connect(database).execute("select count(*) from intake_runs").fetchone() == (0,)
