"""What the index holds for each dossier and document, read from the database.

A record's index document is built inside the transaction that changed it (so it is exactly
what was committed) and carries the file to extract instead of the text: extraction runs later,
in the index writer, never in a request.

Rights travel with each document: the organisation and the units whose readers may see it. A filed
document is read from its dossiers; a registered document filed in none yet, from its register line
(its registry and the unit it was sent to), so an incoming document is found before it is filed.
Every input field a person types is indexed (PL6 III.6.d): the register's identifier and the recipients too, and
the words of the supplementary metadata (its text and choice fields, PL6 III.7.c) with the keywords.
Two rules decide what text is indexed at all, so no query can return or highlight it:
- a "tuyệt mật" document's summary (trích yếu) is never indexed: the law shows it only to
  the authorised (Luật Bảo vệ bí mật nhà nước 2018; docs/design.md), and search cannot ask who that is; nor are
  its supplementary values, withheld wherever its summary is;
- a destroyed or transferred dossier's content is gone from this system (NĐ 30/2020 Điều 31,
  the hand-over; the destruction record keeps the metadata stub), so its files' text is not indexed.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, selectinload

from erms import supplementary
from erms.models import (
    Document,
    DocumentVersion,
    Dossier,
    DossierDocument,
    FieldType,
    RecordKind,
    RegisterEntry,
    SignatureCheck,
    StoredFile,
    SupplementaryField,
)
from erms.models.dossier import DossierState
from erms.permissions import (
    ContentAccess,
    RecordAccess,
    content_tokens,
    document_access,
    dossier_access,
    register_tokens,
    search_tokens,
)

DOSSIER, DOCUMENT = "dossier", "document"
# Raised whenever what an index document holds changes (fields, rights tokens, text): an index of another
# version is rebuilt by the worker when it starts (``erms.jobs.queue_rebuild_if_outdated``).
# 2: recipients and the other typed fields; registered documents not yet filed.
# 3: a document's signature verdict (facet, filter).
# 4: the supplementary metadata's words with the keywords.
# 5: a lone final y folded to i ("kỷ niệm" and "kỉ niệm" are one word).
VERSION = 5
# States whose files have left the system or been destroyed.
CONTENT_GONE = (DossierState.DESTROYED, DossierState.TRANSFERRED)
# The marking whose summary is never indexed (classification.markings.SecurityMarking.TUYET_MAT;
# named here by value because core code may not import the classification package).
TOP_SECRET = "tuyet_mat"
# The language every form fills in (schemas/defs-v1.json): in nearly every record, it would make "Việt" (and so
# "Việt Nam") match them all; another language is worth finding.
FORM_LANGUAGE = "Tiếng Việt"
# A signed file waiting for a check against the roots installed now (filing.signature_checks.PENDING).
SIGNATURE_PENDING = "pending"
# The supplementary fields whose values are words: a number or a day is no word to search by.
WORDED = (FieldType.TEXT, FieldType.CHOICE)
# (organisation, record kind, field name) of the worded supplementary fields, as ``worded_fields`` reads them.
Worded = set[tuple[int, RecordKind, str]]


@dataclass(frozen=True)
class ContentFile:
    """A stored file whose text the writer extracts: its digest, media type and name."""

    sha256: str
    media_type: str
    filename: str


@dataclass(frozen=True)
class Entry:
    """One index document: its fields, and the file its ``content`` comes from (if any)."""

    fields: dict
    content_file: ContentFile | None


def key(kind: str, record_id: int) -> str:
    return f"{kind}:{record_id}"


def _nfc(*parts: str) -> str:
    return unicodedata.normalize("NFC", " ".join(part for part in parts if part))


def _retention(holder) -> str:
    """Return the retention facet value: "permanent", "conditional" or the number of years."""
    if holder.retention_permanent:
        return "permanent"
    return str(holder.retention_years) if holder.retention_years else "conditional"


def _day(value: date) -> datetime:
    return datetime.combine(value, time())


def _apart(*texts: str) -> str:
    """Join texts read apart (the issuer and signer, then the recipients) so that they do not run together."""
    return " · ".join(text for text in texts if text)


def _language(value: str) -> str:
    return "" if value == FORM_LANGUAGE else value


def worded_fields(session: Session, organisation_ids: Iterable[int]) -> Worded:
    """Return the organisations' text and choice supplementary fields, withdrawn ones too (their values are still
    the records'), in one query for a whole batch."""
    query = select(SupplementaryField.organisation_id, SupplementaryField.applies_to, SupplementaryField.name).where(
        SupplementaryField.organisation_id.in_(sorted(set(organisation_ids))),
        SupplementaryField.data_type.in_(WORDED),
    )
    return {(organisation_id, kind, name) for organisation_id, kind, name in session.execute(query)}


def _supplementary_words(record: Dossier | Document, worded: Worded) -> str:
    """Return the record's supplementary values that are words, in their fields' name order."""
    kind, values = supplementary.kind_of(record), supplementary.values_of(record)
    return _nfc(*(values[name] for name in sorted(values) if (record.organisation_id, kind, name) in worded))


def _finish(fields: dict, content_file: ContentFile | None) -> Entry:
    """Fill the fingerprint verify compares with."""
    compared = dict(fields, date=fields["date"].isoformat(), file=content_file.sha256 if content_file else "")
    fields["fingerprint"] = hashlib.sha256(json.dumps(compared, sort_keys=True).encode()).hexdigest()[:32]
    return Entry(fields, content_file)


def dossier_finders(dossier: Dossier, access: RecordAccess) -> tuple[str, set[str]]:
    """Return who finds a dossier: the organisation whose organisation-wide readers do ("" once it is restricted) and
    the rights tokens of the others."""
    return ("" if access.restricted else str(dossier.organisation_id)), search_tokens(dossier, access)


def dossier_entry(dossier: Dossier, access: RecordAccess, worded: Worded) -> Entry:
    """Return the index document of a dossier (its metadata; its documents are indexed apart); ``worded``: the
    supplementary fields searched (``worded_fields``)."""
    organisation, tokens = dossier_finders(dossier, access)
    return _finish(
        {
            "key": key(DOSSIER, dossier.id),
            "kind": DOSSIER,
            "record_id": dossier.id,
            "dossier_id": dossier.id,
            "organisation": organisation,
            "units": " ".join(sorted(tokens)),
            "unit": dossier.unit.name,
            "type": "",
            "state": dossier.state.value,
            "retention": _retention(dossier),
            "signature": "",
            "year": dossier.year,
            "date": _day(dossier.start_date),
            "code": _nfc(dossier.file_code),
            "title": _nfc(dossier.title),
            "summary": _nfc(dossier.description),
            "people": _nfc(dossier.creator.full_name),
            "keywords": _nfc(dossier.keyword, _language(dossier.language), _supplementary_words(dossier, worded)),
            "content": "",
        },
        None,
    )


@dataclass(frozen=True)
class Place:
    """Where a document is found from and who finds it: the dossiers it is filed in, or else its register line."""

    dossier_id: int  # where a result links to: its first dossier; 0 for one filed in none (its register line)
    organisation: str  # the organisation whose organisation-wide readers find it, "" when only ``units`` do
    units: set[str]  # rights tokens (erms.permissions)
    unit: str
    state: str
    retention: str
    content_kept: bool


def filed_place(
    document: Document, dossiers: list[Dossier], access: dict[int, RecordAccess], own: RecordAccess
) -> Place:
    """Return the place of a document filed in ``dossiers``: whoever reads one of them reads the document, unless
    ``own``, the document's own access, or a restricted dossier holding it narrows that (``content_tokens``)."""
    restricted = content_tokens(
        document, ContentAccess(own, tuple((dossier, access[dossier.id]) for dossier in dossiers))
    )
    followed = set().union(*(search_tokens(dossier, access[dossier.id]) for dossier in dossiers))
    return Place(
        dossier_id=dossiers[0].id,
        organisation="" if restricted is not None else str(document.organisation_id),
        units=restricted if restricted is not None else followed,
        unit=",".join(sorted({dossier.unit.name for dossier in dossiers})),
        state=" ".join(sorted({dossier.state.value for dossier in dossiers})),
        retention=_retention(dossiers[0]),
        content_kept=not any(dossier.state in CONTENT_GONE for dossier in dossiers),
    )


def registered_place(line: RegisterEntry, own: RecordAccess) -> Place:
    """Return the place of a registered document filed in no dossier: read by its register line's readers; no
    dossier gives it a state or a retention period yet."""
    unit = line.assigned_unit.name if line.assigned_unit is not None else ""
    return Place(0, "", register_tokens(line, own), unit, state="", retention="", content_kept=True)


def signature_of(stored: StoredFile | None, verdicts: dict[int, str]) -> str:
    """Return the signature facet value of a file: "" unsigned, SIGNATURE_PENDING while it waits for a check, else
    the verdict of its latest check (``verdicts``: by file id, as ``latest_verdicts`` reads them)."""
    if stored is None or not stored.has_pdf_signature:
        return ""
    if stored.signature_pending or stored.id not in verdicts:
        return SIGNATURE_PENDING
    return verdicts[stored.id]


def latest_verdicts(session: Session, documents: Iterable[Document]) -> dict[int, str]:
    """Return the status of the latest check of each signed, checked file of the documents' latest versions (one
    query for a whole batch, none when no such file)."""
    files = [document.versions[-1].file for document in documents if document.versions]
    checked = sorted({stored.id for stored in files if stored.has_pdf_signature and not stored.signature_pending})
    if not checked:
        return {}
    latest = (
        select(func.max(SignatureCheck.id))
        .where(SignatureCheck.stored_file_id.in_(checked))
        .group_by(SignatureCheck.stored_file_id)
    )
    query = select(SignatureCheck.stored_file_id, SignatureCheck.status).where(SignatureCheck.id.in_(latest))
    return {file_id: status for file_id, status in session.execute(query)}


def document_entry(
    document: Document, place: Place, line: RegisterEntry | None, verdicts: dict[int, str], worded: Worded
) -> Entry:
    """Return the index document of a document found from ``place``; ``line`` is its register line, if any;
    ``verdicts`` the latest signature checks of files (``latest_verdicts``); ``worded`` the supplementary fields
    searched (``worded_fields``)."""
    secret = document.marking == TOP_SECRET
    latest = document.versions[-1] if document.versions else None
    content_file = (
        ContentFile(latest.file.sha256, latest.file.media_type, latest.filename)
        if latest is not None and place.content_kept
        else None
    )
    return _finish(
        {
            "key": key(DOCUMENT, document.id),
            "kind": DOCUMENT,
            "record_id": document.id,
            "dossier_id": place.dossier_id,
            "organisation": place.organisation,
            "units": " ".join(sorted(place.units)),
            "unit": place.unit,
            "type": document.type_name,
            "state": place.state,
            "retention": place.retention,
            "signature": signature_of(latest.file if latest is not None else None, verdicts),
            "year": document.issued_date.year,
            "date": _day(document.issued_date),
            "code": _nfc(f"{document.code_number}/{document.code_notation}".strip("/")),
            "title": "" if secret else _nfc(document.subject),
            "summary": "" if secret else _nfc(document.description),
            "people": _apart(
                _nfc(document.organ_name, document.signer_name, document.signer_position), _nfc(document.recipients)
            ),
            # The other fields typed: type, language, arrival number ("số đến"), the issuer's identifier (DocCode).
            "keywords": _nfc(
                document.keyword,
                document.type_name,
                _language(document.language),
                document.arrival_number,
                line.document_code if line is not None else "",
                "" if secret else _supplementary_words(document, worded),
            ),
            "content": "",
        },
        content_file,
    )


def dossiers_of(session: Session, document_ids: Iterable[int]) -> dict[int, list[Dossier]]:
    """Return the dossiers each document is filed in, in filing order."""
    found: dict[int, list[Dossier]] = {}
    query = (
        select(DossierDocument.document_id, Dossier)
        .join(Dossier, DossierDocument.dossier_id == Dossier.id)
        .options(selectinload(Dossier.unit))
        .where(DossierDocument.document_id.in_(list(document_ids)))
        .order_by(DossierDocument.document_id, DossierDocument.added_at, DossierDocument.id)
    )
    for document_id, dossier in session.execute(query):
        found.setdefault(document_id, []).append(dossier)
    return found


def register_lines(session: Session, document_ids: Iterable[int]) -> dict[int, RegisterEntry]:
    """Return the register line of each registered document, with the unit it was sent to."""
    query = (
        select(RegisterEntry)
        .options(selectinload(RegisterEntry.assigned_unit))
        .where(RegisterEntry.document_id.in_(list(document_ids)))
    )
    return {line.document_id: line for line in session.scalars(query)}


def documents_using(session: Session, file_ids: Iterable[int]) -> set[int]:
    """Return the ids of the documents a version of which is one of the stored files ``file_ids``."""
    query = select(DocumentVersion.document_id).where(DocumentVersion.file_id.in_(list(file_ids)))
    return set(session.scalars(query))


def documents_in(session: Session, dossier_ids: Iterable[int]) -> set[int]:
    """Return the ids of the documents filed in any of ``dossier_ids``."""
    query = select(DossierDocument.document_id).where(DossierDocument.dossier_id.in_(list(dossier_ids)))
    return set(session.scalars(query))


@dataclass(frozen=True)
class _Read:
    """What the index documents of some keys are made from: the rows, where each document is found, who reads what."""

    wanted: dict[str, set[int]]
    dossiers: list[Dossier]
    documents: list[Document]  # filed or registered ones only: any other is not indexed
    filed: dict[int, list[Dossier]]
    lines: dict[int, RegisterEntry]
    access: dict[int, RecordAccess]
    own: dict[int, RecordAccess]

    def place(self, document: Document) -> Place:
        if document.id in self.filed:
            return filed_place(document, self.filed[document.id], self.access, self.own[document.id])
        return registered_place(self.lines[document.id], self.own[document.id])


def _read(session: Session, keys: Iterable[str], dossier_parts: tuple = (), document_parts: tuple = ()) -> _Read:
    wanted: dict[str, set[int]] = {DOSSIER: set(), DOCUMENT: set()}
    for item in keys:
        kind, _, record_id = item.partition(":")
        wanted[kind].add(int(record_id))
    dossiers = list(_chunked_get(session, Dossier, wanted[DOSSIER], dossier_parts))
    filed = dossiers_of(session, wanted[DOCUMENT])
    lines = register_lines(session, wanted[DOCUMENT])
    access = dossier_access(session, [*dossiers, *(dossier for held in filed.values() for dossier in held)])
    documents = [
        document
        for document in _chunked_get(session, Document, wanted[DOCUMENT], document_parts)
        if document.id in filed or document.id in lines
    ]
    return _Read(wanted, dossiers, documents, filed, lines, access, document_access(session, documents))


def entries(session: Session, keys: Iterable[str]) -> tuple[list[Entry], list[str]]:
    """Return the index documents of ``keys`` that exist, and the keys to delete (gone, or neither filed nor
    registered)."""
    read = _read(session, keys, _DOSSIER_PARTS, _DOCUMENT_PARTS)
    organisations = [dossier.organisation_id for dossier in read.dossiers]
    worded = worded_fields(session, organisations + [document.organisation_id for document in read.documents])
    built = [dossier_entry(dossier, read.access[dossier.id], worded) for dossier in read.dossiers]
    verdicts = latest_verdicts(session, read.documents)
    built += [
        document_entry(document, read.place(document), read.lines.get(document.id), verdicts, worded)
        for document in read.documents
    ]
    present = {entry.fields["key"] for entry in built}
    gone = [
        key(kind, record_id)
        for kind, ids in read.wanted.items()
        for record_id in ids
        if key(kind, record_id) not in present
    ]
    return built, gone


def rights(session: Session, keys: Iterable[str]) -> dict[str, tuple[str, set[str]]]:
    """Return, for each of ``keys`` the index would hold, who finds it now: the organisation whose organisation-wide
    readers do ("" for none) and the rights tokens, as ``entries`` would write them, without the rest of the
    documents (their words, files, signatures)."""
    read = _read(session, keys)
    found = {key(DOSSIER, dossier.id): dossier_finders(dossier, read.access[dossier.id]) for dossier in read.dossiers}
    for document in read.documents:
        place = read.place(document)
        found[key(DOCUMENT, document.id)] = (place.organisation, place.units)
    return found


# What an index document reads beside the row, loaded with one query per chunk instead of one per row.
_DOSSIER_PARTS = (selectinload(Dossier.unit), selectinload(Dossier.creator))
_DOCUMENT_PARTS = (selectinload(Document.versions).selectinload(DocumentVersion.file),)


def _chunked_get(session: Session, model, ids: set[int], parts: tuple, size: int = 500) -> Iterator:
    ordered = sorted(ids)
    for start in range(0, len(ordered), size):
        yield from session.scalars(select(model).options(*parts).where(model.id.in_(ordered[start : start + size])))


def all_keys(session: Session) -> Iterator[str]:
    """Yield the key of every record the index should hold: dossiers, and documents filed or registered."""
    for dossier_id in session.scalars(select(Dossier.id).order_by(Dossier.id)):
        yield key(DOSSIER, dossier_id)
    documents = union(select(DossierDocument.document_id), select(RegisterEntry.document_id)).subquery()
    for document_id in session.scalars(select(documents.c.document_id).order_by(documents.c.document_id)):
        yield key(DOCUMENT, document_id)
