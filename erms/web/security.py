"""Security events from the web: denials and refused forms are written to the audit log, and listed.

A refused request (a record the user may not see, an action their role lacks, a form without a valid
CSRF token) is recorded through ``erms.audit.record_security`` in a transaction of its own — the
request's own work was rolled back — so an attack shows in the log without being able to fill it.
"""

from __future__ import annotations

import logging

from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from administration import security_events
from erms import audit, permissions
from erms.auth import current_actor, login_required
from erms.web.common import integer, transaction, utcnow

log = logging.getLogger(__name__)
bp = Blueprint("security", __name__, url_prefix="/security")

ACTION_LABELS = {
    "security.denied": _l("Access refused"),
    "security.csrf_refused": _l("Form refused (expired or from another site)"),
    "user.login_locked": _l("Log-in refused: username locked"),
    "user.login_failed": _l("Failed log-in"),
    "security.flood": _l("Too many refusals: later ones not recorded for a while"),
}
PERIODS = (1, 7, 30, 90, 365)


def record_refusal(action: str, **details) -> None:
    """Write a security event for the current request; a failure to write never changes the answer."""
    actor = g.get("api_actor") or (current_actor() if current_user.is_authenticated else None)
    source = f"user:{actor.user_id}" if actor else f"address:{request.remote_addr}"
    try:
        with transaction(write=True) as session:
            audit.record_security(
                session,
                actor,
                action,
                now=utcnow(),
                source=source,
                method=request.method,
                path=request.path[:200],
                address=request.remote_addr or "",
                **details,
            )
    except SQLAlchemyError:
        log.exception("security event %s could not be recorded", action)


@bp.app_context_processor
def _header() -> dict:
    if not current_user.is_authenticated:
        return {}
    actor = current_actor()
    return {"security_nav": permissions.security_organisations(actor) != set()}


@bp.get("/events")
@login_required
def events():
    """List the security events of the chosen period, newest first, optionally of one kind."""
    days = integer(request.args.get("days", "")) or 30
    days = days if days in PERIODS else 30
    chosen = request.args.get("action", "")
    with transaction() as session:
        found = security_events.security_events(session, current_actor(), now=utcnow(), days=days, action=chosen)
    periods = [(number, _("The last %(count)s days", count=number)) for number in PERIODS]
    return render_template(
        "security/events.html",
        events=found,
        days=days,
        chosen=chosen,
        periods=periods,
        labels=ACTION_LABELS,
        limit=security_events.LIMIT,
    )
