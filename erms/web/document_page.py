"""A document's own page ("thông tin văn bản"): every metadata element it holds, its files with their digests and what
the checks found, and the dossiers it is filed in, for whoever reads the dossier (PL6 III.7.b). The view is audited
as a document view; its summary and files follow the dossier page's rules (restricted use, top secret)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from administration import access_statistics
from classification import markings
from erms import metadata, permissions
from erms.auth import current_actor, login_required
from erms.errors import NotFound
from erms.models import RecordKind
from erms.web import supplementary_forms
from erms.web.common import CHOICES, transaction, utcnow, writes
from erms.web.dossiers import SIGNATURE_CHAINS, SIGNATURE_REVOCATION, SIGNATURE_VERDICTS, certified_reason
from filing import documents, dossiers, scan_checks

bp = Blueprint("documents", __name__, url_prefix="/dossiers")


@bp.get("/<int:dossier_id>/documents/<int:document_id>")
@login_required
@writes
def show(dossier_id: int, document_id: int):
    """Show every metadata element of a document of a dossier the reader reads."""
    actor = current_actor()
    with transaction(read_only=True) as session:
        dossier = dossiers.get_dossier(session, actor, dossier_id)
        link = next((link for link in dossier.links if link.document_id == document_id), None)
        if link is None:
            raise NotFound()
        document = link.document
        readable = document.id in dossiers.readable_content(session, actor, dossier)
        checks = documents.checks_of(session, [documents.Readable(document, dossier, readable)])
        others = dossiers.holding_dossiers(session, [document.id]).get(document.id, [])
        grants = permissions.dossier_access(session, others)
        holders = [
            held
            for held in others
            if held.id != dossier.id and permissions.can_read_dossier(actor, held, grants[held.id])
        ]
        page = render_template(
            "dossiers/document.html",
            dossier=dossier,
            link=link,
            document=document,
            readable=readable,
            summary_shown=readable and markings.summary_shown_to_all(document.marking),
            values=dossiers.document_values(document),
            titles=metadata.field_titles("document"),
            choices=CHOICES,
            checks=checks,
            **supplementary_forms.context(session, document.organisation_id, RecordKind.DOCUMENT, document),
            signature_words=(SIGNATURE_VERDICTS, SIGNATURE_CHAINS, SIGNATURE_REVOCATION),
            certified_reason=certified_reason,
            scan_problems=scan_checks.problems_of,
            holders=holders,
            content_gone=_(dossiers.CONTENT_GONE[dossier.state]) if dossier.state in dossiers.CONTENT_GONE else "",
        )
    with transaction() as session:
        access_statistics.document_viewed(session, actor, dossier_id, document_id, now=utcnow())
    return page
