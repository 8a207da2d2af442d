"""The number of pages of a document ("Số trang của văn bản", NĐ 30 Phụ lục VI Phần II field 10) and of a dossier
("Tổng số trang của hồ sơ", field 10 of Mục III) filled by the system (PL6 III.1.g) when the dossier closes: a
document left without one takes its PDF file's page count, which the worker counted when it read the file
(``filing.suggestions``); the dossier left without a total takes the sum once every document has a number.

At closing, not before: until then the officer may still type another number, and a number the worker wrote into an
open document would make the officer's next save look like a save over someone else's.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from erms import audit
from erms.models import Document, Dossier
from erms.permissions import Actor

PAGE_AMOUNT = "page_amount"


def counted(dossier: Dossier) -> dict[int, int]:
    """Return the page count of each document of the dossier that has no number of pages and whose latest file the
    worker counted, by document id."""
    found = {}
    for link in dossier.links:
        pages = _file_pages(link.document)
        if link.document.page_amount is None and pages is not None:
            found[link.document_id] = pages
    return found


def _file_pages(document: Document) -> int | None:
    latest = document.versions[-1].file if document.versions else None
    stated = json.loads(latest.recognised) if latest is not None and latest.recognised else {}
    return int(stated[PAGE_AMOUNT]) if PAGE_AMOUNT in stated else None


def fill(session: Session, actor: Actor, dossier: Dossier, *, now: datetime) -> int | None:
    """Fill, as the dossier closes, each document's number of pages from its file's count (audited per document)
    and the dossier's total once every document has one; return that total if it was counted now."""
    pages = counted(dossier)
    for link in dossier.links:
        if link.document_id in pages:
            link.document.page_amount = pages[link.document_id]
            audit.record(
                session,
                actor,
                "document.updated",
                "document",
                link.document_id,
                now=now,
                dossier_id=dossier.id,
                changes={PAGE_AMOUNT: [None, pages[link.document_id]]},
                counted_on_closing=True,
            )
    amounts = [link.document.page_amount for link in dossier.links]
    if dossier.page_total is None and amounts and None not in amounts:
        dossier.page_total = sum(amount for amount in amounts if amount is not None)
        return dossier.page_total
    return None
