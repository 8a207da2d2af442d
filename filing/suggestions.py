"""Suggestions from a document's own file: kept by the worker, offered to the officer, filled in only at their word.

A batch upload (``dossiers.add_documents``) leaves each document's number, notation and signer empty and its
summary the file's name, and gives every file the type and date typed once, while the file's first page prints its
own (``filing.recognised``). The worker extracts each new file's text for the search index anyway; ``keep`` reads the
first page of it there, so no page request ever parses a file (issue 18). ``offered`` says what a document's page may
offer: only fields still empty, the summary still the file's name, and the batch's type and date while nobody has
saved the document since. A PDF's page count, counted in the same guarded child process (``erms.extract``), is a
fact of the file rather than something its page states: it is kept with the rest and offered while the document's
page count (``page_amount``) is empty. ``apply`` fills exactly those through the document edit
(``dossiers.update_document``: the same rights, the same check that the document did not change since the page was
read, the same audit).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from erms import metadata, search
from erms.errors import N_, NotFound, RuleViolation
from erms.extract import Extracted
from erms.models import Document
from erms.permissions import Actor
from filing import dossiers, recognised

# The lists an organisation's document form offers: its document types and its issuers (administration.lookups).
Lists = Callable[[int], tuple[list[str], list[str]]]
# What a batch upload gives every file alike (erms/web/dossiers.py BATCH_FIELDS) and a file's page states of itself.
SHARED_BY_BATCH = ("type_name", "issued_date")
FIRST_REVISION = 1  # a document's revision as added: every save raises it (PL6 IV.2)
PAGE_AMOUNT = "page_amount"  # the document's number of pages (Số trang của văn bản), a PDF file's page count
FIELDS = (*recognised.FIELDS, PAGE_AMOUNT)
NOTHING_TO_FILL = N_("There is nothing left to fill from the file: those fields are no longer empty.")


def keep(session: Session, files: dict[int, tuple[str, Extracted]], lists: Lists) -> int:
    """Read and keep what each file states and its page count, given ``files``: a document id -> the digest of the
    file extracted and what was extracted of it (its first page's text). Only a document whose latest file it still
    is, unread, and that still has a field to fill is read; return how many files were read."""
    documents = session.scalars(
        select(Document).where(Document.id.in_(files)).options(selectinload(Document.versions))
    ).all()
    read, offered_lists = 0, functools.cache(lists)  # an organisation's lists read once for the batch
    for document in documents:
        sha256, extracted = files[document.id]
        latest = document.versions[-1].file if document.versions else None
        if latest is None or latest.sha256 != sha256 or latest.recognised is not None or not _blank(document):
            continue
        found = recognised.suggest(extracted.text, *offered_lists(document.organisation_id))
        stated = found | _page_amount(extracted.pages)
        latest.recognised = json.dumps(stated, ensure_ascii=False, sort_keys=True)
        read += 1
    return read


def being_read(session: Session, documents: list[Document]) -> int:
    """Return how many of the documents the worker has yet to read (their file added, nothing saved since, still
    waiting in the search queue): what the dossier page says it waits for."""
    unread = [
        document.id
        for document in documents
        if document.revision == FIRST_REVISION and document.versions and document.versions[-1].file.recognised is None
    ]
    return len(search.queued_documents(session, unread))


def offered(document: Document) -> dict[str, str]:
    """Return what the document's latest file states for the fields the document still leaves blank ({}: nothing)."""
    latest = document.versions[-1] if document.versions else None
    if latest is None or not latest.file.recognised:
        return {}
    blank, values = _blank(document), dossiers.document_values(document)
    stated = json.loads(latest.file.recognised).items()
    return {name: value for name, value in stated if name in blank and value != values.get(name)}


def apply(
    session: Session, actor: Actor, dossier_id: int, document_id: int, *, seen_revision: int | None, now: datetime
) -> Document:
    """Fill the blank fields of a document from its file, as the officer's edit of them (audited as one), refused
    if the document changed since the page offering them was read."""
    document = dossiers.document_to_edit(session, actor, dossier_id, document_id)
    if dossiers.unreadable_content(session, actor, [document]):  # what the file says is its content
        raise NotFound()
    filled = offered(document)
    if not filled:
        dossiers.refuse_stale(session, "document", document, seen_revision, {})  # someone filled them meanwhile
        raise RuleViolation(NOTHING_TO_FILL)
    data = metadata.coerce("document", filled)  # kept as the form sends them: the page count as text
    return dossiers.update_document(
        session, actor, dossier_id, document_id, data, fields=filled.keys(), now=now, seen_revision=seen_revision
    )


def _blank(document: Document) -> set[str]:
    """Return the fields a file may fill: the empty ones; the summary while it is still the file's name; and, while
    nobody has saved the document since it was added (its first revision), the type and the date the batch gave
    every file alike, which the file's own page states better."""
    values = dossiers.document_values(document)
    blank = {name for name in FIELDS if not values.get(name)}
    first = document.versions[0] if document.versions else None
    if first is not None and values.get("subject") == dossiers.file_summary(first.filename):
        blank.add("subject")
        if document.revision == FIRST_REVISION:
            blank.update(SHARED_BY_BATCH)
    return blank


def _page_amount(pages: int | None) -> dict[str, str]:
    """Return a PDF's page count as the document form takes it, if the form accepts it (1 to 999 pages)."""
    if pages is None:
        return {}
    found = {PAGE_AMOUNT: str(pages)}
    refused = {problem.field for problem in metadata.validate("document", metadata.coerce("document", found))}
    return {} if PAGE_AMOUNT in refused else found
