"""TT 02/2019 metadata of the dossiers and documents, and the transfer list, as XML.

Element names are the TT 02/2019 tags (docs/standards.md §1.2-1.3: FileCode, FileCatalog, DocOrdinal …)
so the archive reads the fields it knows; dates are dd/mm/yyyy as the circular writes them. The
transfer list ("mục lục hồ sơ nộp lưu") is the same dossiers, one row each, in the list's order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from exports.snapshot import DocumentSnapshot, DossierSnapshot, PackageSnapshot
from exports.xml import PLAIN, TT02_NS, Sink, Template, qualified, stream, timestamp


def vn_date(value: date | None) -> str:
    """Return a date as TT 02/2019 writes it (dd/mm/yyyy), empty when unknown."""
    return f"{value.day:02d}/{value.month:02d}/{value.year}" if value else ""


def document_number(document: DocumentSnapshot) -> str:
    """Return "number/notation" of a document ("Số, ký hiệu văn bản")."""
    return "/".join(part for part in (document.code_number, document.code_notation) if part)


def heading_key(dossier: DossierSnapshot) -> tuple:
    """Return what groups dossiers under one heading: the list year and the heading label."""
    return (dossier.heading.list_year, dossier.heading.label) if dossier.heading else (dossier.year, "")


def by_heading(dossiers: Iterable[DossierSnapshot]) -> dict[tuple, list[DossierSnapshot]]:
    """Return the dossiers under each heading (``heading_key``), headings in the order their first dossier comes."""
    headings: dict[tuple, list[DossierSnapshot]] = {}
    for dossier in dossiers:
        headings.setdefault(heading_key(dossier), []).append(dossier)
    return headings


def heading_title(dossier: DossierSnapshot) -> str:
    """Return the heading as the dossier list prints it ("II. Tổ chức, cán bộ")."""
    if dossier.heading is None:
        return "Hồ sơ ngoài đề mục"
    return f"{dossier.heading.label}. {dossier.heading.title}"


NSMAP = {None: TT02_NS}
METADATA, DOSSIER, TRANSFER_LIST = (qualified(TT02_NS, name) for name in ("Metadata", "Dossier", "TransferList"))
DOSSIER_FIELDS = (
    "FileCode",
    "Identifier",
    "OrganId",
    "FileCatalog",
    "FileNotation",
    "Title",
    "Maintenance",
    "Rights",
    "Language",
    "StartDate",
    "EndDate",
    "DocTotal",
    "SheetTotal",
    "PageTotal",
    "Description",
    "Keyword",
)
DOCUMENT_FIELDS = (
    "DocCode",
    "FileCode",
    "Identifier",
    "OrganId",
    "FileCatalog",
    "FileNotation",
    "DocOrdinal",
    "TypeName",
    "CodeNumber",
    "CodeNotation",
    "IssuedDate",
    "OrganName",
    "Subject",
    "Language",
    "PageAmount",
    "Description",
    "Keyword",
    "Priority",
    "SignerPosition",
    "SignerName",
    "CopyForm",
)
ROW_FIELDS = ("Ordinal", "FileCode", "FileNotation", "Title", "Dates", "Maintenance", "DocTotal", "Unit", "Note")
# What a paper or hybrid dossier is made of, as the EAD's physfacet and the lists name it (issue 28).
MEDIA = {"paper": "Giấy", "hybrid": "Giấy và điện tử"}
# The transfer list's note, in the words of the submission's "Ghi chú" (filing/transfers.py).
NOTE_MEDIA = {"paper": "Hồ sơ giấy", "hybrid": "Hồ sơ giấy và điện tử"}


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _template(name: str, fields: tuple[str, ...], depth: int, inner: bool = False) -> Template:
    """Return a template of an element holding one text child per field (in no namespace, see xml.PLAIN)."""
    return Template(PLAIN(name, *map(PLAIN, fields)), depth, fields, inner=inner)


def _dossier_fields(snapshot: PackageSnapshot, dossier: DossierSnapshot) -> tuple[str, ...]:
    return (
        dossier.file_code,
        snapshot.archive_code,
        snapshot.organisation_code,
        str(dossier.year),
        dossier.file_notation,
        dossier.title,
        dossier.retention.label(),
        dossier.rights,
        dossier.language,
        vn_date(dossier.start_date),
        vn_date(dossier.end_date),
        str(len(dossier.documents)),
        _text(dossier.sheet_total),
        _text(dossier.page_total),
        dossier.description,
        dossier.keyword,
    )


def _document(
    template: Template, snapshot: PackageSnapshot, dossier: DossierSnapshot, document: DocumentSnapshot
) -> bytes:
    return template.render(
        f"{dossier.file_code}.{document.ordinal:03d}",
        dossier.file_code,
        snapshot.archive_code,
        snapshot.organisation_code,
        str(dossier.year),
        dossier.file_notation,
        str(document.ordinal),
        document.type_name,
        document.code_number,
        document.code_notation,
        vn_date(document.issued_date),
        document.organ_name,
        document.subject,
        document.language,
        _text(document.page_amount),
        document.description,
        document.keyword,
        f"{document.urgency}/{document.marking}",
        document.signer_position,
        document.signer_name,
        document.copy_form.label,
    )


def write_metadata(snapshot: PackageSnapshot, out: Sink) -> None:
    """Write the TT 02/2019 metadata of every dossier and document of the package into ``out``."""
    document_template = _template("Document", DOCUMENT_FIELDS, depth=2)
    dossier_template = _template("Dossier", DOSSIER_FIELDS, depth=2, inner=True)
    attributes = {
        "OrganId": snapshot.organisation_code,
        "Package": snapshot.name,
        "Created": timestamp(snapshot.created_at),
    }
    with stream(out, METADATA, NSMAP, attributes) as root:
        for dossier in snapshot.dossiers:
            with root.element(DOSSIER) as children:
                children.write_record(dossier_template.render(*_dossier_fields(snapshot, dossier)))
                for document in dossier.documents:
                    children.write_record(_document(document_template, snapshot, dossier, document))


def paper_note(dossier: DossierSnapshot) -> str:
    """Return what the transfer list notes of a paper or hybrid dossier: its medium, its sheets and where the archive
    keeps it ("Hồ sơ giấy, 42 tờ; Kho K1, giá 2, …, hồ sơ số 01 trong hộp"); empty for an electronic dossier."""
    if dossier.medium not in NOTE_MEDIA:
        return ""
    sheets = f", {dossier.sheet_total} tờ" if dossier.sheet_total else ""
    return "; ".join(part for part in (NOTE_MEDIA[dossier.medium] + sheets, dossier.place) if part)


def _transfer_row(number: int, dossier: DossierSnapshot) -> list[str]:
    return [
        str(number),
        dossier.file_code,
        dossier.file_notation,
        dossier.title,
        f"{vn_date(dossier.start_date)} - {vn_date(dossier.end_date)}",
        dossier.retention.label(),
        str(len(dossier.documents)),
        dossier.unit_name,
        paper_note(dossier),
    ]


def transfer_rows(snapshot: PackageSnapshot) -> list[list[str]]:
    """Return the transfer list's rows: STT, code, notation, title, dates, retention, documents, unit, note."""
    return [_transfer_row(number, dossier) for number, dossier in enumerate(snapshot.dossiers, start=1)]


def write_transfer_list(snapshot: PackageSnapshot, out: Sink) -> None:
    """Write the transfer list ("mục lục hồ sơ nộp lưu") as XML into ``out``, one Row per dossier."""
    template = _template("Row", ROW_FIELDS, depth=1)
    attributes = {
        "OrganId": snapshot.organisation_code,
        "OrganName": snapshot.organisation_name,
        "Year": str(snapshot.year),
        "Package": snapshot.name,
        "Created": timestamp(snapshot.created_at),
    }
    with stream(out, TRANSFER_LIST, NSMAP, attributes) as root:
        for number, dossier in enumerate(snapshot.dossiers, start=1):
            root.write_record(template.render(*_transfer_row(number, dossier)))
