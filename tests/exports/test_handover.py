"""Hand-over packages: what a user of the historical archive gets, and what the archivist is refused."""

from __future__ import annotations

import dataclasses
import errno
import os
import re
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path

import bagit
import pytest
from lxml import etree
from sqlalchemy import func, select

from erms.errors import InvalidMetadata, RuleViolation
from erms.models import Organisation, Package
from erms.models.dossier import DossierState
from erms.models.handover import BatchState, PackageState
from erms.models.retention import HoldKind
from exports import handover, snapshot
from exports.bagging import bag, verify
from exports.xml import METS_NS, PARSER_BLOCK
from filing import dossiers
from tests.factories import DOCUMENT, place_hold, upload

EARK_TOOL = verify.DEFAULT_EARK_TOOL
NFD_NAME = unicodedata.normalize("NFD", "Biên bản họp Hội đồng.pdf")


@pytest.fixture
def permanent(make_dossier):
    """Return a factory of permanent dossiers in the agency archive (archived 2026: due by 2031)."""
    return lambda documents=1: make_dossier("archived", row="permanent", documents=documents)


@pytest.fixture
def settings(store, tmp_path):
    return handover.BuildSettings(store=store, out_dir=tmp_path / "out", eark_tool=EARK_TOOL)


def build(session, world, settings, now, dossier_ids, year=2031):
    archivist = world.actor("archivist")
    batch = handover.create_batch(session, archivist, world.org.code, year, dossier_ids, now=now)
    return batch, handover.build_package(session, archivist, batch.id, settings, now=now)


def test_package_validates_with_bagit_schemas_and_eark(session, world, settings, now, permanent):
    first, second = permanent(documents=2), permanent()
    batch, package = build(session, world, settings, now, [first.id, second.id])
    assert package.state is PackageState.READY, package.report
    assert batch.state is BatchState.PACKAGED
    path = Path(package.path)
    assert path.name == f"{world.org.code}_2031_1"
    bagit.Bag(str(path)).validate()
    report = {check.name: check.status for check in verify.verify(path, eark_tool=EARK_TOOL)}
    assert report == {
        "BagIt": "passed",
        "BagIt profile": "passed",
        "XML well-formed": "passed",
        "METS XSD": "passed",
        "PREMIS XSD": "passed",
        "EAD XSD": "passed",
        "CITS ERMS XSD": "passed",
        "CITS ERMS Schematron": "passed",
        "TT 02 and transfer list XSD": "passed",
        "E-ARK CSIP/SIP": "passed",
    }
    info = bagit.Bag(str(path)).info
    assert info["Payload-Oxum"] == package.payload_oxum
    assert info["External-Identifier"] == path.name
    assert info["ERMS-Audit-Chain-Head"] == package.audit_head
    root = path / "data" / path.name
    premis = (root / "metadata/preservation/PREMIS.xml").read_text(encoding="utf-8")
    assert f"audit-chain-head sha256:{package.audit_head}" in premis
    assert "Đối chiếu mã băm SHA-256 và SHA-512 của từng tệp" in premis  # both digests are compared while copying
    assert first.file_code in (root / "metadata/descriptive/ERMS.xml").read_text(encoding="utf-8")
    # Each heading of the dossier list says its list's year: two years' "I. Tổng hợp" are told apart.
    ead = etree.parse(str(root / "metadata/descriptive/EAD.xml"))
    series = ead.findall(".//{urn:isbn:1-931666-22-9}c[@level='series']/{urn:isbn:1-931666-22-9}did")
    assert [(did[0].tag.split("}")[1], did[1].get("normal")) for did in series] == [("unittitle", "2026")]
    assert (root / "documentation/bien-ban-giao-nhan.pdf").read_bytes().startswith(b"%PDF")
    result = subprocess.run(
        [sys.executable, str(EARK_TOOL), "--ignore", "SIP14", str(root)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_progress_counts_every_file_then_announces_verification(session, world, settings, now, permanent):
    events = []
    watched = dataclasses.replace(
        settings,
        progress=lambda done, total: events.append((done, total)),
        verifying=lambda: events.append("verifying"),
        checked=events.append,
    )
    _, package = build(session, world, watched, now, [permanent(documents=2).id, permanent().id])
    assert package.state is PackageState.READY
    files = len(list(Path(package.path).glob("data/*/representations/rep1/data/*/*")))
    verifying = events.index("verifying")
    assert events.count("verifying") == 1
    assert events[verifying - 1] == (files, files)  # all copied and checked before verification starts
    copied = events[:verifying]
    assert [done for done, _ in copied] == sorted(done for done, _ in copied)
    assert {total for _, total in copied} == {files}  # told once the whole batch is read, never a partial total
    told = events[verifying + 1 :]  # then each check as it ends, as the report keeps it
    assert sorted(check.name for check in told) == sorted(check.name for check in verify.from_json(package.report))


def test_a_long_mets_keeps_each_file_with_its_location_for_the_e_ark_validator(
    session, world, settings, now, permanent
):
    # eark-validator reads METS in 32 KiB blocks and crashes on a file whose FLocat is in the next one.
    _, package = build(session, world, settings, now, [permanent(documents=30).id for _ in range(4)])
    assert package.state is PackageState.READY, package.report  # eark-validate passed
    root = verify.package_root(Path(package.path))
    for mets_path in (root / "METS.xml", root / "representations/rep1/METS.xml"):
        data = mets_path.read_bytes()
        starts = [match.start() for match in re.finditer(rb"<file ", data)]
        assert len(starts) >= 124 and len(data) > 2 * PARSER_BLOCK
        for start in starts:
            end = data.index(b"/>", data.index(b"<FLocat ", start)) + 2
            assert start // PARSER_BLOCK == end // PARSER_BLOCK, (mets_path.name, start)
        for _, element in etree.iterparse(str(mets_path), events=["start"]):  # as the validator reads it
            assert element.tag != f"{{{METS_NS}}}file" or element.find(f"{{{METS_NS}}}FLocat") is not None


def test_verify_names_a_payload_file_changed_after_the_build(session, world, settings, now, permanent):
    _, package = build(session, world, settings, now, [permanent(documents=2).id])
    path = Path(package.path)
    changed = next(path.glob("data/*/representations/rep1/data/*/001-*"))
    changed.write_bytes(changed.read_bytes() + b"%% edited")
    checks = {check.name: check for check in verify.verify(path, eark_tool=None)}
    assert checks["BagIt"].status == verify.FAILED
    assert any(changed.name in message for message in checks["BagIt"].messages), checks["BagIt"].messages
    assert checks["METS XSD"].status == verify.PASSED  # the other checks still run and report


def test_vietnamese_file_names_survive_in_manifests(session, world, settings, now, make_dossier, store):
    dossier = make_dossier("open", row="permanent")
    officer = world.actor("officer1")
    dossiers.add_document(
        session,
        officer,
        dossier.id,
        dict(DOCUMENT, code_number="77"),
        upload(b"%PDF-1.4 NFD name", NFD_NAME),
        store=store,
        now=now,
    )
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    transfer = dossiers.submit(session, officer, [dossier.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    _, package = build(session, world, settings, now, [dossier.id])
    manifest = (Path(package.path) / "manifest-sha256.txt").read_text(encoding="utf-8")
    nfc = unicodedata.normalize("NFC", "Biên bản họp Hội đồng.pdf")
    assert nfc in manifest and NFD_NAME not in manifest
    assert "quyết định 15.pdf" in manifest
    bagit.Bag(package.path).validate()


def test_corrupted_file_in_the_store_aborts_naming_it(session, world, settings, now, permanent, store):
    dossier = permanent()
    stored = dossier.links[0].document.versions[0].file
    store.path_for(stored.sha256).write_bytes(b"%PDF-tampered")
    with pytest.raises(bag.FixityMismatch) as refused:
        build(session, world, settings, now, [dossier.id])
    message = str(refused.value)
    assert "quyết định 15.pdf" in message and stored.sha256 in message
    assert list(settings.out_dir.iterdir()) == [settings.out_dir / ".erms-build.lock"]


def test_a_file_missing_from_the_store_aborts_naming_it(session, world, settings, now, permanent, store):
    dossier = permanent()
    stored = dossier.links[0].document.versions[0].file
    store.path_for(stored.sha256).unlink()
    with pytest.raises(bag.FixityMismatch) as refused:
        build(session, world, settings, now, [dossier.id])
    message = str(refused.value)
    assert "quyết định 15.pdf" in message and stored.sha256 in message and "missing" in message
    assert list(settings.out_dir.iterdir()) == [settings.out_dir / ".erms-build.lock"]


def test_files_are_copied_while_the_dossiers_are_still_read(session, world, settings, now, permanent, monkeypatch):
    monkeypatch.setattr(snapshot, "_CHUNK", 1)  # one dossier read at a time
    given = []
    add = bag.Build.add
    monkeypatch.setattr(
        bag.Build, "add", lambda build, dossiers: (given.append([d.file_code for d in dossiers]), add(build, dossiers))
    )
    dossiers = [permanent(documents=2) for _ in range(3)]
    _, package = build(session, world, settings, now, [dossier.id for dossier in reversed(dossiers)])
    assert given[:3] == [[dossier.file_code] for dossier in dossiers]  # each as soon as read, in package order
    assert all(chunk == [] for chunk in given[3:])  # none left over for the end
    assert package.state is PackageState.READY
    bagit.Bag(package.path).validate()


def test_a_failure_while_reading_stops_the_copy_and_leaves_nothing(
    session, world, settings, now, permanent, monkeypatch
):
    monkeypatch.setattr(snapshot, "_CHUNK", 1)
    read = snapshot._documents
    calls = []

    def fail_second(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return read(*args)

    monkeypatch.setattr(snapshot, "_documents", fail_second)
    ids = [permanent().id, permanent().id]
    before = threading.active_count()
    with pytest.raises(RuntimeError, match="database went away"):
        build(session, world, settings, now, ids)
    assert list(settings.out_dir.iterdir()) == [settings.out_dir / ".erms-build.lock"]
    assert threading.active_count() == before  # copy threads joined, worker processes reaped


def test_a_build_left_without_finishing_stops_its_copy_and_leaves_nothing(session, settings, store, permanent, now):
    ids = [permanent().id]
    before = threading.active_count()
    with bag.Build("left_2031_1", store=store, out_dir=settings.out_dir) as build:
        snapshot.package(
            session,
            ids,
            name="left_2031_1",
            kind="handover",
            year=2031,
            operator_id=None,
            now=now,
            on_dossiers=build.add,
        )
    assert list(settings.out_dir.iterdir()) == []
    assert threading.active_count() == before


def test_held_dossier_is_never_included(session, world, settings, now, permanent):
    held, free = permanent(), permanent()
    place_hold(session, world, held.id, now, HoldKind.AUDIT, "Thanh tra năm 2026")
    archivist = world.actor("archivist")
    batch = handover.create_batch(session, archivist, world.org.code, 2031, now=now)
    assert [item.dossier_id for item in batch.items] == [free.id]
    with pytest.raises(InvalidMetadata, match="under a hold"):
        handover.create_batch(session, archivist, world.org.code, 2031, [held.id], now=now)


def test_hold_placed_after_selection_stops_the_build(session, world, settings, now, permanent):
    dossier = permanent()
    batch = handover.create_batch(session, world.actor("archivist"), world.org.code, 2031, [dossier.id], now=now)
    place_hold(session, world, dossier.id, now, HoldKind.LEGAL, "Tranh chấp")
    with pytest.raises(RuleViolation, match=dossier.file_code):
        handover.build_package(session, world.actor("archivist"), batch.id, settings, now=now)


def test_a_dossier_cannot_be_in_two_batches(session, world, now, permanent):
    dossier = permanent()
    archivist = world.actor("archivist")
    handover.create_batch(session, archivist, world.org.code, 2031, [dossier.id], now=now)
    with pytest.raises(InvalidMetadata, match="already in hand-over batch"):
        handover.create_batch(session, archivist, world.org.code, 2032, [dossier.id], now=now)


def test_nothing_due_names_the_years_that_are(session, world, now, permanent):
    permanent()
    with pytest.raises(RuleViolation, match="years with dossiers due: 2031"):
        handover.create_batch(session, world.actor("archivist"), world.org.code, 2027, now=now)


def test_only_permanent_archived_dossiers_are_chosen(session, world, now, make_dossier):
    ten_years = make_dossier("archived")
    with pytest.raises(InvalidMetadata, match="not kept permanently"):
        handover.create_batch(session, world.actor("archivist"), world.org.code, 2031, [ten_years.id], now=now)


def test_a_dossier_of_another_organisation_is_refused_like_one_that_does_not_exist(session, world, now, permanent):
    abroad = permanent()
    other = Organisation(code="000.00.00.H27", name="UBND quận Ba Đình", created_at=now)
    session.add(other)
    session.flush()
    abroad.organisation_id = other.id  # its code is not the archivist's to read
    session.flush()
    with pytest.raises(InvalidMetadata) as refused:
        handover.create_batch(session, world.actor("archivist"), world.org.code, 2031, [abroad.id, 99_999], now=now)
    assert [(problem.template, problem.params) for problem in refused.value.problems] == [
        ("Dossier %(id)s does not exist.", {"id": abroad.id}),
        ("Dossier %(id)s does not exist.", {"id": 99_999}),
    ]


def receipt_xml(package: str, codes: list[str], reference: str = "25/BB-LTLS") -> bytes:
    dossiers_xml = "".join(f'<Dossier code="{code}"/>' for code in codes)
    return (
        f'<HandoverReceipt package="{package}" reference="{reference}" received_on="2026-06-15">'
        f"{dossiers_xml}</HandoverReceipt>"
    ).encode()


def test_receipt_marks_exactly_the_listed_dossiers(session, world, settings, now, permanent):
    first, second = permanent(), permanent()
    batch, _ = build(session, world, settings, now, [first.id, second.id])
    outcome = handover.import_receipt(
        session, world.actor("archivist"), receipt_xml(batch.name, [first.file_code]), "bien-nhan.xml", now=now
    )
    assert first.state is DossierState.TRANSFERRED
    assert second.state is DossierState.ARCHIVED
    assert outcome.not_listed == [second.file_code]
    assert batch.state is BatchState.RECEIVED


@pytest.mark.parametrize(
    "received_on,said",
    [
        ("2026-06-16", "The receipt is dated 16/06/2026, after today."),
        ("2026-06-14", "The receipt is dated 14/06/2026, before its package was built (15/06/2026)."),
    ],
)
def test_a_receipt_dated_after_today_or_before_its_package_is_refused(
    session, world, settings, now, permanent, received_on, said
):
    dossier = permanent()
    batch, _ = build(session, world, settings, now, [dossier.id])
    content = receipt_xml(batch.name, [dossier.file_code]).replace(b"2026-06-15", received_on.encode())
    with pytest.raises(InvalidMetadata) as refused:
        handover.import_receipt(session, world.actor("archivist"), content, "bien-nhan.xml", now=now)
    assert [str(problem) for problem in refused.value.problems] == [f"received_on: {said}"]
    assert (dossier.state, batch.state) == (DossierState.ARCHIVED, BatchState.PACKAGED)


def test_receipt_with_an_unknown_dossier_is_refused_and_writes_nothing(session, world, settings, now, permanent):
    dossier = permanent()
    batch, _ = build(session, world, settings, now, [dossier.id])
    csv = (
        f"package,reference,received_on,file_code\n{batch.name},25/BB-LTLS,2026-06-15,{dossier.file_code}\n"
        f"{batch.name},25/BB-LTLS,2026-06-15,000.00.00.H26.2026.99.XX\n"
    ).encode()
    with pytest.raises(InvalidMetadata, match="000.00.00.H26.2026.99.XX is not in batch"):
        handover.import_receipt(session, world.actor("archivist"), csv, "bien-nhan.csv", now=now)
    assert dossier.state is DossierState.ARCHIVED
    assert batch.state is BatchState.PACKAGED


def test_receipt_schema_problems_are_listed(session, world, now):
    with pytest.raises(InvalidMetadata) as refused:
        handover.import_receipt(
            session,
            world.actor("archivist"),
            b'<HandoverReceipt package="x" reference="" received_on="1/7/2031"/>',
            "r.xml",
            now=now,
        )
    fields = {problem.field for problem in refused.value.problems}
    assert {"package", "reference", "received_on", "file_codes"} <= fields


def test_reconciliation_per_unit(session, world, now, permanent, make_dossier):
    chosen, left_out = permanent(), permanent()
    batch = handover.create_batch(session, world.actor("archivist"), world.org.code, 2032, [chosen.id], now=now)
    [unit] = handover.reconcile(session, world.actor("archivist"), batch.id)
    assert unit.unit == world.unit_a.name
    assert unit.included == [chosen.file_code] and unit.late == [chosen.file_code]
    assert unit.missing == [(left_out.file_code, "not chosen")]


def test_one_closed_dossier_exports_as_a_bag(session, world, settings, now, make_dossier):
    dossier = make_dossier("closed")
    package = handover.export_dossier(session, world.actor("officer1"), dossier.id, settings, now=now)
    assert package.state is PackageState.READY, package.report
    bagit.Bag(package.path).validate()
    with pytest.raises(RuleViolation):
        handover.export_dossier(session, world.actor("officer1"), make_dossier("open").id, settings, now=now)


def test_a_failed_check_never_marks_the_package_ready(session, world, settings, now, permanent, monkeypatch):
    dossier = permanent()
    monkeypatch.setattr(verify, "_bagit", lambda path, processes: verify.Check("BagIt", verify.FAILED, ("broken",)))
    batch, package = build(session, world, settings, now, [dossier.id])
    assert package.state is PackageState.FAILED
    assert batch.state is BatchState.DRAFT
    assert not (settings.out_dir / batch.name).exists()


def test_signed_documents_are_marked_in_cits_erms(session, world, settings, now, make_dossier, store):
    dossier = make_dossier("open", row="permanent")
    officer = world.actor("officer1")
    dossiers.add_document(
        session,
        officer,
        dossier.id,
        dict(DOCUMENT, code_number="78"),
        upload(b"%PDF-1.7 <</Type/Sig/ByteRange[0 10 20 30]>>", "tờ trình đã ký.pdf"),
        store=store,
        now=now,
    )
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    transfer = dossiers.submit(session, officer, [dossier.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    _, package = build(session, world, settings, now, [dossier.id])
    erms = (Path(package.path) / "data" / Path(package.path).name / "metadata/descriptive/ERMS.xml").read_text()
    assert '<eSignature present="true"/>' in erms
    assert '<eSignature present="false"/>' in erms  # the dossier's other, unsigned document


def test_a_hold_placed_while_the_bag_is_written_stops_its_recording(session, world, settings, now, permanent):
    dossier = permanent()
    archivist = world.actor("archivist")
    batch = handover.create_batch(session, archivist, world.org.code, 2031, [dossier.id], now=now)
    written = handover.write_batch_package(session, archivist, batch.id, settings, now=now)
    assert written.ok and session.scalar(select(func.count()).select_from(Package)) == 0  # nothing recorded yet
    place_hold(session, world, dossier.id, now, HoldKind.LEGAL, "Tranh chấp")
    with pytest.raises(RuleViolation, match="under a hold"):
        handover.record_batch_package(session, archivist, batch.id, written, now=now)
    assert batch.state is BatchState.DRAFT and session.scalar(select(func.count()).select_from(Package)) == 0


def test_a_full_disk_while_the_package_is_flushed_leaves_no_package(
    session, world, settings, now, permanent, monkeypatch
):
    def full(_path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(bag, "sync_filesystem", full)
    dossier = permanent()
    with pytest.raises(OSError, match="No space left on device"):
        build(session, world, settings, now, [dossier.id])
    assert list(settings.out_dir.iterdir()) == [settings.out_dir / ".erms-build.lock"]  # no half-written package
    assert dossier.state is DossierState.ARCHIVED
