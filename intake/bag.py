"""Bag ingest (tiếp nhận gói tin): the dossiers of a validated BagIt bag from another system, or one of our own
hand-over packages, planned as past dossiers of the fonds (phông) the bag names.

The bag says whose records they are (TT 02 OrganId): they go to the organisation with that code, which must exist;
the archivist names the unit they are recorded under. They arrive in the agency archive (archived), numbered as the
bag numbers them, each file checked against the bag's own digests as it is kept, the bag's document index kept as
it came. The source's supplementary metadata ("dữ liệu đặc tả bổ sung", NĐ 30/2020 PL VI III.7.c) is kept where
the organisation offers a field of the same code for the same kind of record, checked against it. What the bag holds
that has no place here (a value of a field not offered, one that does not fit its field) is not refused: it is
carried into the plan's notes and the run's report.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import permissions, supplementary
from erms.errors import N_, InvalidMetadata, Problem, RuleViolation
from erms.models import Organisation, RecordKind, Unit
from erms.permissions import Actor
from intake import past, runs
from intake.bag_reading import BagDossier, BagFile, BagValue, ReadBag
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
    fields = _Fields(session, organisation.id)
    dossiers = tuple(_past(bag, dossier, unit_id, fields) for dossier in read.dossiers)
    return Plan(
        organisation_id=organisation.id,
        kind=KIND,
        source=read.name,
        digest=digest,
        dossiers=dossiers,
        run_id=earlier.run_id,
        done=earlier.done,
        notes=read.unmapped + _renamed(organisation, read) + fields.notes(),
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


class _Fields:
    """The organisation's offered supplementary fields, which keep the bag's values of their codes; what else the bag
    holds is counted for the notes."""

    def __init__(self, session: Session, organisation_id: int) -> None:
        self.offered = {
            kind: {
                field.name: field
                for field in supplementary.fields_for(session, organisation_id, kind, offered_only=True)
            }
            for kind in RecordKind
        }
        self.labels: dict[tuple[RecordKind, str], str] = {}
        self.unmapped: Counter[tuple[RecordKind, str]] = Counter()
        self.unfit: list[str] = []

    def kept(self, kind: RecordKind, where: str, values: Iterable[BagValue]) -> dict[str, str]:
        """Return a record's values of the offered fields, each checked against its field (by field name)."""
        kept: dict[str, str] = {}
        for value in values:
            field = self.offered[kind].get(value.name)
            if field is None:
                self.unmapped[(kind, value.name)] += 1
                self.labels.setdefault((kind, value.name), value.label)
                continue
            try:
                kept.update(supplementary.check([field], {value.name: value.value}, {}))
            except InvalidMetadata as refused:
                said = "; ".join(problem.template % problem.params for problem in refused.problems)
                self.unfit.append(f"{where}: {value.name} {value.value!r} ({value.label}) was left out: {said}")
        return kept

    def notes(self) -> tuple[str, ...]:
        """Return a line for each field of the bag not offered here (its code, label and how many records hold it),
        then one for each value that did not fit its field."""
        return tuple(
            f"{kind.value} field {name} ({self.labels[(kind, name)]}) is not offered here: left out of {count} "
            f"{kind.value}(s)"
            for (kind, name), count in self.unmapped.items()
        ) + tuple(self.unfit)


def _past(bag: Path, dossier: BagDossier, unit_id: int, fields: _Fields) -> PastDossier:
    where = f"Dossier {dossier.file_code}"
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
            PastDocument(
                document.values,
                tuple(_file(bag, found) for found in document.files),
                fields.kept(RecordKind.DOCUMENT, f"{where}, document {document.ordinal}", document.supplementary),
            )
            for document in sorted(dossier.documents, key=lambda document: document.ordinal)
        ),
        keep_order=True,
        index=_file(bag, dossier.index_file) if dossier.index_file else None,
        supplementary=fields.kept(RecordKind.DOSSIER, where, dossier.supplementary),
    )
