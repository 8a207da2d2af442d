"""A past dossier (hồ sơ đã hình thành) made from records taken in: closed, or already in the agency archive.

Both ways in (a legacy folder, a bag) describe what they found as a :class:`PastDossier`, checked before anything
is written; :func:`make` then creates it as if it had been formed in ERMS: an entry on its year's dossier list,
the dossier opened, its documents with their files, the index PDF, closed, and — when the source says it is in
the agency archive — submitted and accepted. Every step is audited with the run it belongs to, and the dossier is
recorded under the source's key in the same transaction, which is what makes a run resumable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import dossier_list as dossier_lists
from erms import audit, lifecycle, metadata, supplementary
from erms.errors import N_, RuleViolation
from erms.models import (
    Dossier,
    DossierList,
    DossierListEntry,
    FixityEvent,
    IntakeDossier,
    IntakeRun,
    Organisation,
    StorageBox,
    StoredFile,
)
from erms.models.dossier import Medium
from erms.models.dossier_list import DossierListState
from erms.models.fixity import FixityOutcome
from erms.permissions import Actor
from erms.storage import FileStore
from filing import dossiers
from holdings import storage

EXISTS = N_("Dossier %(code)s already exists.")
LIST_WAITING = N_("The dossier list of %(year)s waits for the head's approval: take records in once it is decided.")
OTHER_UNIT = N_("The dossier list of %(year)s plans %(notation)s for another unit.")
DIFFERENT_BYTES = N_("File %(name)s does not have the digest its source records; the dossier %(code)s was not made.")


@dataclass(frozen=True)
class PastFile:
    """A file to keep as a document's version; ``sha256``/``sha512``: the source's own record of it, if any."""

    path: Path
    filename: str
    sha256: str | None = None
    sha512: str | None = None


@dataclass(frozen=True)
class PastDocument:
    """A document as its source describes it: checked metadata (schemas/document-v1.json), its versions and its
    values of the organisation's supplementary fields (checked, stored forms, by field name)."""

    values: dict
    files: tuple[PastFile, ...]
    supplementary: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Shelving:
    """Where an arranged paper dossier goes: its box in the fonds (added to ``repository_id`` on ``shelf_unit`` and
    ``shelf`` when the fonds has no box of that number yet) and its number in the box (None: the box's next)."""

    repository_id: int
    box: int
    shelf_unit: str
    shelf: str
    file_number: int | None


@dataclass(frozen=True)
class PastDossier:
    """A dossier as its source describes it, checked and resolved against the organisation."""

    key: str  # the source's name for it: unique in a run
    year: int
    file_notation: str
    unit_id: int
    values: dict  # checked dossier metadata (schemas/dossier-v1.json)
    period: tuple[bool, int | None, str]  # permanent, years, condition
    retention_row_id: int | None
    archived: bool  # in the agency archive ("Lưu trữ cơ quan"), else closed and still with its unit
    documents: tuple[PastDocument, ...]
    keep_order: bool = False  # the source numbered the documents (a bag): keep its order instead of the dates'
    index: PastFile | None = None  # the source's own document index (mục lục văn bản), kept instead of a new one
    shelving: Shelving | None = None  # a paper dossier's box (an arrangement), once the archive holds it
    supplementary: dict[str, str] = field(default_factory=dict)  # checked values of the organisation's fields


def file_code(organisation: Organisation, year: int, notation: str) -> str:
    """Return the dossier's code (mã hồ sơ) as ERMS makes it: organisation code, year, notation."""
    return f"{organisation.code}.{year}.{notation}"


def obstacles(
    session: Session, organisation: Organisation, year: int, notation: str, unit_id: int
) -> list[tuple[str, str, dict]]:
    """Return what keeps a past dossier from being made, as (field, template, params): its code taken, its year's
    list waiting for approval, or the list's entry of its notation already used or planned for another unit."""
    code = file_code(organisation, year, notation)
    if session.scalar(select(Dossier.id).where(Dossier.organisation_id == organisation.id, Dossier.file_code == code)):
        return [("file_notation", EXISTS, {"code": code})]
    year_list = session.scalar(
        select(DossierList).where(DossierList.organisation_id == organisation.id, DossierList.year == year)
    )
    if year_list is None:
        return []
    if year_list.state is DossierListState.SUBMITTED:
        return [("year", LIST_WAITING, {"year": year})]
    entry = session.scalar(
        select(DossierListEntry).where(
            DossierListEntry.dossier_list_id == year_list.id, DossierListEntry.file_notation == notation
        )
    )
    if entry is None:
        return []
    if session.scalar(select(Dossier.id).where(Dossier.entry_id == entry.id)):
        return [("file_notation", dossier_lists.NOTATION_TAKEN, {"notation": notation})]
    if entry.unit_id != unit_id:
        return [("unit", OTHER_UNIT, {"year": year, "notation": notation})]
    return []


def made_keys(session: Session, run_id: int) -> set[str]:
    """Return the keys of the dossiers a run has already made."""
    return set(session.scalars(select(IntakeDossier.key).where(IntakeDossier.run_id == run_id)))


def make(
    session: Session,
    actor: Actor,
    run: IntakeRun,
    past: PastDossier,
    *,
    store: FileStore,
    now: datetime,
    font: str = "",
) -> Dossier:
    """Create the dossier ``past`` describes, in the run's organisation, with its documents; closed or archived."""
    organisation = session.get_one(Organisation, run.organisation_id)
    code = file_code(organisation, past.year, past.file_notation)
    for _field, template, params in obstacles(session, organisation, past.year, past.file_notation, past.unit_id):
        raise RuleViolation(template, **params)
    dossier = _opened(session, actor, run, organisation, past, code, now)
    for document in past.documents:
        _file(session, actor, run, dossier, document, code, store=store, now=now)
    if not past.keep_order:
        dossiers.renumber_chronologically(session, dossier)
    start, end = dossiers.closing_dates(dossier)
    dossier.start_date, dossier.end_date = start, end
    index = _kept(session, past.index, code, store=store, now=now) if past.index else None
    dossiers.seal(session, actor, dossier, store=store, now=now, font=font, index_file=index, intake_run=run.id)
    if past.archived:
        lifecycle.apply(session, dossier, "submit", actor, now=now, intake_run=run.id)
        lifecycle.apply(session, dossier, "accept", actor, now=now, intake_run=run.id)
    if past.shelving is not None:
        _shelve(session, actor, dossier, past.shelving, now)
    session.add(IntakeDossier(run_id=run.id, key=past.key, dossier_id=dossier.id, documents=len(past.documents)))
    session.flush()
    return dossier


def _shelve(session: Session, actor: Actor, dossier: Dossier, shelving: Shelving, now: datetime) -> None:
    """Put an arranged dossier in its box, adding the box to the repository when the fonds has none of its number."""
    numbered = StorageBox.organisation_id == dossier.organisation_id, StorageBox.number == shelving.box
    box = session.scalar(select(StorageBox).where(*numbered))
    if box is None:
        fields = {"shelf_unit": shelving.shelf_unit, "shelf": shelving.shelf, "number": shelving.box}
        box = storage.create_box(
            session, actor, dossier.organisation_id, {"repository_id": shelving.repository_id, **fields}, now=now
        )
    number = "" if shelving.file_number is None else shelving.file_number
    storage.place_dossier(session, actor, box.id, dossier.id, number, now=now)


def _opened(
    session: Session,
    actor: Actor,
    run: IntakeRun,
    organisation: Organisation,
    past: PastDossier,
    code: str,
    now: datetime,
) -> Dossier:
    year_list = dossier_lists.past_list(session, actor, organisation.id, past.year, now=now)
    entry = dossier_lists.past_entry(
        session,
        actor,
        year_list,
        title=past.values["title"],
        unit_id=past.unit_id,
        file_notation=past.file_notation,
        retention_row_id=past.retention_row_id,
        period=past.period,
        now=now,
    )
    values = dict(past.values)
    if "medium" in values:
        values["medium"] = Medium(values["medium"])
    dossier = Dossier(
        organisation_id=organisation.id,
        entry_id=entry.id,
        unit_id=past.unit_id,
        creator_id=actor.user_id,
        file_code=code,
        year=past.year,
        file_notation=past.file_notation,
        retention_permanent=past.period[0],
        retention_years=past.period[1],
        retention_condition=past.period[2],
        schema_id=metadata.schema_id("dossier"),
        opened_at=now,
        supplementary=supplementary.encode(past.supplementary),
        **{key: date.fromisoformat(value) if key.endswith("_date") else value for key, value in values.items()},
    )
    lifecycle.start(session, dossier, actor, now=now, entry_id=entry.id, intake_run=run.id)
    return dossier


def _file(
    session: Session,
    actor: Actor,
    run: IntakeRun,
    dossier: Dossier,
    past: PastDocument,
    code: str,
    *,
    store: FileStore,
    now: datetime,
) -> None:
    first = _upload(past.files[0]) if past.files else nullcontext(None)
    with first as upload:
        document = dossiers.new_document(
            session,
            actor,
            dossier.organisation_id,
            past.values,
            upload,
            store=store,
            now=now,
            supplementary_values=past.supplementary,
        )
    for more in past.files[1:]:
        with _upload(more) as upload:
            dossiers.store_version(session, actor, document, upload, store=store, now=now)
    link = dossiers.append_link(session, actor, dossier, document, now=now)
    kept = list(zip(document.versions, past.files, strict=True))
    for version, source in kept:
        _check_digests(session, version.file, source, code, now)
    audit.record(
        session,
        actor,
        "document.taken_in",
        "document",
        document.id,
        now=now,
        dossier_id=dossier.id,
        ordinal=link.ordinal,
        intake_run=run.id,
        files=[{"name": source.filename, "sha256": version.file.sha256} for version, source in kept],
    )


def _kept(session: Session, source: PastFile, code: str, *, store: FileStore, now: datetime) -> StoredFile:
    """Keep a file that belongs to no document (the dossier's index), checked against the source's digests."""
    with _upload(source) as upload:
        stored = dossiers.stored_file(session, store.put(upload.stream), source.filename, now=now)
    _check_digests(session, stored, source, code, now)
    return stored


@contextmanager
def _upload(source: PastFile) -> Iterator[dossiers.Upload]:
    with source.path.open("rb") as stream:
        yield dossiers.Upload(source.filename, stream, max_size=os.fstat(stream.fileno()).st_size)


def _check_digests(session: Session, stored: StoredFile, source: PastFile, code: str, now: datetime) -> None:
    """Compare the bytes kept with the source's own digests (fixity evidence): a difference refuses the dossier;
    agreement is kept as a fixity event, as the store's own checks are."""
    if source.sha256 is None and source.sha512 is None:
        return
    if (source.sha256 or stored.sha256) != stored.sha256 or (source.sha512 or stored.sha512) != stored.sha512:
        raise RuleViolation(DIFFERENT_BYTES, name=source.filename, code=code)
    session.add(
        FixityEvent(stored_file_id=stored.id, checked_at=now, outcome=FixityOutcome.INTACT, agent="erms intake")
    )
