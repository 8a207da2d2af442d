"""Paper and hybrid dossiers handed over to the historical archive (issue 28 part 2): the package describes the
paper (EAD physdesc and physloc, METS, TT 02 SheetTotal, CITS ERMS, the transfer list's note) and carries none of a
paper dossier's files; a hybrid dossier carries its files and the same description; the hand-over record counts the
paper apart; every check of the package passes."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import bagit
import pytest
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import select

from classification import dossier_list as dossier_lists
from erms.models import DossierList
from erms.models.dossier import Dossier
from erms.models.handover import PackageState
from exports import handover
from exports.bagging import layout, verify
from exports.pdf import handover_pdf
from exports.xml import EAD_NS, ERMS_NS, METS_NS, TT02_NS, shipped_schema
from filing import dossiers
from holdings import storage
from intake import bag_reading
from tests.exports.test_handover import EARK_TOOL, build
from tests.factories import DOCUMENT, upload

EVERY_CHECK = {
    "BagIt",
    "BagIt profile",
    "XML well-formed",
    "METS XSD",
    "PREMIS XSD",
    "EAD XSD",
    "CITS ERMS XSD",
    "CITS ERMS Schematron",
    "TT 02 and transfer list XSD",
    "E-ARK CSIP/SIP",
}
PAPER_PLACE = "Kho K1, giá 2, khoang/ngăn 3, hộp số 01, hồ sơ số 01 trong hộp"
HYBRID_PLACE = "Kho K1, giá 2, khoang/ngăn 3, hộp số 01, hồ sơ số 02 trong hộp"


def paper_dossier(session, world, store, now, *, medium="paper", row="permanent", sheets=42, pages=None, files=0):
    """Return a paper (or hybrid) dossier of unit A in the agency archive, with ``files`` electronic documents."""
    listed = (
        session.scalar(select(DossierList).where(DossierList.organisation_id == world.org.id, DossierList.year == 2026))
        or world.approved_list()
    )
    officer = world.actor("officer1")
    entry = dossier_lists.add_ad_hoc_entry(
        session, officer, listed.id, title="Hồ sơ giấy về tổ chức cán bộ", retention_row_id=world.rows[row].id, now=now
    )
    data: dict = {"start_date": "2026-01-05", "medium": medium, "sheet_total": sheets}
    if pages is not None:
        data["page_total"] = pages
    dossier = dossiers.open_dossier(session, officer, entry.id, data, now=now)
    for number in range(files):
        values = dict(DOCUMENT, code_number=str(300 + number), issued_date=f"2026-04-0{number + 1}")
        dossiers.add_document(
            session, officer, dossier.id, values, upload(b"%PDF-hybrid" + str(number).encode()), store=store, now=now
        )
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    transfer = dossiers.submit(session, officer, [dossier.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    return dossier


def shelve(session, world, now, *placed: Dossier):
    """Put the dossiers in box no. 1 (repository K1, shelf unit 2, shelf 3), file numbers 1, 2 …; return the box."""
    archivist = world.actor("archivist")
    repository = storage.create_repository(session, archivist, world.org.id, {"code": "K1", "name": "Kho 1"}, now=now)
    box = storage.create_box(
        session,
        archivist,
        world.org.id,
        {"repository_id": str(repository.id), "number": "1", "shelf_unit": "2", "shelf": "3"},
        now=now,
    )
    for dossier in placed:
        storage.place_dossier(session, archivist, box.id, dossier.id, now=now)
    return box


@pytest.fixture
def settings(store, tmp_path):
    return handover.BuildSettings(store=store, out_dir=tmp_path / "out", eark_tool=EARK_TOOL)


@pytest.fixture
def three(session, world, store, now, make_dossier):
    """One paper dossier (42 sheets, 120 pages), one hybrid (30 sheets, two files), one electronic, the first two in
    box no. 1."""
    paper = paper_dossier(session, world, store, now, pages=120)
    hybrid = paper_dossier(session, world, store, now, medium="hybrid", sheets=30, files=2)
    electronic = make_dossier("archived", row="permanent", documents=2)
    shelve(session, world, now, paper, hybrid)
    return paper, hybrid, electronic


@pytest.fixture
def package(session, world, settings, now, three):
    _batch, built = build(session, world, settings, now, [dossier.id for dossier in three])
    return built


def parse(root: Path, path: str) -> etree._Element:
    return etree.parse(str(root / path), etree.XMLParser(no_network=True)).getroot()


def test_every_check_passes_with_paper_hybrid_and_electronic_dossiers(package):
    assert package.state is PackageState.READY, package.report
    checks = verify.verify(Path(package.path), eark_tool=EARK_TOOL)
    assert {check.name: check.status for check in checks} == dict.fromkeys(EVERY_CHECK, verify.PASSED), [
        (check.name, check.messages) for check in checks if check.status != verify.PASSED
    ]


def test_the_paper_dossier_has_no_file_and_the_hybrid_has_its_files(package, three):
    paper, hybrid, electronic = three
    root = verify.package_root(Path(package.path))
    data = root / layout.REPRESENTATION / "data"
    assert not (data / layout.safe_name(paper.file_code)).exists()
    hybrid_files = sorted(path.name for path in (data / layout.safe_name(hybrid.file_code)).iterdir())
    assert hybrid_files[0] == "000-muc-luc-van-ban.pdf" and len(hybrid_files) == 3  # the index and both documents
    assert len(list((data / layout.safe_name(electronic.file_code)).iterdir())) == 3
    manifest = (Path(package.path) / "manifest-sha256.txt").read_text(encoding="utf-8")
    assert layout.safe_name(paper.file_code) + "/" not in manifest


def test_mets_keeps_a_div_without_file_pointers_for_the_paper_dossier(package, three):
    paper, hybrid, electronic = three
    root = verify.package_root(Path(package.path))
    mets = parse(root, layout.METS)
    divs = {div.get("ID"): div for div in mets.iter(f"{{{METS_NS}}}div")}
    paper_div = divs[f"div-dossier-{paper.id}"]
    assert paper_div.get("TYPE") == "Hồ sơ" and len(paper_div) == 0  # no fptr, no document div
    assert paper_div.get("LABEL") == f"{paper.file_code} {paper.title} (Hồ sơ giấy, 42 tờ; {PAPER_PLACE})"
    hybrid_div = divs[f"div-dossier-{hybrid.id}"]
    assert hybrid_div.get("LABEL").endswith(f"(Hồ sơ giấy và điện tử, 30 tờ; {HYBRID_PLACE})")
    assert len(list(hybrid_div.iter(f"{{{METS_NS}}}fptr"))) == 3
    assert divs[f"div-dossier-{electronic.id}"].get("LABEL") == f"{electronic.file_code} {electronic.title}"
    # Package order: every dossier's div, the paper one among them.
    order = [div.get("ID") for div in divs.values() if div.get("ID", "").startswith("div-dossier-")]
    assert sorted(order) == sorted(f"div-dossier-{dossier.id}" for dossier in three)


def test_ead_describes_the_paper_its_sheets_pages_and_place(package, three):
    paper, hybrid, electronic = three
    root = verify.package_root(Path(package.path))
    ead = parse(root, layout.EAD)
    components = {c.get("id"): c for c in ead.iter(f"{{{EAD_NS}}}c")}

    def described(dossier):
        did = components[f"dossier-{dossier.id}"].find(f"{{{EAD_NS}}}did")
        physdesc = did.find(f"{{{EAD_NS}}}physdesc")
        facet = physdesc.find(f"{{{EAD_NS}}}physfacet")
        extents = [(extent.get("unit"), extent.text) for extent in physdesc.findall(f"{{{EAD_NS}}}extent")]
        return (None if facet is None else facet.text), extents, did.findtext(f"{{{EAD_NS}}}physloc")

    assert described(paper) == ("Giấy", [(None, "0 văn bản"), ("tờ", "42 tờ"), ("trang", "120 trang")], PAPER_PLACE)
    # The hybrid dossier's total pages: its documents' (3 each), added up when it closed.
    pages = [(None, "2 văn bản"), ("tờ", "30 tờ"), ("trang", "6 trang")]
    assert described(hybrid) == ("Giấy và điện tử", pages, HYBRID_PLACE)
    assert described(electronic) == (None, [(None, "2 văn bản")], None)


def test_tt02_cits_and_the_transfer_list_say_which_dossiers_are_paper(package, three):
    paper, hybrid, electronic = three
    root = verify.package_root(Path(package.path))
    tt02 = parse(root, layout.TT02)
    sheets = {
        dossier.findtext(f"{{{TT02_NS}}}FileCode"): dossier.findtext(f"{{{TT02_NS}}}SheetTotal")
        for dossier in tt02.iter(f"{{{TT02_NS}}}Dossier")
    }
    assert sheets == {paper.file_code: "42", hybrid.file_code: "30", electronic.file_code: ""}
    rows = {
        row.findtext(f"{{{TT02_NS}}}FileCode"): row.findtext(f"{{{TT02_NS}}}Note")
        for row in parse(root, layout.TRANSFER_LIST_XML).iter(f"{{{TT02_NS}}}Row")
    }
    assert rows == {
        paper.file_code: f"Hồ sơ giấy, 42 tờ; {PAPER_PLACE}",
        hybrid.file_code: f"Hồ sơ giấy và điện tử, 30 tờ; {HYBRID_PLACE}",
        electronic.file_code: "",
    }
    erms = parse(root, layout.CITS_ERMS)
    case_files = {
        aggregation.findtext(f"{{{ERMS_NS}}}extraId"): aggregation
        for aggregation in erms.iter(f"{{{ERMS_NS}}}aggregation")
        if aggregation.get("aggregationType") == "caseFile"
    }
    where = f"{{{ERMS_NS}}}physicalLocations/{{{ERMS_NS}}}physicalLocation/{{{ERMS_NS}}}currentLocation"
    assert case_files[paper.file_code].findtext(where) == PAPER_PLACE
    assert case_files[hybrid.file_code].findtext(where) == HYBRID_PLACE
    assert case_files[electronic.file_code].find(where) is None
    own = f"{{{ERMS_NS}}}additionalInformation/{{{ERMS_NS}}}ownElement/{{{ERMS_NS}}}ownElement[@name='so_to']"
    assert case_files[paper.file_code].findtext(f"{own}/{{{ERMS_NS}}}value") == "42"
    hybrid_records = {record.get("recordPhysicalOrDigital") for record in case_files[hybrid.file_code].iter()}
    assert "digital" in hybrid_records  # its documents have their files in the package
    electronic_records = [
        record.get("recordPhysicalOrDigital")
        for record in case_files[electronic.file_code].iter(f"{{{ERMS_NS}}}record")
    ]
    assert electronic_records == ["digital", "digital"]


def test_the_hand_over_record_counts_the_paper_apart(session, world, now, package, three):
    root = verify.package_root(Path(package.path))
    printed = (root / layout.HANDOVER_RECORD_PDF).read_bytes()
    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(printed)).pages).split())
    assert "a) Tài liệu giấy (giao nộp bản gốc, gói điện tử chỉ mô tả): tổng số hộp (cặp): 1 (một);" in text
    assert "quy ra mét giá: 0,1 m;" in text
    assert "tổng số hồ sơ (đơn vị bảo quản): 2 (hai); tổng số tờ: 72 (bảy mươi hai);" in text
    # The hybrid dossier counts among the electronic ones too; files: its index and two documents, the electronic
    # dossier's index and two documents.
    assert "b) Tài liệu điện tử: tổng số hồ sơ: 2 (hai); tổng số tệp tin trong hồ sơ: 6 (sáu)." in text
    transfer_list = (root / layout.TRANSFER_LIST_PDF).read_bytes()
    listed = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(transfer_list)).pages).split())
    assert "Ghi chú" in listed and "Hồ sơ giấy, 42 tờ" in listed


def test_a_package_of_electronic_dossiers_only_prints_no_paper_counts(session, world, settings, now, make_dossier):
    _batch, built = build(session, world, settings, now, [make_dossier("archived", row="permanent").id])
    assert built.state is PackageState.READY, built.report
    root = verify.package_root(Path(built.path))
    printed = (root / layout.HANDOVER_RECORD_PDF).read_bytes()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(printed)).pages)
    assert "Tài liệu giấy" not in text
    assert handover_pdf.quantity_lines(handover_pdf.Quantities(0, 0, 0, 0, 1, 2)) == []


def test_a_paper_dossier_in_no_box_is_described_without_a_place(session, world, store, settings, now):
    dossier = paper_dossier(session, world, store, now)
    _batch, built = build(session, world, settings, now, [dossier.id])
    assert built.state is PackageState.READY, built.report
    root = verify.package_root(Path(built.path))
    did = next(c for c in parse(root, layout.EAD).iter(f"{{{EAD_NS}}}c") if c.get("id") == f"dossier-{dossier.id}")
    assert did.find(f"{{{EAD_NS}}}did/{{{EAD_NS}}}physloc") is None
    assert did.findtext(f"{{{EAD_NS}}}did/{{{EAD_NS}}}physdesc/{{{EAD_NS}}}physfacet") == "Giấy"
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO((root / layout.HANDOVER_RECORD_PDF).read_bytes())).pages
    )
    assert "chưa xếp hộp" in text
    assert [path.name for path in (root / layout.REPRESENTATION).rglob("*") if path.is_file()] == ["METS.xml"]


def test_a_bad_sheet_count_fails_the_tt02_check_alone_and_older_packages_still_validate(package, tmp_path):
    """SheetTotal and the transfer list's Note are checked by our schemas; a package made before they existed (no
    such elements) still passes them."""
    bag = Path(shutil.copytree(package.path, tmp_path / "edited"))
    root = verify.package_root(bag)
    tt02 = root / layout.TT02
    tt02.write_text(
        tt02.read_text(encoding="utf-8").replace("<SheetTotal>42</SheetTotal>", "<SheetTotal>bốn hai</SheetTotal>"),
        encoding="utf-8",
    )
    bagit.Bag(str(bag)).save(manifests=True)
    failed = {check.name for check in verify.verify(bag, eark_tool=None) if check.status == verify.FAILED}
    assert failed == {"TT 02 and transfer list XSD"}
    for path, schema, tag in (
        (layout.TT02, "tt02-2019-v1.xsd", "SheetTotal"),
        (layout.TRANSFER_LIST_XML, "transfer-list-v1.xsd", "Note"),
    ):
        document = etree.parse(str(verify.package_root(Path(package.path)) / path))
        for element in list(document.iter(f"{{{TT02_NS}}}{tag}")):
            element.getparent().remove(element)
        assert shipped_schema(schema).validate(document), shipped_schema(schema).error_log


def test_our_package_read_back_says_which_dossiers_are_paper_and_their_sheets(package, three):
    paper, hybrid, electronic = three
    read = bag_reading.read(Path(package.path))
    found = {dossier.file_code: dossier.values for dossier in read.dossiers}
    assert (found[paper.file_code]["medium"], found[paper.file_code]["sheet_total"]) == ("paper", 42)
    assert (found[hybrid.file_code]["medium"], found[hybrid.file_code]["sheet_total"]) == ("hybrid", 30)
    assert "medium" not in found[electronic.file_code]
    assert not [line for line in read.unmapped if "SheetTotal" in line]
