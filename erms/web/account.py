"""The person's own account ("tài khoản của tôi", their name in the header): their password ("mật khẩu") and their
API tokens ("mã truy cập API") for other systems, gathered on one page that leads to each one's own.

A new token is shown once, on the page the creating POST renders: never redirected to (it would have to wait in
the session cookie, which the browser sends back on every request), never cached by the browser.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from erms import accounts, api_tokens
from erms.auth import current_actor, locked_message, login_required, must_change_password, web_session_key
from erms.errors import N_, InvalidMetadata, Problem
from erms.models import ApiToken
from erms.permissions import Actor
from erms.web import trusted_browsers
from erms.web.common import WORKING_IN, integer, organisation_of, transaction, utcnow
from erms.web.errors import FORM, on_invalid, problem_messages

bp = Blueprint("account", __name__, url_prefix="/account")

DAYS_OFFERED = 90  # what the form proposes: a quarter, then the person makes a new one

STATE_LABELS = {
    api_tokens.TokenState.LIVE: _l("In use"),
    api_tokens.TokenState.EXPIRED: _l("Expired"),
    api_tokens.TokenState.REVOKED: _l("Revoked"),
}


def token_rows(tokens: list[ApiToken]) -> list[dict]:
    """Return the tokens as the lists show them (this page and the administrator's page of the person)."""
    now = utcnow()
    rows = []
    for token in tokens:
        shown = api_tokens.state(token, now=now)
        rows.append({"token": token, "state": str(STATE_LABELS[shown]), "live": shown is api_tokens.TokenState.LIVE})
    return rows


@bp.get("/")
@login_required
def index():
    """The person's account, from their name in the header: the password form, then the API tokens below it (only
    those whose administrator connects another system need them, so they do not take a link of the header)."""
    return render_account()


def render_account(errors: dict | None = None, status: int = 200):
    actor = current_actor()
    with transaction(read_only=True) as session:
        organisations = accounts.organisations_of(session, actor)
        page = render_template(
            "account/index.html",
            token_list=own_tokens(session),
            organisations=organisations if len(organisations) > 1 else [],
            working_in_id=organisation_of(actor) if actor.organisation_ids() else None,
            errors=errors or {},
            shortest=accounts.MIN_PASSWORD,
        )
    return page, status


def working_in_name(actor: Actor | None) -> str | None:
    """The name of the organisation a person in several works in (the header shows it), None for everyone else."""
    if actor is None or len(actor.organisation_ids()) < 2:
        return None
    working_in = organisation_of(actor)
    with transaction(read_only=True) as session:
        return next(org.name for org in accounts.organisations_of(session, actor) if org.id == working_in)


@bp.post("/organisation")
@login_required
def choose_organisation():
    """Work in another of the person's organisations from now on in this browser: what they make (a dossier list, a
    box, an import...) is made there; what they may read does not change (each organisation's by its own roles)."""
    actor = current_actor()
    chosen = integer(request.form.get("organisation_id", ""))
    on_invalid(lambda errors: render_account(errors, 422))
    if chosen not in actor.organisation_ids():
        raise InvalidMetadata([Problem("organisation_id", N_("Choose one of the organisations you work in."))])
    browser_session[WORKING_IN] = chosen
    flash(_("You now work in the organisation you chose."), "success")
    return redirect(url_for(".index"))


def own_tokens(session: Session) -> list[dict]:
    """Return the logged-in person's tokens as the lists show them."""
    actor = current_actor()
    return token_rows(api_tokens.tokens_of(session, actor, actor.user_id))


@bp.get("/password")
@login_required
def password():
    """The form to change one's own password."""
    return render_password()


def render_password(errors: dict | None = None, status: int = 200):
    page = render_template(
        "account/password.html", errors=errors or {}, shortest=accounts.MIN_PASSWORD, required=must_change_password()
    )
    return page, status, {"Cache-Control": "private, no-store"}


@bp.post("/password")
@login_required
def change_password():
    """Replace one's own password, proved by the current one; this browser stays logged in, every other session ends."""
    actor = current_actor()
    form = {name: request.form.get(name, "") for name in ("current", "password", "repeat")}
    # The slow hash runs between two short transactions, as at log-in: it holds no connection.
    with transaction() as session:
        browser = trusted_browsers.browser_for(accounts.folded_username(actor.username))
        candidate = accounts.log_in_candidate(session, actor.username, now=utcnow(), browser=browser)
    proof = accounts.check_password(candidate, form["current"])
    with transaction() as session:
        outcome = accounts.change_own_password(
            session, actor, proof, *(form[name] for name in ("password", "repeat", "current")),
            now=utcnow(), key=web_session_key(),
        )  # fmt: skip
    if isinstance(outcome, accounts.Locked):
        return render_password({FORM: [locked_message(outcome)]}, status=429)
    if isinstance(outcome, list):
        return render_password(problem_messages(outcome), status=422)
    flash(_("Your password has been changed; your sessions in other browsers have ended."), "success")
    return redirect(url_for("home.index"))


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions():
    """Log the person out of every other browser (a shared computer left logged in, a lost phone); this one goes on."""
    with transaction() as session:
        accounts.end_other_sessions(session, current_actor(), web_session_key(), now=utcnow())
    flash(_("You were logged out of every other browser; this one stays logged in."), "success")
    return redirect(url_for(".index"))


@bp.get("/tokens")
@login_required
def tokens():
    """List the person's API tokens, with the form to make one."""
    return render_tokens()


def render_tokens(errors: dict | None = None, values: dict | None = None, created: str = "", status: int = 200):
    # Read-only, also after the creating POST: its own transaction has committed by then.
    with transaction(read_only=True) as session:
        page = render_template(
            "account/tokens.html",
            token_list=own_tokens(session),
            created=created,
            errors=errors or {},
            values=values or {"name": "", "days": str(DAYS_OFFERED)},
            most_days=api_tokens.MOST_DAYS,
        )
    headers = {"Cache-Control": "private, no-store"} if created else {}
    return page, status, headers


@bp.post("/tokens")
@login_required
def create_token():
    """Make a token and show it this once."""
    form = {"name": request.form.get("name", ""), "days": request.form.get("days", "")}
    on_invalid(lambda errors: render_tokens(errors, form, status=422))
    with transaction() as session:
        _row, token = api_tokens.create(session, current_actor(), form["name"], integer(form["days"]), now=utcnow())
    return render_tokens(created=token)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """End a token at once; back to the list it was revoked from (the person's own, or the administrator's)."""
    actor = current_actor()
    with transaction() as session:
        token = api_tokens.revoke(session, actor, token_id, now=utcnow())
        name, owner_id = token.name, token.user_id
    flash(_("The token %(name)s was revoked: it no longer opens the API.", name=name), "success")
    if owner_id == actor.user_id:
        return redirect(url_for(".tokens"))
    return redirect(url_for("admin.person", user_id=owner_id) + "#api-tokens")
