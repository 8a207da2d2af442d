"""Bag ingest (tiếp nhận gói tin): the dossiers of a validated BagIt bag from another system, or one of our own
hand-over packages, planned as past dossiers of the fonds (phông) the bag names.

The bag says whose records they are (TT 02 OrganId): they go to the organisation with that code, which must exist;
the archivist names the unit they are recorded under. They arrive in the agency archive (archived), numbered as the
bag numbers them, each file checked against the bag's own digests as it is kept, the bag's document index kept as
it came. What the bag holds that has no place here is carried into the run's report.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import permissions
from erms.errors import N_, InvalidMetadata, Problem, RuleViolation
from erms.models import Organisation, Unit
from erms.permissions import Actor
from intake import past, runs
from intake.bag_reading import BagDossier, BagFile, ReadBag
from intake.past import PastDocument, PastDossier, PastFile
from intake.runs import Plan

KIND = "bag"
NOTHING = N_("The bag holds no dossier that can be taken in.")
SEVERAL_FONDS = N_("The bag holds the records of several fonds (%(codes)s): take in one fonds' bag at a time.")
NO_FONDS = N_("No organisation has the code %(code)s: create the fonds (organisation) first, then take the bag in.")
UNKNOWN_UNIT = N_("The organisation has no unit with the code %(code)s.")


def digest_of(bag: Path) -> str:
    """Return one SHA-256 over the bag's manifests: the same payload gives the same digest, so the same run."""
    hashed = hashlib.sha256()
    for manifest in sorted(bag.glob("manifest-*.txt")):
        hashed.update(manifest.name.encode() + b"\0" + manifest.read_bytes())
    return hashed.hexdigest()


def plan(session: Session, actor: Actor, bag: Path, read: ReadBag, unit_code: str) -> Plan:
    """Check the read bag against the organisation it names; return the plan or raise, saying every problem."""
    if not read.dossiers:
        raise RuleViolation(NOTHING)
    organisation = _fonds(session, read)
    permissions.require(actor, "records.import", organisation.id)
    unit_id = session.scalar(select(Unit.id).where(Unit.organisation_id == organisation.id, Unit.code == unit_code))
    if unit_id is None:
        raise InvalidMetadata([Problem("unit", UNKNOWN_UNIT, {"code": unit_code})])
    digest = digest_of(bag)
    earlier = runs.earlier(session, organisation.id, KIND, digest)
    problems = [
        problem
        for dossier in read.dossiers
        if dossier.file_code not in earlier.done
        for problem in _refusals(session, organisation, dossier, unit_id)
    ]
    if problems:
        raise InvalidMetadata(problems)
    return Plan(
        organisation_id=organisation.id,
        kind=KIND,
        source=read.name,
        digest=digest,
        dossiers=tuple(_past(bag, dossier, unit_id) for dossier in read.dossiers),
        run_id=earlier.run_id,
        done=earlier.done,
        notes=read.unmapped + _renamed(organisation, read),
    )


def _fonds(session: Session, read: ReadBag) -> Organisation:
    codes = sorted({dossier.organ_id for dossier in read.dossiers})
    if len(codes) > 1:
        raise RuleViolation(SEVERAL_FONDS, codes=", ".join(codes))
    organisation = session.scalar(select(Organisation).where(Organisation.code == codes[0]))
    if organisation is None:
        raise RuleViolation(NO_FONDS, code=codes[0])
    return organisation


def _refusals(session: Session, organisation: Organisation, dossier: BagDossier, unit_id: int) -> list[Problem]:
    return [
        Problem(dossier.file_code, template, params)
        for _field, template, params in past.obstacles(
            session, organisation, dossier.year, dossier.file_notation, unit_id
        )
    ]


def _renamed(organisation: Organisation, read: ReadBag) -> tuple[str, ...]:
    """Say which dossiers get another code here than the bag gives (a code that does not follow TT 02's pattern)."""
    return tuple(
        f"{dossier.file_code}: recorded as {made}"
        for dossier in read.dossiers
        if (made := past.file_code(organisation, dossier.year, dossier.file_notation)) != dossier.file_code
    )


def _file(bag: Path, found: BagFile) -> PastFile:
    return PastFile(bag / found.path, found.filename, found.sha256, found.sha512)


def _past(bag: Path, dossier: BagDossier, unit_id: int) -> PastDossier:
    return PastDossier(
        key=dossier.file_code,
        year=dossier.year,
        file_notation=dossier.file_notation,
        unit_id=unit_id,
        values=dossier.values,
        period=dossier.retention,
        retention_row_id=None,
        archived=True,
        documents=tuple(
            PastDocument(document.values, tuple(_file(bag, found) for found in document.files))
            for document in sorted(dossier.documents, key=lambda document: document.ordinal)
        ),
        keep_order=True,
        index=_file(bag, dossier.index_file) if dossier.index_file else None,
    )
