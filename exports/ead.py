"""EAD 2002 finding aid of a package: fonds → dossier-list headings → dossiers → documents."""

from __future__ import annotations

from typing import BinaryIO

from lxml import etree

from exports.snapshot import DocumentSnapshot, DossierSnapshot, PackageSnapshot
from exports.tt02 import by_heading, document_number, heading_title
from exports.xml import EAD_NS, PLAIN, Stamp, Writer, qualified, stream

NSMAP = {None: EAD_NS}
EAD, ARCHDESC, DSC, C = (qualified(EAD_NS, name) for name in ("ead", "archdesc", "dsc", "c"))
# Depths of the streamed elements: ead > archdesc > dsc > heading c > dossier c > its did and document c.
DOSSIER_DEPTH = 4


def _dates(dossier: DossierSnapshot) -> str:
    end = dossier.end_date or dossier.start_date
    return f"{dossier.start_date.isoformat()}/{end.isoformat()}"


class _Records:
    """Writes the dossiers and their documents through stamps made for one EAD document (xml.Stamp)."""

    def __init__(self) -> None:
        self._did = Stamp(PLAIN.did(PLAIN.unitid(), PLAIN.unittitle(), PLAIN.unitdate(normal=""),
                                    PLAIN.physdesc(PLAIN.extent())),
                          DOSSIER_DEPTH + 1, slots=("unitid", "unittitle", "unitdate", "extent"))
        self._did_date = self._did.element.find("unitdate")
        self._access = Stamp(PLAIN.accessrestrict(PLAIN.p()), DOSSIER_DEPTH + 1, slots=("p",))
        self._document = Stamp(PLAIN.c(PLAIN.did(PLAIN.unitid(), PLAIN.unittitle(), PLAIN.unitdate(normal=""),
                                                 PLAIN.origination(PLAIN.corpname())), level="item", id=""),
                               DOSSIER_DEPTH + 1, slots=("unitid", "unittitle", "unitdate", "corpname"))
        self._document_date = self._document.element.find("did/unitdate")

    def write_dossier(self, series: Writer, dossier: DossierSnapshot) -> None:
        with series.element(C, {"level": "file", "id": f"dossier-{dossier.id}"}) as children:
            dates = _dates(dossier)
            self._did_date.set("normal", dates)
            children.write(self._did.fill(dossier.file_code, dossier.title, dates, f"{len(dossier.documents)} văn bản"))
            children.write(self._access.fill(dossier.rights))
            for document in dossier.documents:
                children.write(self._fill_document(document))

    def _fill_document(self, document: DocumentSnapshot) -> etree._Element:
        issued = document.issued_date.isoformat()
        self._document_date.set("normal", issued)
        element = self._document.fill(document_number(document) or str(document.ordinal),
                                      f"{document.type_name}: {document.subject}", issued, document.organ_name)
        element.set("id", f"document-{document.id}")
        return element


def write(snapshot: PackageSnapshot, out: BinaryIO) -> None:
    """Write the EAD document describing the package's dossiers under their headings into ``out``."""
    records = _Records()
    with stream(out, EAD, NSMAP) as ead:
        ead.write_tree(PLAIN.eadheader(PLAIN.eadid(snapshot.name, countrycode="VN"), PLAIN.filedesc(PLAIN.titlestmt(
            PLAIN.titleproper(f"Mục lục hồ sơ nộp lưu {snapshot.name} — {snapshot.organisation_name}")))))
        with ead.element(ARCHDESC, {"level": "fonds"}) as archdesc:
            archdesc.write_tree(PLAIN.did(
                PLAIN.unitid(snapshot.organisation_code, countrycode="VN"),
                PLAIN.unittitle(f"Phông {snapshot.organisation_name}"),
                PLAIN.origination(PLAIN.corpname(snapshot.organisation_name)),
                PLAIN.langmaterial(PLAIN.language("Tiếng Việt", langcode="vie"))))
            with archdesc.element(DSC) as dsc:
                for number, dossiers in enumerate(by_heading(snapshot.dossiers).values(), start=1):
                    with dsc.element(C, {"level": "series", "id": f"heading-{number}"}) as series:
                        series.write_tree(PLAIN.did(PLAIN.unittitle(heading_title(dossiers[0]))))
                        for dossier in dossiers:
                            records.write_dossier(series, dossier)
