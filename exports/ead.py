"""EAD 2002 finding aid of a package: fonds → dossier-list headings → dossiers → documents."""

from __future__ import annotations

from lxml import etree

from exports.snapshot import DocumentSnapshot, DossierSnapshot, PackageSnapshot
from exports.tt02 import document_number, heading_key, heading_title
from exports.xml import EAD


def _dates(dossier: DossierSnapshot) -> str:
    end = dossier.end_date or dossier.start_date
    return f"{dossier.start_date.isoformat()}/{end.isoformat()}"


def _document(document: DocumentSnapshot) -> etree._Element:
    did = EAD.did(EAD.unitid(document_number(document) or str(document.ordinal)),
                  EAD.unittitle(f"{document.type_name}: {document.subject}"),
                  EAD.unitdate(document.issued_date.isoformat(), normal=document.issued_date.isoformat()),
                  EAD.origination(EAD.corpname(document.organ_name)))
    return EAD.c(did, level="item", id=f"document-{document.id}")


def _dossier(dossier: DossierSnapshot) -> etree._Element:
    did = EAD.did(EAD.unitid(dossier.file_code), EAD.unittitle(dossier.title),
                  EAD.unitdate(_dates(dossier), normal=_dates(dossier)),
                  EAD.physdesc(EAD.extent(f"{len(dossier.documents)} văn bản")))
    return EAD.c(did, EAD.accessrestrict(EAD.p(dossier.rights)), *map(_document, dossier.documents),
                 level="file", id=f"dossier-{dossier.id}")


def build(snapshot: PackageSnapshot) -> etree._Element:
    """Return the EAD document describing the package's dossiers under their headings."""
    series: dict[tuple, etree._Element] = {}
    for dossier in snapshot.dossiers:
        key = heading_key(dossier)
        if key not in series:
            series[key] = EAD.c(EAD.did(EAD.unittitle(heading_title(dossier))), level="series",
                                id=f"heading-{len(series) + 1}")
        series[key].append(_dossier(dossier))
    header = EAD.eadheader(EAD.eadid(snapshot.name, countrycode="VN"),
                           EAD.filedesc(EAD.titlestmt(EAD.titleproper(
                               f"Mục lục hồ sơ nộp lưu {snapshot.name} — {snapshot.organisation_name}"))))
    archdesc = EAD.archdesc(
        EAD.did(EAD.unitid(snapshot.organisation_code, countrycode="VN"),
                EAD.unittitle(f"Phông {snapshot.organisation_name}"),
                EAD.origination(EAD.corpname(snapshot.organisation_name)), EAD.langmaterial(EAD.language("Tiếng Việt",
                                                                                                        langcode="vie"))),
        EAD.dsc(*series.values()), level="fonds")
    return EAD.ead(header, archdesc)
