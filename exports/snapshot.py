"""Read what an export needs from the database into frozen values; the only DB reader in exports/."""

from __future__ import annotations

from datetime import datetime

from exports.pdf_index import DocumentIndex, IndexRow
from erms.models import Dossier


def document_index(dossier: Dossier, printed_at: datetime) -> DocumentIndex:
    """Return the "Mục lục văn bản" of ``dossier``: its documents in their ordinal (chronological) order."""
    rows = []
    for link in dossier.links:
        document = link.document
        number = "/".join(part for part in (document.code_number, document.code_notation) if part)
        rows.append(IndexRow(
            ordinal=link.ordinal,
            number_notation=number,
            issued_date=document.issued_date,
            type_and_subject=f"{document.type_name} {document.subject}".strip(),
            author=document.organ_name,
            pages=str(document.page_amount or ""),
            note=document.description,
        ))
    return DocumentIndex(
        parent_organisation=dossier.organisation.parent_name,
        organisation=dossier.organisation.name,
        file_notation=dossier.file_notation,
        file_code=dossier.file_code,
        year=dossier.year,
        title=dossier.title,
        rows=tuple(rows),
        printed_at=printed_at,
    )
