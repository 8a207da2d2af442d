"""Hand-over to the historical archive ("giao nộp vào Lưu trữ lịch sử") in the web app.

The archivist chooses the dossiers due, sees the batch reconciled against the dossier lists,
starts the build once they confirm it — a background job the worker process runs, so the request returns at once and
the batch page refreshes itself (no script) until the build ends — reads the validation
report, downloads the package as a tar streamed while it is written, and uploads the archive's
receipt. The pages say in plain words what happened; the standards' names and figures (BagIt, METS, E-ARK,
Payload-Oxum, the validators' output) wait in a "technical details" box. The services of ``exports.handover`` decide
everything; this module only adapts them.
"""

from __future__ import annotations

import json
import logging
import queue
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from erms import background, jobs, metadata, permissions
from erms.auth import current_actor, login_required
from erms.config import LOCAL_TZ
from erms.errors import InvalidMetadata, PermissionDenied, Problem
from erms.models.background import JobState
from erms.models.handover import BatchState, HandoverOutcome, PackageState
from erms.web.background_jobs import NO_WORKER_REFRESH_SECONDS, no_worker_for
from erms.web.common import (
    integer,
    organisation_of,
    require_present,
    setting,
    transaction,
    upload_from_request,
    utcnow,
    writes,
)
from erms.web.errors import job_refusals, on_invalid
from exports import handover
from exports import receipt as receipts
from exports.bagging import verify
from filing import dossiers

bp = Blueprint("handover", __name__, url_prefix="/handover")
log = logging.getLogger(__name__)

# The page of a running build reloads itself this often (seconds).
REFRESH_SECONDS = 2
# The tar travels in blocks of this size; at most PIPE_DEPTH of them wait between writer and reader.
TAR_BLOCK = 256 * 1024
PIPE_DEPTH = 8

# What each check of ``exports.bagging.verify`` makes sure of, in the archivist's words; the check's own name
# (a standard's) is shown in the technical details only.
CHECK_LABELS = {
    "BagIt": _l("Every file is in the package and matches its checksum"),
    "BagIt profile": _l("The package is laid out as the historical archive requires"),
    "XML well-formed": _l("Every metadata file of the package can be read"),
    "METS XSD": _l("The package's table of contents follows the standard"),
    "PREMIS XSD": _l("The history of every file (its preservation record) follows the standard"),
    "EAD XSD": _l("The archival description of the fonds and its dossiers follows the standard"),
    "CITS ERMS XSD": _l("The description of the dossiers and documents follows the standard"),
    "CITS ERMS Schematron": _l("The description of the dossiers and documents follows the standard's rules"),
    "TT 02 and transfer list XSD": _l("The Vietnamese metadata and the transfer list hold every field, well written"),
    "E-ARK CSIP/SIP": _l("The package follows the common rules for packages sent to an archive"),
    "E-ARK package": _l("The package holds its records and their table of contents in one place"),
}


def plain_check(name: str) -> str:
    """Return what the check named ``name`` makes sure of, in plain words (its name when it is not known)."""
    label = CHECK_LABELS.get(name)
    return str(label) if label is not None else name


@bp.before_request
@login_required
def _archivists_only():
    # Hand-over is the archivists' work; every service checks the organisation again.
    actor = current_actor()
    if not any(permissions.can(actor, "handover.manage", organisation) for organisation in actor.organisation_ids()):
        raise PermissionDenied()


# ---------------------------------------------------------------- builds, done by the worker


@dataclass
class BuildStatus:
    """How far the batch's build is, as the page shows it: files copied of all, whether it is verifying and
    which checks have ended, how it ended."""

    done: int = 0
    total: int = 0
    verifying: bool = False
    checked: list[str] = field(default_factory=list)
    finished: bool = False
    refusals: list[str] = field(default_factory=list)  # translated
    crashed: bool = False
    job_id: int = 0
    stoppable: bool = False  # by the person reading the page (who asked for it)
    stopping: bool = False
    cancelled: bool = False

    @classmethod
    def of(cls, job, reader: permissions.Actor) -> BuildStatus | None:
        """Return the status of the batch's latest build job (None when it was never built here)."""
        if job is None:
            return None
        progress = json.loads(job.progress) if job.progress.startswith("{") else {}
        finished, may_stop = job.state not in background.ACTIVE, permissions.can_stop_job(reader, job.requested_by_id)
        status = cls(
            **progress,
            finished=finished,
            job_id=job.id,
            stoppable=not finished and not job.cancel_requested and may_stop,
            stopping=not finished and job.cancel_requested,
            cancelled=job.state is JobState.CANCELLED,
        )
        if job.state is JobState.FAILED:
            refusals = job_refusals(job.error)
            status.refusals, status.crashed = refusals or [], refusals is None
        return status


# ---------------------------------------------------------------- the streamed tar


class _Pipe:
    """A write-only file for ``tarfile``: each block goes to the reader through a bounded queue.

    The writer blocks while the reader is PIPE_DEPTH blocks behind, so memory stays flat whatever
    the package size; when the reader goes away (the download was cancelled) the writer stops.
    """

    END = object()

    def __init__(self) -> None:
        self.blocks: queue.Queue = queue.Queue(maxsize=PIPE_DEPTH)
        self.cancelled = threading.Event()

    def write(self, data: bytes) -> int:
        self.put(bytes(data))
        return len(data)

    def put(self, item) -> None:
        while not self.cancelled.is_set():
            try:
                self.blocks.put(item, timeout=1)
                return
            except queue.Full:
                continue
        raise BrokenPipeError("the download was cancelled")


def _anonymous(member: tarfile.TarInfo) -> tarfile.TarInfo:
    # The archive needs the files, not the web server's user and group.
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    return member


def _write_tar(path: Path, name: str, pipe: _Pipe) -> None:
    try:
        with tarfile.open(  # type: ignore[call-overload]  # typeshed's fileobj must read and seek; "w|" only writes
            fileobj=pipe, mode="w|", bufsize=TAR_BLOCK, format=tarfile.PAX_FORMAT
        ) as tar:
            tar.add(path, arcname=name, filter=_anonymous)
        pipe.put(_Pipe.END)
    except BrokenPipeError:
        return
    except Exception as error:  # handed to the reader, which raises it in the response
        pipe.put(error)


def stream_tar(path: Path, name: str) -> Iterator[bytes]:
    """Yield the bag at ``path`` as a tar whose top folder is ``name``, written while it is read."""
    pipe = _Pipe()
    writer = threading.Thread(target=_write_tar, args=(path, name, pipe), name=f"tar-{name}", daemon=True)
    writer.start()
    try:
        while (block := pipe.blocks.get()) is not _Pipe.END:
            if isinstance(block, Exception):
                raise block
            yield block
    finally:
        pipe.cancelled.set()
        writer.join()


# ---------------------------------------------------------------- pages


def _year() -> int:
    chosen = integer(request.values.get("year", ""))
    return chosen if chosen is not None else utcnow().astimezone(LOCAL_TZ).year


def render_index(errors: dict | None = None, chosen: set[int] | None = None, status: int = 200):
    actor, year = current_actor(), _year()
    organisation_id = organisation_of(actor)
    with transaction() as session:
        found = handover.candidates(session, actor, organisation_id, setting("HANDOVER_YEARS"))
        return render_template(
            "handover/index.html",
            organisation=handover.organisation(session, actor, organisation_id),
            year=year,
            candidates=found,
            # A restricted dossier's title, and a link to its page, only for who may read it: not the archivist.
            unreadable=dossiers.unreadable_dossiers(session, actor, [candidate.dossier for candidate in found]),
            batches=handover.batches(session, actor, organisation_id),
            errors=errors or {},
            chosen=chosen if chosen is not None else {c.dossier.id for c in found if c.due <= year},
        ), status


@bp.get("/")
def index():
    """Choose the permanent dossiers in the agency archive that go to the historical archive."""
    return render_index()


@bp.post("/batches")
def create():
    """Record the chosen dossiers as a batch; its page shows the reconciliation before any build."""
    chosen = [integer(value) for value in request.form.getlist("dossier")]
    ids = [value for value in chosen if value is not None]
    on_invalid(lambda errors: render_index(errors, set(ids), status=422))
    year = integer(request.form.get("year", ""))
    if year is None:  # the year field held no whole number: never a batch for another year than the one typed
        raise InvalidMetadata([Problem("year", metadata.MESSAGES["type"])])
    actor = current_actor()
    with transaction() as session:
        organisation = handover.organisation(session, actor, organisation_of(actor))
        batch = handover.create_batch(
            session, actor, organisation.code, year, ids, now=utcnow(), handover_years=setting("HANDOVER_YEARS")
        )
        batch_id, name = batch.id, batch.name
    flash(_("Batch %(name)s was created. Check the reconciliation, then build the package.", name=name), "success")
    return redirect(url_for(".show", batch_id=batch_id))


def render_batch(batch_id: int, errors: dict | None = None, status: int = 200, section: str = ""):
    """Show the batch; ``section`` ("build" or "receipt") names the form ``errors`` belong to."""
    actor = current_actor()
    with transaction() as session:
        batch = handover.get_batch(session, actor, batch_id)
        job = background.latest(session, jobs.build_subject(batch_id))
        build, no_worker = BuildStatus.of(job, actor), no_worker_for(session, job)
        every = NO_WORKER_REFRESH_SECONDS if no_worker else REFRESH_SECONDS
        package = handover.latest_package(session, actor, batch_id)
        response = render_template(
            "handover/batch.html",
            batch=batch,
            package=package,
            build=build,
            no_worker=no_worker,
            errors=errors or {},
            section=section,
            plain_check=plain_check,
            units=handover.reconcile(session, actor, batch_id, setting("HANDOVER_YEARS")),
            unreadable=dossiers.unreadable_dossiers(session, actor, [item.dossier for item in batch.items]),
            checks=verify.from_json(package.report) if package else [],
            held=handover.held_codes(session, batch) if batch.state is BatchState.PACKAGED else [],
            refresh=every,
            BatchState=BatchState,
            HandoverOutcome=HandoverOutcome,
            PackageState=PackageState,
        )
    headers = {"Refresh": str(every)} if build and not build.finished else {}
    return response, status, headers


@bp.get("/batches/<int:batch_id>")
def show(batch_id: int):
    """The batch: its reconciliation, the build's progress, the validation report, download and receipt."""
    return render_batch(batch_id)


@bp.post("/batches/<int:batch_id>/build")
def build(batch_id: int):
    """Queue the package's build for the worker once the archivist confirms it, and show its progress."""
    on_invalid(lambda errors: render_batch(batch_id, errors, status=422, section="build"))
    require_present({"confirm": request.form.get("confirm") == "yes"})
    with transaction() as session:
        jobs.queue_build(session, current_actor(), batch_id, now=utcnow())
    return redirect(url_for(".show", batch_id=batch_id))


@bp.get("/batches/<int:batch_id>/download")
@writes
def download(batch_id: int):
    """Send the ready package as a tar streamed from disk; every download is recorded in the audit log."""
    with transaction() as session:
        package = handover.download(session, current_actor(), batch_id, now=utcnow())
        path, name = Path(package.path), package.name
    return Response(
        stream_tar(path, name),
        mimetype="application/x-tar",
        headers={"Content-Disposition": f'attachment; filename="{name}.tar"'},
    )


@bp.post("/batches/<int:batch_id>/discard")
def discard(batch_id: int):
    """Give up a batch that has no valid package, with the reason: its dossiers go back to the pool."""
    on_invalid(lambda errors: render_batch(batch_id, errors, status=422, section="discard"))
    with transaction() as session:
        name = handover.discard_batch(
            session, current_actor(), batch_id, request.form.get("reason", ""), now=utcnow()
        ).name
    flash(_("Batch %(name)s was given up: its dossiers can be chosen for another batch.", name=name), "success")
    return redirect(url_for(".show", batch_id=batch_id))


@bp.post("/batches/<int:batch_id>/receipt")
def receipt(batch_id: int):
    """Import the historical archive's receipt: the listed dossiers become TRANSFERRED, or every mismatch shows."""
    on_invalid(
        lambda errors: render_batch(batch_id, errors, status=422, section="receipt"),
        back=url_for(".show", batch_id=batch_id),
    )
    uploaded = upload_from_request("receipt")
    if uploaded is None:
        raise InvalidMetadata([Problem("receipt", metadata.MESSAGES["required"])])
    content = receipts.read(uploaded.stream)
    with transaction() as session:
        outcome = handover.import_receipt(
            session, current_actor(), content, uploaded.filename, now=utcnow(), batch_id=batch_id
        )
        transferred, not_listed = len(outcome.transferred), outcome.not_listed
    flash(_("%(count)s dossiers were marked as transferred to the historical archive.", count=transferred), "success")
    if not_listed:
        flash(
            _(
                "Not on the receipt, still in the agency archive and back among the dossiers to choose for the next "
                "hand-over: %(codes)s",
                codes=", ".join(not_listed),
            ),
            "error",
        )
    return redirect(url_for(".show", batch_id=batch_id))
