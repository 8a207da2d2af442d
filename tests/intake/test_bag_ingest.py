"""Bag ingest: our own hand-over package taken into a second, empty ERMS recreates its dossiers, documents and
digests; what cannot be taken in is refused before anything is written."""

from __future__ import annotations

import dataclasses
import sqlite3
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from erms import intake_runner
from erms.cli import erms_group
from erms.errors import InvalidMetadata, PermissionDenied, RuleViolation
from erms.models import Dossier, FixityEvent, Organisation
from erms.models.dossier import DossierState
from intake import bag, bag_reading
from tests.exports.test_handover import build, permanent, settings  # noqa: F401


@pytest.fixture
def handover(session, world, settings, now, permanent):  # noqa: F811
    """Return our hand-over bag of three permanent dossiers (one of two documents) and those dossiers."""
    dossiers = [permanent(documents=2), permanent(), permanent()]
    quick = dataclasses.replace(settings, eark_tool=None)  # the E-ARK validator is tested with the exports
    _, package = build(session, world, quick, now, [dossier.id for dossier in dossiers])
    return Path(package.path), dossiers


def source_records(dossiers) -> list[tuple]:
    """The dossiers as the first ERMS holds them: code, title, dates, retention, and each document with digests."""
    return [
        (
            dossier.file_code,
            dossier.title,
            dossier.start_date.isoformat(),
            dossier.end_date.isoformat(),
            dossier.retention_permanent,
            dossier.index_file.sha256,
            [
                (
                    link.ordinal,
                    link.document.subject,
                    link.document.code_number,
                    link.document.issued_date.isoformat(),
                    link.document.direction.value,
                    [version.file.sha256 for version in link.document.versions],
                    [version.file.sha512 for version in link.document.versions],
                )
                for link in dossier.links
            ],
        )
        for dossier in sorted(dossiers, key=lambda dossier: dossier.file_code)
    ]


def taken_in_records(database: Path) -> list[tuple]:
    db = sqlite3.connect(database)
    records = []
    for code, title, start, end, permanent_, index, dossier_id in db.execute(
        "select d.file_code, d.title, d.start_date, d.end_date, d.retention_permanent, s.sha256, d.id "
        "from dossiers d join stored_files s on s.id = d.index_file_id order by d.file_code"
    ):
        documents = []
        for ordinal, subject, number, issued, direction, document_id in db.execute(
            "select l.ordinal, t.subject, t.code_number, t.issued_date, t.direction, t.id from dossier_documents l "
            "join documents t on t.id = l.document_id where l.dossier_id = ? order by l.ordinal",
            (dossier_id,),
        ):
            digests = db.execute(
                "select s.sha256, s.sha512 from document_versions v join stored_files s on s.id = v.file_id "
                "where v.document_id = ? order by v.number",
                (document_id,),
            ).fetchall()
            documents.append(
                (ordinal, subject, number, issued, direction, [d[0] for d in digests], [d[1] for d in digests])
            )
        records.append((code, title, start, end, bool(permanent_), index, documents))
    return records


def test_our_hand_over_bag_taken_into_an_empty_instance_recreates_its_dossiers_documents_and_digests(
    handover, empty_instance, tmp_path
):
    path, dossiers = handover
    runner, database = empty_instance
    archive = tmp_path / "goi-tin.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(path, arcname=path.name)

    dry = runner.invoke(erms_group, ["import", "bag", str(archive), "--user", "luutru", "--unit", "LT", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "checked: 3 dossiers, 4 documents" in dry.output and "nothing was written" in dry.output
    assert sqlite3.connect(database).execute("select count(*) from dossiers").fetchone() == (0,)

    taken = runner.invoke(erms_group, ["import", "bag", str(archive), "--user", "luutru", "--unit", "LT"])
    assert taken.exit_code == 0, taken.output
    assert "3 of 3 dossiers made" in taken.output and "not mapped" not in taken.output
    assert taken_in_records(database) == source_records(dossiers)
    db = sqlite3.connect(database)
    assert set(db.execute("select state from dossiers")) == {("archived",)}
    assert db.execute("select count(*) from fixity_events where outcome = 'intact'").fetchone()[0] == 4 + 3
    assert db.execute("select count(*) from audit_events where action = 'document.taken_in'").fetchone() == (4,)

    again = runner.invoke(erms_group, ["import", "bag", str(archive), "--user", "luutru", "--unit", "LT"])
    assert again.exit_code == 1 and "error: These records were taken in already, on" in again.output


def test_a_bag_is_refused_whole_when_its_fonds_unit_or_dossiers_do_not_fit(handover, session, world, tmp_path):
    path, dossiers = handover
    archivist = world.actor("archivist")
    read = bag_reading.read(path)
    with pytest.raises(InvalidMetadata, match="no unit with the code KHONG"):
        bag.plan(session, archivist, path, read, "KHONG")
    with pytest.raises(InvalidMetadata) as refused:  # the first instance holds them already
        bag.plan(session, archivist, path, read, "VP")
    assert sorted(str(problem) for problem in refused.value.problems) == sorted(
        f"{dossier.file_code}: Dossier {dossier.file_code} already exists." for dossier in dossiers
    )
    with pytest.raises(PermissionDenied):
        bag.plan(session, world.actor("officer1"), path, read, "VP")
    stranger = dataclasses.replace(
        read, dossiers=tuple(dataclasses.replace(d, organ_id="000.00.00.X99") for d in read.dossiers)
    )
    with pytest.raises(RuleViolation, match="No organisation has the code 000.00.00.X99"):
        bag.plan(session, archivist, path, stranger, "VP")
    with pytest.raises(RuleViolation, match="no dossier that can be taken in"):
        bag.plan(session, archivist, path, dataclasses.replace(read, dossiers=()), "VP")


def test_a_bag_interrupted_half_way_is_taken_up_again_without_duplicates(
    handover, session, session_factory, world, store, now
):
    path, dossiers = handover
    archivist = world.actor("archivist")
    # This instance holds the bag's dossiers already: take them in under other notations, as new dossiers.
    read = bag_reading.read(path)
    renamed = tuple(
        dataclasses.replace(d, file_notation=f"{d.file_notation}-CU", file_code=f"{d.file_code}-CU")
        for d in read.dossiers
    )
    read = dataclasses.replace(read, dossiers=renamed)
    plan = bag.plan(session, archivist, path, read, "VP")

    class Stop(Exception):
        pass

    def stop_after_first(done: int, total: int) -> None:
        if done:
            raise Stop()

    user_id = world.users["archivist"].id
    with pytest.raises(Stop):
        intake_runner.take_in(session_factory, user_id, plan, store=store, clock=lambda: now, told=stop_after_first)
    again = bag.plan(session, archivist, path, read, "VP")
    assert plan.run_id is None and again.run_id is not None and len(again.done) == 1
    outcome = intake_runner.take_in(session_factory, user_id, again, store=store, clock=lambda: now)
    assert (outcome.made, outcome.total, outcome.finished) == (3, 3, True)
    codes = {d.file_code for d in read.dossiers}
    assert session.scalar(select(func.count()).where(Dossier.file_code.in_(codes))) == 3
    states = set(session.scalars(select(Dossier.state).where(Dossier.file_code.in_(codes))))
    assert states == {DossierState.ARCHIVED}
    assert session.scalar(select(func.count()).select_from(FixityEvent)) == 4 + 3
    assert session.get(Organisation, plan.organisation_id).code == world.org.code
