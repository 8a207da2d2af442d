"""ERMS.xml in the E-ARK CITS ERMS v3 format (docs/cits-erms/mapping.md is the mapping).

Dossier-list headings are ``class`` aggregations, dossiers ``caseFile`` aggregations, documents
``record``s; retention goes in ``disposal`` (permanent: not disposable, start date only), the
security marking in ``securityClass``, the signature flag in ``eSignatures``, the organisation's supplementary
metadata in ``additionalInformation/ownElement`` (typed, labelled). Identifiers are UUIDv5
of our ids, so a re-export gives the same values (docs/cits-erms/mapping.md §2.3). The file is streamed dossier
by dossier; records of one shape share a template (xml.Templates of xml.Template).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from typing import NamedTuple

from lxml import etree

from exports.bagging.layout import ContentFile, Written
from exports.snapshot import DocumentSnapshot, DossierSnapshot, OpinionSnapshot, PackageSnapshot, Supplementary
from exports.xml import ERMS_NS, PLAIN, Sink, Template, Templates, Writer, day, qualified, stream, timestamp
from exports.xml.tt02 import MEDIA, by_heading, document_number, heading_title

NAMESPACE = uuid.UUID("6f1c8c52-4d0f-5b55-9a53-6a2d3f0e7a11")
NAMESPACE_BYTES = NAMESPACE.bytes
DIRECTIONS = {"incoming": "incoming", "outgoing": "outgoing", "internal": "internal_memo_without_follow-up"}
MARKINGS = {"none": "Thường", "mat": "Mật", "toi_mat": "Tối mật", "tuyet_mat": "Tuyệt mật"}
RIGHTS = {"public": "Công khai", "restricted": "Hạn chế sử dụng"}
NSMAP = {None: ERMS_NS}
ERMS, AGGREGATIONS, AGGREGATION = (qualified(ERMS_NS, name) for name in ("erms", "aggregations", "aggregation"))
# Depth of a dossier's aggregation: erms > aggregations > heading aggregation > dossier aggregation.
CASE_FILE_DEPTH = 3
# The ownElement names the package gives its own values (below): no organisation's supplementary field is named one
# of them, or a reader would take ours for theirs (administration.supplementary_fields.derived_name).
OWN_NAMES = frozenset({"ngon_ngu", "tong_so_trang", "loai_hinh", "so_to", "so_thu_tu", "so_trang", "do_khan", "sha256"})
DOSSIER_OWN = "Trường bổ sung (theo thỏa thuận giao nộp): ngôn ngữ, tổng số trang."
# A paper or hybrid dossier's (issue 28): its medium ("loại hình") and sheets ("số tờ", TT 02 SheetTotal).
PHYSICAL_OWN = "Trường bổ sung (theo thỏa thuận giao nộp): ngôn ngữ, tổng số trang, loại hình, số tờ."
# recordPhysicalOrDigital of a document by its dossier's medium: a paper dossier's documents are on paper; a hybrid
# dossier's are digital when the package carries a file of theirs, else on paper.
PHYSICAL = "physical"
DOCUMENT_OWN = "Trường bổ sung (theo thỏa thuận giao nộp): số thứ tự, số trang, độ khẩn, mã băm SHA-256 của tệp."
ISSUER_ROLE = "Cơ quan ban hành"
# The organisation's supplementary metadata (NĐ 30/2020 PL VI III.7.c), in the same group after ours: each value an
# ownElement named by its field's code, typed as XML Schema names it (a choice is one of the field's texts), its
# label in the property's "nhan" attribute.
SUPPLEMENTARY_OWN = (
    " Dữ liệu đặc tả bổ sung của cơ quan: mỗi trường một ownElement, name là mã trường, dataType là kiểu dữ liệu,"
    ' value là giá trị, property/attribute name="nhan" là tên trường.'
)
DATA_TYPES = {"text": "xs:string", "number": "xs:decimal", "date": "xs:date", "choice": "xs:string"}
LABEL = "nhan"
Files = dict[int, list[tuple[ContentFile, Written]]]


def _uuid5(name: str) -> str:
    """Return ``str(uuid.uuid5(NAMESPACE, name))`` without making UUID objects (two are made for every record)."""
    digest = bytearray(hashlib.sha1(NAMESPACE_BYTES + name.encode()).digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x50  # version 5
    digest[8] = digest[8] & 0x3F | 0x80  # RFC 4122 variant
    hexa = digest.hex()
    return f"{hexa[:8]}-{hexa[8:12]}-{hexa[12:16]}-{hexa[16:20]}-{hexa[20:]}"


def _ids(organisation: str, kind: str, key: object) -> tuple[str, str]:
    """Return (objectId, systemIdentifier): stable UUIDs of one entity of this organisation."""
    return _uuid5(f"{organisation}/{kind}/{key}"), _uuid5(f"{organisation}/{kind}/{key}/export")


def _schema_id(year: int) -> str:
    return f"DMHS-{year}"


def _control(snapshot: PackageSnapshot) -> etree._Element:
    years = sorted({key[0] for key in by_heading(snapshot.dossiers)})
    schemas = [
        PLAIN.classificationSchema(
            PLAIN.useDatePeriod(
                PLAIN.fromDate(date(year, 1, 1).isoformat()), PLAIN.toDate(date(year, 12, 31).isoformat())
            ),
            PLAIN.textualDescriptionOfClassificationSchema(
                PLAIN.p(f"Danh mục hồ sơ năm {year} của {snapshot.organisation_name}.")
            ),
            classificationSchemaId=_schema_id(year),
            classificationSchemaStatus="current" if year >= snapshot.year else "previous",
        )
        for year in years
    ]
    event = PLAIN.maintenanceEvent(
        PLAIN.eventType(value="created"),
        PLAIN.eventDateTime(timestamp(snapshot.created_at)),
        PLAIN.agent(
            PLAIN.name(snapshot.operator_name),
            PLAIN.organisation(snapshot.organisation_name),
            PLAIN.role(snapshot.operator_position or "Cán bộ lưu trữ"),
            agentType="archiver",
        ),
    )
    return PLAIN.control(
        PLAIN.identification(_ids(snapshot.organisation_code, "package", snapshot.name)[0], identificationType="uuid"),
        PLAIN.identification(snapshot.organisation_code, identificationType="ma_phong"),
        *schemas,
        PLAIN.dates(PLAIN.date(timestamp(snapshot.created_at), dateType="created")),
        PLAIN.maintenanceInformation(
            PLAIN.maintenanceStatus(value="new"),
            PLAIN.maintenanceAgency(
                PLAIN.agencyCode(snapshot.organisation_code, type="ma_dinh_danh_co_quan"),
                PLAIN.agencyName(snapshot.organisation_name),
                PLAIN.note(f"Phông {snapshot.organisation_name}", noteType="ten_phong"),
            ),
            PLAIN.maintenanceHistory(event),
        ),
        PLAIN.systemInformation(
            PLAIN.agents(
                PLAIN.agent(
                    PLAIN.name("ERMS"),
                    PLAIN.role("Phần mềm lập gói giao nộp"),
                    agentType="other",
                    otherAgentType="phan_mem_xuat_du_lieu",
                )
            )
        ),
    )


# Of each supplementary value in a shape: its field's code and data type.
SupplementaryShape = tuple[tuple[str, str], ...]


def _own(description: str, names: tuple[str, ...], supplementary: SupplementaryShape) -> etree._Element:
    """Return the ownElement group with one named value per name, then each supplementary value with its label,
    values and labels left to fill."""
    typed = (
        PLAIN.ownElement(
            PLAIN.value(),
            PLAIN.property(PLAIN.attribute(PLAIN.value(), name=LABEL, dataType="xs:string")),
            name=name,
            dataType=DATA_TYPES[data_type],
        )
        for name, data_type in supplementary
    )
    return PLAIN.ownElement(
        PLAIN.ownElementDescription(description + SUPPLEMENTARY_OWN if supplementary else description),
        *(PLAIN.ownElement(PLAIN.value(), name=name) for name in names),
        *typed,
    )


def _supplementary(values: Supplementary) -> tuple[SupplementaryShape, list[str]]:
    """Return what a shape says of the supplementary values, and their texts: each value, then its label."""
    shape = tuple((value.name, value.data_type) for value in values)
    return shape, [text for value in values for text in (value.value, value.label)]


def _present(values: list[tuple[str, object]]) -> tuple[tuple[str, ...], list[str]]:
    """Return the names and texts of the values there are: an empty value gets no ownElement."""
    names, texts = [], []
    for name, value in values:
        if value is not None and value != "":
            names.append(name)
            texts.append(str(value))
    return tuple(names), texts


class _HeaderShape(NamedTuple):
    """What varies in the elements of a dossier's aggregation before its records."""

    own: tuple[str, ...]  # names of its ownElement values
    dates: tuple[str, ...]  # dateType of each date
    disposable: str
    place: bool = False  # physicalLocations: where the archive keeps its paper
    supplementary: SupplementaryShape = ()


def _header_template(shape: _HeaderShape) -> Template:
    """Return a template of those elements (the aggregation itself is streamed around them)."""
    holder = PLAIN.aggregation(
        PLAIN.objectId(),
        PLAIN.extraId(extraIdType="ma_ho_so"),
        PLAIN.identification(identificationType="so_ky_hieu_ho_so"),
        PLAIN.levelName("Hồ sơ"),
        PLAIN.title(),
        PLAIN.status(value="closed"),
        PLAIN.additionalInformation(
            _own(PHYSICAL_OWN if "loai_hinh" in shape.own else DOSSIER_OWN, shape.own, shape.supplementary)
        ),
        PLAIN.disposal(
            PLAIN.disposalPeriod(),
            PLAIN.dates(PLAIN.disposalDate(dateType="retention_period_start")),
            disposable=shape.disposable,
        ),
        PLAIN.agents(
            PLAIN.agent(
                PLAIN.name(), PLAIN.organisation(), PLAIN.unitName(), PLAIN.role("Người lập hồ sơ"), agentType="creator"
            )
        ),
        PLAIN.dates(*(PLAIN.date(dateType=kind) for kind in shape.dates)),
        PLAIN.access(),
    )
    if shape.place:
        holder.append(PLAIN.physicalLocations(PLAIN.physicalLocation(PLAIN.currentLocation())))
    return Template(
        holder,
        CASE_FILE_DEPTH + 1,
        (
            "objectId",
            "extraId",
            "identification",
            "title",
            "value",
            "disposalPeriod",
            "disposalDate",
            "name",
            "organisation",
            "unitName",
            "date",
            "access",
            "currentLocation",
        ),
        inner=True,
    )


class _RecordShape(NamedTuple):
    """Everything about a record but its own values: records of one shape share a template."""

    record_type: str
    schema: str
    extra_id: bool
    running_number: bool
    direction: str
    signatory: bool
    signed: bool
    verified: bool  # a check found every signature of its files valid (its time fills dateeSignatureIsVerified)
    formats: tuple[str, ...]  # media type of each file (appendix)
    own: tuple[str, ...]  # names of its ownElement values
    physical_or_digital: str = "digital"
    supplementary: SupplementaryShape = ()
    actions: tuple[str, ...] = ()  # the agentType of each opinion given on it, as an action
    recipients: tuple[bool, ...] = ()  # each receiving organisation: whether its code is known


# An opinion on a document as a CITS ERMS action (NĐ 30 PL6 III.5.a): its kind's words (actionType), the role its
# author gave it in, and the agentType of the schema's closed list; its date is no event of the date list, so it is
# "other" with our own name (the Schematron asks for otherDateType).
OPINION_ACTIONS = {
    "direction": ("Ý kiến chỉ đạo", "Lãnh đạo chỉ đạo", "authorising_person"),
    "comment": ("Ý kiến góp ý", "Người góp ý", "agent"),
    "content_approval": ("Phê duyệt nội dung", "Người phê duyệt", "authorising_person"),
    "form_approval": ("Phê duyệt thể thức", "Người phê duyệt", "authorising_person"),
    "sent_back": ("Chuyển lại dự thảo", "Người chuyển lại", "authorising_person"),
}
OPINION_DATE = "ngay_cho_y_kien"


def _action(agent_type: str) -> etree._Element:
    """Return an action's elements with holes for its text, type, date, author's name and role."""
    return PLAIN.action(
        PLAIN.actionText(),
        PLAIN.actionType(),
        PLAIN.dates(PLAIN.actionDate(dateType="other", otherDateType=OPINION_DATE)),
        PLAIN.agents(PLAIN.agent(PLAIN.name(), PLAIN.role(), agentType=agent_type)),
    )


def _opinion_texts(opinion: OpinionSnapshot) -> list[str]:
    """Return the values of an opinion's action, in the order of its holes."""
    kind, role, _ = OPINION_ACTIONS[opinion.kind]
    return [opinion.text, kind, timestamp(opinion.given_at), opinion.author, role]


# A receiving organisation of an outgoing document (NĐ 30 PL6 III.1.g, TT 02/2019 fields 13.1 and 13.2): its name,
# and its code (OrganId) when the directory knew it (docs/cits-erms/mapping.md §2.4).
RECIPIENT_ID_TYPE = "ma_dinh_danh_co_quan"


def _recipient(coded: bool) -> etree._Element:
    """Return a recipient agent with holes for its name and, when ``coded``, its code."""
    code = [PLAIN.idNumber(idNumberType=RECIPIENT_ID_TYPE)] if coded else []
    return PLAIN.agent(PLAIN.name(), *code, agentType="recipient")


def _record_template(shape: _RecordShape) -> Template:
    """Return a record template: its texts, then its systemIdentifier, then each appendix's name and path."""
    agents = [PLAIN.agent(PLAIN.name(), PLAIN.role(), agentType="creator")]
    if shape.signatory:
        agents.append(PLAIN.agent(PLAIN.name(), PLAIN.role(), agentType="main_signatory"))
    agents += [_recipient(coded) for coded in shape.recipients]
    appendices = [PLAIN.appendix(name="", path="", fileFormat=media_type) for media_type in shape.formats]
    signature = PLAIN.eSignature(present="true" if shape.signed else "false")
    if shape.verified:
        signature.set("dateeSignatureIsVerified", "")
    record = PLAIN.record(
        PLAIN.objectId(),
        *([PLAIN.extraId(extraIdType="so_ky_hieu")] if shape.extra_id else []),
        PLAIN.securityClass(),
        PLAIN.levelName("Văn bản"),
        PLAIN.title(),
        *([PLAIN.runningNumber()] if shape.running_number else []),
        PLAIN.direction(directionDefinition=shape.direction),
        PLAIN.agents(*agents),
        PLAIN.dates(PLAIN.date(dateType="created"), PLAIN.date(dateType="originated")),
        *(_action(agent_type) for agent_type in shape.actions),
        PLAIN.eSignatures(signature),
        PLAIN.additionalInformation(*appendices, _own(DOCUMENT_OWN, shape.own, shape.supplementary)),
        systemIdentifier="",
        recordType=shape.record_type,
        recordPhysicalOrDigital=shape.physical_or_digital,
        classificationSchemaUsed=shape.schema,
    )
    slots = (
        *("objectId", "extraId", "securityClass", "title", "runningNumber", "name", "idNumber", "role", "date"),
        *("actionText", "actionType", "actionDate", "value"),
    )
    attributes = (
        (record, "systemIdentifier"),
        *((appendix, name) for appendix in appendices for name in ("name", "path")),
        *([(signature, "dateeSignatureIsVerified")] if shape.verified else []),
    )
    return Template(record, CASE_FILE_DEPTH + 1, slots, attributes)


class _CaseFiles:
    """Writes each dossier's aggregation with its documents' records, through templates made for one ERMS.xml."""

    def __init__(self, snapshot: PackageSnapshot, files: Files) -> None:
        self._snapshot = snapshot
        self._files = files
        self._headers = Templates(_header_template)
        self._records = Templates(_record_template)

    def write(self, parent: Writer, dossier: DossierSnapshot, schema: str) -> None:
        object_id, system_id = _ids(self._snapshot.organisation_code, "dossier", dossier.id)
        attributes = {"systemIdentifier": system_id, "aggregationType": "caseFile", "classificationSchemaUsed": schema}
        with parent.element(AGGREGATION, attributes) as children:
            children.write_record(self._header(dossier, object_id))
            for document in dossier.documents:
                children.write_record(self._record(document, schema, dossier))

    def _header(self, dossier: DossierSnapshot, object_id: str) -> bytes:
        period = dossier.retention
        start = date((dossier.end_date or dossier.start_date).year + 1, 1, 1)
        values: list[tuple[str, object]] = [("ngon_ngu", dossier.language), ("tong_so_trang", dossier.page_total)]
        if dossier.physical:
            values += [("loai_hinh", MEDIA[dossier.medium]), ("so_to", dossier.sheet_total)]
        own, own_texts = _present(values)
        supplementary, supplementary_texts = _supplementary(dossier.supplementary)
        dates = [("created", timestamp(dossier.opened_at)), ("start", day(dossier.start_date))]
        if dossier.end_date:
            dates.append(("end", day(dossier.end_date)))
        if dossier.closed_at:
            dates.append(("closed", timestamp(dossier.closed_at)))
        shape = _HeaderShape(
            own,
            tuple(kind for kind, _ in dates),
            "false" if period.permanent else "true",
            bool(dossier.place),
            supplementary,
        )
        return self._headers[shape].render(
            object_id,
            dossier.file_code,
            dossier.file_notation,
            dossier.title,
            *own_texts,
            *supplementary_texts,
            period.label(),
            day(start),
            dossier.creator_name,
            self._snapshot.organisation_name,
            dossier.unit_name,
            *(when for _, when in dates),
            RIGHTS.get(dossier.rights, dossier.rights),
            *([dossier.place] if dossier.place else []),
        )

    def _record(self, document: DocumentSnapshot, schema: str, dossier: DossierSnapshot) -> bytes:
        files = self._files.get(document.id, [])
        number = document_number(document)
        running = document.code_number.isdigit()
        own, own_texts = _present(
            [
                ("so_thu_tu", document.ordinal),
                ("so_trang", document.page_amount),
                ("do_khan", document.urgency),
                *(("sha256", file.sha256) for _, file in files),
            ]
        )
        supplementary, supplementary_texts = _supplementary(document.supplementary)
        recipients = self._snapshot.recipients.get(document.id, ())
        signed = any(content.source.signed for content, _ in files)
        verified = self._verified([content.source.sha256 for content, _ in files if content.source.signed])
        shape = _RecordShape(
            document.type_name,
            schema,
            bool(number),
            running,
            DIRECTIONS[document.direction],
            bool(document.signer_name),
            signed,
            verified is not None,
            tuple(content.source.media_type for content, _ in files),
            own,
            PHYSICAL if dossier.paper or (dossier.physical and not files) else "digital",
            supplementary,
            tuple(OPINION_ACTIONS[opinion.kind][2] for opinion in document.opinions),
            recipients=tuple(bool(recipient.code) for recipient in recipients),
        )
        object_id, system_id = _ids(self._snapshot.organisation_code, "document", document.id)
        texts = [
            object_id,
            *([number] if number else []),
            MARKINGS.get(document.marking, document.marking),
            document.subject,
            *([document.code_number] if running else []),
            document.organ_name,
            ISSUER_ROLE,
        ]
        if document.signer_name:
            texts += [document.signer_name, document.signer_position or "Người ký"]
        for recipient in recipients:
            texts += [recipient.name, *([recipient.code] if recipient.code else [])]
        appendices = [value for content, _ in files for value in (content.source.filename, content.path)]
        when = [timestamp(verified)] if verified is not None else []
        return self._records[shape].render(
            *texts,
            timestamp(document.created_at),
            day(document.issued_date),
            *(text for opinion in document.opinions for text in _opinion_texts(opinion)),
            *own_texts,
            *supplementary_texts,
            system_id,
            *appendices,
            *when,
        )

    def _verified(self, signed: list[str]) -> datetime | None:
        """Return when a check last found every signature of these signed files valid, None if one was not."""
        checks = [self._snapshot.signatures.get(sha256) for sha256 in signed]
        if not checks or any(check is None or check.status != "valid" for check in checks):
            return None
        return max(check.checked_at for check in checks if check is not None)


def _write_class(
    aggregations: Writer, snapshot: PackageSnapshot, key: tuple, dossiers: list[DossierSnapshot], case_files: _CaseFiles
) -> None:
    """Write one heading's ``class`` aggregation holding its dossiers."""
    schema = _schema_id(key[0])
    object_id, system_id = _ids(snapshot.organisation_code, "heading", key)
    title = heading_title(dossiers[0])
    attributes = {"systemIdentifier": system_id, "aggregationType": "class", "classificationSchemaUsed": schema}
    with aggregations.element(AGGREGATION, attributes) as children:
        for child in (
            PLAIN.objectId(object_id),
            PLAIN.classification(
                title, classificationCode=key[1] or "-", fullyQualifiedClassificationCode=f"{schema}/{key[1]}"
            ),
            PLAIN.levelName("Đề mục"),
            PLAIN.title(title),
            PLAIN.dates(PLAIN.date(day(date(key[0], 1, 1)), dateType="created")),
        ):
            children.write_tree(child)
        for dossier in dossiers:
            case_files.write(children, dossier, schema)


def _files(contents: list[ContentFile], written: dict[str, Written]) -> Files:
    """Return each document's files (with what was written of them), wherever the document is filed; a preservation
    copy is not one (PREMIS and METS tell it, rep2), so no reader of a record's appendices takes it for a version."""
    files: Files = {}
    for content in contents:
        if content.document is not None and content.original is None:
            files.setdefault(content.document.id, []).append((content, written[content.path]))
    return files


def write(snapshot: PackageSnapshot, contents: list[ContentFile], written: dict[str, Written], out: Sink) -> None:
    """Write ERMS.xml into ``out``: headings as classes holding their dossiers, documents as records with their files.

    A record's eSignature says whether a PDF signature was seen in one of its files at capture, and, when a check
    found every signature of them valid, when (dateeSignatureIsVerified).
    """
    case_files = _CaseFiles(snapshot, _files(contents, written))
    with stream(out, ERMS, NSMAP) as erms:
        erms.write_tree(_control(snapshot))
        with erms.element(AGGREGATIONS) as aggregations:
            for key, dossiers in by_heading(snapshot.dossiers).items():
                _write_class(aggregations, snapshot, key, dossiers, case_files)
