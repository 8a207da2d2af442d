"""METS.xml of a package (E-ARK CSIP/SIP) and of its representation, streamed from the written files.

The root METS follows exports/bagging/eark/README.md item by item: CSIP header and software agent,
one dmdSec per descriptive file, PREMIS in amdSec, the Documentation/Schemas/Representations
file groups (every group carries csip:OTHER, rule CSIP63), the CSIP physical structMap, and a
logical structMap dossiers → documents → files. Each file is listed with its size and SHA-256.

Preservation copies (layout.PRESERVATION) make a second representation: its own METS.xml, file group
("Representations/rep2") and div, where each copy sits under its dossier and document as its original does in rep1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from itertools import groupby

from lxml import etree

from exports.bagging import layout
from exports.bagging.layout import ContentFile, Written
from exports.snapshot import DossierSnapshot
from exports.xml import (
    CSIP_NS,
    METS_NS,
    PLAIN,
    XLINK_NS,
    Sink,
    Template,
    Templates,
    Writer,
    qualified,
    stream,
    timestamp,
)
from exports.xml.tt02 import paper_note

SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
SOFTWARE = "ERMS"
VERSION = "0.1.0"
# (path, dmdSec id, MDTYPE, OTHERMDTYPE)
DESCRIPTIVE = (
    (layout.EAD, "dmd-ead", "EAD", ""),
    (layout.CITS_ERMS, "dmd-erms", "OTHER", "CITS-ERMS-v3"),
    (layout.TT02, "dmd-tt02", "OTHER", "TT02-2019"),
)
NSMAP = {None: METS_NS, "csip": CSIP_NS, "xlink": XLINK_NS}
(
    METS,
    METS_HDR,
    AGENT,
    NAME,
    NOTE,
    DMD_SEC,
    AMD_SEC,
    DIGIPROV_MD,
    MD_REF,
    FILE_SEC,
    FILE_GRP,
    STRUCT_MAP,
    DIV,
    MPTR,
) = (
    qualified(METS_NS, name)
    for name in (
        "mets",
        "metsHdr",
        "agent",
        "name",
        "note",
        "dmdSec",
        "amdSec",
        "digiprovMD",
        "mdRef",
        "fileSec",
        "fileGrp",
        "structMap",
        "div",
        "mptr",
    )
)
# Depth of the files in both documents: mets > fileSec > fileGrp > file.
FILE_DEPTH = 3
FILE_ATTRIBUTES = ("ID", "MIMETYPE", "SIZE", "CREATED", "CHECKSUM")  # then CHECKSUMTYPE, always SHA-256
# Depth of the dossiers' divs: mets > structMap > div-root > div-representations > div-rep1 > dossier div.
DOSSIER_DEPTH = 5
HREF = qualified(XLINK_NS, "href")
# Each representation's label: rep1 the files as the agency kept them, rep2 their preservation copies.
LABELS = {layout.REPRESENTATION: "biểu diễn 1", layout.PRESERVATION: "biểu diễn 2, bản sao bảo quản PDF/A"}
# A copies' dossier div's TYPE: never "Hồ sơ", which says a div is a dossier of rep1 (intake/bag_reading.py).
COPIES_TYPE = "Bản sao bảo quản của hồ sơ"


def _csip(name: str) -> str:
    return qualified(CSIP_NS, name)


def _xlink(name: str) -> str:
    return qualified(XLINK_NS, name)


def _write_header(mets: Writer, created: datetime) -> None:
    attributes = {"CREATEDATE": timestamp(created), "LASTMODDATE": timestamp(created), _csip("OAISPACKAGETYPE"): "SIP"}
    with mets.element(METS_HDR, attributes) as header:
        with header.element(AGENT, {"ROLE": "CREATOR", "TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"}) as agent:
            agent.leaf(NAME, SOFTWARE)
            agent.leaf(NOTE, VERSION, {_csip("NOTETYPE"): "SOFTWARE VERSION"})


def _checksummed(written: Written) -> dict:
    return {
        "MIMETYPE": written.media_type,
        "SIZE": str(written.size),
        "CREATED": timestamp(written.created),
        "CHECKSUM": written.sha256,
        "CHECKSUMTYPE": "SHA-256",
    }


def _md_ref(written: Written, mdtype: str, other: str = "") -> dict:
    attributes = {
        "LOCTYPE": "URL",
        _xlink("type"): "simple",
        _xlink("href"): written.path,
        "MDTYPE": mdtype,
        **_checksummed(written),
    }
    if other:
        attributes["OTHERMDTYPE"] = other
    return attributes


class _Files:
    """Writes ``file`` elements through one template (xml.Template).

    Whole records rather than xmlfile's own tags, which would write the Vietnamese letters of the
    paths as character references.
    """

    def __init__(self) -> None:
        element = etree.Element("file", dict.fromkeys(FILE_ATTRIBUTES, ""), nsmap={"xlink": XLINK_NS})
        element.set("CHECKSUMTYPE", "SHA-256")
        location = etree.SubElement(element, "FLocat", {"LOCTYPE": "URL", _xlink("type"): "simple", HREF: ""})
        attributes = (*((element, name) for name in FILE_ATTRIBUTES), (location, HREF))
        self._template = Template(element, FILE_DEPTH, attributes=attributes, nsmap={"xlink": XLINK_NS})

    def write(self, group: Writer, written: Written, file_id: str, href: str) -> None:
        record = self._template.render(
            file_id, written.media_type, str(written.size), timestamp(written.created), written.sha256, href
        )
        # The file's start tag and its FLocat's, in one block for eark-validator (xml.PARSER_BLOCK).
        group.write_record(record, head=record.index(b">", record.index(b"<FLocat")) + 1)


@contextmanager
def _group(parent: Writer, group_id: str, use: str) -> Iterator[Writer]:
    attributes = {
        "ID": group_id,
        "USE": use,
        _csip("CONTENTINFORMATIONTYPE"): "OTHER",
        _csip("OTHERCONTENTINFORMATIONTYPE"): "NONE",
    }
    with parent.element(FILE_GRP, attributes) as group:
        yield group


def _root(out: Sink, name: str, label: str) -> AbstractContextManager[Writer]:
    attributes = {
        "OBJID": name,
        "LABEL": label,
        "TYPE": "Text",
        "PROFILE": SIP_PROFILE,
        _csip("CONTENTINFORMATIONTYPE"): "MIXED",
    }
    return stream(out, METS, NSMAP, attributes)


def _file_id(number: int) -> str:
    return f"file-{number:06d}"


def numbered(contents: list[ContentFile], representation: str) -> list[tuple[int, ContentFile]]:
    """Return the files of one representation (layout.REPRESENTATION or PRESERVATION) with their numbers in the
    package (``_file_id``), in package order."""
    return [
        (number, content)
        for number, content in enumerate(contents, start=1)
        if content.path.startswith(f"{representation}/")
    ]


def write_representation(
    name: str,
    created: datetime,
    representation: str,
    contents: list[ContentFile],
    written: dict[str, Written],
    out: Sink,
) -> None:
    """Write a representation's METS into ``out`` (layout.REPRESENTATION or PRESERVATION): its Data group of its
    files among ``contents``, hrefs relative to the representation folder."""
    prefix, rep = len(representation) + 1, representation.rpartition("/")[2]
    files = _Files()
    with _root(out, f"{name}-{rep}", f"{name}: {LABELS[representation]}") as mets:
        _write_header(mets, created)
        with mets.element(FILE_SEC, {"ID": f"{rep}-filesec"}) as file_sec:
            with file_sec.element(FILE_GRP, {"ID": f"{rep}-filegrp-data", "USE": "Data"}) as group:
                for number, content in numbered(contents, representation):
                    files.write(group, written[content.path], f"rep-{_file_id(number)}", content.path[prefix:])
        mets.write_tree(
            PLAIN.structMap(
                PLAIN.div(
                    PLAIN.div(PLAIN.fptr(FILEID=f"{rep}-filegrp-data"), ID=f"{rep}-div-data", LABEL="Data"),
                    ID=f"{rep}-div-root",
                    LABEL=rep,
                ),
                ID=f"{rep}-structmap",
                TYPE="PHYSICAL",
                LABEL="CSIP",
            )
        )


def write_package(
    name: str,
    label: str,
    created: datetime,
    contents: list[ContentFile],
    written: dict[str, Written],
    documentation: list[str],
    out: Sink,
    dossiers: Sequence[DossierSnapshot] = (),
) -> None:
    """Write the root METS.xml of the package into ``out`` from the files already written into it.

    ``dossiers``: every dossier of the package in package order, so that one with no file in the package (a paper
    dossier) still has its div; without them, the dossiers are those the files belong to.
    """
    files = _Files()
    with _root(out, name, label) as mets:
        _write_header(mets, created)
        for path, dmd_id, mdtype, other in DESCRIPTIVE:
            with mets.element(DMD_SEC, {"ID": dmd_id, "CREATED": timestamp(created), "STATUS": "CURRENT"}) as dmd:
                dmd.leaf(MD_REF, "", _md_ref(written[path], mdtype, other))
        with mets.element(AMD_SEC) as amd:
            with amd.element(DIGIPROV_MD, {"ID": "digiprov-premis", "STATUS": "CURRENT"}) as digiprov:
                digiprov.leaf(MD_REF, "", _md_ref(written[layout.PREMIS], "PREMIS"))
        with mets.element(FILE_SEC, {"ID": "filesec"}) as file_sec:
            with _group(file_sec, "filegrp-documentation", "Documentation") as group:
                for number, path in enumerate(documentation, start=1):
                    files.write(group, written[path], f"file-doc-{number}", path)
            with _group(file_sec, "filegrp-schemas", "Schemas") as group:
                for number, path in enumerate(layout.SCHEMAS, start=1):
                    files.write(group, written[path], f"file-schema-{number}", path)
            for representation in representations(contents):
                rep = representation.rpartition("/")[2]
                with _group(file_sec, f"filegrp-{rep}", f"Representations/{rep}") as group:
                    mets_path = f"{representation}/METS.xml"
                    files.write(group, written[mets_path], f"file-{rep}-mets", mets_path)
                    for number, content in numbered(contents, representation):
                        files.write(group, written[content.path], _file_id(number), content.path)
        _write_physical(mets, name, contents, dossiers)


def representations(contents: list[ContentFile]) -> tuple[str, ...]:
    """Return the package's representations: rep1 always (a paper dossier's package has no file, but the METS of
    rep1), rep2 when a preservation copy is in the package."""
    copies = any(content.original is not None for content in contents)
    return (layout.REPRESENTATION, layout.PRESERVATION) if copies else (layout.REPRESENTATION,)


def _write_physical(mets: Writer, name: str, contents: list[ContentFile], dossiers: Sequence[DossierSnapshot]) -> None:
    with mets.element(STRUCT_MAP, {"ID": "structmap-csip", "TYPE": "PHYSICAL", "LABEL": "CSIP"}) as struct_map:
        with struct_map.element(DIV, {"ID": "div-root", "LABEL": name}) as root:
            root.leaf(
                DIV,
                "",
                {
                    "ID": "div-metadata",
                    "LABEL": "Metadata",
                    "ADMID": "digiprov-premis",
                    "DMDID": " ".join(dmd_id for _, dmd_id, _, _ in DESCRIPTIVE),
                },
            )
            root.write_tree(
                PLAIN.div(PLAIN.fptr(FILEID="filegrp-documentation"), ID="div-documentation", LABEL="Documentation")
            )
            root.write_tree(PLAIN.div(PLAIN.fptr(FILEID="filegrp-schemas"), ID="div-schemas", LABEL="Schemas"))
            with root.element(DIV, {"ID": "div-representations", "LABEL": "Representations"}) as outer:
                present = representations(contents)
                for representation in present:  # a div's fptrs come before its divs
                    outer.write_tree(PLAIN.fptr(FILEID=f"filegrp-{representation.rpartition('/')[2]}"))
                for representation in present:
                    rep = representation.rpartition("/")[2]
                    with outer.element(DIV, {"ID": f"div-{rep}", "LABEL": f"Representations/{rep}"}) as div:
                        div.leaf(
                            MPTR,
                            "",
                            {
                                "LOCTYPE": "URL",
                                _xlink("type"): "simple",
                                _xlink("href"): f"{representation}/METS.xml",
                                _xlink("title"): f"filegrp-{rep}",
                            },
                        )
                        if representation == layout.REPRESENTATION:
                            _write_dossier_divs(div, numbered(contents, representation), dossiers)
                        else:
                            _write_copy_divs(div, numbered(contents, representation))


def _write_copy_divs(parent: Writer, copies: list[tuple[int, ContentFile]]) -> None:
    """Preservation copies by dossier, then by document, as their originals are in rep1: a div per dossier (its code
    and title, COPIES_TYPE) holding a div per document (its ordinal and subject) that points to its files' copies."""
    for dossier_id, in_dossier in groupby(copies, lambda item: item[1].dossier.id):
        of_dossier = list(in_dossier)
        documents = [
            _copies_div(dossier_id, list(files)) for _, files in groupby(of_dossier, lambda item: item[1].document)
        ]
        label = _dossier_label(of_dossier[0][1].dossier)
        parent.write_tree(PLAIN.div(*documents, ID=f"div-copies-{dossier_id}", TYPE=COPIES_TYPE, LABEL=label))


def _copies_div(dossier_id: int, files: list[tuple[int, ContentFile]]) -> etree._Element:
    """Return the div of one document's preservation copies."""
    document = files[0][1].document
    assert document is not None  # a copy is always of a document's file (layout.content_files)
    return PLAIN.div(
        *(PLAIN.fptr(FILEID=_file_id(number)) for number, _ in files),
        ID=f"div-copies-{dossier_id}-{document.id}",
        TYPE="Văn bản",
        ORDER=str(document.ordinal),
        LABEL=document.subject,
    )


def _write_dossier_divs(
    parent: Writer, contents: list[tuple[int, ContentFile]], dossiers: Sequence[DossierSnapshot]
) -> None:
    """Dossiers → documents → files of rep1 (``contents``: numbered), the way an archivist reads the package ("hồ sơ →
    văn bản → tệp").

    They sit inside the representation's div: eark-validator applies CSIP81/82 to every structMap,
    so a second (logical) structMap would make the package invalid. Contents come dossier by dossier,
    each document's files together (layout.content_files), so a dossier's div is filled and written
    before the next; dossiers of the same shape share a template.

    A paper dossier's div has no file pointer: the package carries none of its files (layout.content_files), and
    its LABEL says it is on paper, how many sheets and where it is kept, as the EAD's physdesc and physloc do. A
    hybrid dossier's div says the same and points to its files. TYPE stays "Hồ sơ" for every dossier: it is what
    tells a dossier's div from a document's (intake/bag_reading.py reads our bags back by it).
    """
    templates = Templates(_dossier_div_template)
    by_dossier = {dossier_id: list(files) for dossier_id, files in groupby(contents, lambda item: item[1].dossier.id)}
    if not dossiers:
        dossiers = [files[0][1].dossier for files in by_dossier.values()]
    for dossier in dossiers:
        files = by_dossier.get(dossier.id, [])
        shape = _div_shape(content for _, content in files)
        values = [f"div-dossier-{dossier.id}", _dossier_label(dossier)]
        for (number, content), kind in zip(files, shape, strict=False):
            if kind:
                document = content.document
                assert document is not None  # _div_shape: a file without a document has kind None
                values += (f"div-document-{dossier.id}-{document.id}", str(document.ordinal), document.subject)
            values.append(_file_id(number))
        parent.write_record(templates[shape].render(*values))


def _dossier_label(dossier: DossierSnapshot) -> str:
    """Return a dossier div's LABEL: its code and title, then what of it is on paper and where (issue 28)."""
    label = f"{dossier.file_code} {dossier.title}"
    note = paper_note(dossier)
    return f"{label} ({note})" if note else label


def _div_shape(files: Iterable[ContentFile]) -> tuple[bool | None, ...]:
    """Return, for each file of a dossier, None if it is the dossier's own (its index), True if it is the
    first file of a document, False if it is a further file of the same document."""
    shape: list[bool | None] = []
    previous = None
    for content in files:
        document = content.document
        shape.append(None if document is None else previous is None or document.id != previous.id)
        previous = document
    return tuple(shape)


def _dossier_div_template(shape: tuple[bool | None, ...]) -> Template:
    """Return the template of a dossier's div of this shape (``_div_shape``): its ID and LABEL, then for
    each file its document div's ID, ORDER and LABEL (first file of a document) and its FILEID."""
    div = PLAIN.div(ID="", TYPE="Hồ sơ", LABEL="")
    attributes = [(div, "ID"), (div, "LABEL")]
    parent = div
    for kind in shape:
        if kind is None:
            parent = div
        elif kind:
            parent = etree.SubElement(div, "div", ID="", TYPE="Văn bản", ORDER="", LABEL="")
            attributes += ((parent, "ID"), (parent, "ORDER"), (parent, "LABEL"))
        attributes.append((etree.SubElement(parent, "fptr", FILEID=""), "FILEID"))
    return Template(div, DOSSIER_DEPTH, attributes=tuple(attributes))
