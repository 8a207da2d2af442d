"""TT 02/2019 metadata of the dossiers and documents, and the transfer list, as XML.

Element names are the TT 02/2019 tags (standards.md §1.2-1.3: FileCode, FileCatalog, DocOrdinal …)
so the archive reads the fields it knows; dates are dd/mm/yyyy as the circular writes them. The
transfer list ("mục lục hồ sơ nộp lưu") is the same dossiers, one row each, in the list's order.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from exports.snapshot import DocumentSnapshot, DossierSnapshot, PackageSnapshot
from exports.xml import TT02, timestamp


def vn_date(value: date | None) -> str:
    """Return a date as TT 02/2019 writes it (dd/mm/yyyy), empty when unknown."""
    return value.strftime("%d/%m/%Y") if value else ""


def document_number(document: DocumentSnapshot) -> str:
    """Return "number/notation" of a document ("Số, ký hiệu văn bản")."""
    return "/".join(part for part in (document.code_number, document.code_notation) if part)


def heading_key(dossier: DossierSnapshot) -> tuple:
    """Return what groups dossiers under one heading: the list year and the heading label."""
    return (dossier.heading.list_year, dossier.heading.label) if dossier.heading else (dossier.year, "")


def heading_title(dossier: DossierSnapshot) -> str:
    """Return the heading as the dossier list prints it ("II. Tổ chức, cán bộ")."""
    if dossier.heading is None:
        return "Hồ sơ ngoài đề mục"
    return f"{dossier.heading.label}. {dossier.heading.title}"


def _fields(element_name: str, pairs: list[tuple[str, object]]) -> etree._Element:
    element = getattr(TT02, element_name)()
    for tag, value in pairs:
        element.append(getattr(TT02, tag)("" if value is None else str(value)))
    return element


def _document(snapshot: PackageSnapshot, dossier: DossierSnapshot, document: DocumentSnapshot) -> etree._Element:
    return _fields("Document", [
        ("DocCode", f"{dossier.file_code}.{document.ordinal:03d}"), ("FileCode", dossier.file_code),
        ("Identifier", snapshot.archive_code), ("OrganId", snapshot.organisation_code),
        ("FileCatalog", dossier.year), ("FileNotation", dossier.file_notation), ("DocOrdinal", document.ordinal),
        ("TypeName", document.type_name), ("CodeNumber", document.code_number),
        ("CodeNotation", document.code_notation), ("IssuedDate", vn_date(document.issued_date)),
        ("OrganName", document.organ_name), ("Subject", document.subject), ("Language", document.language),
        ("PageAmount", document.page_amount), ("Description", document.description),
        ("Keyword", document.keyword), ("Priority", f"{document.urgency}/{document.marking}"),
        ("SignerPosition", document.signer_position), ("SignerName", document.signer_name),
    ])


def _dossier(snapshot: PackageSnapshot, dossier: DossierSnapshot) -> etree._Element:
    element = _fields("Dossier", [
        ("FileCode", dossier.file_code), ("Identifier", snapshot.archive_code),
        ("OrganId", snapshot.organisation_code), ("FileCatalog", dossier.year),
        ("FileNotation", dossier.file_notation), ("Title", dossier.title),
        ("Maintenance", dossier.retention.label()), ("Rights", dossier.rights), ("Language", dossier.language),
        ("StartDate", vn_date(dossier.start_date)), ("EndDate", vn_date(dossier.end_date)),
        ("DocTotal", len(dossier.documents)), ("PageTotal", dossier.page_total),
        ("Description", dossier.description), ("Keyword", dossier.keyword),
    ])
    element.extend(_document(snapshot, dossier, document) for document in dossier.documents)
    return element


def metadata(snapshot: PackageSnapshot) -> etree._Element:
    """Return the TT 02/2019 metadata of every dossier and document of the package."""
    root = TT02.Metadata(OrganId=snapshot.organisation_code, Package=snapshot.name,
                         Created=timestamp(snapshot.created_at))
    root.extend(_dossier(snapshot, dossier) for dossier in snapshot.dossiers)
    return root


def transfer_rows(snapshot: PackageSnapshot) -> list[list[str]]:
    """Return the transfer list's rows: STT, code, notation, title, dates, retention, documents, note."""
    return [[str(number), dossier.file_code, dossier.file_notation, dossier.title,
             f"{vn_date(dossier.start_date)} - {vn_date(dossier.end_date)}", dossier.retention.label(),
             str(len(dossier.documents)), dossier.unit_name]
            for number, dossier in enumerate(snapshot.dossiers, start=1)]


ROW_TAGS = ("Ordinal", "FileCode", "FileNotation", "Title", "Dates", "Maintenance", "DocTotal", "Unit")


def transfer_list(snapshot: PackageSnapshot) -> etree._Element:
    """Return the transfer list ("mục lục hồ sơ nộp lưu") as XML, one Row per dossier."""
    root = TT02.TransferList(OrganId=snapshot.organisation_code, OrganName=snapshot.organisation_name,
                             Year=str(snapshot.year), Package=snapshot.name, Created=timestamp(snapshot.created_at))
    root.extend(_fields("Row", list(zip(ROW_TAGS, row))) for row in transfer_rows(snapshot))
    return root
