"""The archivist's legacy import page (nhập hồ sơ tồn đọng): choose a folder the administrator placed in the
organisation's own folder of INTAKE_DIR (INTAKE_DIR/<organisation code>/: no other organisation's is offered), check
it (a dry run that writes nothing and lists every bad row), then import it in the worker, with its progress.

The scans never travel through the browser: a year's backlog is gigabytes, and the server reads them from its own
disk, as Archivematica's transfer source locations do.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from erms import background, intake_runner, metadata, permissions
from erms.auth import current_actor, login_required
from erms.errors import PermissionDenied
from erms.models import BackgroundJob
from erms.models.background import JobState
from erms.web.background_jobs import NO_WORKER_REFRESH_SECONDS, no_worker_for
from erms.web.common import (
    attachment,
    by_line,
    integer,
    organisation_of,
    setting,
    transaction,
    upload_name,
    utcnow,
)
from erms.web.errors import job_refusals, on_invalid
from exports.cells import formula_safe
from exports.pdf import catalogue_pdf
from holdings import storage
from intake import arrangement, legacy, legacy_columns, runs

bp = Blueprint("intake", __name__, url_prefix="/archive/intake")
REFRESH_SECONDS = 3
TEMPLATE_EXAMPLE = {
    "file": "2019/ho-so-01/cv-15.pdf",
    "year": "2019",
    "file_notation": "01.VP",
    "dossier_title": "Tập công văn trao đổi về công tác văn phòng năm 2019",
    "unit": "VP",
    "retention": "10 năm",
    "state": "Lưu trữ cơ quan",
    "direction": "Đến",
    "type_name": "Công văn",
    "code_number": "15",
    "code_notation": "UBND-VP",
    "issued_date": "12/03/2019",
    "organ_name": "UBND quận Đống Đa",
    "subject": "Về việc tổ chức hội nghị tổng kết",
    "page_amount": "2",
}


@bp.before_request
@login_required
def _archivists_only():
    actor = current_actor()
    if not any(permissions.can(actor, "records.import", organisation) for organisation in actor.organisation_ids()):
        raise PermissionDenied()


@dataclass(frozen=True)
class Progress:
    """The import job as the page shows it."""

    job: BackgroundJob
    done: int
    total: int
    refusals: list[str] | None
    stoppable: bool  # by the person reading the page

    @property
    def running(self) -> bool:
        return self.job.state in background.ACTIVE

    @property
    def stopping(self) -> bool:
        return self.running and self.job.cancel_requested

    @classmethod
    def of(cls, job: BackgroundJob | None, reader: permissions.Actor) -> Progress | None:
        if job is None:
            return None
        figures = json.loads(job.progress) if job.progress.startswith("{") else {}
        refused = job_refusals(job.error) if job.state is JobState.FAILED else None
        stoppable = job.state in background.ACTIVE and not job.cancel_requested
        stoppable = stoppable and permissions.can_stop_job(reader, job.requested_by_id)
        return cls(job, figures.get("done", 0), figures.get("total", 0), refused, stoppable)


@bp.get("/")
def index():
    """The folders waiting, the latest runs and the running import."""
    return render_page()


def render_page(
    errors: dict | None = None,
    chosen: str = "",
    plan: runs.Plan | None = None,
    status: int = 200,
    accept_scans: bool = False,
):
    actor = current_actor()
    organisation_id = organisation_of(actor)
    with transaction() as session:
        folder = legacy.intake_folder(session, actor, organisation_id, Path(setting("INTAKE_DIR")))
        offered = legacy.offered(folder)
        job = background.latest(session, intake_runner.legacy_subject(organisation_id))
        progress, no_worker = Progress.of(job, actor), no_worker_for(session, job)
        response = render_template(
            "intake/index.html",
            offered=bool(offered),
            offered_options=[(name, name) for name in offered],
            intake_dir=folder,
            runs=runs.recent(session, actor, organisation_id),
            progress=progress,
            no_worker=no_worker,
            errors=errors or {},
            rows=by_line(errors or {}, "legacy-import"),
            chosen=chosen,
            plan=plan,
            accept_scans=accept_scans,
        )
    every = NO_WORKER_REFRESH_SECONDS if no_worker else REFRESH_SECONDS
    headers = {"Refresh": str(every)} if progress and progress.running else {}
    return response, status, headers


@bp.get("/template.csv")
def template():
    """A mapping file to fill in: the column headers, the organisation's own fields' last, and one example row."""
    with transaction(read_only=True) as session:
        own = legacy_columns.Columns(session, organisation_of(current_actor()), legacy.HEADERS).offered_headers()
    return _template_csv("legacy-import", TEMPLATE_EXAMPLE, "mau-nhap-ho-so.csv", own)


def _template_csv(kind: str, example: dict[str, str], filename: str, more: list[str] | None = None) -> Response:
    """A CSV to fill in for the row schema ``kind``: its column titles (then ``more``) and ``example`` under them.

    Every cell is formula-safe: ``more`` holds the labels an organisation's administrator gave its own fields, and
    the importer takes the quote off again, so a quoted header still names its field."""
    titles = metadata.field_titles(kind)
    out = io.StringIO()
    writer = csv.writer(out)
    for line in ([*titles.values(), *(more or [])], [example.get(key, "") for key in titles]):
        writer.writerow([formula_safe(cell) for cell in line])
    headers = {"Content-Disposition": f"attachment; filename={filename}"}
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers=headers)


def _chosen() -> tuple[str, bool]:
    name, accept_scans = request.form.get("source", ""), request.form.get("accept_scans") == "yes"
    on_invalid(lambda errors: render_page(errors, name, status=422, accept_scans=accept_scans), back=url_for(".index"))
    return name, accept_scans


@bp.post("/check")
def check():
    """Check the chosen folder and its mapping file and say what an import would make; write nothing."""
    name, accept_scans = _chosen()
    actor, organisation_id = current_actor(), organisation_of(current_actor())
    with transaction(read_only=True) as session:
        plan = legacy.plan_offered(
            session,
            actor,
            organisation_id,
            Path(setting("INTAKE_DIR")),
            name,
            now=utcnow(),
            max_size=setting("MAX_CONTENT_LENGTH"),
            accept_scans=accept_scans,
        )
    return render_page(chosen=name, plan=plan, accept_scans=accept_scans)


@bp.post("/start")
def start():
    """Check the folder again and queue its import for the worker."""
    name, accept_scans = _chosen()
    actor, organisation_id = current_actor(), organisation_of(current_actor())
    settings = {key: setting(key) for key in ("INTAKE_DIR", "MAX_CONTENT_LENGTH")} | {"accept_scans": accept_scans}
    with transaction() as session:
        intake_runner.queue_legacy(session, actor, organisation_id, name, settings, now=utcnow())
    flash(_("The import of %(name)s has started; this page shows how far it is.", name=name), "success")
    return redirect(url_for(".index"))


# ---------------------------------------------------------------- arrangement of a paper backlog (chỉnh lý)

INVENTORY_EXAMPLE = {
    "year": "2019",
    "file_notation": "01.CL",
    "dossier_title": "Tập văn bản về công tác dân số năm 2019",
    "unit": "VP",
    "retention": "10 năm",
    "start_date": "05/01/2019",
    "end_date": "28/12/2019",
    "sheets": "35",
    "box": "1",
    "file_number": "1",
    "shelf_unit": "2",
    "shelf": "1",
}


@bp.get("/arrangement")
def arrangement_page():
    """The form: the inventory of an arrangement and the repository where its new boxes stand."""
    return render_arrangement()


def render_arrangement(
    errors: dict | None = None,
    plan: runs.Plan | None = None,
    chosen: str = "",
    status: int = 200,
    checked: tuple[str, bytes] | None = None,
):
    """The page; after a good check, ``checked`` (the inventory's name and bytes) rides in the "Arrange" form, as a
    browser never keeps a chosen file across pages."""
    actor = current_actor()
    organisation_id = organisation_of(actor)
    with transaction() as session:
        repositories = storage.repositories(session, actor, organisation_id)
        response = render_template(
            "intake/arrangement.html",
            repositories=[
                (str(repository.id), f"{repository.code} — {repository.name}") for repository in repositories
            ],
            errors=errors or {},
            rows=by_line(errors or {}, "arrangement"),
            plan=plan,
            chosen=chosen,
            boxes=sorted({dossier.shelving.box for dossier in plan.dossiers if dossier.shelving}) if plan else [],
            checked=(checked[0], base64.b64encode(checked[1]).decode("ascii")) if checked else None,
        )
    return response, status


@bp.get("/arrangement/template.csv")
def arrangement_template():
    """An inventory to fill in: the column headers and one example row."""
    return _template_csv("arrangement", INVENTORY_EXAMPLE, "mau-muc-luc-chinh-ly.csv")


def _inventory() -> tuple[int | None, str, bytes]:
    """The repository and the inventory: a file chosen, or the one checked a page before (``checked``). Either
    name is the browser's word, kept as the run's source and carried to the worker: one with a control character
    (a NUL PostgreSQL refuses) is refused on the form."""
    chosen = request.form.get("repository_id", "")
    on_invalid(lambda errors: render_arrangement(errors, chosen=chosen, status=422), back=url_for(".arrangement_page"))
    sent = request.files.get("inventory")
    if sent and sent.filename:
        return integer(chosen), upload_name("inventory", sent.filename), sent.stream.read(arrangement.MAX_BYTES + 1)
    try:  # checked again in full by the arrangement: this is only its bytes, whoever sent them
        carried = base64.b64decode(request.form.get("checked", ""), validate=True)
    except ValueError:  # binascii.Error, or letters outside ASCII
        carried = b""
    name = upload_name("inventory", request.form.get("checked_name", "") or "inventory.csv")
    return integer(chosen), name, carried


@bp.post("/arrangement/check")
def arrangement_check():
    """Check the inventory and say what the arrangement would make; write nothing."""
    repository_id, name, data = _inventory()
    actor = current_actor()
    with transaction(read_only=True) as session:
        plan = arrangement.plan(session, actor, organisation_of(actor), repository_id, name, data, now=utcnow())
    return render_arrangement(plan=plan, chosen=request.form.get("repository_id", ""), checked=(name, data))


@bp.post("/arrangement/start")
def arrangement_start():
    """Check the inventory again and queue the making of its dossiers for the worker."""
    repository_id, name, data = _inventory()
    actor = current_actor()
    with transaction() as session:
        intake_runner.queue_arrangement(session, actor, organisation_of(actor), repository_id, name, data, now=utcnow())
    flash(_("The arrangement of %(name)s has started; this page shows how far it is.", name=name), "success")
    return redirect(url_for(".index"))


@bp.get("/runs/<int:run_id>/catalogue.pdf")
def catalogue(run_id: int):
    """The catalogue of the dossiers an arrangement made (mục lục hồ sơ), box by box, to print."""
    with transaction() as session:
        printed = arrangement.catalogue(session, current_actor(), run_id, now=utcnow())
    pdf = catalogue_pdf.render(printed, font=setting("PDF_FONT"))
    return attachment(io.BytesIO(pdf), f"muc-luc-ho-so-{run_id}.pdf", "application/pdf")
