"""The hand-over package says which documents are certified copies (bản sao y, NĐ 30/2020 Điều 25 k.1 c) and which
are handed over as originals (bản gốc, bản chính): the TT 02 metadata (CopyForm), the EAD finding aid (the item's
physdesc/genreform) and PREMIS (each file object's significantProperties) say it alike for every document, from the
one decision exports.snapshot.copy_form takes; a copy the agency's signature was not found on is not passed off as
either. The package still passes every check, the E-ARK validator's included."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from administration import trust_roots
from exports import handover
from exports.bagging import layout, verify
from exports.xml import EAD_NS, PREMIS_NS, TT02_NS
from filing import dossiers
from intake import bag_reading
from tests.exports.test_handover import EARK_TOOL, build
from tests.exports.test_paper_handover import EVERY_CHECK
from tests.factories import DOCUMENT, upload
from tests.filing.test_signature_evidence import worker
from tests.filing.test_upload_scans import pki  # noqa: F401 (a fixture: the CA and the agency's seal)
from tests.signing import plain_pdf, sign

CERTIFIED = "Bản sao y từ văn bản giấy sang văn bản điện tử"
ORIGINAL = "Bản gốc, bản chính"
UNCERTIFIED = "Bản sao chưa có chữ ký số hợp lệ của cơ quan"


def _add(session, world, store, now, dossier, number: str, content: bytes, name: str, certified_copy: bool):
    return dossiers.add_document(
        session,
        world.actor("officer1"),
        dossier.id,
        dict(DOCUMENT, code_number=number),
        upload(content, name),
        store=store,
        now=now,
        certified_copy=certified_copy,
    )


@pytest.fixture
def documents(session, session_factory, world, store, now, make_dossier, pki):  # noqa: F811
    """A permanent dossier in the agency archive holding a certified copy (no. 11, sealed by the agency and checked by
    the worker), an ordinary document (no. 12) and one asked to be a certified copy but unsigned (no. 13)."""
    trust_roots.add(session, None, pki["ca"].cert_pem, now=now)
    dossier = make_dossier("open", row="permanent", documents=0)
    sealed = sign(plain_pdf("Bản sao y"), pki["agency"], [pki["ca"]], when=now)
    certified = _add(session, world, store, now, dossier, "11", sealed, "ban-sao-y.pdf", True)
    original = _add(session, world, store, now, dossier, "12", plain_pdf("Bản chính"), "ban-chinh.pdf", False)
    unsigned = _add(session, world, store, now, dossier, "13", plain_pdf("Chưa ký"), "chua-ky.pdf", True)
    worker(session, session_factory, store, now)  # the agency's seal confirms no. 11 as a certified copy
    officer = world.actor("officer1")
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    transfer = dossiers.submit(session, officer, [dossier.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    return dossier, {"certified": certified, "original": original, "unsigned": unsigned}


@pytest.fixture
def package(session, world, store, now, tmp_path, documents):
    settings = handover.BuildSettings(store=store, out_dir=tmp_path / "out", eark_tool=EARK_TOOL)
    _batch, built = build(session, world, settings, now, [documents[0].id])
    return built


def _parse(package, path: str) -> etree._Element:
    bag = Path(package.path)
    return etree.parse(str(bag / "data" / bag.name / path), etree.XMLParser(no_network=True)).getroot()


def test_the_tt02_metadata_says_which_document_is_a_certified_copy(package):
    tt02 = _parse(package, layout.TT02)
    forms = {
        document.findtext(f"{{{TT02_NS}}}CodeNumber"): document.findtext(f"{{{TT02_NS}}}CopyForm")
        for document in tt02.iter(f"{{{TT02_NS}}}Document")
    }
    assert forms == {"11": CERTIFIED, "12": ORIGINAL, "13": UNCERTIFIED}


def test_the_ead_finding_aid_says_which_item_is_a_certified_copy(package, documents):
    ead = _parse(package, layout.EAD)
    path = f"{{{EAD_NS}}}did/{{{EAD_NS}}}physdesc/{{{EAD_NS}}}genreform"
    items = {item.get("id"): item.find(path) for item in ead.iter(f"{{{EAD_NS}}}c") if item.get("level") == "item"}
    forms = {key: items[f"document-{documents[0].id}-{document.id}"] for key, document in documents[1].items()}
    assert {key: (form.get("normal"), form.text) for key, form in forms.items()} == {
        "certified": ("certified-copy", CERTIFIED),
        "original": ("original", ORIGINAL),
        "unsigned": ("uncertified-copy", UNCERTIFIED),
    }


def test_premis_says_it_of_each_document_file_and_not_of_the_index(package):
    premis = _parse(package, layout.PREMIS)
    properties = {}
    for file in premis.iter(f"{{{PREMIS_NS}}}object"):
        names = [
            (
                prop.findtext(f"{{{PREMIS_NS}}}significantPropertiesType"),
                prop.findtext(f"{{{PREMIS_NS}}}significantPropertiesValue"),
            )
            for prop in file.iter(f"{{{PREMIS_NS}}}significantProperties")
        ]
        properties[file.findtext(f"{{{PREMIS_NS}}}originalName")] = names
    kind = "Bản gốc, bản chính hay bản sao (NĐ 30/2020 Điều 25, 26)"
    assert properties == {
        "muc-luc-van-ban.pdf": [],  # the index ERMS made at closing is neither
        "ban-sao-y.pdf": [(kind, CERTIFIED)],
        "ban-chinh.pdf": [(kind, ORIGINAL)],
        "chua-ky.pdf": [(kind, UNCERTIFIED)],
    }


def test_the_package_still_passes_every_check(package):
    checks = verify.verify(Path(package.path), eark_tool=EARK_TOOL)
    assert {check.name: check.status for check in checks} == dict.fromkeys(EVERY_CHECK, verify.PASSED), [
        (check.name, check.messages) for check in checks if check.status != verify.PASSED
    ]


def test_our_package_read_back_notes_the_copies_and_takes_the_originals_quietly(package):
    read = bag_reading.read(Path(package.path))
    dossier = read.dossiers[0].file_code
    assert [line for line in read.unmapped if "CopyForm" in line] == [
        f"Dossier {dossier}, document 1: CopyForm '{CERTIFIED}': taken in as a document, not as a certified copy",
        f"Dossier {dossier}, document 3: CopyForm '{UNCERTIFIED}': taken in as a document, not as a certified copy",
    ]
