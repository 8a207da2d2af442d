"""The receiving organisations of an outgoing document, each with its code filled by the system (NĐ 30/2020 Phụ lục
VI III.1.g: TT 02/2019 field 13.1 OrganId beside 13.2 OrganName; docs/standards.md §2.4).

An officer types the recipients as the "Nơi nhận" block reads, one a line. When an outgoing document is saved, each
line that names an organisation of the directory (an entry the deployment's administrator keeps, or one of the
deployment's own organisations) gets that organisation's code: by its name, compared as search compares words
(without case or diacritics, so "bo tai chinh" is "Bộ Tài chính"), or by a known code the line starts with. Any other
line is kept with no code. The block's punctuation ("- Bộ Tài chính;") is no part of a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from erms.models import DocumentRecipient, Organisation, RecipientOrganisation
from erms.models.dossier import Document, DocumentDirection
from erms.search_index.analysis import fold

# What ends a line's first word, and what parts a code from the name after it: "000.00.00.G09 - Bộ Tài chính".
_WORD_END = re.compile(r"[\s:;,–—]")
_PARTING = " \t:;,–—-"
_BULLETS = "-–—+•* \t"
_TRAILING = ";,. \t"


@dataclass(frozen=True)
class Recipient:
    """One receiving organisation as the document names it, with its code ("" when unknown)."""

    name: str
    code: str


def directory(session: Session) -> dict[str, str]:
    """Return {code: name} of every organisation a document may be sent to with a code: the directory's entries in
    force, then the deployment's own organisations (counted without being typed again)."""
    entries = select(RecipientOrganisation.code, RecipientOrganisation.name).where(RecipientOrganisation.active)
    rows = [*session.execute(entries), *session.execute(select(Organisation.code, Organisation.name))]
    return {code: name for code, name in rows}


def offered(session: Session) -> list[tuple[str, str]]:
    """Return the directory's (code, name) pairs by name, as the document forms offer them."""
    return sorted(directory(session).items(), key=lambda item: (key(item[1]), item[0]))


def found(session: Session, wanted: str) -> list[tuple[str, str]]:
    """Return the directory's (code, name) pairs whose name holds the words of ``wanted`` (compared as search
    compares them) or whose code starts with it; every pair when ``wanted`` is blank."""
    words = key(wanted)
    code = wanted.strip()
    return [
        (entry_code, name)
        for entry_code, name in offered(session)
        if not words or words in key(name) or (code and entry_code.startswith(code))
    ]


def key(name: str) -> str:
    """Return a name as recipients are compared: folded as search folds it, single spaces."""
    return " ".join(fold(name).split())


def read(text: str, codes: Mapping[str, str]) -> list[Recipient]:
    """Return the recipients typed in ``text`` (one a line, empty lines left out), each with the code of the entry
    of ``codes`` ({code: name}) it names or starts with."""
    by_name = {key(name): code for code, name in codes.items()}
    recipients = []
    for line in text.splitlines():
        name = line.strip().lstrip(_BULLETS).rstrip(_TRAILING)
        if not name:
            continue
        first = _WORD_END.split(name, maxsplit=1)[0]
        if first.upper() in codes:
            rest = name[len(first) :].strip(_PARTING)
            recipients.append(Recipient(rest or codes[first.upper()], first.upper()))
        else:
            recipients.append(Recipient(name, by_name.get(key(name), "")))
    return recipients


def fill(session: Session, document: Document) -> None:
    """Store an outgoing document's recipients in order with their codes (none for other documents).

    A line whose entry was withdrawn since it got its code keeps that code as long as the line is unchanged: the
    document was sent to that organisation, whatever the directory says today.
    """
    kept = {row.name: row.code for row in of(session, [document.id]).get(document.id, []) if row.code}
    session.execute(delete(DocumentRecipient).where(DocumentRecipient.document_id == document.id))
    if document.direction != DocumentDirection.OUTGOING:
        return
    for position, recipient in enumerate(read(document.recipients, directory(session)), start=1):
        code = recipient.code or kept.get(recipient.name, "")
        session.add(DocumentRecipient(document_id=document.id, position=position, name=recipient.name, code=code))


def of(session: Session, document_ids: Iterable[int]) -> dict[int, list[DocumentRecipient]]:
    """Return {document id: its recipients in order} of those documents that have some."""
    query = (
        select(DocumentRecipient)
        .where(DocumentRecipient.document_id.in_(list(document_ids)))
        .order_by(DocumentRecipient.document_id, DocumentRecipient.position)
    )
    rows: dict[int, list[DocumentRecipient]] = {}
    for row in session.scalars(query):
        rows.setdefault(row.document_id, []).append(row)
    return rows
