"""A dossier exported whole as one PDF (PL6 III.4.g), as its reader may read it: the dossier's metadata, its document
index, then every document in chronological order — its metadata, then its file's pages when the file is a PDF, or
its PDF/A preservation copy's when the file is an office document or an image the worker copied (filing.preservation).

The reader's rights decide what is in it, as on the dossier page: a document restricted on its own to others shows
neither its summary nor its file; a tuyệt mật summary is left out for everyone. It is made in a read-only
transaction (joining large files takes a while; nobody's save waits for it) and then audited like a download
(``record``); a dossier whose files are gone (destroyed, handed over) or too large for one file is refused.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO, cast

from sqlalchemy.orm import Session

from classification import markings
from erms import audit, metadata
from erms.config import LOCAL_TZ
from erms.errors import N_, RuleViolation
from erms.models import Document, DocumentVersion, Dossier, StoredFile
from erms.permissions import Actor
from erms.storage import FileStore
from exports import snapshot
from exports.pdf import pdf_index, register_pdf, whole_dossier
from exports.xml import cits, tt02
from filing import dossiers, preservation

# The most the files joined into one PDF may weigh: pypdf holds the joined pages in memory while it writes (about
# twice their size), and a web worker must not grow by gigabytes; beyond it the files are downloaded one by one.
MAX_BYTES = 100 * 1024 * 1024
# Held in memory up to this size, then in a temporary file.
SPOOL_BYTES = 32 * 1024 * 1024
# The coded values in the Vietnamese the exports already print them in (the register's, the package's).
WORDS = {
    "direction": {"incoming": "Văn bản đến", "outgoing": "Văn bản đi", "internal": "Văn bản nội bộ"},
    "status": {"draft": "Dự thảo", "final": "Chính thức"},
    "urgency": {"normal": "Thường", **register_pdf.URGENCY_WORDS},
    "marking": cits.MARKINGS,
    "medium": {"electronic": "Điện tử", **tt02.MEDIA},
    "rights": cits.RIGHTS,
}
NOT_JOINED = N_(
    "The file of %(document)s opens but its pages could not be copied into one PDF: download the dossier's files one "
    "by one from its page."
)
DATES = frozenset({"issued_date", "due_date", "arrival_date", "start_date", "end_date"})
TOO_LARGE = N_(
    "The files of this dossier come to %(size)s MB, more than the %(most)s MB one PDF may hold: download them one by "
    "one from the dossier's page."
)


@dataclass(frozen=True)
class Made:
    """A whole-dossier PDF and what it holds (for the audit record)."""

    pdf: BinaryIO
    documents: int
    joined: int  # files joined whole
    pages: int


def export(session: Session, actor: Actor, dossier_id: int, *, store: FileStore, now: datetime, font: str = "") -> Made:
    """Return the whole dossier as one PDF, as the actor may read it (nothing is written: see ``record``)."""
    dossier = dossiers.get_dossier(session, actor, dossier_id)
    if dossier.state in dossiers.CONTENT_GONE:
        raise RuleViolation(dossiers.CONTENT_GONE[dossier.state])
    withheld = dossiers.withheld_summaries(session, actor, dossier)
    readable = dossiers.readable_content(session, actor, dossier)
    links = sorted(dossier.links, key=lambda link: (link.document.issued_date, link.ordinal))
    files = {link.document_id: _latest(link.document) for link in links if link.document_id in readable}
    joined = _joined_files(session, [version for version in files.values() if version is not None])
    size = sum(stored.size for stored in joined.values())
    if size > MAX_BYTES:
        raise RuleViolation(TOO_LARGE, size=-(-size // 2**20), most=MAX_BYTES // 2**20)
    printed = now.astimezone(LOCAL_TZ)
    index = dossiers.chronological_index(dossier, now, withheld)
    parts: list[whole_dossier.Part] = []
    output = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    try:
        for number, link in enumerate(links, start=1):
            version = files.get(link.document_id)
            stored = joined[version.id] if version is not None else None
            opened = store.open(stored.sha256) if stored is not None else None
            copied = version is not None and stored is not version.file
            withheld_summary = withheld.get(link.document_id)
            parts.append(_part(number, link.document, withheld_summary, version, opened, readable, copied=copied))
        whole = whole_dossier.WholeDossier(
            parent_organisation=dossier.organisation.parent_name,
            organisation=dossier.organisation.name,
            file_code=dossier.file_code,
            title=dossier.title,
            lines=_dossier_lines(dossier),
            index_pdf=pdf_index.render(index, font=font),
            parts=tuple(parts),
            printed_at=printed,
        )
        pages = whole_dossier.render(whole, output, font=font)
    except whole_dossier.NotJoinable as failed:
        output.close()
        raise RuleViolation(NOT_JOINED, document=failed.heading) from failed
    finally:
        for part in parts:
            if part.file is not None:
                part.file.close()
    output.seek(0)
    return Made(cast(BinaryIO, output), len(parts), sum(part.file is not None for part in parts), pages)


def record(session: Session, actor: Actor, dossier_id: int, made: Made, *, now: datetime) -> None:
    """Audit the export of a whole dossier the actor reads, as a download."""
    dossier = dossiers.get_dossier(session, actor, dossier_id, with_documents=False)
    audit.record(
        session,
        actor,
        "dossier.exported_pdf",
        "dossier",
        dossier.id,
        now=now,
        documents=made.documents,
        joined=made.joined,
        pages=made.pages,
    )


def _latest(document: Document) -> DocumentVersion | None:
    return document.versions[-1] if document.versions else None


def _joined_files(session: Session, versions: list[DocumentVersion]) -> dict[int, StoredFile]:
    """Return, by version id, the file whose pages are joined: its PDF/A copy when one was made, else its own."""
    copies = preservation.copies_of(session, [version.file_id for version in versions])
    made = {source: row.copy for source, row in copies.items() if row.copy is not None}
    return {version.id: made.get(version.file_id, version.file) for version in versions}


def _part(
    number: int,
    document: Document,
    withheld: str | None,
    version: DocumentVersion | None,
    opened: BinaryIO | None,
    readable: set[int],
    *,
    copied: bool = False,
) -> whole_dossier.Part:
    """One document's page: its metadata, and what follows it (its file's pages, or why not)."""
    code = "/".join(part for part in (document.code_number, document.code_notation) if part)
    heading = f"Văn bản số {number}: {document.type_name} {code}".strip()
    values = dossiers.document_values(document)
    if withheld:
        values["subject"] = snapshot.WITHHELD[withheld]
        for name in markings.WITH_SUMMARY:
            values.pop(name, None)
    lines = _lines("document", values)
    pages = whole_dossier.pages_of(opened) if opened is not None else None
    if document.id not in readable:
        note = "Tệp của văn bản này hạn chế sử dụng, chỉ dành cho người được chỉ định."
    elif version is None:
        note = "Văn bản chỉ có thông tin đăng ký, không có tệp."
    elif pages is None:
        note = (
            f"Tệp {version.filename} không phải tệp PDF mở được nên không ghép vào đây: tải tệp này trên trang hồ sơ."
        )
    elif copied:
        note = f"Các trang tiếp theo là bản sao PDF/A của tệp {version.filename} ({pages} trang)."
    else:
        note = f"Các trang tiếp theo là tệp {version.filename} ({pages} trang)."
    if pages is None and opened is not None:
        opened.close()
        opened = None
    return whole_dossier.Part(heading, lines, note, opened)


def _dossier_lines(dossier: Dossier) -> tuple[tuple[str, str], ...]:
    values = dossiers.record_values(dossier, "dossier")
    period = dossiers.period_of(dossier).label()
    return (
        ("Mã hồ sơ", dossier.file_code),
        ("Số và ký hiệu hồ sơ", dossier.file_notation),
        ("Năm", str(dossier.year)),
        ("Thời hạn bảo quản", period),
        *_lines("dossier", values),
    )


def _lines(kind: str, values: dict) -> tuple[tuple[str, str], ...]:
    """Return (element, value) for every element of the ``kind`` schema, dates and coded values as people read them."""
    return tuple((title, _shown(name, values.get(name))) for name, title in metadata.field_titles(kind).items())


def _shown(name: str, value) -> str:
    if value is None:
        return ""
    if name in WORDS:
        return WORDS[name].get(str(value), str(value))
    if name in DATES:
        return f"{date.fromisoformat(str(value)):%d/%m/%Y}"
    return str(value)
