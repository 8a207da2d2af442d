"""The hand-over package carries the security controls of its records (NĐ 30/2020 Phụ lục VI III.7.d, "lưu dữ liệu
đặc tả của quá trình kiểm soát an ninh văn bản, hồ sơ"): PREMIS holds an event for each change of a document's
marking the head decided (from which marking to which, and why) and one for each confirmed change of a dossier's
access (what changed, and why), dated and linked to the record and its files, naming no person the package does not
already name; a dossier without such changes gets none; the package still passes every check."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from classification import marking_decisions
from exports import handover
from exports.bagging import layout, verify
from exports.xml import PREMIS_NS, XSI_NS, timestamp
from filing import access, dossiers
from tests.erms.test_document_rights import register, send_to
from tests.exports.test_handover import EARK_TOOL, build
from tests.exports.test_paper_handover import EVERY_CHECK
from tests.web.test_leak_review import restrict

P = f"{{{PREMIS_NS}}}"
SUMMARY = "Kế hoạch bảo vệ mục tiêu quan trọng năm 2026"


@pytest.fixture
def changed(session, world, store, now, make_dossier):
    """Two permanent dossiers in the agency archive. In the first the head made a "mật" document tuyệt mật (a day
    after it opened), then restricted the dossier (two days after), shared it with a person of unit B and its other
    document with unit B until the end of the year (three days after); the second had no such change."""
    dossier, plain = make_dossier("open", row="permanent"), make_dossier("open", row="permanent")
    entry = register(session, world, store, now, marking="mat", code_number="77", subject=SUMMARY)
    send_to(session, world, now, entry, world.unit_a)
    dossiers.link_document(session, world.actor("officer1"), dossier.id, entry.document_id, now=now)
    decision, later = "Quyết định số 5/QĐ-UBND", now + timedelta(days=1)
    marking_decisions.change_marking(session, world.actor("head"), entry.document_id, "tuyet_mat", decision, now=later)
    restrict(session, world, "officer1", dossier.id, None, now + timedelta(days=2))
    shared = dossier.links[0].document.id  # its document with a file
    for form in (  # the dossier with a person, its document with a unit
        {"kind": "share_person", "user_id": str(world.users["officer2"].id), "reason": "Phối hợp thanh tra"},
        {"kind": "share_unit", "unit_id": str(world.unit_b.id), "until": "2026-12-31", "reason": "Lập dự toán"}
        | {"document_id": str(shared)},
    ):
        share = access.propose(session, world.actor("officer1"), dossier.id, form, now=now + timedelta(days=3))
        access.decide(session, world.actor("head"), share.id, True, now=now + timedelta(days=3))
    officer, archivist = world.actor("officer1"), world.actor("archivist")
    for each in (dossier, plain):
        dossiers.close_dossier(session, officer, each.id, store=store, now=now + timedelta(days=4))
    transfer = dossiers.submit(session, officer, [dossier.id, plain.id], now=now + timedelta(days=4))
    for item in transfer.items:
        dossiers.accept(session, archivist, item.id, store=store, now=now + timedelta(days=4))
    return dossier, plain, entry.document_id, shared


@pytest.fixture
def package(session, world, store, now, tmp_path, changed):
    settings = handover.BuildSettings(store=store, out_dir=tmp_path / "out", eark_tool=EARK_TOOL)
    _batch, built = build(session, world, settings, now + timedelta(days=5), [changed[0].id, changed[1].id])
    return built


def _premis(package) -> etree._Element:
    bag = Path(package.path)
    return etree.parse(str(bag / "data" / bag.name / layout.PREMIS), etree.XMLParser(no_network=True)).getroot()


def _events(premis: etree._Element, kind: str) -> list[dict]:
    return [
        {
            "when": event.findtext(f"{P}eventDateTime"),
            "detail": event.findtext(f"{P}eventDetailInformation/{P}eventDetail"),
            "outcome": event.findtext(f"{P}eventOutcomeInformation/{P}eventOutcome"),
            "note": event.findtext(f"{P}eventOutcomeInformation/{P}eventOutcomeDetail/{P}eventOutcomeDetailNote"),
            "agent": event.findtext(f"{P}linkingAgentIdentifier/{P}linkingAgentIdentifierValue"),
            "links": [link.text for link in event.iter(f"{P}linkingObjectIdentifierValue")],
        }
        for event in premis.iter(f"{P}event")
        if event.findtext(f"{P}eventType") == kind
    ]


def _folder(dossier) -> str:
    return f"{layout.REPRESENTATION}/data/{layout.safe_name(dossier.file_code)}/"


def test_the_heads_change_of_a_marking_is_an_event_of_the_document(package, changed, now):
    dossier, _plain, secret, shared = changed
    premis = _premis(package)
    assert _events(premis, "metadata modification") == [
        {
            "when": timestamp(now + timedelta(days=1)),
            "detail": "Thay đổi độ mật của văn bản theo quyết định của người đứng đầu cơ quan",
            "outcome": "success",
            "note": "Từ “Mật” thành “Tuyệt mật”; lý do: Quyết định số 5/QĐ-UBND",
            "agent": "organisation",
            "links": [f"document-{secret}"],  # a classified document has no file in the package, only its entry
        }
    ]
    entities = {
        item.findtext(f"{P}objectIdentifier/{P}objectIdentifierValue")
        for item in premis.iter(f"{P}object")
        if item.get(f"{{{XSI_NS}}}type") == "premis:intellectualEntity"
    }
    assert entities == {f"document-{secret}", f"dossier-{dossier.id}", f"document-{shared}"}  # the events' records


def test_each_confirmed_change_of_access_is_an_event_of_the_dossier_and_its_files(package, changed, now, world):
    dossier, plain, _secret, shared = changed
    premis = _premis(package)
    *events, one_document = _events(premis, "policy assignment")
    assert one_document == {
        "when": timestamp(now + timedelta(days=3)),
        "detail": "Thay đổi quyền truy cập văn bản trong hồ sơ, đã được người có thẩm quyền xác nhận",
        "outcome": "success",
        "note": "Chia sẻ với đơn vị Phòng Tài chính - Kế hoạch, đến hết ngày 31/12/2026; lý do: Lập dự toán",
        "agent": "organisation",
        "links": [f"document-{shared}", f"{_folder(dossier)}001-quyết định 15.pdf"],  # the document and its file
    }
    assert [(event["when"], event["note"], event["agent"]) for event in events] == [
        (
            timestamp(now + timedelta(days=2)),
            "Hạn chế sử dụng: chỉ người được chỉ định, người lập hồ sơ và người đứng đầu cơ quan được đọc; "
            "lý do: Tài liệu nhạy cảm",
            "organisation",
        ),
        (
            timestamp(now + timedelta(days=3)),
            "Chia sẻ với một người được chỉ định trong cơ quan, đến khi chấm dứt; lý do: Phối hợp thanh tra",
            "organisation",
        ),
    ]
    for event in events:
        assert event["detail"] == "Thay đổi quyền truy cập hồ sơ, đã được người có thẩm quyền xác nhận"
        assert event["outcome"] == "success"
        files = event["links"][1:]
        assert event["links"][0] == f"dossier-{dossier.id}"
        assert files and all(path.startswith(_folder(dossier)) for path in files)  # its index and its document
    security = [*_events(premis, "metadata modification"), *events, one_document]
    assert not [link for event in security for link in event["links"] if link.startswith(_folder(plain))]
    text = etree.tostring(premis, encoding="unicode")
    assert f"dossier-{plain.id}" not in text  # no change, no entity
    assert world.users["officer2"].full_name not in text  # the person shared with is not named
    assert SUMMARY not in text


def test_the_package_still_passes_every_check(package):
    checks = verify.verify(Path(package.path), eark_tool=EARK_TOOL)
    assert {check.name: check.status for check in checks} == dict.fromkeys(EVERY_CHECK, verify.PASSED), [
        (check.name, check.messages) for check in checks if check.status != verify.PASSED
    ]
