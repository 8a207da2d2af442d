"""The home page: what the logged-in person has to do next.

Officers see their workspace: the entries of the approved dossier list waiting for a dossier
(each a link to its "Mở hồ sơ" form, pre-filled from the entry; this year's list first, past years'
entries never opened folded away), their open dossiers, and what is due
to close or to hand over (NĐ 30/2020 Phụ lục VI III.5.b: 30 days' notice); unit heads see the
ad-hoc entries to review; archivists see how many submitted dossiers wait in their queue; the head, and a unit
head for the documents sent to their unit, see the incoming documents waiting for their direction, each linked to its
register line's handling, and the unit's people which of their incoming documents were directed. Above all of it,
the steps that wait for this person now (a list to approve, a joint check to sign, a request to decide, a destruction
list's next step), worded as the notices that told them and taken from the records' states.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from classification import dossier_list
from erms import jobs, permissions
from erms.auth import current_actor, login_required
from erms.permissions import Actor
from erms.web.common import transaction, utcnow
from erms.web.errors import translate
from erms.web.notices import subject_url
from filing import access, dossiers, keep_backs, opinions, registers, transfers
from filing.dossiers import local_date
from holdings import use_requests
from retention import destruction

bp = Blueprint("home", __name__)

# The newest dossiers the home page lists; the rest are found with the search (an archive holds thousands).
HOME_DOSSIERS = 50


@bp.get("/")
@login_required
def index():
    """Show the person's entries to open, their dossiers and (archivists) the queue."""
    actor = current_actor()
    archivist = any(permissions.can(actor, "dossier.accept", organisation) for organisation in actor.organisation_ids())
    with transaction() as session:
        entries = dossiers.my_entries(session, actor)
        visible = dossiers.visible_dossiers(session, actor, limit=HOME_DOSSIERS)
        total = dossiers.visible_count(session, actor) if len(visible) == HOME_DOSSIERS else len(visible)
        pending = dossiers.pending_count(session, actor) if archivist else None
        lists = dossiers.approved_lists(session, actor)
        today = local_date(utcnow())
        incoming = registers.assigned_to_me(session, actor)
        my_open = dossiers.my_open_dossiers(session, actor)
        return render_template(
            "home/index.html",
            entries=entries,
            dossiers=visible,
            total=total,
            this_year=[entry for entry in entries if entry.dossier_list.year == today.year],
            earlier=[entry for entry in entries if entry.dossier_list.year < today.year],
            pending=pending,
            archivist=archivist,
            my_open=my_open,
            document_counts=dossiers.document_counts(session, [dossier.id for dossier in my_open]),
            deadlines=dossiers.deadlines(session, actor, today),
            incoming=incoming,
            withheld=registers.withheld_summaries(session, actor, incoming),
            directed=opinions.directed_documents(session, [entry.document_id for entry in incoming]),
            to_direct=opinions.awaiting_direction(session, actor, today.year),
            reads_register=bool(permissions.organisations_where(actor, "register.read")),
            reviews=dossier_list.pending_reviews(session, actor),
            access_changes=access.pending_for(session, actor),
            keep_backs=keep_backs.waiting_for(session, actor),
            steps=_steps(session, actor, today.year),
            can_add_entries=bool(lists) and bool(actor.unit_ids(*permissions.RULES["dossier.open"])),
            today=today.isoformat(),
            member=bool(actor.organisation_ids()),
        )


def _steps(session, actor: Actor, year: int) -> list[dict]:
    """The steps waiting for the person now, each a sentence and the page where it is done."""
    waiting = [
        *dossier_list.waiting_for(session, actor, year),
        *transfers.waiting_for(session, actor),
        *use_requests.waiting_for(session, actor),
        *destruction.waiting_for(session, actor),
        *jobs.waiting_for(session, actor, now=utcnow()),
    ]
    return [
        {"message": translate(step.template, step.params), "url": subject_url(*(step.subject or (None, None)))}
        for step in waiting
    ]
