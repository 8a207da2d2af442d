"""METS.xml of a package (E-ARK CSIP/SIP) and of its representation: pure builders from written files.

The root METS follows ../shared/tools/eark/README.md item by item: CSIP header and software agent,
one dmdSec per descriptive file, PREMIS in amdSec, the Documentation/Schemas/Representations
file groups (every group carries csip:OTHER, rule CSIP63), the CSIP physical structMap, and a
logical structMap dossiers → documents → files. Each file is listed with its size and SHA-256.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from lxml import etree

from exports import layout
from exports.layout import ContentFile, Written
from exports.xml import CSIP_NS, METS, METS_NS, XLINK_NS, qualified, timestamp

SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
SOFTWARE = "ERMS"
VERSION = "0.1.0"
# (path, dmdSec id, MDTYPE, OTHERMDTYPE)
DESCRIPTIVE = ((layout.EAD, "dmd-ead", "EAD", ""), (layout.CITS_ERMS, "dmd-erms", "OTHER", "CITS-ERMS-v3"),
               (layout.TT02, "dmd-tt02", "OTHER", "TT02-2019"))
DIV = qualified(METS_NS, "div")
FPTR = qualified(METS_NS, "fptr")


def _csip(name: str) -> str:
    return qualified(CSIP_NS, name)


def _xlink(name: str) -> str:
    return qualified(XLINK_NS, name)


def _header(created: datetime) -> etree._Element:
    agent = METS.agent(METS.name(SOFTWARE), METS.note(VERSION, {_csip("NOTETYPE"): "SOFTWARE VERSION"}),
                       ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    return METS.metsHdr(agent, {"CREATEDATE": timestamp(created), "LASTMODDATE": timestamp(created),
                                _csip("OAISPACKAGETYPE"): "SIP"})


def _checksummed(written: Written) -> dict:
    return {"MIMETYPE": written.media_type, "SIZE": str(written.size), "CREATED": timestamp(written.created),
            "CHECKSUM": written.sha256, "CHECKSUMTYPE": "SHA-256"}


def _md_ref(written: Written, mdtype: str, other: str = "") -> etree._Element:
    attributes = {"LOCTYPE": "URL", _xlink("type"): "simple", _xlink("href"): written.path, "MDTYPE": mdtype,
                  **_checksummed(written)}
    if other:
        attributes["OTHERMDTYPE"] = other
    return METS.mdRef(attributes)


def _file(written: Written, file_id: str, href: str) -> etree._Element:
    location = METS.FLocat({"LOCTYPE": "URL", _xlink("type"): "simple", _xlink("href"): href})
    return METS.file(location, ID=file_id, **_checksummed(written))


def _group(group_id: str, use: str, files: Iterable[etree._Element]) -> etree._Element:
    return METS.fileGrp(*files, {"ID": group_id, "USE": use, _csip("CONTENTINFORMATIONTYPE"): "OTHER",
                                 _csip("OTHERCONTENTINFORMATIONTYPE"): "NONE"})


def _root(name: str, label: str, created: datetime, *children) -> etree._Element:
    return METS.mets(_header(created), *children,
                     {"OBJID": name, "LABEL": label, "TYPE": "Text", "PROFILE": SIP_PROFILE,
                      _csip("CONTENTINFORMATIONTYPE"): "MIXED"})


def file_ids(contents: list[ContentFile]) -> dict[str, str]:
    """Return the METS file ID of each content path (stable NCNames in package order)."""
    return {content.path: f"file-{number:06d}" for number, content in enumerate(contents, start=1)}


def representation(name: str, created: datetime, contents: list[ContentFile],
                   written: dict[str, Written]) -> etree._Element:
    """Return the representation's METS: its Data group, hrefs relative to the representation folder."""
    prefix = len(layout.REPRESENTATION) + 1
    ids = file_ids(contents)
    files = [_file(written[content.path], f"rep-{ids[content.path]}", content.path[prefix:]) for content in contents]
    data = METS.fileGrp(*files, ID="rep1-filegrp-data", USE="Data")
    struct = METS.structMap(METS.div(METS.div(METS.fptr(FILEID="rep1-filegrp-data"), ID="rep1-div-data",
                                              LABEL="Data"), ID="rep1-div-root", LABEL="rep1"),
                            ID="rep1-structmap", TYPE="PHYSICAL", LABEL="CSIP")
    return _root(f"{name}-rep1", f"{name}: biểu diễn 1", created, METS.fileSec(data, ID="rep1-filesec"), struct)


def package(name: str, label: str, created: datetime, contents: list[ContentFile], written: dict[str, Written],
            documentation: list[str]) -> etree._Element:
    """Return the root METS.xml of the package from the files already written into it."""
    dmd = [METS.dmdSec(_md_ref(written[path], mdtype, other), ID=dmd_id, CREATED=timestamp(created),
                       STATUS="CURRENT") for path, dmd_id, mdtype, other in DESCRIPTIVE]
    amd = METS.amdSec(METS.digiprovMD(_md_ref(written[layout.PREMIS], "PREMIS"), ID="digiprov-premis",
                                      STATUS="CURRENT"))
    ids = file_ids(contents)
    representations = [_file(written[layout.REPRESENTATION_METS], "file-rep1-mets", layout.REPRESENTATION_METS)]
    representations += [_file(written[content.path], ids[content.path], content.path) for content in contents]
    file_sec = METS.fileSec(
        _group("filegrp-documentation", "Documentation",
               (_file(written[path], f"file-doc-{number}", path) for number, path in enumerate(documentation, 1))),
        _group("filegrp-schemas", "Schemas", [_file(written[layout.ERMS_XSD], "file-schema-erms", layout.ERMS_XSD)]),
        _group("filegrp-rep1", "Representations/rep1", representations),
        ID="filesec")
    return _root(name, label, created, *dmd, amd, file_sec, _physical(name, _dossier_divs(contents, ids)))


def _physical(name: str, dossiers: list[etree._Element]) -> etree._Element:
    representations = METS.div(
        METS.fptr(FILEID="filegrp-rep1"),
        METS.div(METS.mptr({"LOCTYPE": "URL", _xlink("type"): "simple", _xlink("href"): layout.REPRESENTATION_METS,
                            _xlink("title"): "filegrp-rep1"}), *dossiers, ID="div-rep1",
                 LABEL="Representations/rep1"),
        ID="div-representations", LABEL="Representations")
    root = METS.div(
        METS.div(ID="div-metadata", LABEL="Metadata", ADMID="digiprov-premis",
                 DMDID=" ".join(dmd_id for _, dmd_id, _, _ in DESCRIPTIVE)),
        METS.div(METS.fptr(FILEID="filegrp-documentation"), ID="div-documentation", LABEL="Documentation"),
        METS.div(METS.fptr(FILEID="filegrp-schemas"), ID="div-schemas", LABEL="Schemas"),
        representations, ID="div-root", LABEL=name)
    return METS.structMap(root, ID="structmap-csip", TYPE="PHYSICAL", LABEL="CSIP")


def _dossier_divs(contents: list[ContentFile], ids: dict[str, str]) -> list[etree._Element]:
    """Dossiers → documents → files, the way an archivist reads the package ("hồ sơ → văn bản → tệp").

    They sit inside the representation's div: eark-validator applies CSIP81/82 to every structMap,
    so a second (logical) structMap would make the package invalid.
    """
    divs: dict[tuple, etree._Element] = {}
    for content in contents:
        dossier, document = content.dossier, content.document
        parent = divs.get((dossier.id,))
        if parent is None:
            parent = divs[(dossier.id,)] = METS.div(ID=f"div-dossier-{dossier.id}", TYPE="Hồ sơ",
                                                    LABEL=f"{dossier.file_code} {dossier.title}")
        if document is not None:
            key = (dossier.id, document.id)
            if key not in divs:
                divs[key] = etree.SubElement(parent, DIV, ID=f"div-document-{dossier.id}-{document.id}",
                                             TYPE="Văn bản", ORDER=str(document.ordinal), LABEL=document.subject)
            parent = divs[key]
        etree.SubElement(parent, FPTR, FILEID=ids[content.path])
    return [div for key, div in divs.items() if len(key) == 1]
