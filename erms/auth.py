"""Web login and logout, and the actor of the logged-in user.

Passwords are checked (and every log-in, failed log-in and log-out audited) by ``erms.accounts``;
the session keeps only the user id and the key of this browser's log-in (``WebSession``), and every
request rebuilds the :class:`erms.permissions.Actor` from the database: a log-out ends this browser's
log-in only; a password change, a deactivation, a change of roles or the person's "log out of the other
browsers" raises the account's generation and so ends every other log-in of that user at once. A
session also ends after SESSION_MINUTES idle and SESSION_MAX_HOURS after its log-in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

from erms import accounts
from erms.errors import N_, NotFound
from erms.models import User
from erms.permissions import Actor, load_actor
from erms.web import trusted_browsers
from erms.web.common import integer, setting, transaction, utcnow
from erms.web.redirects import same_site_path

__all__ = [
    "bp",
    "current_actor",
    "init_app",
    "locked_message",
    "login_required",
    "must_change_password",
    "web_session_key",
]

bp = Blueprint("auth", __name__, url_prefix="/auth")
# The short addresses people type by hand, outside the /auth prefix.
typed = Blueprint("typed", __name__)

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = N_("Please log in to continue.")
login_manager.login_message_category = "info"
login_manager.localize_callback = _


@login_manager.unauthorized_handler
def _log_in_first():
    """Send a visitor to the log-in page, and back afterwards to the page asked for: for a form sent after the session
    ended, to the page the form was on (the form's own address answers no GET: logged in, they met a 405)."""
    flash(_(login_manager.login_message), login_manager.login_message_category)
    if request.method in ("GET", "HEAD"):
        wanted = request.full_path.removesuffix("?")
    else:
        came_from = urlsplit(request.referrer or "")
        wanted = came_from.path + (f"?{came_from.query}" if came_from.query else "")
    return redirect(url_for("auth.login", next=same_site_path(wanted) or url_for("home.index")))


class LoginUser(UserMixin):
    """The Flask-Login user: a thin wrapper around the actor and the key of the browser's log-in (``WebSession``)."""

    def __init__(self, actor: Actor, key: str, must_change_password: bool = False) -> None:
        self.actor = actor
        self.key = key
        self.must_change_password = must_change_password

    def get_id(self) -> str:
        return f"{self.actor.user_id}:{self.key}"


@login_manager.user_loader
def _load_user(session_id: str) -> LoginUser | None:
    """Return the user of a session, or None once its log-in has ended (logged out here, or the account changed)."""
    user_part, _, key = session_id.partition(":")
    user_id = integer(user_part)
    if user_id is None or not key:
        return None  # not ours
    # Only read: a save's own transaction then takes SQLite's write lock once, not once more for this.
    with transaction(read_only=True) as db_session:
        user = accounts.logged_in_user(db_session, user_id, key)
        if user is None:
            return None  # logged out, password changed, roles changed or deactivated: log in again
        try:
            return LoginUser(load_actor(db_session, user.id), key, user.password_change_required)
        except NotFound:
            return None  # deactivated


def current_actor() -> Actor:
    """Return the actor of the logged-in user (views are all ``login_required``)."""
    return current_user.actor


def locked_message(locked: accounts.Locked) -> str:
    """Why a password was not even checked: too many failures with this username lately."""
    return _("Too many failed log-ins with this username. Try again in %(minutes)s minutes.", minutes=locked.minutes)


def must_change_password() -> bool:
    """Whether the logged-in person still has a password someone else chose (they replace it before anything else)."""
    return bool(current_user.must_change_password)


def web_session_key() -> str:
    """The key of this browser's log-in (the person's own changes carry it on, their log-out ends it)."""
    return current_user.key


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_end_old_sessions)
    app.before_request(_own_password_first)
    app.register_blueprint(bp)
    app.register_blueprint(typed)


# What a person whose password someone else chose may reach before replacing it.
BEFORE_OWN_PASSWORD = frozenset(
    {"account.password", "account.change_password", "auth.logout", "typed.logout", "static"}
)


def _own_password_first():
    """Send a person whose password was chosen by someone else (a new account, a reset) to choose their own first."""
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.endpoint in BEFORE_OWN_PASSWORD or request.blueprint == "api":
        return None
    flash(_("Choose your own password before you go on."), "info")
    return redirect(url_for("account.password"))


def _end_old_sessions():
    """End a session older than SESSION_MAX_HOURS since its log-in, however active (the idle limit is Flask's)."""
    if not current_user.is_authenticated:
        return None
    started = session.get("login_at")
    limit = timedelta(hours=float(setting("SESSION_MAX_HOURS")))
    if isinstance(started, int) and utcnow() - datetime.fromtimestamp(started, UTC) < limit:
        return None
    _clear_session()
    flash(_("Your session has ended; please log in again."), "info")
    return redirect(url_for("auth.login"))


def _clear_session() -> None:
    """Forget the logged-in user and everything else of the session but the chosen language."""
    language = session.get("lang")
    logout_user()
    session.clear()
    if language:
        session["lang"] = language


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Show the login form; check the credentials and start a session."""
    if current_user.is_authenticated:  # logged in meanwhile (another tab): on to the page the login was asked for
        return redirect(_next_page())
    error, status = None, 200
    if request.method == "POST":
        username = request.form.get("username", "")
        browser = trusted_browsers.browser_for(accounts.folded_username(username))
        # The password hash is slow on purpose: it runs outside any transaction, so it holds no connection and
        # other people's saves never wait for it. The try is claimed before it (a short write), counted by the lock.
        with transaction() as db_session:
            candidate = accounts.log_in_candidate(db_session, username, now=utcnow(), browser=browser)
        attempt = accounts.check_password(candidate, request.form.get("password", ""))
        with transaction() as db_session:
            actor = accounts.record_log_in(db_session, attempt, now=utcnow(), address=request.remote_addr or "")
        if isinstance(actor, accounts.Locked):
            error, status = locked_message(actor), 429
        elif actor is not None:
            with transaction() as db_session:
                user = db_session.get(User, actor.user_id)
                assert user is not None  # record_log_in has just logged this user in
                key = accounts.start_web_session(db_session, user, now=utcnow())
                must_change = user.password_change_required
            _clear_session()  # a fresh session at login: nothing carried over from before (fixation)
            session.permanent = True
            session["login_at"] = int(utcnow().timestamp())
            login_user(LoginUser(actor, key, must_change))
            response = redirect(url_for("account.password") if must_change else _next_page())
            trusted_browsers.trust(response, attempt.username)
            return response
        else:  # the same answer whether the username or the password is wrong: no account probing
            error, status = _("The username or password is incorrect."), 401
    return render_template("auth/login.html", error=error, username=request.form.get("username", "")), status


def _next_page() -> str:
    return same_site_path(request.args.get("next")) or url_for("home.index")


@bp.post("/logout")
@login_required
def logout():
    """End the session."""
    with transaction() as db_session:
        accounts.log_out(db_session, current_actor(), web_session_key(), now=utcnow())
    _clear_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@typed.get("/login", endpoint="login")
def login_typed():
    """Send a typed ``/login`` to the login page, keeping ``next`` when it is a path of this site."""
    return redirect(url_for("auth.login", next=same_site_path(request.args.get("next"))))


@typed.get("/logout", endpoint="logout")
def logout_typed():
    """Offer the log-out button: a GET never ends a session (any page or image could then log the person out)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html")
