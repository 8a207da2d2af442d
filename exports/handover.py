"""Hand-over to the historical archive ("giao nộp vào Lưu trữ lịch sử"): select, reconcile, package, receive.

Services take ``(session, actor, …, *, now)`` and never commit. A batch records exactly which
permanent ARCHIVED dossiers go (each in at most one batch that holds it); ``build_package`` re-checks holds in
its own transaction, writes the bag, verifies it and marks it ready only if every check passed;
``import_receipt`` marks the dossiers the archive signed for TRANSFERRED through the state machine (a paper or
hybrid one leaves its box then: retention.destruction.unshelve), and returns those it did not list to the pool for
the next batch.
The same machinery exports one closed dossier as a bag for an officer or an auditor.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from erms import audit, lifecycle, metadata, metadata_seal, notices, permissions, transitions
from erms.config import DEFAULTS, LOCAL_TZ
from erms.errors import N_, InvalidMetadata, NotFound, Problem, RuleViolation
from erms.models import Dossier, HandoverBatch, HandoverItem, HandoverReceipt, Organisation, Package
from erms.models.dossier import DossierState
from erms.models.handover import BatchState, HandoverOutcome, PackageState
from erms.models.org import Role
from erms.permissions import Actor
from erms.storage import FileStore
from exports import receipt, snapshot
from exports.bagging import bag, verify
from retention.destruction import unshelve
from retention.holds import held_dossier_ids

# Luật Lưu trữ 2024 (summary of Điều 17, docs/standards.md decision 4): permanent records go to the
# historical archive within 5 years counted from the year they entered the agency archive, or up
# to 30 where another law says so; the deployment sets its period in HANDOVER_YEARS.
DEFAULT_HANDOVER_YEARS = DEFAULTS["HANDOVER_YEARS"]
HANDOVER_YEARS_ALLOWED = range(5, 31)
# NĐ 30/2020 Điều 30 k.2 / Luật 2024: a dossier enters the agency archive the year after its work ended.
AGENCY_ARCHIVE_LAG = 1


def check_handover_years(handover_years: int) -> int:
    """Return the configured hand-over period, or refuse one the law does not allow."""
    if handover_years not in HANDOVER_YEARS_ALLOWED:
        raise RuleViolation(
            N_("HANDOVER_YEARS is %(years)s; the Archives Law allows 5 to 30 years."), years=handover_years
        )
    return handover_years


def due_year(dossier: Dossier, handover_years: int = DEFAULT_HANDOVER_YEARS) -> int:
    """Return the last year the dossier may reach the historical archive (planned, if not archived yet)."""
    if dossier.archived_at is not None:
        return dossier.archived_at.astimezone(LOCAL_TZ).year + handover_years
    return dossier.year + AGENCY_ARCHIVE_LAG + handover_years


def _batched(session: Session, organisation_id: int) -> dict[int, int]:
    """Return {dossier id: batch id} for the organisation's dossiers a batch holds: awaiting its receipt, or received.

    A dossier the receipt did not list is in no such batch: it is back in the pool for the next hand-over. The
    items are read batch by batch, with their outcome: a dossier left out of one receipt has an item in each batch
    it went in.
    """
    return {
        item.dossier_id: batch.id
        for batch in snapshot.batches(session, {organisation_id})
        for item in batch.items
        if item.outcome is not HandoverOutcome.NOT_RECEIVED
    }


def _eligible(session: Session, organisation_id: int) -> list[Dossier]:
    """Return permanent ARCHIVED dossiers of the organisation that are neither held nor in a batch that holds them."""
    candidates = [
        dossier
        for dossier in snapshot.permanent_dossiers(session, organisation_id)
        if dossier.state is DossierState.ARCHIVED
    ]
    ids = [dossier.id for dossier in candidates]
    blocked = held_dossier_ids(session, ids) | set(_batched(session, organisation_id))
    return [dossier for dossier in candidates if dossier.id not in blocked]


def due_years(session: Session, organisation_id: int, handover_years: int = DEFAULT_HANDOVER_YEARS) -> list[int]:
    """Return the years in which eligible dossiers of the organisation fall due for hand-over."""
    return sorted({due_year(dossier, handover_years) for dossier in _eligible(session, organisation_id)})


def _require(actor: Actor | None, organisation_id: int) -> None:
    """Require the archivist's role; ``None`` is the operator at the console, who runs the database."""
    if actor is not None:
        permissions.require(actor, "handover.manage", organisation_id)


def _user_id(actor: Actor | None) -> int | None:
    return actor.user_id if actor else None


def _organisation(session: Session, actor: Actor | None, code: str):
    organisation = snapshot.organisation_by_code(session, code)
    if organisation is None:
        raise NotFound(N_("No organisation with code %(code)s."), code=code)
    _require(actor, organisation.id)
    return organisation


def _problems(session: Session, organisation_id: int, dossiers: list[Dossier], ids: list[int]) -> list[Problem]:
    """Return why any of the chosen dossiers cannot go into a batch, one problem per dossier."""
    # Another organisation's dossier is named like one that does not exist: its code is not the actor's to read.
    own = [dossier for dossier in dossiers if dossier.organisation_id == organisation_id]
    problems = [
        Problem("dossiers", N_("Dossier %(id)s does not exist."), {"id": missing})
        for missing in sorted(set(ids) - {dossier.id for dossier in own})
    ]
    held = held_dossier_ids(session, ids)
    batched = _batched(session, organisation_id)
    for dossier in own:
        params = {"code": dossier.file_code}
        if not dossier.retention_permanent:
            problems.append(Problem("dossiers", N_("Dossier %(code)s is not kept permanently."), params))
        elif dossier.state is not DossierState.ARCHIVED:
            problems.append(Problem("dossiers", N_("Dossier %(code)s is not in the agency archive."), params))
        elif dossier.id in held:
            problems.append(Problem("dossiers", N_("Dossier %(code)s is under a hold."), params))
        elif dossier.id in batched:
            problems.append(
                Problem(
                    "dossiers",
                    N_("Dossier %(code)s is already in hand-over batch %(batch)s."),
                    {**params, "batch": _batch_name(session, batched[dossier.id])},
                )
            )
    return problems


def _batch_name(session: Session, batch_id: int) -> str:
    batch = session.get(HandoverBatch, batch_id)
    assert batch is not None  # _batched names batches that hold items
    return batch.name


# A hand-over year: from the first year of the state's archives to the end of next year's hand-over window (a batch
# is prepared ahead at the year's end); a year typed 1800 or 2062 would make a batch no one can correct.
FIRST_YEAR = 1945


def _check_year(year: int, now: datetime, handover_years: int) -> None:
    last = now.astimezone(LOCAL_TZ).year + 1 + handover_years
    if not FIRST_YEAR <= year <= last:
        raise InvalidMetadata(
            [
                Problem(
                    "year",
                    N_("A hand-over year lies between %(first)s and %(last)s."),
                    {"first": FIRST_YEAR, "last": last},
                )
            ]
        )


def create_batch(
    session: Session,
    actor: Actor | None,
    organisation_code: str,
    year: int,
    dossier_ids: list[int] | None = None,
    *,
    now: datetime,
    handover_years: int = DEFAULT_HANDOVER_YEARS,
) -> HandoverBatch:
    """Record which dossiers go to the historical archive for ``year``; None picks every one due by then.

    Without a choice, an unpackaged batch of that year is returned as it is, so a rerun after a
    crash continues the same batch instead of refusing its own dossiers.
    """
    organisation = _organisation(session, actor, organisation_code)
    _check_year(year, now, handover_years)
    if dossier_ids is None:
        existing = snapshot.draft_batch(session, organisation.id, year)
        if existing is not None:
            return existing
        check_handover_years(handover_years)
        dossier_ids = [
            dossier.id for dossier in _eligible(session, organisation.id) if due_year(dossier, handover_years) <= year
        ]
        if not dossier_ids:
            years = ", ".join(map(str, due_years(session, organisation.id, handover_years))) or "-"
            raise RuleViolation(
                N_("No dossier of %(code)s is due for hand-over by %(year)s; years with dossiers due: %(years)s."),
                code=organisation.code,
                year=year,
                years=years,
            )
    if not dossier_ids or len(set(dossier_ids)) != len(dossier_ids):
        raise RuleViolation(N_("Choose each dossier once, and at least one."))
    dossiers = [session.get(Dossier, dossier_id) for dossier_id in dossier_ids]
    problems = _problems(session, organisation.id, [d for d in dossiers if d is not None], dossier_ids)
    if problems:
        raise InvalidMetadata(problems)
    batch = HandoverBatch(
        organisation_id=organisation.id,
        year=year,
        state=BatchState.DRAFT,
        seq=snapshot.next_batch_seq(session, organisation.id, year),
        created_by_id=_user_id(actor),
        created_at=now,
        items=[HandoverItem(dossier_id=dossier_id) for dossier_id in dossier_ids],
    )
    session.add(batch)
    session.flush()
    audit.record(
        session,
        actor,
        "handover_batch.created",
        "handover_batch",
        batch.id,
        now=now,
        name=batch.name,
        dossiers=len(dossier_ids),
    )
    return batch


def get_batch(session: Session, actor: Actor | None, batch_id: int) -> HandoverBatch:
    """Return the batch if the actor manages hand-over for its organisation."""
    batch = session.get(HandoverBatch, batch_id)
    if batch is None:
        raise NotFound()
    _require(actor, batch.organisation_id)
    return batch


@dataclass(frozen=True)
class Candidate:
    """A permanent dossier in the agency archive that may be chosen, with the year it falls due."""

    dossier: Dossier
    due: int


def organisation(session: Session, actor: Actor | None, organisation_id: int) -> Organisation:
    """Return the organisation whose hand-over the actor manages."""
    _require(actor, organisation_id)
    found = session.get(Organisation, organisation_id)
    if found is None:
        raise NotFound()
    return found


def candidates(
    session: Session, actor: Actor | None, organisation_id: int, handover_years: int = DEFAULT_HANDOVER_YEARS
) -> list[Candidate]:
    """Return the dossiers the archivist may put into a batch (not held, free of every batch), soonest due first."""
    _require(actor, organisation_id)
    check_handover_years(handover_years)
    found = [Candidate(dossier, due_year(dossier, handover_years)) for dossier in _eligible(session, organisation_id)]
    return sorted(found, key=lambda candidate: (candidate.due, candidate.dossier.file_code))


def batches(session: Session, actor: Actor | None, organisation_id: int) -> list[HandoverBatch]:
    """Return the organisation's hand-over batches, newest first."""
    _require(actor, organisation_id)
    return snapshot.batches(session, {organisation_id})


def latest_package(session: Session, actor: Actor | None, batch_id: int) -> Package | None:
    """Return the newest package built for the batch, ready or failed."""
    return snapshot.latest_package(session, batch_id=get_batch(session, actor, batch_id).id)


def download(session: Session, actor: Actor | None, batch_id: int, *, now: datetime) -> Package:
    """Return the batch's ready package for download and record who took it; a failed one is refused."""
    package = latest_package(session, actor, batch_id)
    if package is None or package.state is not PackageState.READY or not Path(package.path).is_dir():
        raise RuleViolation(N_("This batch has no valid package to download."))
    if held := held_codes(session, get_batch(session, actor, batch_id)):
        raise RuleViolation(HELD_SINCE_BUILT, codes=", ".join(held))
    audit.record(
        session,
        actor,
        "handover_package.downloaded",
        "handover_batch",
        batch_id,
        now=now,
        package=package.name,
        manifest_sha256=package.manifest_sha256,
    )
    return package


@dataclass(frozen=True)
class BuildSettings:
    """Where and how a package is built: the store, output folder, PDF font, E-ARK tool, copy processes,
    and whom to tell how far it is (files copied of all; then that verification has begun, and each
    check as it ends)."""

    store: FileStore
    out_dir: Path
    font: str = ""
    eark_tool: Path | None = None
    workers: int = bag.DEFAULT_WORKERS
    progress: Callable[[int, int], None] = field(default=lambda _done, _total: None)
    verifying: Callable[[], None] = field(default=lambda: None)
    checked: Callable[[verify.Check], None] = field(default=lambda _check: None)


@dataclass(frozen=True)
class WrittenPackage:
    """A bag written, verified and placed (or set aside) on disk, and what was read to write it; not recorded yet."""

    view: snapshot.PackageSnapshot
    placed: bag.Bag
    checks: list[verify.Check]

    @property
    def ok(self) -> bool:
        return verify.passed(self.checks)


def _write(
    session: Session,
    actor: Actor | None,
    ids: list[int],
    settings: BuildSettings,
    *,
    name: str,
    kind: str,
    year: int,
    now: datetime,
) -> WrittenPackage:
    """Read the dossiers, write, verify and place (or set aside) their bag; nothing is written to the database.

    The copy starts with the first dossiers read (bag.Build), while the rest are.
    """
    # Điều 30 k.3b, as for the files: what goes to the historical archive is the metadata each dossier closed with.
    metadata_seal.refuse_any_changed(session, ids)
    out_dir = settings.out_dir.resolve()
    with bag.build_lock(out_dir):
        with bag.Build(
            name, store=settings.store, out_dir=out_dir, workers=settings.workers, progress=settings.progress
        ) as build:
            view = snapshot.package(
                session,
                ids,
                name=name,
                kind=kind,
                year=year,
                operator_id=_user_id(actor),
                now=now,
                on_dossiers=build.add,
            )
            written = build.finish(view, settings.font)
        try:
            settings.verifying()  # as long as the copy again: every file is hashed anew
            checks = verify.verify(written.path, eark_tool=settings.eark_tool, on_check=settings.checked)
            placed = (bag.place if verify.passed(checks) else bag.set_aside)(written, out_dir, view.name)
        except BaseException:
            shutil.rmtree(written.path, ignore_errors=True)  # neither placed nor set aside: no half-done package
            raise
    return WrittenPackage(view, placed, checks)


def _record(session: Session, actor: Actor | None, written: WrittenPackage, *, now: datetime, **owner) -> Package:
    """Record a written package: READY if every check passed, else FAILED with its report."""
    placed = written.placed
    package = Package(
        name=written.view.name,
        state=PackageState.READY if written.ok else PackageState.FAILED,
        path=str(placed.path),
        payload_oxum=placed.payload_oxum,
        manifest_sha256=placed.manifest_sha256,
        audit_head=written.view.audit_head,
        size=placed.size,
        report=verify.to_json(written.checks),
        built_by_id=_user_id(actor),
        built_at=now,
        **owner,
    )
    session.add(package)
    session.flush()
    return package


def _build(
    session: Session,
    actor: Actor | None,
    ids: list[int],
    settings: BuildSettings,
    *,
    name: str,
    kind: str,
    year: int,
    now: datetime,
    **owner,
) -> tuple[snapshot.PackageSnapshot, Package]:
    """Write and record a package in one transaction; return what was read and the Package row."""
    written = _write(session, actor, ids, settings, name=name, kind=kind, year=year, now=now)
    return written.view, _record(session, actor, written, now=now, **owner)


def buildable_batch(session: Session, actor: Actor | None, batch_id: int) -> HandoverBatch:
    """Return the batch if a package may be built for it: it has no valid package yet."""
    batch = get_batch(session, actor, batch_id)
    if batch.state is BatchState.DISCARDED:
        raise RuleViolation(N_("Batch %(name)s was given up: nothing of it is handed over."), name=batch.name)
    if batch.state is not BatchState.DRAFT:
        raise RuleViolation(N_("Batch %(name)s already has a valid package."), name=batch.name)
    return batch


def discard_batch(session: Session, actor: Actor | None, batch_id: int, reason: str, *, now: datetime) -> HandoverBatch:
    """Give up a batch that has no valid package (its dossiers chosen wrongly, its year mistyped), for ``reason``: it
    stays listed with the reason, its choice of dossiers leaves it (the audit log names them) and they go back to the
    pool for another batch."""
    batch = buildable_batch(session, actor, batch_id)
    reason = metadata.check_text({"reason": reason}, {"reason": 1000}, required=("reason",))["reason"].strip()
    codes = sorted(item.dossier.file_code for item in batch.items)
    transitions.move(batch, transitions.HANDOVER_BATCH, "discard")
    batch.discard_reason = reason
    batch.items.clear()
    session.flush()
    audit.record(session, actor, "handover_batch.discarded", "handover_batch", batch.id, now=now, name=batch.name,
                 reason=reason, dossiers=codes)  # fmt: skip
    return batch


def build_package(
    session: Session, actor: Actor | None, batch_id: int, settings: BuildSettings, *, now: datetime
) -> Package:
    """Build, verify and record the batch's package in one transaction; ready only if every check passed."""
    return record_batch_package(
        session, actor, batch_id, write_batch_package(session, actor, batch_id, settings, now=now), now=now
    )


def write_batch_package(
    session: Session, actor: Actor | None, batch_id: int, settings: BuildSettings, *, now: datetime
) -> WrittenPackage:
    """Write and verify the batch's bag, reading only: the long part, which may run in a read-only transaction."""
    batch = _unheld_buildable_batch(session, actor, batch_id)
    return _write(
        session,
        actor,
        [item.dossier_id for item in batch.items],
        settings,
        name=batch.name,
        kind="handover",
        year=batch.year,
        now=now,
    )


def record_batch_package(
    session: Session, actor: Actor | None, batch_id: int, written: WrittenPackage, *, now: datetime
) -> Package:
    """Record the batch's written package, the batch and its holds checked again as they are now."""
    batch = _unheld_buildable_batch(session, actor, batch_id)
    package = _record(session, actor, written, now=now, batch_id=batch.id)
    if package.state is PackageState.READY:
        transitions.move(batch, transitions.HANDOVER_BATCH, "package")
    audit.record(
        session,
        actor,
        f"handover_batch.{'packaged' if batch.state is BatchState.PACKAGED else 'failed'}",
        "handover_batch",
        batch.id,
        now=now,
        package=package.name,
        payload_oxum=package.payload_oxum,
        manifest_sha256=package.manifest_sha256,
        audit_head=written.view.audit_head,
    )
    return package


def _unheld_buildable_batch(session: Session, actor: Actor | None, batch_id: int) -> HandoverBatch:
    """Return the batch if it may be packaged now: no valid package yet and no dossier of it under a hold."""
    batch = buildable_batch(session, actor, batch_id)
    if held := held_codes(session, batch):
        raise RuleViolation(N_("Dossiers under a hold cannot be handed over: %(codes)s."), codes=", ".join(held))
    return batch


def held_codes(session: Session, batch: HandoverBatch) -> list[str]:
    """Return the codes of the batch's dossiers under a hold now, sorted: none leaves while held, built or not."""
    held = held_dossier_ids(session, [item.dossier_id for item in batch.items])
    return sorted(item.dossier.file_code for item in batch.items if item.dossier_id in held)


# A hold placed after the package was built: the records stay until it is released (README: a hold blocks transfer).
HELD_SINCE_BUILT = N_(
    "Dossiers of this package came under a hold after it was built: %(codes)s. It is not handed over while they are "
    "held; once the hold is released it may be downloaded again."
)


def package_year(
    session: Session,
    actor: Actor | None,
    organisation_code: str,
    year: int,
    settings: BuildSettings,
    *,
    now: datetime,
    handover_years: int = DEFAULT_HANDOVER_YEARS,
) -> tuple[HandoverBatch, Package]:
    """Build the package of every dossier due by ``year``; rerun after it was built, return that package.

    Run again after a crash, this continues the unpackaged batch; run again after a build that
    committed, it offers the ready package instead of refusing for want of dossiers.
    """
    organisation = _organisation(session, actor, organisation_code)
    nothing_new = snapshot.draft_batch(session, organisation.id, year) is None and not any(
        due_year(dossier, handover_years) <= year for dossier in _eligible(session, organisation.id)
    )
    if nothing_new:
        for batch in snapshot.batches(session, {organisation.id}):
            package = snapshot.latest_package(session, batch_id=batch.id)
            if batch.year == year and package and package.state is PackageState.READY and Path(package.path).is_dir():
                return batch, package
    batch = create_batch(session, actor, organisation_code, year, now=now, handover_years=handover_years)
    return batch, build_package(session, actor, batch.id, settings, now=now)


EXPORTABLE = (DossierState.CLOSED, DossierState.SUBMITTED, DossierState.ARCHIVED, DossierState.TRANSFERRED)


def export_dossier(
    session: Session, actor: Actor | None, dossier_id: int, settings: BuildSettings, *, now: datetime
) -> Package:
    """Export one closed dossier as a verified bag for an officer or an auditor."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None or (
        actor is not None and not permissions.can(actor, "dossier.read", dossier.organisation_id, dossier.unit_id)
    ):
        raise NotFound()
    if dossier.state not in EXPORTABLE:
        raise RuleViolation(
            N_("Only a closed dossier can be exported; this one is %(state)s."), state=dossier.state.value
        )
    name = f"{dossier.file_code}_{now.astimezone(LOCAL_TZ):%Y%m%d%H%M%S}"
    _, package = _build(
        session,
        actor,
        [dossier.id],
        settings,
        name=name,
        kind="dossier",
        year=dossier.year,
        now=now,
        dossier_id=dossier.id,
    )
    audit.record(
        session,
        actor,
        "dossier.exported",
        "dossier",
        dossier.id,
        now=now,
        package=package.name,
        state=package.state.value,
        manifest_sha256=package.manifest_sha256,
    )
    return package


# ---------------------------------------------------------------- reconciliation


@dataclass
class UnitReconciliation:
    """A unit's dossiers as the batch compares with what its dossier lists make due."""

    unit: str
    included: list[str] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (file code, why it is not in the batch)
    extra: list[str] = field(default_factory=list)  # in the batch, not due yet
    late: list[str] = field(default_factory=list)  # in the batch, due in an earlier year


def _absence(dossier: Dossier, held: set[int], batched: dict[int, int]) -> str:
    if dossier.id in held:
        return N_("under a hold")
    if dossier.id in batched:
        return N_("in another batch")
    if dossier.state is not DossierState.ARCHIVED:
        return N_("not yet in the agency archive")
    return N_("not chosen")


def reconcile(
    session: Session, actor: Actor | None, batch_id: int, handover_years: int = DEFAULT_HANDOVER_YEARS
) -> list[UnitReconciliation]:
    """Compare the batch with the permanent dossiers due by its year, per unit, before it is sent."""
    batch = get_batch(session, actor, batch_id)
    chosen = {item.dossier_id for item in batch.items}
    permanent = snapshot.permanent_dossiers(session, batch.organisation_id)
    ids = [dossier.id for dossier in permanent]
    held = held_dossier_ids(session, ids)
    batched = {key: value for key, value in _batched(session, batch.organisation_id).items() if value != batch.id}
    units: dict[str, UnitReconciliation] = {}
    for dossier in [*permanent, *(item.dossier for item in batch.items if item.dossier_id not in ids)]:
        unit = units.setdefault(dossier.unit.name, UnitReconciliation(dossier.unit.name))
        due = due_year(dossier, handover_years)
        if dossier.id in chosen:
            unit.included.append(dossier.file_code)
            if due > batch.year:
                unit.extra.append(dossier.file_code)
            elif due < batch.year:
                unit.late.append(dossier.file_code)
        elif due <= batch.year:
            unit.missing.append((dossier.file_code, _absence(dossier, held, batched)))
    return sorted(units.values(), key=lambda unit: unit.unit)


# ---------------------------------------------------------------- the historical archive's receipt


def _receipt_batch(session: Session, actor: Actor | None, package: str, batch_id: int | None) -> HandoverBatch:
    """Return the batch a receipt is for: the page's own batch, whose name it must carry; or, at the console
    (no ``batch_id``), the batch it names. On a page no other batch is looked up, so the answer never tells
    whether a package of that name exists elsewhere."""
    if batch_id is not None:
        batch = get_batch(session, actor, batch_id)
        if package != batch.name:
            raise InvalidMetadata(
                [
                    Problem(
                        "package",
                        N_("The receipt is for package %(name)s, not %(expected)s."),
                        {"name": package, "expected": batch.name},
                    )
                ]
            )
        return batch
    named = snapshot.batch_by_name(session, package)
    if named is None:
        raise InvalidMetadata([Problem("package", N_("No hand-over batch named %(name)s."), {"name": package})])
    _require(actor, named.organisation_id)
    return named


@dataclass(frozen=True)
class ReceiptOutcome:
    """What a receipt did: the dossiers marked TRANSFERRED and the batch's dossiers it did not list."""

    batch: HandoverBatch
    transferred: list[str]
    not_listed: list[str]


def import_receipt(
    session: Session, actor: Actor | None, content: bytes, filename: str, *, now: datetime, batch_id: int | None = None
) -> ReceiptOutcome:
    """Check the archive's receipt against its batch and mark exactly the listed dossiers TRANSFERRED.

    A code the batch does not hold, a batch that is not packaged, or (given ``batch_id``, as on a
    batch's page) a receipt naming another package refuses the whole receipt and names the problems
    (the first ``receipt.PROBLEMS_SHOWN``, then how many more): nothing is guessed and nothing is
    written. A listed code is only ever compared with the batch's own dossiers, so a refusal says the
    same of a code of another organisation as of a code that does not exist. A receipt may list only
    some of the batch: the others stay ARCHIVED and go back to the pool (``_return_to_pool``).
    """
    parsed = receipt.parse(content, filename)
    batch = _receipt_batch(session, actor, parsed.package, batch_id)
    if batch.state is not BatchState.PACKAGED:
        raise RuleViolation(N_("Batch %(name)s has no package awaiting a receipt."), name=batch.name)
    _check_received_on(session, batch, parsed.received_on, now)
    by_code = {item.dossier.file_code: item for item in batch.items}
    _check_listed(session, batch, by_code, parsed.file_codes)
    for code in parsed.file_codes:
        dossier = by_code[code].dossier
        lifecycle.apply(session, dossier, "transfer", actor, now=now, receipt=parsed.reference, batch=batch.name)
        # The paper went with the package: its box no longer holds it (issue 28).
        unshelve(session, actor, dossier, now=now, why="transferred", batch=batch.name, receipt=parsed.reference)
    transitions.move(batch, transitions.HANDOVER_BATCH, "receive")
    listed = set(parsed.file_codes)
    for code, item in by_code.items():
        item.outcome = HandoverOutcome.RECEIVED if code in listed else HandoverOutcome.NOT_RECEIVED
    session.add(_receipt_record(actor, batch, parsed, now=now))
    not_listed = sorted(set(by_code) - listed)
    audit.record(
        session,
        actor,
        "handover_batch.received",
        "handover_batch",
        batch.id,
        now=now,
        reference=parsed.reference,
        transferred=len(parsed.file_codes),
        not_listed=not_listed,
    )
    _return_to_pool(session, actor, batch, parsed.reference, now=now)
    return ReceiptOutcome(batch, sorted(parsed.file_codes), not_listed)


def _check_received_on(session: Session, batch: HandoverBatch, received_on: str, now: datetime) -> None:
    """Refuse a receipt dated after today or before its package was built: a day typed wrong in the archive's file
    would be kept as the day the dossiers left the agency."""
    day, today = metadata.parse_day(received_on), now.astimezone(LOCAL_TZ).date()
    package = snapshot.latest_package(session, batch_id=batch.id)
    built = package.built_at.astimezone(LOCAL_TZ).date() if package is not None else None
    if day is None:
        problem = Problem("received_on", N_("Give the day the archive received the package, as YYYY-MM-DD."))
    elif day > today:
        problem = Problem("received_on", N_("The receipt is dated %(day)s, after today."), {"day": f"{day:%d/%m/%Y}"})
    elif built is not None and day < built:
        problem = Problem(
            "received_on",
            N_("The receipt is dated %(day)s, before its package was built (%(built)s)."),
            {"day": f"{day:%d/%m/%Y}", "built": f"{built:%d/%m/%Y}"},
        )
    else:
        return
    raise InvalidMetadata([problem])


def _check_listed(
    session: Session, batch: HandoverBatch, by_code: dict[str, HandoverItem], codes: tuple[str, ...]
) -> None:
    """Refuse the whole receipt if it lists a code the batch does not hold or a dossier under a hold."""
    held = held_dossier_ids(session, [item.dossier_id for item in by_code.values()])
    problems = [
        Problem("dossiers", N_("Dossier %(code)s is not in batch %(name)s."), {"code": code, "name": batch.name})
        for code in codes
        if code not in by_code
    ]
    problems += [
        Problem("dossiers", N_("Dossier %(code)s is under a hold."), {"code": code})
        for code in codes
        if code in by_code and by_code[code].dossier_id in held
    ]
    if problems:
        raise InvalidMetadata(receipt.capped(problems))


def _receipt_record(
    actor: Actor | None, batch: HandoverBatch, parsed: receipt.Receipt, *, now: datetime
) -> HandoverReceipt:
    """Return the record of the receipt: its reference and date, and the digest of the file it came in."""
    return HandoverReceipt(
        batch_id=batch.id,
        reference=parsed.reference,
        received_on=parsed.received_on,
        sha256=parsed.sha256,
        imported_by_id=_user_id(actor),
        imported_at=now,
    )


def _return_to_pool(
    session: Session, actor: Actor | None, batch: HandoverBatch, reference: str, *, now: datetime
) -> None:
    """Audit each dossier the receipt left out and tell the archivists they may hand it over in a later batch.

    Each dossier's own history says why it is still in the agency archive; the notice names no page, as notices
    link to no batch yet (the batch's page lists the dossiers).
    """
    left_out = batch.not_received
    for item in left_out:
        audit.record(
            session,
            actor,
            "dossier.not_received",
            "dossier",
            item.dossier_id,
            now=now,
            file_code=item.dossier.file_code,
            batch=batch.name,
            receipt=reference,
        )
    if left_out:
        notices.tell_role(
            session,
            batch.organisation_id,
            Role.ARCHIVIST,
            "handover_not_received",
            str(batch.id),
            N_(
                "Batch %(name)s: %(count)s dossiers were not on the historical archive's receipt. They stay in the "
                "agency archive and are back among the dossiers to choose for the next hand-over; the batch's page "
                "lists them."
            ),
            now=now,
            subject=("handover_batch", batch.id),
            name=batch.name,
            count=len(left_out),
        )
