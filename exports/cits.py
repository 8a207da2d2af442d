"""ERMS.xml in the E-ARK CITS ERMS v3 format (../shared/xsd/cits-erms/MAPPING.md is the mapping).

Dossier-list headings are ``class`` aggregations, dossiers ``caseFile`` aggregations, documents
``record``s; retention goes in ``disposal`` (permanent: not disposable, start date only), the
security marking in ``securityClass``, the signature flag in ``eSignatures``. Identifiers are UUIDv5
of our ids, so a re-export gives the same values (MAPPING.md §2.3).
"""

from __future__ import annotations

import uuid
from datetime import date

from lxml import etree

from exports.layout import ContentFile, Written
from exports.snapshot import DocumentSnapshot, DossierSnapshot, PackageSnapshot
from exports.tt02 import document_number, heading_key, heading_title
from exports.xml import CITS, day, timestamp

NAMESPACE = uuid.UUID("6f1c8c52-4d0f-5b55-9a53-6a2d3f0e7a11")
DIRECTIONS = {"incoming": "incoming", "outgoing": "outgoing", "internal": "internal_memo_without_follow-up"}
MARKINGS = {"none": "Thường", "mat": "Mật", "toi_mat": "Tối mật", "tuyet_mat": "Tuyệt mật"}
RIGHTS = {"public": "Công khai", "restricted": "Hạn chế sử dụng"}


def _ids(organisation: str, kind: str, key: object) -> tuple[str, str]:
    """Return (objectId, systemIdentifier): stable UUIDs of one entity of this organisation."""
    return (str(uuid.uuid5(NAMESPACE, f"{organisation}/{kind}/{key}")),
            str(uuid.uuid5(NAMESPACE, f"{organisation}/{kind}/{key}/export")))


def _schema_id(year: int) -> str:
    return f"DMHS-{year}"


def _control(snapshot: PackageSnapshot) -> etree._Element:
    years = sorted({heading_key(dossier)[0] for dossier in snapshot.dossiers})
    schemas = [CITS.classificationSchema(
        CITS.useDatePeriod(CITS.fromDate(date(year, 1, 1).isoformat()), CITS.toDate(date(year, 12, 31).isoformat())),
        CITS.textualDescriptionOfClassificationSchema(CITS.p(f"Danh mục hồ sơ năm {year} của "
                                                             f"{snapshot.organisation_name}.")),
        classificationSchemaId=_schema_id(year),
        classificationSchemaStatus="current" if year >= snapshot.year else "previous") for year in years]
    event = CITS.maintenanceEvent(
        CITS.eventType(value="created"), CITS.eventDateTime(timestamp(snapshot.created_at)),
        CITS.agent(CITS.name(snapshot.operator_name), CITS.organisation(snapshot.organisation_name),
                   CITS.role(snapshot.operator_position or "Cán bộ lưu trữ"), agentType="archiver"))
    return CITS.control(
        CITS.identification(_ids(snapshot.organisation_code, "package", snapshot.name)[0], identificationType="uuid"),
        CITS.identification(snapshot.organisation_code, identificationType="ma_phong"),
        *schemas,
        CITS.dates(CITS.date(timestamp(snapshot.created_at), dateType="created")),
        CITS.maintenanceInformation(
            CITS.maintenanceStatus(value="new"),
            CITS.maintenanceAgency(CITS.agencyCode(snapshot.organisation_code, type="ma_dinh_danh_co_quan"),
                                   CITS.agencyName(snapshot.organisation_name),
                                   CITS.note(f"Phông {snapshot.organisation_name}", noteType="ten_phong")),
            CITS.maintenanceHistory(event)),
        CITS.systemInformation(CITS.agents(CITS.agent(
            CITS.name("ERMS"), CITS.role("Phần mềm lập gói giao nộp"),
            agentType="other", otherAgentType="phan_mem_xuat_du_lieu"))),
    )


def _own(description: str, values: list[tuple[str, object]]) -> etree._Element:
    inner = [CITS.ownElement(CITS.value(str(value)), name=name) for name, value in values if value not in (None, "")]
    return CITS.ownElement(CITS.ownElementDescription(description), *inner)


def _disposal(dossier: DossierSnapshot) -> etree._Element:
    period = dossier.retention
    start = date((dossier.end_date or dossier.start_date).year + 1, 1, 1)
    return CITS.disposal(
        CITS.disposalPeriod(period.label()),
        CITS.dates(CITS.disposalDate(day(start), dateType="retention_period_start")),
        disposable="false" if period.permanent else "true")


def _record(snapshot: PackageSnapshot, document: DocumentSnapshot, files: list[tuple[ContentFile, Written]],
            schema: str) -> etree._Element:
    object_id, system_id = _ids(snapshot.organisation_code, "document", document.id)
    agents = [CITS.agent(CITS.name(document.organ_name), CITS.role("Cơ quan ban hành"), agentType="creator")]
    if document.signer_name:
        agents.append(CITS.agent(CITS.name(document.signer_name), CITS.role(document.signer_position or "Người ký"),
                                 agentType="main_signatory"))
    appendices = [CITS.appendix(name=content.source.filename, path=content.path,
                                fileFormat=content.source.media_type) for content, _ in files]
    number = [CITS.runningNumber(document.code_number)] if document.code_number.isdigit() else []
    extra = [CITS.extraId(document_number(document), extraIdType="so_ky_hieu")] if document_number(document) else []
    return CITS.record(
        CITS.objectId(object_id), *extra, CITS.securityClass(MARKINGS.get(document.marking, document.marking)),
        CITS.levelName("Văn bản"), CITS.title(document.subject), *number,
        CITS.direction(directionDefinition=DIRECTIONS[document.direction]), CITS.agents(*agents),
        CITS.dates(CITS.date(timestamp(document.created_at), dateType="created"),
                   CITS.date(day(document.issued_date), dateType="originated")),
        CITS.eSignatures(CITS.eSignature(present="true" if any(w.signed for _, w in files) else "false")),
        CITS.additionalInformation(*appendices, _own(
            "Trường bổ sung (theo thỏa thuận giao nộp): số thứ tự, số trang, độ khẩn, mã băm SHA-256 của tệp.",
            [("so_thu_tu", document.ordinal), ("so_trang", document.page_amount), ("do_khan", document.urgency),
             *(("sha256", written.sha256) for _, written in files)])),
        systemIdentifier=system_id, recordType=document.type_name, recordPhysicalOrDigital="digital",
        classificationSchemaUsed=schema)


def _case_file(snapshot: PackageSnapshot, dossier: DossierSnapshot, files: dict[int, list], schema: str):
    object_id, system_id = _ids(snapshot.organisation_code, "dossier", dossier.id)
    dates = [CITS.date(timestamp(dossier.opened_at), dateType="created"),
             CITS.date(day(dossier.start_date), dateType="start")]
    if dossier.end_date:
        dates.append(CITS.date(day(dossier.end_date), dateType="end"))
    if dossier.closed_at:
        dates.append(CITS.date(timestamp(dossier.closed_at), dateType="closed"))
    records = [_record(snapshot, document, files.get(document.id, []), schema) for document in dossier.documents]
    return CITS.aggregation(
        CITS.objectId(object_id), CITS.extraId(dossier.file_code, extraIdType="ma_ho_so"),
        CITS.identification(dossier.file_notation, identificationType="so_ky_hieu_ho_so"),
        CITS.levelName("Hồ sơ"), CITS.title(dossier.title), CITS.status(value="closed"),
        CITS.additionalInformation(_own("Trường bổ sung (theo thỏa thuận giao nộp): ngôn ngữ, tổng số trang.",
                                        [("ngon_ngu", dossier.language), ("tong_so_trang", dossier.page_total)])),
        _disposal(dossier),
        CITS.agents(CITS.agent(CITS.name(dossier.creator_name), CITS.organisation(snapshot.organisation_name),
                               CITS.unitName(dossier.unit_name), CITS.role("Người lập hồ sơ"), agentType="creator")),
        CITS.dates(*dates), CITS.access(RIGHTS.get(dossier.rights, dossier.rights)), *records,
        systemIdentifier=system_id, aggregationType="caseFile", classificationSchemaUsed=schema)


def build(snapshot: PackageSnapshot, contents: list[ContentFile], written: dict[str, Written]) -> etree._Element:
    """Return ERMS.xml: headings as classes holding their dossiers, documents as records with their files."""
    files: dict[int, list] = {}
    for content in contents:
        if content.document is not None:
            files.setdefault(content.document.id, []).append((content, written[content.path]))
    classes: dict[tuple, etree._Element] = {}
    for dossier in snapshot.dossiers:
        key = heading_key(dossier)
        schema = _schema_id(key[0])
        if key not in classes:
            object_id, system_id = _ids(snapshot.organisation_code, "heading", key)
            classes[key] = CITS.aggregation(
                CITS.objectId(object_id), CITS.classification(heading_title(dossier), classificationCode=key[1] or "-",
                                                              fullyQualifiedClassificationCode=f"{schema}/{key[1]}"),
                CITS.levelName("Đề mục"), CITS.title(heading_title(dossier)),
                CITS.dates(CITS.date(day(date(key[0], 1, 1)), dateType="created")),
                systemIdentifier=system_id, aggregationType="class", classificationSchemaUsed=schema)
        classes[key].append(_case_file(snapshot, dossier, files, schema))
    return CITS.erms(_control(snapshot), CITS.aggregations(*classes.values()))
