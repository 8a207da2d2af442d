"""The one place refused requests become responses.

Services raise ``erms.errors`` classes carrying an English msgid and its parameters; here they
are translated and turned into HTTP: NotFound → 404 page, PermissionDenied → 403 page,
InvalidMetadata → the form again with every problem next to its field, any other rule →
a flashed message and a redirect back. HTTP errors (404, 413, CSRF 400 …) get a Vietnamese page;
a file over the limit's page names the limit and leads back to its form.

A view that shows a form says how to show it again with :func:`on_invalid`; without one, problems
are flashed instead.
"""

from __future__ import annotations

import errno
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import date

from flask import Flask, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from erms.errors import Conflict, ERMSError, InvalidMetadata, NotFound, PermissionDenied, Problem
from erms.models.dossier import DossierState
from erms.web import security
from erms.web.common import ACTION_LABELS, CHOICES, STATE_LABELS, choice_label, local_date, safe_back, size_words
from erms.web.redirects import same_site_path

log = logging.getLogger(__name__)

# Key of problems that belong to no single field (shown at the top of the form).
FORM = "_form"
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

Renderer = Callable[[dict[str, list[str]]], object]

# A store with no room left, the disk's or the quota's: answered 507 (the page here, a problem in the API).
FULL_DISK = (errno.ENOSPC, errno.EDQUOT)

HTTP_PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back, reload the page and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to do this.")),
    404: (_l("Page not found"), _l("The page does not exist, or you may not see it.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (
        _l("Changed at the same time"),
        _l(
            "Someone else saved the same thing a moment ago. Nothing of yours was saved: reload the page and try again."
        ),
    ),
    507: (
        _l("The server's disk is full"),
        _l("There is no room left to store files. Nothing was saved: tell the administrator, then try again."),
    ),
    503: (
        _l("The system is busy"),
        _l("Many people are saving at this moment. Nothing was saved: wait a few seconds and try again."),
    ),
    500: (_l("Server error"), _l("Something went wrong on the server. The change was not saved; try again later.")),
}


def on_offered(errors: dict, offered) -> dict:
    """Move the problems of fields a form does not offer to the top of the form, so none goes unseen."""
    shown = {name: messages for name, messages in errors.items() if name in offered or name == FORM}
    hidden = [message for name, messages in errors.items() if name not in shown for message in messages]
    return {**shown, FORM: [*shown.get(FORM, []), *hidden]} if hidden else shown


def on_invalid(renderer: Renderer, back: str | None = None) -> None:
    """Say how this request's form is shown again when the service finds invalid input.

    ``renderer`` receives ``{field: [translated messages]}`` and returns the response; ``back``
    is where a refused rule redirects (default: the referring page).
    """
    g.rerender = renderer
    g.back = back


def translate(template: str, params: dict | None = None) -> str:
    """Translate a domain msgid and fill in its parameters, translating known state words too."""
    params = {key: _word(key, value) for key, value in (params or {}).items()}
    return gettext(template, **params) if params else gettext(template)


def _word(key: str, value):
    # The domain passes code values ("open", "accepted"); people read them in their language.
    if key == "state" and value in {state.value for state in DossierState}:
        return str(STATE_LABELS[DossierState(value)])
    if key in ("action", "outcome") and value in ACTION_LABELS:
        return str(ACTION_LABELS[value])
    return value


def job_refusals(error: str) -> list[str] | None:
    """Return why a background job was refused, translated (``erms.background.refusal_text``'s JSON), or None
    when it stopped on an unexpected error, which only the server log describes."""
    try:
        return [translate(item["template"], item["params"]) for item in json.loads(error)]
    except (ValueError, KeyError, TypeError):
        return None


def problem_messages(problems: list[Problem]) -> dict[str, list[str]]:
    """Group translated problems by field name."""
    errors: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        errors[problem.field or FORM].append(translate(problem.template, problem.params))
    return dict(errors)


def register(app: Flask) -> None:
    app.register_error_handler(ERMSError, handle_refusal)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(OperationalError, handle_busy)
    app.register_error_handler(PoolTimeout, handle_busy)
    app.register_error_handler(IntegrityError, handle_conflict)
    app.register_error_handler(StaleDataError, handle_conflict)
    app.register_error_handler(OSError, handle_disk)


def handle_busy(error: OperationalError | PoolTimeout):
    """The database was busy past the wait (SQLite's lock, PostgreSQL's serialisation or deadlock, every pooled
    connection in use): nothing was saved; say so and ask for another try, instead of a server error."""
    log.warning("database busy, request refused with 503: %s", getattr(error, "orig", error))
    response = make_response(error_page(503))
    response.headers["Retry-After"] = "5"
    return response


def handle_conflict(error: IntegrityError | StaleDataError):
    """Two people saved the same thing at once and the database kept the first: nothing of this request was saved."""
    log.warning("conflicting write, request refused with 409: %s", getattr(error, "orig", error))
    return error_page(409)


def handle_disk(error: OSError):
    """A full disk (or quota) while storing: the transaction rolled back and the file store holds no partial file
    (``FileStore.put`` writes a temp file and renames it), so say so; any other OS error is a server error."""
    if error.errno not in FULL_DISK:
        raise error
    log.error("no room to store files, request refused with 507: %s", error)
    return error_page(507)


def handle_refusal(error: ERMSError):
    if isinstance(error, NotFound):
        security.record_refusal("security.denied", status=404)
        return error_page(404)
    if isinstance(error, PermissionDenied):
        security.record_refusal("security.denied", status=403)
        return error_page(403)
    rerender = g.pop("rerender", None)
    if isinstance(error, InvalidMetadata):
        if rerender is not None:
            return _shown_again(rerender, problem_messages(error.problems))
        said = [message for messages in problem_messages(error.problems).values() for message in messages]
        if _back_is_here():
            return _refused_page(" ".join(said))
        for message in said:
            flash(message, "error")
        return redirect(_back())
    message = translate(error.template, error.params)
    if rerender is not None:
        # Keep what the user typed: show the refusal above the form instead of losing the input, and beside each field
        # a colleague's save made differ what the record holds now, to choose between the two.
        saved = error.saved if isinstance(error, Conflict) else {}
        page = _shown_again(
            rerender, {FORM: [message], **{name: [_held(name, value)] for name, value in saved.items()}}
        )
        return (page[0], 409) if isinstance(error, Conflict) and isinstance(page, tuple) else page
    if _back_is_here():
        return _refused_page(message)
    flash(message, "error")
    return redirect(_back())


def _held(name: str, value: str) -> str:
    """Say what a record holds in a field, as its form shows it (a day as dd/mm/yyyy, a choice by its label)."""
    if not value:
        return gettext("The record now leaves this field empty.")
    if name in CHOICES:
        value = choice_label(name, value)
    elif ISO_DAY.fullmatch(value):
        value = local_date(date.fromisoformat(value))
    return gettext("The record now holds: “%(value)s”.", value=value)


def _shown_again(rerender: Renderer, messages: dict):
    """Show the form again; a refusal met while rendering it (the page names a record the person may not read) is
    answered as that refusal, not as a server error."""
    try:
        return rerender(messages)
    except (NotFound, PermissionDenied, InvalidMetadata) as refused:
        return handle_refusal(refused)
    except ERMSError as refused:
        # The form's record changed state meanwhile (a colleague closed its dossier): the page going back to the
        # form would be refused in turn, so the refusal is said here, with what became of the input.
        unsaved = gettext("Nothing of this form was saved.")
        return _refused_page(f"{translate(refused.template, refused.params)} {unsaved}")


def _back_is_here() -> bool:
    """Whether going back would ask for this very page: a page refused as it is asked for, sent back to itself (its
    browser names it as the page it came from after a form on it was refused), would be refused again and again."""
    return request.method in ("GET", "HEAD") and _back().split("?")[0].split("#")[0] == request.path


def _refused_page(message: str):
    """Answer a refusal with a page saying why and a link back, not a redirect (see ``_back_is_here``)."""
    back = _back()
    if back.split("?")[0].split("#")[0] == request.path:
        back = request.path.rstrip("/").rsplit("/", 1)[0] or url_for("home.index")  # the page it belongs to
    title = gettext("This cannot be done now")
    return render_template("errors/error.html", code=409, title=title, message=message, back=back), 409


def _back() -> str:
    # The referring page is the browser's word: it is followed only when it is a path of this site.
    home = url_for("home.index")
    return same_site_path(g.get("back")) or same_site_path(safe_back(home)) or home


def handle_csrf(error: CSRFError):
    security.record_refusal("security.csrf_refused", reason=error.description[:200])
    return error_page(400, _l("The form has expired or did not come from this site. Reload the page and try again."))


def handle_http(error: HTTPException):
    if error.code == 403:
        security.record_refusal("security.denied", status=403)
    if error.code == 413:
        return too_big()
    if error.code in HTTP_PAGES:
        return error_page(error.code)
    return error


def too_big():
    """A request over MAX_CONTENT_LENGTH is refused before any field is read, so what was typed cannot be shown
    again: the page names the limit, in the bytes it is checked in as a file manager counts them (1 MB = 1024 kB),
    and leads back to the form the person came from."""
    limit = size_words(int(current_app.config["MAX_CONTENT_LENGTH"]))
    message = _l("The file exceeds the %(size)s limit. Split it or reduce its size, then send it again.", size=limit)
    title = _l("File too large")
    return render_template("errors/error.html", code=413, title=title, message=message, back=_back()), 413


def error_page(code: int, message=None):
    title, default = HTTP_PAGES.get(code, HTTP_PAGES[500])
    return render_template("errors/error.html", code=code, title=title, message=message or default), code
