"""PREMIS 3 preservation metadata of a package: objects with fixity and format, events, agents.

Events: the capture of each file (when its digests were recorded), the fixity check made while
copying it into the package, and the transfer itself, whose outcome carries the head hash of
the audit chain at export time so the archive can later prove the agency's log was not rewritten.
The security controls of the records go too (NĐ 30 PL6 III.7.d): each change of a document's marking
the head decided and each confirmed change of who reads a dossier or a document, linked to the
record (an intellectual entity, "dossier-<id>" as the EAD names the dossier, "document-<id>" once for a
document however many of the package's dossiers hold it: a classified document has no file) and to its files.
Each preservation copy (PL6 III.5.e, in rep2) is an object of its own with a derivation relationship to its
original, and its making a "migration" event (the Library of Congress's event type) dated when it was made, by the
tool that made it (a software agent, its version apart), linking the original (role "source") and the copy (role
"outcome"). A failed attempt is told the same way, with its outcome "failure", its reason and no copy, as a
signature check that found a signature invalid is.

PREMIS elements carry the ``premis:`` prefix (``xsi:type="premis:file"`` names it), declared once
on the root. Records are written from templates (xml.Template).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import NamedTuple

from lxml import etree

from exports.bagging.layout import ContentFile, Written
from exports.snapshot import AccessChangeSnapshot, DossierSnapshot, PackageSnapshot
from exports.xml import PREMIS, PREMIS_NS, XSI_NS, Sink, Template, Templates, Writer, qualified, stream, timestamp
from exports.xml.cits import MARKINGS

FORMATS = {"application/pdf": "Portable Document Format"}
NSMAP = {"premis": PREMIS_NS, "xsi": XSI_NS}
ROOT, EVENT = qualified(PREMIS_NS, "premis"), qualified(PREMIS_NS, "event")
# What a document file's significant property is about: exports.snapshot.copy_form says which it is.
COPY_FORM = "Bản gốc, bản chính hay bản sao (NĐ 30/2020 Điều 25, 26)"
CAPTURE_DETAIL = "Tiếp nhận tệp vào hệ thống; ghi nhận mã băm SHA-256 và SHA-512"


def _premis(*names: str) -> tuple[str, ...]:
    return tuple(qualified(PREMIS_NS, name) for name in names)


def _identifier(kind: str, value: str) -> etree._Element:
    make = getattr(PREMIS, f"{kind}Identifier")
    return make(getattr(PREMIS, f"{kind}IdentifierType")("local"), getattr(PREMIS, f"{kind}IdentifierValue")(value))


def _object_template(shape: tuple[bool, bool, bool]) -> Template:
    """A file object; ``registered``: its format carries the PRONOM identifier found at capture (formatRegistryKey);
    ``document``: it is a document's file, whose significant properties say whether it is an original or a copy;
    ``derived``: it is a preservation copy, derived from its original by a migration event."""
    registered, document, derived = shape
    registry = (
        [PREMIS.formatRegistry(PREMIS.formatRegistryName("PRONOM"), PREMIS.formatRegistryKey())] if registered else []
    )
    characteristics = PREMIS.objectCharacteristics(
        PREMIS.compositionLevel("0"),
        PREMIS.fixity(PREMIS.messageDigestAlgorithm("SHA-256"), PREMIS.messageDigest()),
        PREMIS.fixity(PREMIS.messageDigestAlgorithm("SHA-512"), PREMIS.messageDigest()),
        PREMIS.size(),
        PREMIS.format(PREMIS.formatDesignation(PREMIS.formatName()), *registry),
    )
    properties = (
        [PREMIS.significantProperties(PREMIS.significantPropertiesType(COPY_FORM), PREMIS.significantPropertiesValue())]
        if document
        else []
    )
    relationship = (
        [
            PREMIS.relationship(
                PREMIS.relationshipType("derivation"),
                PREMIS.relationshipSubType("has source"),
                _identifier("relatedObject", ""),
                _identifier("relatedEvent", ""),
            )
        ]
        if derived
        else []
    )
    element = etree.Element(qualified(PREMIS_NS, "object"), {qualified(XSI_NS, "type"): "premis:file"}, nsmap=NSMAP)
    element.extend([_identifier("object", ""), *properties, characteristics, PREMIS.originalName(), *relationship])
    value = ("significantPropertiesValue",) if document else ()
    key = ("formatRegistryKey",) if registered else ()
    related = ("relatedObjectIdentifierValue", "relatedEventIdentifierValue") if derived else ()
    slots = ("objectIdentifierValue", *value, "messageDigest", "size", "formatName", *key, "originalName", *related)
    return Template(element, 1, _premis(*slots), nsmap=NSMAP)


def _link(path: str, role: str = "") -> etree._Element:
    element = PREMIS.linkingObjectIdentifier(
        PREMIS.linkingObjectIdentifierType("local"), PREMIS.linkingObjectIdentifierValue(path)
    )
    if role:
        element.append(PREMIS.linkingObjectRole(role))
    return element


def _event(
    event_id: str, kind: str, when: str, detail: str, outcome: str, note: str, agent: str, objects: Iterable[str]
) -> etree._Element:
    return PREMIS.event(
        _identifier("event", event_id),
        PREMIS.eventType(kind),
        PREMIS.eventDateTime(when),
        PREMIS.eventDetailInformation(PREMIS.eventDetail(detail)),
        PREMIS.eventOutcomeInformation(
            PREMIS.eventOutcome(outcome), PREMIS.eventOutcomeDetail(PREMIS.eventOutcomeDetailNote(note))
        ),
        PREMIS.linkingAgentIdentifier(
            PREMIS.linkingAgentIdentifierType("local"), PREMIS.linkingAgentIdentifierValue(agent)
        ),
        *map(_link, objects),
    )


def _agent(agent_id: str, name: str, kind: str) -> etree._Element:
    return PREMIS.agent(_identifier("agent", agent_id), PREMIS.agentName(name), PREMIS.agentType(kind))


def _entity(name: str) -> etree._Element:
    """Return an intellectual entity: the package, for a package that holds no file, or a record events are about."""
    element = etree.Element(
        qualified(PREMIS_NS, "object"), {qualified(XSI_NS, "type"): "premis:intellectualEntity"}, nsmap=NSMAP
    )
    element.append(_identifier("object", name))
    return element


def _write_objects(root: Writer, contents: list[ContentFile], written: dict[str, Written]) -> None:
    templates = Templates(_object_template)
    for number, content in enumerate(contents, start=1):
        file, source = written[content.path], content.source
        name = source.format_name or FORMATS.get(source.media_type, source.media_type)
        key = [source.puid] if source.puid else []
        # The index is ERMS's own and a preservation copy the agency's record in another format: neither is an
        # original or a copy in the decree's sense.
        form = [content.document.copy_form.label] if content.document and content.original is None else []
        related = [content.original.path, _migration_id(number)] if content.original is not None else []
        root.write_record(
            templates[bool(key), bool(form), bool(related)].render(
                content.path, *form, file.sha256, file.sha512, str(file.size), name, *key, source.filename, *related
            )
        )


def _migration_id(number: int) -> str:
    """Return the identifier of the migration event of the package's ``number``-th file: the copy it made, or the
    original it failed to copy."""
    return f"migration-{number}"


def _write_captures(root: Writer, contents: list[ContentFile]) -> None:
    """Write when each original's digests were recorded; a preservation copy's were when it was made (its
    migration event)."""
    template = Template(
        _event("", "capture", "", CAPTURE_DETAIL, "success", "", "erms", [""]),
        1,
        _premis("eventIdentifierValue", "eventDateTime", "eventOutcomeDetailNote", "linkingObjectIdentifierValue"),
        nsmap=NSMAP,
    )
    for number, content in enumerate(contents, start=1):
        if content.original is not None:
            continue
        root.write_record(
            template.render(
                f"capture-{number}", timestamp(content.source.captured_at), content.source.sha256, content.path
            )
        )


# The Library of Congress's preservation event type vocabulary, whose "migration" PREMIS names this event by.
EVENT_TYPES = "http://id.loc.gov/vocabulary/preservation/eventType"
MIGRATION_DETAIL = "Chuyển đổi tệp sang định dạng {target} (PRONOM) để bảo quản lâu dài (NĐ 30/2020 Phụ lục VI III.5.e)"
# A tool's own words for itself ("LibreOffice 7.4.7.2 40(Build:2)"): its name, then from the first number, its version.
_TOOL = re.compile(r"(?P<name>.+?)\s+(?P<version>\d.*)")
MIGRATION_TERM = {"authority": "eventType", "authorityURI": EVENT_TYPES, "valueURI": f"{EVENT_TYPES}/mig"}


def _migrated(contents: list[ContentFile]) -> Iterator[tuple[int, ContentFile, ContentFile | None]]:
    """Yield each attempt to copy a file for preservation as (its event's number, the original, the copy or None):
    a copy made is numbered as the copy is, a failure as its original."""
    for number, content in enumerate(contents, start=1):
        if content.original is not None:
            yield number, content.original, content
        elif content.source.preservation is not None and content.source.preservation.copy is None:
            yield number, content, None


def _tool_agents(contents: list[ContentFile]) -> dict[str, str]:
    """Return {a tool's words: its agent's id} for the tools that made (or failed to make) the package's copies."""
    tools = dict.fromkeys(
        original.source.preservation.tool for _, original, _ in _migrated(contents) if original.source.preservation
    )
    return {tool: f"tool-{number}" for number, tool in enumerate(tools, start=1)}


def _write_migrations(root: Writer, contents: list[ContentFile], agents: dict[str, str]) -> None:
    """Write the migration event of each copy made, and of each attempt that failed (outcome "failure", its reason)."""
    for number, original, copy in _migrated(contents):
        attempt = original.source.preservation
        assert attempt is not None  # _migrated yields only files with an attempt
        event = _event(
            _migration_id(number),
            "migration",
            timestamp(attempt.made_at),
            MIGRATION_DETAIL.format(target=attempt.target),
            "success" if copy is not None else "failure",
            f"{original.path} → {copy.path}" if copy is not None else attempt.reason,
            agents[attempt.tool],
            [],
        )
        _child(event, "eventType").attrib.update(MIGRATION_TERM)
        _child(event, "linkingAgentIdentifier").append(PREMIS.linkingAgentRole("executing program"))
        event.extend([_link(original.path, "source"), *([_link(copy.path, "outcome")] if copy is not None else [])])
        root.write_tree(event)


def _child(element: etree._Element, name: str) -> etree._Element:
    """Return the PREMIS child ``name`` that ``_event`` wrote, to add what a migration event says more."""
    found = element.find(qualified(PREMIS_NS, name))
    assert found is not None
    return found


def _tool_agent(agent_id: str, tool: str) -> etree._Element:
    """Return the software agent of a conversion tool: its name and, apart, its version as it reports them."""
    found = _TOOL.fullmatch(tool)
    agent = _agent(agent_id, found["name"] if found else tool, "software")
    if found:
        agent.append(PREMIS.agentVersion(found["version"]))
    return agent


SIGNATURE_DETAIL = (
    "Kiểm tra chữ ký số của tệp PDF (pyHanko): tính toàn vẹn của phần được ký, tệp có bị sửa sau khi ký, chuỗi "
    "chứng thư số đến chứng thư gốc được cài đặt tin cậy, thông tin thu hồi kèm trong tệp"
)


def _write_signature_checks(root: Writer, snapshot: PackageSnapshot, contents: list[ContentFile]) -> None:
    """Write a validation event for each signed file: the latest check of its signatures (the evidence kept)."""
    for number, content in enumerate(contents, start=1):
        check = snapshot.signatures.get(content.source.sha256)
        if check is None:
            continue
        root.write_tree(
            _event(
                f"signature-validation-{number}",
                "validation",
                timestamp(check.checked_at),
                SIGNATURE_DETAIL,
                check.status,
                check.summary,
                "erms",
                [content.path],
            )
        )


def _write_fixity_check(root: Writer, contents: list[ContentFile], when: str) -> None:
    """Write the one event linking every file, a link at a time."""
    head = _event(
        "fixity-check",
        "fixity check",
        when,
        "Đối chiếu mã băm SHA-256 và SHA-512 của từng tệp với mã ghi nhận khi tiếp nhận, trong khi sao chép",
        "success",
        f"{len(contents)} tệp khớp",
        "erms",
        [],
    )
    link = Template(_link(""), 2, _premis("linkingObjectIdentifierValue"), nsmap=NSMAP)
    with root.element(EVENT) as event:
        for child in head:
            event.write_tree(child)
        for content in contents:
            event.write_record(link.render(content.path))


MARKING_DETAIL = "Thay đổi độ mật của văn bản theo quyết định của người đứng đầu cơ quan"
ACCESS_DETAIL = {
    False: "Thay đổi quyền truy cập hồ sơ, đã được người có thẩm quyền xác nhận",
    True: "Thay đổi quyền truy cập văn bản trong hồ sơ, đã được người có thẩm quyền xác nhận",
}
# What each kind of access change (AccessChangeKind's values) did; a person shared with is never named.
ACCESS_NOTES = {
    "share_unit": "Chia sẻ với đơn vị {unit}, {until}",
    "share_person": "Chia sẻ với một người được chỉ định trong cơ quan, {until}",
    "restrict": "Hạn chế sử dụng: chỉ người được chỉ định, người lập hồ sơ và người đứng đầu cơ quan được đọc",
    "open": "Bỏ hạn chế sử dụng: đơn vị và những người đọc chung của cơ quan được đọc lại",
    "end_share": "Chấm dứt trước hạn việc chia sẻ access-change-{ended}",
}


class _SecurityEvent(NamedTuple):
    """A security control of a record as PREMIS tells it: ``entity`` names the record ("dossier-1", "document-2")."""

    event_id: str
    kind: str
    entity: str
    when: datetime
    detail: str
    note: str


def _marking_events(dossiers: Sequence[DossierSnapshot]) -> list[_SecurityEvent]:
    """Each change of a marking, once per document even if it is filed in two of the package's dossiers."""
    documents = {document.id: document for dossier in dossiers for document in dossier.documents}
    changes = [(f"document-{key}", change) for key, item in documents.items() for change in item.marking_changes]
    return [
        _SecurityEvent(
            f"marking-change-{number}",
            "metadata modification",
            entity,
            change.changed_at,
            MARKING_DETAIL,
            f"Từ “{MARKINGS[change.before]}” thành “{MARKINGS[change.after]}”; lý do: {change.reason}",
        )
        for number, (entity, change) in enumerate(changes, start=1)
    ]


def _access_note(change: AccessChangeSnapshot) -> str:
    until = f"đến hết ngày {change.until:%d/%m/%Y}" if change.until else "đến khi chấm dứt"
    done = ACCESS_NOTES[change.kind].format(unit=change.unit_name, until=until, ended=change.ends_share_id)
    return f"{done}; lý do: {change.reason}"


def _access_events(dossiers: Sequence[DossierSnapshot]) -> list[_SecurityEvent]:
    return [
        _SecurityEvent(
            f"access-change-{change.id}",
            "policy assignment",
            f"document-{change.document_id}" if change.document_id else f"dossier-{dossier.id}",
            change.decided_at,
            ACCESS_DETAIL[change.document_id is not None],
            _access_note(change),
        )
        for dossier in dossiers
        for change in dossier.access_changes
    ]


def _write_security_events(root: Writer, events: list[_SecurityEvent], contents: list[ContentFile]) -> None:
    """Write each event linked to its record and the record's files (a dossier's: all of them), by the organisation
    whose head or authorised person decided it."""
    paths: dict[str, list[str]] = {}
    for content in contents if events else ():
        paths.setdefault(f"dossier-{content.dossier.id}", []).append(content.path)
        if content.document is not None:
            paths.setdefault(f"document-{content.document.id}", []).append(content.path)
    for event in events:
        links = [event.entity, *paths.get(event.entity, ())]
        when = timestamp(event.when)
        root.write_tree(
            _event(event.event_id, event.kind, when, event.detail, "success", event.note, "organisation", links)
        )


def write(snapshot: PackageSnapshot, contents: list[ContentFile], written: dict[str, Written], out: Sink) -> None:
    """Write the PREMIS document of the package's content files into ``out``, a record at a time."""
    when = timestamp(snapshot.created_at)
    with stream(out, ROOT, NSMAP, {"version": "3.0"}) as root:
        if not contents:
            # Paper dossiers only (issue 28): no file to describe. PREMIS asks for one object at least; the package
            # itself is the intellectual entity its transfer event is about.
            root.write_tree(_entity(snapshot.name))
        _write_objects(root, contents, written)
        security = [*_marking_events(snapshot.dossiers), *_access_events(snapshot.dossiers)]
        for entity in dict.fromkeys(event.entity for event in security):
            root.write_tree(_entity(entity))
        _write_captures(root, contents)
        tools = _tool_agents(contents)
        _write_migrations(root, contents, tools)
        _write_signature_checks(root, snapshot, contents)
        _write_security_events(root, security, contents)
        if contents:
            _write_fixity_check(root, contents, when)
        root.write_tree(
            _event(
                "transfer",
                "transfer",
                when,
                f"Giao nộp gói {snapshot.name} vào Lưu trữ lịch sử {snapshot.archive_code}".strip(),
                "success",
                f"audit-chain-head sha256:{snapshot.audit_head}",
                "operator",
                [] if contents else [snapshot.name],
            )
        )
        for agent in (
            _agent("organisation", snapshot.organisation_name, "organization"),
            _agent("erms", "ERMS", "software"),
            _agent("operator", snapshot.operator_name, "person"),
            *(_tool_agent(agent_id, tool) for tool, agent_id in tools.items()),
        ):
            root.write_tree(agent)
