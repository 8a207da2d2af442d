"""Preservation copies in the hand-over package (NĐ 30/2020 PL6 III.5.e): each PDF/A copy the worker made goes beside
its original, in the package's second representation (rep2), with its METS entries, its checksums in the manifests,
a PREMIS object derived from the original and the "migration" event that made it; a failed attempt is a failed
migration event with its reason and no copy; a corrupted copy aborts the build as a corrupted original does; every
check of the package passes.

The copies are recorded as the worker records them (``filing.preservation.record``) from a small stored PDF rather
than converted by LibreOffice: the package only reads what was recorded, the conversion has tests of its own
(tests/filing/test_preservation_copies.py), and a build per test stays under a second.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from erms.models.handover import PackageState
from exports import handover
from exports.bagging import bag, layout, verify
from exports.xml import ERMS_NS, METS_NS, PREMIS_NS, timestamp
from filing import dossiers, preservation
from intake import bag_reading
from tests.exports.test_handover import EARK_TOOL, build
from tests.exports.test_paper_handover import EVERY_CHECK
from tests.factories import DOCUMENT, upload
from tests.filing.test_preservation_copies import word_document
from tests.signing import plain_pdf

TOOL = "LibreOffice 7.4.7.2 40(Build:2)"
REASON = "LibreOffice made no PDF: source file could not be loaded"
P = f"{{{PREMIS_NS}}}"
M = f"{{{METS_NS}}}"


def _add(session, world, store, now, dossier, number: str, content: bytes, name: str):
    """File a document numbered ``number`` with one file; return the file's StoredFile."""
    values = dict(DOCUMENT, code_number=number)
    document = dossiers.add_document(
        session, world.actor("officer1"), dossier.id, values, upload(content, name), store=store, now=now
    )
    return document.versions[0].file


def _record(session, store, source, made_at, pdf: bytes | None):
    """Record the worker's attempt on ``source``: a copy of ``pdf`` made at ``made_at``, or (None) a failure."""
    waiting = preservation.Waiting(source.id, source.sha256, "fmt/412")
    captured = store.put(io.BytesIO(pdf)) if pdf is not None else None
    row = preservation.record(
        session, preservation.Attempt(waiting, captured, "" if pdf else REASON), TOOL, now=made_at
    )
    assert row is not None
    return row


@pytest.fixture
def copied(session, world, store, now, make_dossier):
    """A permanent dossier in the agency archive: no. 1 a Word file copied into PDF/A an hour after it was filed,
    no. 2 a Word file the tool could not copy, no. 3 a PDF (never copied)."""
    dossier = make_dossier("open", row="permanent", documents=0)
    report = _add(session, world, store, now, dossier, "1", word_document("Báo cáo tổng kết"), "báo cáo.docx")
    broken = _add(session, world, store, now, dossier, "2", word_document("Tờ trình"), "tờ trình.docx")
    _add(session, world, store, now, dossier, "3", plain_pdf("Quyết định"), "quyết định.pdf")
    made_at = now + timedelta(hours=1)
    made = _record(session, store, report, made_at, plain_pdf("Báo cáo tổng kết (PDF/A)"))
    _record(session, store, broken, made_at, None)
    officer = world.actor("officer1")
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    transfer = dossiers.submit(session, officer, [dossier.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    return dossier, made


@pytest.fixture
def settings(store, tmp_path):
    return handover.BuildSettings(store=store, out_dir=tmp_path / "out", eark_tool=EARK_TOOL)


@pytest.fixture
def package(session, world, settings, now, copied):
    _batch, built = build(session, world, settings, now + timedelta(hours=2), [copied[0].id])
    assert built.state is PackageState.READY, built.report
    return Path(built.path)


def _paths(dossier) -> tuple[str, str]:
    """Return the package paths of no. 1's original and of its copy."""
    folder = f"data/{layout.safe_name(dossier.file_code)}"
    return (
        f"{layout.REPRESENTATION}/{folder}/001-báo cáo.docx",
        f"{layout.PRESERVATION}/{folder}/001-báo cáo (PDF-A).pdf",
    )


def _parse(package: Path, path: str) -> etree._Element:
    return etree.parse(str(package / "data" / package.name / path), etree.XMLParser(no_network=True)).getroot()


def test_the_copy_is_in_the_bag_beside_its_original_with_its_checksums_in_the_manifests(package, copied, store):
    dossier, made = copied
    original, copy = _paths(dossier)
    root = package / "data" / package.name
    assert (root / copy).read_bytes() == store.path_for(made.copy.sha256).read_bytes()
    assert (root / original).read_bytes() == store.path_for(made.source.sha256).read_bytes()  # kept as it was
    manifest = (package / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    assert f"{made.copy.sha256}  data/{package.name}/{copy}" in manifest
    manifest512 = (package / "manifest-sha512.txt").read_text(encoding="utf-8").splitlines()
    assert f"{made.copy.sha512}  data/{package.name}/{copy}" in manifest512
    copies = [path.name for path in (root / layout.PRESERVATION / "data").rglob("*") if path.is_file()]
    assert copies == ["001-báo cáo (PDF-A).pdf"]  # nothing for no. 2, whose copy failed, nor for the PDF


def test_mets_lists_the_copy_in_the_preservation_representation_under_its_document(package, copied):
    dossier, made = copied
    original, copy = _paths(dossier)
    mets = _parse(package, layout.METS)
    groups = {group.get("USE"): group for group in mets.iter(f"{M}fileGrp")}
    listed = {
        file.find(f"{M}FLocat").get("{http://www.w3.org/1999/xlink}href"): file
        for file in groups["Representations/rep2"].iter(f"{M}file")
    }
    assert set(listed) == {layout.PRESERVATION_METS, copy}
    entry = listed[copy]
    assert (entry.get("CHECKSUM"), entry.get("SIZE"), entry.get("MIMETYPE")) == (
        made.copy.sha256,
        str(made.copy.size),
        "application/pdf",
    )
    rep1 = [
        file.find(f"{M}FLocat").get("{http://www.w3.org/1999/xlink}href") for file in groups["Representations/rep1"]
    ]
    assert original in rep1 and copy not in rep1
    (rep2,) = [div for div in mets.iter(f"{M}div") if div.get("LABEL") == "Representations/rep2"]
    assert rep2.find(f"{M}mptr").get("{http://www.w3.org/1999/xlink}href") == layout.PRESERVATION_METS
    (document,) = [div for div in rep2.iter(f"{M}div") if div.get("ORDER")]
    assert document.get("ORDER") == "1"
    assert [fptr.get("FILEID") for fptr in document.iter(f"{M}fptr")] == [entry.get("ID")]
    inner = _parse(package, layout.PRESERVATION_METS)
    hrefs = [location.get("{http://www.w3.org/1999/xlink}href") for location in inner.iter(f"{M}FLocat")]
    assert hrefs == [copy.removeprefix(f"{layout.PRESERVATION}/")]


def test_read_back_the_package_gives_each_document_its_original_only(package, copied):
    read = bag_reading.read(package)
    files = {document.ordinal: [file.filename for file in document.files] for document in read.dossiers[0].documents}
    assert files == {1: ["báo cáo.docx"], 2: ["tờ trình.docx"], 3: ["quyết định.pdf"]}
    # The copies are named once, as not taken in (the worker makes its own), not as files nothing claims.
    assert [line for line in read.unmapped if "claims this file" in line] == []
    assert [line.rpartition(": ")[2] for line in read.unmapped if layout.PRESERVATION in line] == [
        "1 preservation copy not taken in (ERMS makes its own from the originals)"
    ]
    erms = _parse(package, layout.CITS_ERMS)
    assert [appendix.get("name") for appendix in erms.iter(f"{{{ERMS_NS}}}appendix")] == [
        "báo cáo.docx",
        "tờ trình.docx",
        "quyết định.pdf",
    ]


def _events(premis: etree._Element, kind: str) -> list[etree._Element]:
    return [event for event in premis.iter(f"{P}event") if event.findtext(f"{P}eventType") == kind]


def _links(event: etree._Element) -> list[tuple[str, str]]:
    return [
        (link.findtext(f"{P}linkingObjectIdentifierValue"), link.findtext(f"{P}linkingObjectRole"))
        for link in event.iter(f"{P}linkingObjectIdentifier")
    ]


def test_premis_has_the_copy_derived_from_its_original_by_a_migration_event(package, copied, now):
    dossier, made = copied
    original, copy = _paths(dossier)
    premis = _parse(package, layout.PREMIS)
    objects = {
        item.findtext(f"{P}objectIdentifier/{P}objectIdentifierValue"): item for item in premis.iter(f"{P}object")
    }
    item = objects[copy]
    assert item.findtext(f".//{P}messageDigest") == made.copy.sha256
    assert item.findtext(f"{P}originalName") == "báo cáo (PDF-A).pdf"
    assert item.find(f"{P}significantProperties") is None  # the copy is no original nor copy in the decree's sense
    relationship = item.find(f"{P}relationship")
    made_event = [event for event in _events(premis, "migration") if (copy, "outcome") in _links(event)]
    (event,) = made_event
    event_id = event.findtext(f"{P}eventIdentifier/{P}eventIdentifierValue")
    assert (
        relationship.findtext(f"{P}relationshipType"),
        relationship.findtext(f"{P}relationshipSubType"),
        relationship.findtext(f"{P}relatedObjectIdentifier/{P}relatedObjectIdentifierValue"),
        relationship.findtext(f"{P}relatedEventIdentifier/{P}relatedEventIdentifierValue"),
    ) == ("derivation", "has source", original, event_id)
    assert event.find(f"{P}eventType").get("valueURI") == "http://id.loc.gov/vocabulary/preservation/eventType/mig"
    assert event.findtext(f"{P}eventDateTime") == timestamp(now + timedelta(hours=1))
    assert event.findtext(f"{P}eventOutcomeInformation/{P}eventOutcome") == "success"
    assert _links(event) == [(original, "source"), (copy, "outcome")]
    agent_id = event.findtext(f"{P}linkingAgentIdentifier/{P}linkingAgentIdentifierValue")
    (agent,) = [
        agent for agent in premis.iter(f"{P}agent") if agent.findtext(f".//{P}agentIdentifierValue") == agent_id
    ]
    assert [agent.findtext(f"{P}{name}") for name in ("agentName", "agentType", "agentVersion")] == [
        "LibreOffice",
        "software",
        "7.4.7.2 40(Build:2)",
    ]
    assert original in objects  # the source object the event links


def test_a_failed_attempt_is_a_failed_migration_with_its_reason_and_no_copy(package, copied):
    dossier, _made = copied
    premis = _parse(package, layout.PREMIS)
    (failed,) = [
        event
        for event in _events(premis, "migration")
        if event.findtext(f"{P}eventOutcomeInformation/{P}eventOutcome") == "failure"
    ]
    source = f"{layout.REPRESENTATION}/data/{layout.safe_name(dossier.file_code)}/002-tờ trình.docx"
    assert _links(failed) == [(source, "source")]
    assert failed.findtext(f".//{P}eventOutcomeDetailNote") == REASON
    assert len(_events(premis, "migration")) == 2  # the PDF was never copied: no event


def test_the_package_with_copies_passes_every_check(package):
    checks = verify.verify(package, eark_tool=EARK_TOOL)
    assert {check.name: check.status for check in checks} == dict.fromkeys(EVERY_CHECK, verify.PASSED), [
        (check.name, check.messages) for check in checks if check.status != verify.PASSED
    ]


def test_a_corrupted_copy_in_the_store_aborts_the_build_naming_it(session, world, settings, now, copied, store):
    dossier, made = copied
    store.path_for(made.copy.sha256).write_bytes(b"%PDF-tampered")
    with pytest.raises(bag.FixityMismatch) as refused:
        build(session, world, settings, now + timedelta(hours=2), [dossier.id])
    message = str(refused.value)
    assert "báo cáo (PDF-A).pdf" in message and dossier.file_code in message and made.copy.sha256 in message
    assert list(settings.out_dir.iterdir()) == [settings.out_dir / ".erms-build.lock"]
