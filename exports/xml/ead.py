"""EAD 2002 finding aid of a package: fonds → dossier-list headings → dossiers → documents."""

from __future__ import annotations

from exports.snapshot import DossierSnapshot, PackageSnapshot
from exports.xml import EAD_NS, PLAIN, Sink, Template, Writer, qualified, stream
from exports.xml.tt02 import by_heading, document_number, heading_title

NSMAP = {None: EAD_NS}
EAD, ARCHDESC, DSC, C = (qualified(EAD_NS, name) for name in ("ead", "archdesc", "dsc", "c"))
# Depths of the streamed elements: ead > archdesc > dsc > heading c > dossier c > its did and document c.
DOSSIER_DEPTH = 4


def _dates(dossier: DossierSnapshot) -> str:
    end = dossier.end_date or dossier.start_date
    return f"{dossier.start_date.isoformat()}/{end.isoformat()}"


class _Records:
    """Writes the dossiers and their documents through templates made for one EAD document (xml.Template)."""

    def __init__(self) -> None:
        date = PLAIN.unitdate(normal="")
        self._dossier = Template(
            PLAIN.c(
                PLAIN.did(PLAIN.unitid(), PLAIN.unittitle(), date, PLAIN.physdesc(PLAIN.extent())),
                PLAIN.accessrestrict(PLAIN.p()),
            ),
            DOSSIER_DEPTH + 1,
            ("unitid", "unittitle", "unitdate", "extent", "p"),
            ((date, "normal"),),
            inner=True,
        )
        date = PLAIN.unitdate(normal="")
        document = PLAIN.c(
            PLAIN.did(PLAIN.unitid(), PLAIN.unittitle(), date, PLAIN.origination(PLAIN.corpname())), level="item", id=""
        )
        self._document = Template(
            document,
            DOSSIER_DEPTH + 1,
            ("unitid", "unittitle", "unitdate", "corpname"),
            ((date, "normal"), (document, "id")),
        )

    def write_dossier(self, series: Writer, dossier: DossierSnapshot) -> None:
        with series.element(C, {"level": "file", "id": f"dossier-{dossier.id}"}) as children:
            dates = _dates(dossier)
            children.write_record(
                self._dossier.render(
                    dossier.file_code, dossier.title, dates, f"{len(dossier.documents)} văn bản", dossier.rights, dates
                )
            )
            for document in dossier.documents:
                issued = document.issued_date.isoformat()
                children.write_record(
                    self._document.render(
                        document_number(document) or str(document.ordinal),
                        f"{document.type_name}: {document.subject}",
                        issued,
                        document.organ_name,
                        issued,
                        f"document-{document.id}",
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
                for number, dossiers in enumerate(by_heading(snapshot.dossiers).values(), start=1):
                    with dsc.element(C, {"level": "series", "id": f"heading-{number}"}) as series:
                        series.write_tree(PLAIN.did(PLAIN.unittitle(heading_title(dossiers[0]))))
                        for dossier in dossiers:
                            records.write_dossier(series, dossier)
