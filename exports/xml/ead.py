"""EAD 2002 finding aid of a package: fonds → dossier-list headings → dossiers → documents, each dossier and document
with its supplementary metadata as ``odd`` (head: the field's label, p: the value)."""

from __future__ import annotations

from typing import NamedTuple

from lxml import etree

from exports.snapshot import DossierSnapshot, PackageSnapshot, Supplementary
from exports.xml import EAD_NS, PLAIN, Sink, Template, Templates, Writer, qualified, stream
from exports.xml.tt02 import MEDIA, by_heading, document_number, heading_title

NSMAP = {None: EAD_NS}
EAD, ARCHDESC, DSC, C = (qualified(EAD_NS, name) for name in ("ead", "archdesc", "dsc", "c"))
# Depths of the streamed elements: ead > archdesc > dsc > heading c > dossier c > its did and document c.
DOSSIER_DEPTH = 4


def _dates(dossier: DossierSnapshot) -> str:
    end = dossier.end_date or dossier.start_date
    return f"{dossier.start_date.isoformat()}/{end.isoformat()}"


class _PhysicalShape(NamedTuple):
    """What a dossier's description holds beyond an electronic one's (issue 28): all False for an electronic one."""

    medium: bool  # physfacet: "Giấy" or "Giấy và điện tử"
    sheets: bool  # extent in sheets ("tờ")
    pages: bool  # extent in pages ("trang")
    place: bool  # physloc: where the archive keeps the paper


def _physical_shape(dossier: DossierSnapshot) -> _PhysicalShape:
    if not dossier.physical:
        return _PhysicalShape(False, False, False, False)
    return _PhysicalShape(True, dossier.sheet_total is not None, dossier.page_total is not None, bool(dossier.place))


def _notes(names: tuple[str, ...]) -> list[etree._Element]:
    """Return an ``odd`` ("other descriptive data") per supplementary value (NĐ 30/2020 PL VI III.7.c), typed by its
    field's code, its label (head) and its value (p) left to fill."""
    return [PLAIN.odd(PLAIN.head(), PLAIN.p(), type=name) for name in names]


def _note_texts(values: Supplementary) -> list[str]:
    """Return the texts of the odds of ``_notes``: each label, then its value."""
    return [text for value in values for text in (value.label, value.value)]


class _DossierShape(NamedTuple):
    """What varies in a dossier's description: its paper, and which supplementary values it has."""

    physical: _PhysicalShape
    notes: tuple[str, ...]  # the code of each supplementary value's field


def _dossier_template(shape: _DossierShape) -> Template:
    """Return the template of a dossier's did, accessrestrict and supplementary values; a paper or hybrid dossier's
    physdesc says its medium and its extent in documents, sheets and pages, and its physloc where it is kept (EAD
    2002 <physdesc>, <physloc>)."""
    physical = shape.physical
    date = PLAIN.unitdate(normal="")
    physdesc = PLAIN.physdesc()
    if physical.medium:
        physdesc.append(PLAIN.physfacet(type="medium"))
    physdesc.append(PLAIN.extent())
    if physical.sheets:
        physdesc.append(PLAIN.extent(unit="tờ"))
    if physical.pages:
        physdesc.append(PLAIN.extent(unit="trang"))
    did = PLAIN.did(PLAIN.unitid(), PLAIN.unittitle(), date, physdesc)
    if physical.place:
        did.append(PLAIN.physloc())
    return Template(
        PLAIN.c(did, PLAIN.accessrestrict(PLAIN.p()), *_notes(shape.notes)),
        DOSSIER_DEPTH + 1,
        ("unitid", "unittitle", "unitdate", "physfacet", "extent", "physloc", "p", "head"),
        ((date, "normal"),),
        inner=True,
    )


def _physical_values(dossier: DossierSnapshot, shape: _PhysicalShape) -> tuple[list[str], list[str]]:
    """Return the texts of the physfacet and of the extents after the documents', and of the physloc."""
    extents = [f"{dossier.sheet_total} tờ"] if shape.sheets else []
    if shape.pages:
        extents.append(f"{dossier.page_total} trang")
    return [MEDIA[dossier.medium]] if shape.medium else [], [*extents, *([dossier.place] if shape.place else [])]


def _document_template(notes: tuple[str, ...]) -> Template:
    """Return the template of a document's item: its did, then its supplementary values (``_notes``)."""
    date = PLAIN.unitdate(normal="")
    # An original or a copy (exports.snapshot.copy_form), as the form of the item's material (EAD 2002 genreform).
    form = PLAIN.genreform(normal="")
    origination = PLAIN.origination(PLAIN.corpname())
    document = PLAIN.c(
        PLAIN.did(PLAIN.unitid(), PLAIN.unittitle(), date, origination, PLAIN.physdesc(form)),
        *_notes(notes),
        level="item",
        id="",
    )
    return Template(
        document,
        DOSSIER_DEPTH + 1,
        ("unitid", "unittitle", "unitdate", "corpname", "genreform", "head", "p"),
        ((date, "normal"), (form, "normal"), (document, "id")),
    )


class _Records:
    """Writes the dossiers and their documents through templates made for one EAD document (xml.Template)."""

    def __init__(self) -> None:
        self._dossiers = Templates(_dossier_template)
        self._documents = Templates(_document_template)

    def write_dossier(self, series: Writer, dossier: DossierSnapshot) -> None:
        with series.element(C, {"level": "file", "id": f"dossier-{dossier.id}"}) as children:
            dates = _dates(dossier)
            shape = _physical_shape(dossier)
            medium, extents = _physical_values(dossier, shape)
            notes = tuple(value.name for value in dossier.supplementary)
            children.write_record(
                self._dossiers[_DossierShape(shape, notes)].render(
                    dossier.file_code,
                    dossier.title,
                    dates,
                    *medium,
                    f"{len(dossier.documents)} văn bản",
                    *extents,
                    dossier.rights,
                    *_note_texts(dossier.supplementary),
                    dates,
                )
            )
            for document in dossier.documents:
                issued = document.issued_date.isoformat()
                notes = tuple(value.name for value in document.supplementary)
                children.write_record(
                    self._documents[notes].render(
                        document_number(document) or str(document.ordinal),
                        f"{document.type_name}: {document.subject}",
                        issued,
                        document.organ_name,
                        document.copy_form.label,
                        *_note_texts(document.supplementary),
                        issued,
                        document.copy_form.code,
                        # One id per place: a document filed in two dossiers of the package is an item of each.
                        f"document-{dossier.id}-{document.id}",
                    )
                )


def write(snapshot: PackageSnapshot, out: Sink) -> None:
    """Write the EAD document describing the package's dossiers under their headings into ``out``."""
    records = _Records()
    with stream(out, EAD, NSMAP) as ead:
        ead.write_tree(
            PLAIN.eadheader(
                PLAIN.eadid(snapshot.name, countrycode="VN"),
                PLAIN.filedesc(
                    PLAIN.titlestmt(
                        PLAIN.titleproper(f"Mục lục hồ sơ nộp lưu {snapshot.name} — {snapshot.organisation_name}")
                    )
                ),
            )
        )
        with ead.element(ARCHDESC, {"level": "fonds"}) as archdesc:
            archdesc.write_tree(
                PLAIN.did(
                    PLAIN.unitid(snapshot.organisation_code, countrycode="VN"),
                    PLAIN.unittitle(f"Phông {snapshot.organisation_name}"),
                    PLAIN.origination(PLAIN.corpname(snapshot.organisation_name)),
                    PLAIN.langmaterial(PLAIN.language("Tiếng Việt", langcode="vie")),
                )
            )
            with archdesc.element(DSC) as dsc:
                for number, ((year, _label), dossiers) in enumerate(by_heading(snapshot.dossiers).items(), start=1):
                    with dsc.element(C, {"level": "series", "id": f"heading-{number}"}) as series:
                        # One heading per year's dossier list: its year tells two years' "I. Tổng hợp" apart.
                        title, dated = (
                            PLAIN.unittitle(heading_title(dossiers[0])),
                            PLAIN.unitdate(str(year), normal=str(year)),
                        )
                        series.write_tree(PLAIN.did(title, dated))
                        for dossier in dossiers:
                            records.write_dossier(series, dossier)
