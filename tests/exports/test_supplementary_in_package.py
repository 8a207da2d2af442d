"""The hand-over package carries each dossier's and document's supplementary metadata ("dữ liệu đặc tả bổ sung",
NĐ 30/2020 Phụ lục VI III.7.c): CITS ERMS names each value by its field's code, types it and labels it; the EAD
finding aid gives each as an ``odd`` with its label; a withdrawn field's value goes too; a record without values
gets no empty element; the package still passes every check, the E-ARK validator's included."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import event

from erms import metadata_seal, supplementary
from erms.models import Organisation
from exports import handover, snapshot
from exports.bagging import layout, verify
from exports.xml import EAD_NS, ERMS_NS, cits
from tests.exports.test_handover import EARK_TOOL, build
from tests.exports.test_paper_handover import EVERY_CHECK
from tests.factories import supplementary_field

E = f"{{{ERMS_NS}}}"
OWN = f"{E}additionalInformation/{E}ownElement"
DAY = "2026-04-03"
DOSSIER_VALUES = {"ma_du_an": "DA-2026/01", "tong_muc_dau_tu": "12.5", "ngay_phe_duyet": DAY}
DOCUMENT_VALUES = {"so_hop_dong": "HĐ 15 & 16/2026", "phan_loai": "Hợp đồng", "ma_cu": "X-01"}


@pytest.fixture
def described(session, world, now, make_dossier):
    """Two permanent dossiers in the agency archive: the first and its document with supplementary values (one in a
    field withdrawn since), the second with none. Another organisation's field of the same code is not theirs."""
    org = world.org.id
    supplementary_field(session, org, "dossier", "ma_du_an", "Mã dự án", "text", position=1)
    supplementary_field(session, org, "dossier", "tong_muc_dau_tu", "Tổng mức đầu tư (tỷ đồng)", "number", position=2)
    supplementary_field(session, org, "dossier", "ngay_phe_duyet", "Ngày phê duyệt", "date", position=0)
    supplementary_field(session, org, "document", "so_hop_dong", "Số hợp đồng", "text", position=0)
    supplementary_field(session, org, "document", "phan_loai", "Phân loại", "choice", choices="Hợp đồng\nPhụ lục")
    supplementary_field(session, org, "document", "ma_cu", "Mã lưu trữ cũ", "text", position=9, active=False)
    other = Organisation(code="000.00.00.H27", name="UBND quận Ba Đình", parent_name="UBND Hà Nội", created_at=now)
    session.add(other)
    session.flush()
    supplementary_field(session, other.id, "dossier", "ma_du_an", "Mã công trình (nơi khác)", "text")
    described, plain = make_dossier("archived", row="permanent"), make_dossier("archived", row="permanent")
    described.supplementary = supplementary.encode(DOSSIER_VALUES)
    described.links[0].document.supplementary = supplementary.encode(DOCUMENT_VALUES)
    metadata_seal.seal(session, described, now=now)  # as it was closed with them
    session.flush()
    return described, plain


@pytest.fixture
def package(session, world, store, now, tmp_path, described):
    settings = handover.BuildSettings(store=store, out_dir=tmp_path / "out", eark_tool=EARK_TOOL)
    _batch, built = build(session, world, settings, now, [dossier.id for dossier in described])
    return built


def _parse(package, path: str) -> etree._Element:
    return etree.parse(str(verify.package_root(Path(package.path)) / path), etree.XMLParser(no_network=True)).getroot()


def _typed(element: etree._Element) -> list[tuple[str | None, str | None, str | None, str | None]]:
    """Return each typed ownElement of the element's group: name, dataType, value and label."""
    return [
        (
            own.get("name"),
            own.get("dataType"),
            own.findtext(f"{E}value"),
            own.findtext(f"{E}property/{E}attribute/{E}value"),
        )
        for own in element.iterfind(f"{OWN}/{E}ownElement[@dataType]")
    ]


def test_cits_erms_names_types_and_labels_each_value(package, described):
    dossier, plain = described
    erms = _parse(package, layout.CITS_ERMS)
    aggregations = {item.findtext(f"{E}extraId"): item for item in erms.iter(f"{E}aggregation")}
    assert _typed(aggregations[dossier.file_code]) == [
        ("ngay_phe_duyet", "xs:date", "2026-04-03", "Ngày phê duyệt"),
        ("ma_du_an", "xs:string", "DA-2026/01", "Mã dự án"),
        ("tong_muc_dau_tu", "xs:decimal", "12.5", "Tổng mức đầu tư (tỷ đồng)"),
    ]
    [record] = aggregations[dossier.file_code].iterfind(f"{E}record")
    assert _typed(record) == [
        ("so_hop_dong", "xs:string", "HĐ 15 & 16/2026", "Số hợp đồng"),
        ("phan_loai", "xs:string", "Hợp đồng", "Phân loại"),
        ("ma_cu", "xs:string", "X-01", "Mã lưu trữ cũ"),  # withdrawn since, still the record's
    ]
    label = record.find(f"{OWN}/{E}ownElement[@name='ma_cu']/{E}property/{E}attribute")
    assert label.get("name") == "nhan"
    assert "Dữ liệu đặc tả bổ sung" in record.findtext(f"{OWN}/{E}ownElementDescription")
    # The dossier without values: our own values only, described as before.
    bare = aggregations[plain.file_code]
    assert _typed(bare) == [] and bare.findall(f".//{E}property") == []
    assert "bổ sung của cơ quan" not in bare.findtext(f"{OWN}/{E}ownElementDescription")
    # Only the package's own values (the total pages: its document's, added up when it closed).
    assert [own.get("name") for own in bare.iterfind(f"{OWN}/{E}ownElement")] == ["ngon_ngu", "tong_so_trang"]


def test_the_ead_finding_aid_gives_each_value_with_its_label(package, described):
    dossier, plain = described
    ead = _parse(package, layout.EAD)
    units = {unit.get("id"): unit for unit in ead.iter(f"{{{EAD_NS}}}c")}

    def notes(unit_id: str) -> list[tuple[str | None, str | None, str | None]]:
        return [
            (odd.get("type"), odd.findtext(f"{{{EAD_NS}}}head"), odd.findtext(f"{{{EAD_NS}}}p"))
            for odd in units[unit_id].iterfind(f"{{{EAD_NS}}}odd")
        ]

    assert notes(f"dossier-{dossier.id}") == [
        ("ngay_phe_duyet", "Ngày phê duyệt", "2026-04-03"),
        ("ma_du_an", "Mã dự án", "DA-2026/01"),
        ("tong_muc_dau_tu", "Tổng mức đầu tư (tỷ đồng)", "12.5"),
    ]
    assert notes(f"document-{dossier.id}-{dossier.links[0].document.id}") == [
        ("so_hop_dong", "Số hợp đồng", "HĐ 15 & 16/2026"),
        ("phan_loai", "Phân loại", "Hợp đồng"),
        ("ma_cu", "Mã lưu trữ cũ", "X-01"),
    ]
    assert notes(f"dossier-{plain.id}") == [] and notes(f"document-{plain.id}-{plain.links[0].document.id}") == []


def test_the_package_still_passes_every_check(package):
    assert package.state.value == "ready", package.report
    checks = verify.verify(Path(package.path), eark_tool=EARK_TOOL)
    assert {check.name: check.status for check in checks} == dict.fromkeys(EVERY_CHECK, verify.PASSED), [
        (check.name, check.messages) for check in checks if check.status != verify.PASSED
    ]


def test_the_fields_are_read_once_for_the_package(session, world, now, described):
    statements: list[str] = []
    listen = lambda _conn, _cursor, sql, *_args: statements.append(sql)  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    ids = [dossier.id for dossier in described]
    try:
        read = snapshot.package(session, ids, name="p", kind="handover", year=2031, operator_id=None, now=now)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    assert len([sql for sql in statements if "FROM supplementary_fields" in sql]) == 1
    first = next(item for item in read.dossiers if item.id == described[0].id)
    assert first.supplementary[0] == snapshot.SupplementaryValue("ngay_phe_duyet", "Ngày phê duyệt", "date", DAY)
    assert first.documents[0].supplementary[-1] == snapshot.SupplementaryValue("ma_cu", "Mã lưu trữ cũ", "text", "X-01")


def test_every_name_the_package_gives_its_own_values_is_kept_from_the_agencys_fields(package):
    erms = _parse(package, layout.CITS_ERMS)
    own_names = {own.get("name") for own in erms.iter(f"{E}ownElement") if own.get("name") and not own.get("dataType")}
    assert own_names and own_names <= cits.OWN_NAMES
