"""The hand-over package carries each receiving organisation of an outgoing document (NĐ 30/2020 Phụ lục VI III.1.g,
TT 02/2019 fields 13.1 and 13.2) as a CITS ERMS ``agent[@agentType="recipient"]``: its name, in the order typed, and
its code as ``idNumber`` when the directory knew it; a document sent nowhere gets no recipient; the package still
passes every check, the E-ARK validator's included."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from erms.models import RecipientOrganisation
from exports import handover
from exports.bagging import layout, verify
from exports.xml import ERMS_NS, cits
from filing import dossiers
from tests.exports.test_handover import EARK_TOOL, build
from tests.exports.test_paper_handover import EVERY_CHECK
from tests.factories import DOCUMENT, upload

E = f"{{{ERMS_NS}}}"


@pytest.fixture
def package(session, world, store, now, tmp_path, make_dossier):
    """A permanent dossier in the agency archive with an outgoing document signed and sent to three organisations
    (one known to the directory, the deployment's own, one unknown; its copies kept at VT and VP), and the incoming
    document it answers."""
    session.add(RecipientOrganisation(code="000.00.00.G09", name="Bộ Tài chính", created_at=now))
    dossier = make_dossier("open", row="permanent")
    officer = world.actor("officer1")
    sent = {
        **DOCUMENT,
        "direction": "outgoing",
        "code_number": "20",
        "issued_date": "2026-03-10",
        "signer_name": "Trần Văn Bình",
        "signer_position": "Chủ tịch",
        "recipients": "- Bộ Tài chính;\n- UBND quận Đống Đa;\n- Sở Y tế & Môi trường;\n- Lưu: VT, VP.",
    }
    dossiers.add_document(session, officer, dossier.id, sent, upload(b"%PDF-sent"), store=store, now=now)
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    transfer = dossiers.submit(session, officer, [dossier.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    settings = handover.BuildSettings(store=store, out_dir=tmp_path / "out", eark_tool=EARK_TOOL)
    _batch, built = build(session, world, settings, now, [dossier.id])
    return built


def _records(package) -> list[etree._Element]:
    root = verify.package_root(Path(package.path)) / layout.CITS_ERMS
    return list(etree.parse(str(root), etree.XMLParser(no_network=True)).getroot().iter(f"{E}record"))


def _agents(record: etree._Element) -> list[tuple[str | None, str | None, str | None, str | None]]:
    return [
        (agent.get("agentType"), agent.findtext(f"{E}name"), agent.findtext(f"{E}idNumber"), agent.findtext(f"{E}role"))
        for agent in record.iterfind(f"{E}agents/{E}agent")
    ]


def test_each_receiving_organisation_is_a_recipient_agent_with_its_code_when_known(package):
    received, sent = _records(package)
    assert _agents(sent) == [
        ("creator", "UBND thành phố Hà Nội", None, "Cơ quan ban hành"),
        ("main_signatory", "Trần Văn Bình", None, "Chủ tịch"),
        ("recipient", "Bộ Tài chính", "000.00.00.G09", None),
        ("recipient", "UBND quận Đống Đa", "000.00.00.H26", None),
        ("recipient", "Sở Y tế & Môi trường", None, None),
    ]  # the last line, the copies the issuer keeps, is no receiving organisation
    codes = sent.iterfind(f"{E}agents/{E}agent/{E}idNumber")
    assert {code.get("idNumberType") for code in codes} == {cits.RECIPIENT_ID_TYPE}
    assert [agent_type for agent_type, *_ in _agents(received)] == ["creator"]


def test_the_package_with_recipients_still_passes_every_check(package):
    assert package.state.value == "ready", package.report
    checks = verify.verify(Path(package.path), eark_tool=EARK_TOOL)
    assert {check.name: check.status for check in checks} == dict.fromkeys(EVERY_CHECK, verify.PASSED), [
        (check.name, check.messages) for check in checks if check.status != verify.PASSED
    ]
