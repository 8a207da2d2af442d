"""PREMIS 3 preservation metadata of a package: objects with fixity and format, events, agents.

Events: the capture of each file (when its digests were recorded), the fixity check made while
copying it into the package, and the transfer itself, whose outcome carries the head hash of
the audit chain at export time so the archive can later prove the agency's log was not rewritten.
"""

from __future__ import annotations

from lxml import etree

from exports.layout import ContentFile, Written
from exports.snapshot import PackageSnapshot
from exports.xml import PREMIS, XSI_NS, qualified, timestamp

FORMATS = {"application/pdf": "Portable Document Format"}


def _identifier(kind: str, value: str) -> etree._Element:
    make = getattr(PREMIS, f"{kind}Identifier")
    return make(getattr(PREMIS, f"{kind}IdentifierType")("local"), getattr(PREMIS, f"{kind}IdentifierValue")(value))


def _object(content: ContentFile, written: Written) -> etree._Element:
    characteristics = PREMIS.objectCharacteristics(
        PREMIS.compositionLevel("0"),
        PREMIS.fixity(PREMIS.messageDigestAlgorithm("SHA-256"), PREMIS.messageDigest(written.sha256)),
        PREMIS.fixity(PREMIS.messageDigestAlgorithm("SHA-512"), PREMIS.messageDigest(written.sha512)),
        PREMIS.size(str(written.size)),
        PREMIS.format(PREMIS.formatDesignation(PREMIS.formatName(
            FORMATS.get(content.source.media_type, content.source.media_type)))),
    )
    return PREMIS.object(_identifier("object", content.path), characteristics,
                         PREMIS.originalName(content.source.filename), {qualified(XSI_NS, "type"): "premis:file"})


def _event(event_id: str, kind: str, when: str, detail: str, outcome: str, note: str, agent: str,
           objects: list[str]) -> etree._Element:
    return PREMIS.event(
        _identifier("event", event_id), PREMIS.eventType(kind), PREMIS.eventDateTime(when),
        PREMIS.eventDetailInformation(PREMIS.eventDetail(detail)),
        PREMIS.eventOutcomeInformation(PREMIS.eventOutcome(outcome),
                                       PREMIS.eventOutcomeDetail(PREMIS.eventOutcomeDetailNote(note))),
        PREMIS.linkingAgentIdentifier(PREMIS.linkingAgentIdentifierType("local"),
                                      PREMIS.linkingAgentIdentifierValue(agent)),
        *(PREMIS.linkingObjectIdentifier(PREMIS.linkingObjectIdentifierType("local"),
                                         PREMIS.linkingObjectIdentifierValue(path)) for path in objects),
    )


def _agent(agent_id: str, name: str, kind: str) -> etree._Element:
    return PREMIS.agent(_identifier("agent", agent_id), PREMIS.agentName(name), PREMIS.agentType(kind))


def build(snapshot: PackageSnapshot, contents: list[ContentFile], written: dict[str, Written]) -> etree._Element:
    """Return the PREMIS document of the package's content files."""
    root = PREMIS.premis(version="3.0")
    root.extend(_object(content, written[content.path]) for content in contents)
    for number, content in enumerate(contents, start=1):
        root.append(_event(f"capture-{number}", "capture", timestamp(content.source.captured_at),
                           "Tiếp nhận tệp vào hệ thống; ghi nhận mã băm SHA-256 và SHA-512", "success",
                           content.source.sha256, "erms", [content.path]))
    when = timestamp(snapshot.created_at)
    root.append(_event("fixity-check", "fixity check", when,
                       "Đối chiếu mã băm SHA-256 của từng tệp với mã ghi nhận khi tiếp nhận, trong khi sao chép",
                       "success", f"{len(contents)} tệp khớp", "erms", [content.path for content in contents]))
    root.append(_event("transfer", "transfer", when,
                       f"Giao nộp gói {snapshot.name} vào Lưu trữ lịch sử {snapshot.archive_code}".strip(),
                       "success", f"audit-chain-head sha256:{snapshot.audit_head}", "operator", []))
    root.extend([_agent("organisation", snapshot.organisation_name, "organization"),
                 _agent("erms", "ERMS", "software"),
                 _agent("operator", snapshot.operator_name, "person")])
    return root
