"""Sealing a dossier's metadata when it leaves OPEN ("niêm phong dữ liệu đặc tả", PL6 III.7.đ: the link between a
record and every element of its metadata stored and fixed).

Once a dossier is closed its metadata and its documents' no longer change through ERMS (edits need it open; a
document also in a closed dossier is fixed), so the seal — the canonical JSON of those elements and their SHA-256 —
must match them for as long as the dossier is kept. A mismatch means a change made outside ERMS, in the database
itself: the archive refuses to accept the dossier and the worker's check tells the archivists, naming the elements
that differ (never their values, which the reader may not be allowed to read).

Left out: what changes after closing by a decision audited on its own — the dossier's access regime (a confirmed
change of access), a document's security marking (the head's decision), a paper dossier's medium (hybrid once
digitised) — and everything about the dossier's custody (state, dates of submission, retention, storage). A paper
dossier the archive digitises is sealed again with the scan it gained.

A document's opinions (``DocumentOpinion``: directions, comments, approvals, a draft sent back) are part of its record
and are given only while every dossier holding it is open, so they are sealed with it — under "opinions", and only
when it has some: the seal of a document without any keeps the text (and the digest) it had before opinions existed.
Its receiving organisations with the codes found for them (``DocumentRecipient``, field 13.1) are sealed the same way.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from erms import metadata, supplementary
from erms.errors import N_, RuleViolation
from erms.models import (
    Document,
    DocumentOpinion,
    DocumentRecipient,
    DocumentVersion,
    Dossier,
    DossierDocument,
    MetadataSeal,
)

DOSSIER_ELEMENTS = (
    "file_code",
    *(name for name in metadata.field_titles("dossier") if name not in ("rights", "medium")),
)
DOCUMENT_ELEMENTS = (*(name for name in metadata.field_titles("document") if name != "marking"), "paper_original")
# The elements no schema titles, in the words of NĐ 30 Phụ lục VI Phần II.
OTHER_TITLES = {
    "file_code": "Mã hồ sơ",
    "supplementary": "Dữ liệu đặc tả bổ sung",
    "files": "Tệp",
    "ordinal": "Số thứ tự văn bản trong hồ sơ",
    "paper_original": "Mã hồ sơ gốc giấy",
    "documents": "Văn bản trong hồ sơ",
    "opinions": "Ý kiến xử lý văn bản",
    "recipient_codes": "Mã định danh của cơ quan, tổ chức nhận văn bản",
}
CHUNK = 200
# What a seal reads, loaded at once: the dossier's links, their documents, versions and files.
WHOLE = (
    selectinload(Dossier.links)
    .selectinload(DossierDocument.document)
    .selectinload(Document.versions)
    .selectinload(DocumentVersion.file)
)
CHANGED = N_("The metadata of dossier %(code)s changed after it was sealed on closing, outside ERMS: %(changes)s.")


@dataclass(frozen=True)
class Change:
    """One element that differs from its seal: the dossier's own (``ordinal`` None) or a document's."""

    element: str
    ordinal: int | None = None


def content(dossier: Dossier) -> dict[str, Any]:
    """Return the elements a seal fixes: the dossier's and, in their order, its documents' with their files and,
    where they have some, their opinions and receiving organisations."""
    session = object_session(dossier)
    documents = [link.document_id for link in dossier.links]
    rows = {name: _rows(session, documents, reader) for name, reader in ROWS.items()} if session and documents else {}
    return {
        "dossier": {**_elements(dossier, DOSSIER_ELEMENTS), "supplementary": supplementary.values_of(dossier)},
        "documents": [
            {"id": link.document_id, "ordinal": link.ordinal, **_document(link.document, rows)}
            for link in dossier.links
        ],
    }


def _document(document: Document, rows: dict[str, dict[int, list[dict[str, Any]]]]) -> dict[str, Any]:
    # Only the kinds of rows the document has: a document without any keeps the seal it had before they existed.
    given = {name: found[document.id] for name, found in rows.items() if document.id in found}
    return {
        **_elements(document, DOCUMENT_ELEMENTS),
        "supplementary": supplementary.values_of(document),
        "files": [version.file.sha256 for version in document.versions],
        **given,
    }


def _opinion(opinion: DocumentOpinion) -> dict[str, Any]:
    return {
        "id": opinion.id,
        "kind": opinion.kind.value,
        "text": opinion.text,
        "version": opinion.version,
        "author": opinion.author_id,
        "given_at": opinion.given_at.astimezone(UTC).isoformat(),
    }


def _recipient(recipient: DocumentRecipient) -> dict[str, Any]:
    return {"name": recipient.name, "code": recipient.code}


# The rows of their own a document's record holds, each kind read for all the dossier's documents in one query and
# sealed in its order: the opinions given on it (in the order given) and its receiving organisations (as typed).
ROWS: dict[str, tuple[Any, Any, Callable[[Any], dict[str, Any]]]] = {
    "opinions": (DocumentOpinion, (DocumentOpinion.given_at, DocumentOpinion.id), _opinion),
    "recipient_codes": (DocumentRecipient, (DocumentRecipient.position,), _recipient),
}


def _rows(session: Session, documents: list[int], reader: tuple) -> dict[int, list[dict[str, Any]]]:
    model, order, sealed = reader
    found: dict[int, list[dict[str, Any]]] = {}
    for row in session.scalars(select(model).where(model.document_id.in_(documents)).order_by(*order)):
        found.setdefault(row.document_id, []).append(sealed(row))
    return found


def _elements(record: Dossier | Document, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(record, name)) for name in names}


def _plain(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    return value.value if isinstance(value, enum.Enum) else value


def canonical(elements: dict[str, Any]) -> str:
    """Return the one text of ``elements`` that is sealed and digested (keys sorted, no spaces)."""
    return json.dumps(elements, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def seal(session: Session, dossier: Dossier, *, now: datetime) -> str:
    """Seal the dossier's metadata as it is now (again, if it was sealed); return the seal's SHA-256."""
    text = canonical(content(dossier))
    digest = hashlib.sha256(text.encode()).hexdigest()
    kept = session.get(MetadataSeal, dossier.id) or MetadataSeal(dossier_id=dossier.id)
    kept.sealed_at, kept.sha256, kept.content, kept.checked_at, kept.changed = now, digest, text, now, False
    session.add(kept)
    return digest


def unseal(session: Session, dossier: Dossier) -> None:
    """Remove the seal of a dossier that is open again (its metadata may change until it closes once more)."""
    kept = session.get(MetadataSeal, dossier.id)
    if kept is not None:
        session.delete(kept)


def changes(kept: MetadataSeal, dossier: Dossier) -> list[Change]:
    """Return the elements of the dossier and its documents that differ from the seal ``kept``."""
    sealed, now = json.loads(kept.content), content(dossier)
    found = [Change(name) for name in sorted(now["dossier"]) if sealed["dossier"].get(name) != now["dossier"].get(name)]
    before = {document["id"]: document for document in sealed["documents"]}
    after = {document["id"]: document for document in now["documents"]}
    for document_id in sorted(before.keys() | after.keys()):
        was, is_now = before.get(document_id), after.get(document_id)
        if was is None or is_now is None:
            found.append(Change("documents", (is_now or was or {}).get("ordinal")))
            continue
        names = sorted(is_now.keys() | was.keys())  # an element only one side has: opinions added or removed
        found += [Change(name, was["ordinal"]) for name in names if was.get(name) != is_now.get(name)]
    return found


def described(found: list[Change]) -> str:
    """Say which elements differ, by their titles (Vietnamese, as the schemas name them), documents by number."""
    titles = {**metadata.field_titles("dossier"), **metadata.field_titles("document"), **OTHER_TITLES}
    own = [titles.get(change.element, change.element) for change in found if change.ordinal is None]
    by_document: dict[int, list[str]] = {}
    for change in found:
        if change.ordinal is not None:
            by_document.setdefault(change.ordinal, []).append(titles.get(change.element, change.element))
    parts = [", ".join(own)] if own else []
    parts += [f"văn bản số {ordinal}: {', '.join(names)}" for ordinal, names in sorted(by_document.items())]
    return "; ".join(parts)


def refuse_any_changed(session: Session, dossier_ids: list[int]) -> None:
    """Refuse, naming the first, when any of the dossiers differs from its seal: read a few hundred at a time with
    their documents and files (a hand-over batch holds thousands)."""
    for start in range(0, len(dossier_ids), CHUNK):
        chunk = dossier_ids[start : start + CHUNK]
        kept = {
            seal.dossier_id: seal
            for seal in session.scalars(select(MetadataSeal).where(MetadataSeal.dossier_id.in_(chunk)))
        }
        loaded = session.scalars(select(Dossier).where(Dossier.id.in_(kept)).options(WHOLE))
        for dossier in loaded:
            if found := changes(kept[dossier.id], dossier):
                raise RuleViolation(CHANGED, code=dossier.file_code, changes=described(found))


def refuse_changed(session: Session, dossier: Dossier) -> None:
    """Refuse to go on with a dossier whose metadata differs from its seal (one sealed before seals existed has
    none to differ from), naming what differs."""
    kept = session.get(MetadataSeal, dossier.id)
    found = changes(kept, dossier) if kept is not None else []
    if found:
        raise RuleViolation(CHANGED, code=dossier.file_code, changes=described(found))
