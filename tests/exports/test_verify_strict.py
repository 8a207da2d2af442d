"""``verify`` as strict as RFC 8493 on our own package, mutated one fault at a time (issue 23): each fault is named
once, nothing is printed to stderr, and a name turned NFD on the way passes with a warning."""

from __future__ import annotations

import io
import shutil
import tarfile
import unicodedata
from pathlib import Path

import bagit
import pytest
from click.testing import CliRunner
from lxml import etree

from erms.cli import erms_group
from exports import handover
from exports.bagging import layout, verify


@pytest.fixture
def package(session, world, store, now, tmp_path, make_dossier):
    """A built hand-over package of one permanent dossier with two documents (Vietnamese file names)."""
    dossier = make_dossier("archived", row="permanent", documents=2)
    archivist = world.actor("archivist")
    batch = handover.create_batch(session, archivist, world.org.code, 2031, [dossier.id], now=now)
    settings = handover.BuildSettings(store=store, out_dir=tmp_path / "out", eark_tool=None)
    return Path(handover.build_package(session, archivist, batch.id, settings, now=now).path)


def copy(package: Path, tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(package, tmp_path / name))


def bagit_check(path: Path) -> verify.Check:
    return verify._bagit_here(path, 1)


def test_faults_bagit_python_let_through_are_named_once(package, tmp_path, capfd):
    assert bagit_check(package).status == verify.PASSED

    spaced = copy(package, tmp_path, "spaced")
    bagit_txt = spaced / "bagit.txt"
    bagit_txt.write_text(bagit_txt.read_text().replace("BagIt-Version:", "BagIt-Version :"))
    check = bagit_check(spaced)
    assert check.status == verify.FAILED
    assert "bagit.txt line 1 must read 'BagIt-Version: M.N' exactly, not 'BagIt-Version : 1.0'" in check.messages

    unlisted = copy(package, tmp_path, "unlisted")
    manifest = unlisted / "manifest-sha512.txt"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    dropped = lines.pop(0).split(" ", 1)[1].strip()
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    check = bagit_check(unlisted)
    assert check.status == verify.FAILED
    assert f"manifest-sha512.txt does not list the payload file {dropped}" in check.messages
    assert len(check.messages) == len(set(check.messages))
    assert capfd.readouterr().err == ""


def test_a_name_turned_nfd_passes_with_a_warning(package, tmp_path):
    moved = copy(package, tmp_path, "mac")
    vietnamese = next(path for path in moved.rglob("*") if path.is_file() and not path.name.isascii())
    vietnamese.rename(vietnamese.with_name(unicodedata.normalize("NFD", vietnamese.name)))
    check = bagit_check(moved)
    assert check.status == verify.PASSED
    assert any(message.startswith("warning: manifest-sha256.txt lists") for message in check.messages)


def test_a_fetch_file_or_an_uncovered_tag_file_fails_our_profile(package, tmp_path, capfd):
    fetching = copy(package, tmp_path, "fetch")
    (fetching / "fetch.txt").write_text("https://example.org/x 1 data/x\n")
    profile = verify._profile(fetching)
    assert profile.status == verify.FAILED
    assert "fetch.txt is not allowed: every file of an ERMS package is in the package" in profile.messages
    assert "tagmanifest-sha256.txt does not list the tag file fetch.txt" in profile.messages
    assert capfd.readouterr().err == ""  # bagit-profile's own ERROR:root lines are not printed


def test_verify_takes_the_tar_a_receiving_archive_gets_and_refuses_a_hostile_one(package, tmp_path):
    sent = tmp_path / "sent.tar.gz"
    with tarfile.open(sent, "w:gz") as archive:
        archive.add(package, arcname=package.name)
    runner = CliRunner()
    done = runner.invoke(erms_group, ["export", "verify", str(sent)], env={"ERMS_EARK_VALIDATOR": "/nonexistent"})
    assert done.exit_code == 0, done.output
    assert "BagIt            passed" in done.output and "Directory" not in done.output
    for name, kind in (("../outside.txt", tarfile.REGTYPE), ("bag/link", tarfile.SYMTYPE), ("/etc/x", tarfile.REGTYPE)):
        hostile = tmp_path / f"hostile{len(name)}.tar"
        with tarfile.open(hostile, "w") as archive:
            member = tarfile.TarInfo(name)
            member.type, member.linkname = kind, "/etc/passwd" if kind == tarfile.SYMTYPE else ""
            archive.addfile(member, io.BytesIO(b"") if kind == tarfile.REGTYPE else None)
        refused = runner.invoke(erms_group, ["export", "verify", str(hostile)])
        assert refused.exit_code == 1 and "is not a bag to verify" in refused.output, refused.output
    assert not (tmp_path / "outside.txt").exists()


def test_every_xml_is_checked_and_mets_with_its_csip_vocabularies(package, tmp_path):
    faults = {
        "premis": ("metadata/preservation/PREMIS.xml", lambda text: text[: text.rindex("<")]),  # cut short
        "ead": ("metadata/descriptive/EAD.xml", lambda text: '<?xml version="1.0"?><bogus/>'),
        "premis element": (
            "metadata/preservation/PREMIS.xml",
            lambda text: text.replace("</premis:premis>", "<premis:bogus/></premis:premis>"),
        ),
        "ead element": (
            "metadata/descriptive/EAD.xml",
            lambda text: text.replace("</archdesc>", "<bogus/></archdesc>"),
        ),
        "mets": (
            "representations/rep1/METS.xml",
            lambda text: text.replace('OAISPACKAGETYPE="SIP"', 'OAISPACKAGETYPE="FOO"'),
        ),
        "note": ("METS.xml", lambda text: text.replace('NOTETYPE="SOFTWARE VERSION"', 'NOTETYPE="BOGUS"')),
    }
    expected = {
        "premis": ("XML well-formed", "metadata/preservation/PREMIS.xml:"),
        "ead": ("EAD XSD", "EAD.xml:1: Element 'bogus': No matching global declaration"),
        "premis element": ("PREMIS XSD", "Element '{http://www.loc.gov/premis/v3}bogus': This element is not expected"),
        "ead element": ("EAD XSD", "Element '{urn:isbn:1-931666-22-9}bogus': This element is not expected"),
        "mets": ("METS XSD", "The value 'FOO' is not an element of the set"),
        "note": ("METS XSD", "The value 'BOGUS' is not an element of the set"),
    }
    for fault, (name, change) in faults.items():
        bag = copy(package, tmp_path, fault)
        root = verify.package_root(bag)
        path = root / name
        if fault == "mets" and 'OAISPACKAGETYPE="SIP"' not in path.read_text(encoding="utf-8"):
            path = root / "METS.xml"  # the package METS carries the package type
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
        checks = {check.name: check for check in verify._schemas(root)}
        check_name, message = expected[fault]
        assert checks[check_name].status == verify.FAILED, fault
        assert any(message in line for line in checks[check_name].messages), (fault, checks[check_name].messages)


def test_the_cits_erms_rules_are_applied(package, tmp_path):
    bag = copy(package, tmp_path, "rules")
    root = verify.package_root(bag)
    erms = root / "metadata" / "descriptive" / "ERMS.xml"
    text = erms.read_text(encoding="utf-8")
    assert 'dateType="' in text
    first = text.index('dateType="')
    end = text.index('"', first + len('dateType="'))
    erms.write_text(text[:first] + 'dateType="other' + text[end:], encoding="utf-8")  # "other" needs otherDateType
    checks = {check.name: check for check in verify._schemas(root)}
    assert checks["CITS ERMS XSD"].status == verify.PASSED
    rules = checks["CITS ERMS Schematron"]
    assert rules.status == verify.FAILED and any("otherDateType" in message for message in rules.messages)


def test_the_tt02_metadata_and_the_transfer_list_follow_our_schemas(package, tmp_path):
    for fault, (name, before, after) in {
        "day": (
            "metadata/descriptive/TT02.xml",
            "<StartDate>05/01/2026</StartDate>",
            "<StartDate>2026-01-05</StartDate>",
        ),
        "row": ("documentation/muc-luc-ho-so-nop-luu.xml", "<Ordinal>1</Ordinal>", "<Ordinal>một</Ordinal>"),
    }.items():
        bag = copy(package, tmp_path, fault)
        path = verify.package_root(bag) / name
        text = path.read_text(encoding="utf-8")
        assert before in text, fault
        path.write_text(text.replace(before, after, 1), encoding="utf-8")
        check = {check.name: check for check in verify._schemas(verify.package_root(bag))}[
            "TT 02 and transfer list XSD"
        ]
        assert check.status == verify.FAILED and after.split(">")[1].split("<")[0] in " ".join(check.messages), fault


FAULTS = {  # one fault each, in a file of the package: (file, text before, text after, the check that names it)
    "PREMIS cut short": ("metadata/preservation/PREMIS.xml", "</premis:premis>", "", "XML well-formed"),
    "PREMIS unknown element": (
        "metadata/preservation/PREMIS.xml",
        "</premis:premis>",
        "<premis:bogus/></premis:premis>",
        "PREMIS XSD",
    ),
    "EAD unknown element": ("metadata/descriptive/EAD.xml", "</archdesc>", "<bogus/></archdesc>", "EAD XSD"),
    "METS package type": ("METS.xml", 'OAISPACKAGETYPE="SIP"', 'OAISPACKAGETYPE="FOO"', "METS XSD"),
    "TT 02 day": (
        "metadata/descriptive/TT02.xml",
        "<StartDate>05/01/2026",
        "<StartDate>2026-01-05",
        "TT 02 and transfer list XSD",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_with_its_manifests_refreshed_is_named_by_its_check_alone(package, tmp_path, fault):
    """As a careless or hostile sender would: the file changed and the bag's manifests made again to match."""
    name, before, after, named_by = FAULTS[fault]
    bag = copy(package, tmp_path, "refreshed")
    path = verify.package_root(bag) / name
    text = path.read_text(encoding="utf-8")
    assert before in text
    path.write_text(text.replace(before, after, 1), encoding="utf-8")
    bagit.Bag(str(bag)).save(manifests=True)
    checks = {check.name: check for check in verify.verify(bag, eark_tool=None)}
    failed = {check_name for check_name, check in checks.items() if check.status == verify.FAILED}
    assert failed == {named_by}, {check_name: checks[check_name].messages for check_name in failed}


def test_the_package_carries_the_schemas_that_validate_it_offline(package):
    """The receiving archive validates PREMIS, EAD, CITS ERMS and our own files with the package's schemas/ alone."""
    root = verify.package_root(package)
    carried = sorted(path.name for path in (root / "schemas").iterdir())
    assert carried == sorted(layout.SCHEMA_FILES)
    mets = (root / "METS.xml").read_text(encoding="utf-8")
    assert all(f'xlink:href="schemas/{name}"' in mets for name in carried)
    for document, schema in {
        "metadata/preservation/PREMIS.xml": "premis.xsd",
        "metadata/descriptive/EAD.xml": "ead.xsd",
        "metadata/descriptive/ERMS.xml": "ERMS_v3.xsd",
        "metadata/descriptive/TT02.xml": "tt02-2019-v1.xsd",
        "documentation/muc-luc-ho-so-nop-luu.xml": "transfer-list-v1.xsd",
    }.items():
        offline = etree.XMLParser(no_network=True)
        loaded = etree.XMLSchema(etree.parse(str(root / "schemas" / schema), offline))
        assert loaded.validate(etree.parse(str(root / document), offline)), (document, loaded.error_log)
