"""Web login and logout, and the actor of the logged-in user.

Passwords are checked (and every log-in, failed log-in and log-out audited) by ``erms.accounts``;
the session keeps only the user id, and every request rebuilds the :class:`erms.permissions.Actor`
from the database, so a role taken away or an account deactivated takes effect at the next click.
"""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

from erms import accounts
from erms.errors import N_, NotFound
from erms.permissions import Actor, load_actor
from erms.web.common import transaction, utcnow

__all__ = ["bp", "current_actor", "init_app", "login_required"]

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = N_("Please log in to continue.")
login_manager.login_message_category = "info"
login_manager.localize_callback = _


class LoginUser(UserMixin):
    """The Flask-Login user: a thin wrapper around the actor."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def get_id(self) -> str:
        return str(self.actor.user_id)


@login_manager.user_loader
def _load_user(user_id: str) -> LoginUser | None:
    try:
        with transaction() as db_session:
            return LoginUser(load_actor(db_session, int(user_id)))
    except (NotFound, ValueError):
        return None  # account removed or deactivated: the session no longer logs anyone in


def current_actor() -> Actor:
    """Return the actor of the logged-in user (views are all ``login_required``)."""
    return current_user.actor


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.register_blueprint(bp)


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Show the login form; check the credentials and start a session."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    error, status = None, 200
    if request.method == "POST":
        username = request.form.get("username", "")
        with transaction() as db_session:
            actor = accounts.log_in(db_session, username, request.form.get("password", ""), now=utcnow())
        if isinstance(actor, accounts.Locked):
            error, status = _("Too many failed log-ins with this username. Try again in %(minutes)s minutes.",
                              minutes=actor.minutes), 429
        elif actor is not None:
            language = session.get("lang")
            session.clear()  # a fresh session at login: nothing carried over from before (fixation)
            if language:
                session["lang"] = language
            session.permanent = True
            login_user(LoginUser(actor))
            return redirect(_next_page())
        else:  # the same answer whether the username or the password is wrong: no account probing
            error, status = _("The username or password is incorrect."), 401
    return render_template("auth/login.html", error=error, username=request.form.get("username", "")), status


def _next_page() -> str:
    target = request.args.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


@bp.post("/logout")
@login_required
def logout():
    """End the session."""
    language = session.get("lang")
    with transaction() as db_session:
        accounts.log_out(db_session, current_actor(), now=utcnow())
    logout_user()
    session.clear()
    if language:
        session["lang"] = language
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
