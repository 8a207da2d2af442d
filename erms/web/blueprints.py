"""Register the blueprints of ``erms.web``, the error handlers and the template helpers on the app."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from erms import metadata, permissions
from erms.auth import current_actor
from erms.models import Role
from erms.web import (
    access,
    account,
    admin,
    archive,
    audit_log,
    background_jobs,
    common,
    document_page,
    dossier_lists,
    dossiers,
    errors,
    handover,
    help,
    home,
    intake,
    markings,
    notices,
    registers,
    reports,
    retention,
    search,
    security,
    storage,
    transfers,
    use_requests,
)


def register(app: Flask) -> None:
    """Register the blueprints, the error handlers and the template helpers."""
    app.register_blueprint(home.bp)
    app.register_blueprint(dossiers.bp)
    app.register_blueprint(document_page.bp)
    app.register_blueprint(archive.bp)
    app.register_blueprint(intake.bp)
    app.register_blueprint(storage.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(dossier_lists.bp)
    app.register_blueprint(registers.bp)
    app.register_blueprint(handover.bp)
    app.register_blueprint(retention.bp)
    app.register_blueprint(markings.bp)
    app.register_blueprint(security.bp)
    app.register_blueprint(audit_log.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(access.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(notices.bp)
    app.register_blueprint(transfers.bp)
    app.register_blueprint(help.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(use_requests.bp)
    app.register_blueprint(background_jobs.bp)
    errors.register(app)
    app.add_template_filter(common.local_date, "vndate")
    app.add_template_filter(common.size_words, "size")
    app.add_template_global(metadata.day_shown)
    app.add_template_global(common.calendar_words)
    app.add_template_global(errors.translate)
    for helper in (
        common.state_label,
        common.role_label,
        common.choice_label,
        common.language_url,
        common.current_language,
        common.retention_label,
    ):
        app.add_template_global(helper)

    @app.context_processor
    def _layout() -> dict:
        actor = current_actor() if current_user.is_authenticated else None
        roles = sorted({grant.role for grant in actor.grants}, key=list(Role).index) if actor else []
        archivist = actor is not None and any(
            permissions.can(actor, "dossier.accept", organisation) for organisation in actor.organisation_ids()
        )
        # The council and the head work on destruction lists; only the appraiser has the due list.
        appraiser = actor is not None and any(
            permissions.can(actor, "retention.appraise", organisation) for organisation in actor.organisation_ids()
        )
        return {
            "actor": actor,
            "roles": roles,
            "working_in": account.working_in_name(actor),
            "archivist_nav": archivist,
            "appraiser_nav": appraiser,
            "admin_nav": actor is not None and permissions.administers_any(actor),
        }
