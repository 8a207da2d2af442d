"""Drives a run of taking records in (the command line and the worker share it): one transaction per dossier.

A dossier is made whole or not at all; a dossier the source describes wrongly (a file whose bytes differ from the
source's digest) is reported and the others go on. Interrupted, or stopped by its archivist, the run is taken up
again by running the same source: what was committed is skipped.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import background, metadata, permissions
from erms.db import transaction
from erms.errors import N_, ERMSError, InvalidMetadata, PermissionDenied, Problem, RuleViolation
from erms.models import ApiUpload, BackgroundJob, IntakeRun, Unit
from erms.permissions import Actor, load_actor
from erms.storage import FileStore
from filing import uploads
from intake import arrangement, bag, bag_reading, legacy, past, runs


@dataclass(frozen=True)
class Outcome:
    run_id: int
    made: int  # dossiers made by this run, earlier attempts included
    total: int
    finished: bool
    report: tuple[str, ...]


def take_in(
    factory: Callable[[], Session],
    user_id: int,
    source: runs.Plan,
    *,
    store: FileStore,
    clock: Callable[[], datetime],
    font: str = "",
    told: Callable[[int, int], None] = lambda done, total: None,
) -> Outcome:
    """Make every dossier of ``source`` not made yet, each in its own transaction; return what the run did."""
    documents = source.documents
    with transaction(factory) as session:
        run = runs.begin(
            session,
            load_actor(session, user_id),
            source.organisation_id,
            kind=source.kind,
            source=source.source,
            digest=source.digest,
            dossiers=len(source.dossiers),
            documents=documents,
            run_id=source.run_id,
            now=clock(),
        )
        run_id, made = run.id, past.made_keys(session, run.id)
    report = list(source.notes)
    # Progress is counted in documents; an inventory of paper dossiers has none, so there it counts dossiers.
    weight = (lambda dossier: len(dossier.documents)) if documents else (lambda dossier: 1)
    total = documents or len(source.dossiers)
    done = sum(weight(dossier) for dossier in source.dossiers if dossier.key in made)
    try:
        told(done, total)
        for dossier in source.dossiers:
            if dossier.key in made:
                continue
            try:
                with transaction(factory) as session:
                    run = session.get_one(IntakeRun, run_id)
                    past.make(session, load_actor(session, user_id), run, dossier, store=store, now=clock(), font=font)
            except ERMSError as refused:
                report.append(f"{dossier.key}: {refused}")
            done += weight(dossier)
            told(done, total)
    except background.Cancelled:
        # Stopped by its archivist: the run records how far it got (what was made stays, to be taken up again),
        # unless the stop came as its last dossier was made, when the work is simply done.
        outcome = _finish(factory, user_id, run_id, report, clock)
        if not outcome.finished:
            raise
        return outcome
    return _finish(factory, user_id, run_id, report, clock)


def _finish(
    factory: Callable[[], Session], user_id: int, run_id: int, report: list[str], clock: Callable[[], datetime]
) -> Outcome:
    """Record the run's report (``runs.finish``) and return what the run did."""
    with transaction(factory) as session:
        run = runs.finish(session, load_actor(session, user_id), run_id, report, now=clock())
        made = past.made_keys(session, run_id)
        return Outcome(run_id, len(made), run.dossiers_total, run.finished_at is not None, tuple(report))


LEGACY_JOB = "intake.legacy"


def legacy_subject(organisation_id: int) -> str:
    """One legacy import at a time in an organisation: two would check against each other's half-made dossiers."""
    return f"intake:{organisation_id}"


def queue_legacy(
    session: Session, actor: Actor, organisation_id: int, name: str, settings: dict, *, now: datetime
) -> BackgroundJob:
    """Check the folder ``name`` offered in the organisation's own intake folder now (so the archivist sees the
    problems at once) and queue its import."""
    _offered_plan(session, actor, organisation_id, name, settings, now)
    accept = bool(settings.get("accept_scans"))
    payload = {"organisation_id": organisation_id, "user_id": actor.user_id, "name": name, "accept_scans": accept}
    return background.enqueue(session, actor.user_id, LEGACY_JOB, legacy_subject(organisation_id), payload, now=now)


def _offered_plan(
    session: Session, actor: Actor, organisation_id: int, name: str, settings: dict, now: datetime
) -> runs.Plan:
    """Check a folder offered in the organisation's own folder of INTAKE_DIR (``legacy.plan_offered``); ``settings``
    holds INTAKE_DIR, MAX_CONTENT_LENGTH and the archivist's accept_scans."""
    root, limit = Path(settings["INTAKE_DIR"]), settings["MAX_CONTENT_LENGTH"]
    accept = bool(settings.get("accept_scans"))
    return legacy.plan_offered(
        session, actor, organisation_id, root, name, now=now, max_size=limit, accept_scans=accept
    )


# Stoppable: each dossier is made in a transaction of its own, and the same source imported again goes on.
@background.handler(LEGACY_JOB, stoppable=True)
def _legacy_job(payload: dict, context: background.Context) -> None:
    # Checked again in the worker, in the organisation's own folder: files may have changed since the page queued it.
    user_id = payload["user_id"]
    with transaction(context.factory, read_only=True) as session:
        actor = load_actor(session, user_id)
        settings = {**context.settings, "accept_scans": payload.get("accept_scans", False)}
        plan = _offered_plan(session, actor, payload["organisation_id"], payload["name"], settings, context.clock())
    _run_job(context, user_id, plan)


def _run_job(context: background.Context, user_id: int, plan: runs.Plan) -> None:
    """Take the plan in as the worker does, its progress written for the page; a run left unfinished fails the job."""
    outcome = take_in(
        context.factory,
        user_id,
        plan,
        store=context.store,
        clock=context.clock,
        font=context.settings.get("PDF_FONT", ""),
        told=_progress(context),
    )
    if not outcome.finished:
        raise RuleViolation(NOT_FINISHED, made=outcome.made, total=outcome.total)


NOT_FINISHED = N_("%(made)s of %(total)s dossiers were made; the run's report says why the others were not.")


# How often a run writes its progress, the beat at which a stop asked for is seen.
PROGRESS_EVERY = timedelta(seconds=1)


def _progress(context: background.Context) -> Callable[[int, int], None]:
    """Write the documents done as JSON for the page, at most once a second (a run tells after every dossier)."""
    last: list[datetime] = []

    def told(done: int, total: int) -> None:
        now = context.clock()
        if done == total or not last or now - last[0] >= PROGRESS_EVERY:
            last[:] = [now]
            context.progress(json.dumps({"done": done, "total": total}))

    return told


ARRANGEMENT_JOB = "intake.arrangement"


def queue_arrangement(
    session: Session,
    actor: Actor,
    organisation_id: int,
    repository_id: int | None,
    name: str,
    data: bytes,
    *,
    now: datetime,
) -> BackgroundJob:
    """Check an arrangement's inventory now (the archivist sees the problems at once) and queue the making of its
    dossiers; the inventory travels in the job (it is text, at most arrangement.MAX_BYTES)."""
    payload = {
        "organisation_id": organisation_id,
        "user_id": actor.user_id,
        "repository_id": repository_id,
        "name": name,
        "data": base64.b64encode(data).decode("ascii"),
    }
    _arrangement_plan(session, actor, payload, now)
    # One intake at a time in an organisation, whatever its source (legacy_subject).
    return background.enqueue(
        session, actor.user_id, ARRANGEMENT_JOB, legacy_subject(organisation_id), payload, now=now
    )


def _arrangement_plan(session: Session, actor: Actor, payload: dict, now: datetime) -> runs.Plan:
    data = base64.b64decode(payload["data"])
    return arrangement.plan(
        session, actor, payload["organisation_id"], payload["repository_id"], payload["name"], data, now=now
    )


@background.handler(ARRANGEMENT_JOB, stoppable=True)  # as an import (LEGACY_JOB)
def _arrangement_job(payload: dict, context: background.Context) -> None:
    # Checked again in the worker: boxes and dossiers may have changed since the page queued it.
    with transaction(context.factory, read_only=True) as session:
        plan = _arrangement_plan(session, load_actor(session, payload["user_id"]), payload, context.clock())
    _run_job(context, payload["user_id"], plan)


BAG_JOB = "intake.bag"
UNIT_CODE = N_("Give the code of the unit the bag's dossiers are recorded under.")


def require_intake(actor: Actor) -> None:
    """Refuse whoever takes records in for no organisation (which organisation a bag is for, only reading it says)."""
    if not any(permissions.can(actor, "records.import", org) for org in actor.organisation_ids()):
        raise PermissionDenied()


def queue_bag(session: Session, actor: Actor, upload_id: int, unit: str, *, now: datetime) -> BackgroundJob:
    """Queue the ingest of a bag sent as a complete upload of the actor's (used up by it): the bag is read whole
    in the worker, which may take long for a large one."""
    require_intake(actor)
    if not unit.strip() or len(unit) > 20:
        raise InvalidMetadata([Problem("unit", UNIT_CODE)])
    if metadata.FORBIDDEN_CHARACTERS.search(unit):  # a NUL reaches the worker's query, which PostgreSQL refuses
        raise InvalidMetadata([Problem("unit", metadata.CONTROL_CHARACTER)])
    # Which organisation the bag is for, only reading it says; a code none of the caller's organisations has is a
    # typo said now, before the upload is used up by a job bound to fail.
    places = [org for org in actor.organisation_ids() if permissions.can(actor, "records.import", org)]
    known = select(Unit.id).where(Unit.organisation_id.in_(places), Unit.code == unit.strip())
    if session.scalar(known.limit(1)) is None:
        raise InvalidMetadata([Problem("unit", bag.UNKNOWN_UNIT, {"code": unit.strip()})])
    upload = uploads.claim(session, actor, upload_id, now=now)
    payload = {"user_id": actor.user_id, "upload_id": upload.id, "unit": unit.strip()}
    return background.enqueue(session, actor.user_id, BAG_JOB, f"intake_bag:{upload.id}", payload, now=now)


@background.handler(BAG_JOB)
def _bag_job(payload: dict, context: background.Context) -> None:
    settings, user_id = context.settings, payload["user_id"]
    part = uploads.part_path(Path(settings["DATA_DIR"]) / "uploads", payload["upload_id"])
    with transaction(context.factory, read_only=True) as session:
        sent = session.get_one(ApiUpload, payload["upload_id"])
        declared, filename = sent.sha256, sent.filename
    if declared is not None and _sha256(part) != declared:
        raise InvalidMetadata([Problem("upload_id", uploads.DIFFERENT)])
    try:
        with bag_reading.opened(part) as folder:
            read = bag_reading.read(folder)
            with transaction(context.factory, read_only=True) as session:
                plan = bag.plan(session, load_actor(session, user_id), folder, read, payload["unit"])
            _run_job(context, user_id, plan)
    except bag_reading.BagRefused as refused:  # said with the name the archivist sent, not the spool file's
        raise bag_reading.BagRefused([problem.replace(part.name, filename) for problem in refused.problems]) from None
    part.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    hashed = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            hashed.update(chunk)
    return hashed.hexdigest()
