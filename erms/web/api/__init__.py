"""The JSON API under ``/api/v1`` (issue 26): its routes (``dossiers``, ``reading``, ``uploads``, ``documents``,
``registers``, ``opinions``, ``transfers``, ``ingests``), their description (``spec``), and what they share
(``base``: tokens, problem answers, pages, ETags)."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from erms.errors import ERMSError
from erms.web import errors
from erms.web.api import base, documents, dossiers, ingests, opinions, reading, registers, spec, transfers, uploads

__all__ = ["documents", "dossiers", "ingests", "opinions", "reading", "register", "registers", "transfers", "uploads"]

bp = spec.bp
PUBLIC = {"api.openapi", "api.reference"}
bp.register_error_handler(ERMSError, base.refused)
bp.register_error_handler(base.ApiError, base.api_error)
bp.register_error_handler(HTTPException, base.http_problem)
bp.register_error_handler(OSError, base.no_room)
for collision in (IntegrityError, StaleDataError):
    bp.register_error_handler(collision, base.collided)
for wait in (OperationalError, PoolTimeout):
    bp.register_error_handler(wait, base.busy)


@bp.before_request
def _caller() -> None:
    if request.endpoint not in PUBLIC:
        base.authenticate()


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of the API (public: it describes, it holds no record)."""
    return jsonify(spec.document())


@bp.get("/")
def reference():
    """The description as a page people read."""
    return render_template("api/reference.html", document=spec.document())


def register(app: Flask, csrf) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
    # An address under /api/v1 that no route matches is answered before any blueprint is chosen: the app's own
    # handlers see it, and answer a problem there too.
    for code in (404, 405):
        app.register_error_handler(code, _unrouted)


def _unrouted(error: HTTPException):
    if not (request.path == bp.url_prefix or request.path.startswith(f"{bp.url_prefix}/")):
        return errors.handle_http(error)
    if isinstance(error, MethodNotAllowed) and not _routed_by_another_method(error.valid_methods or ()):
        error = NotFound()  # Werkzeug says 405 for PATCH /dossiers/0: a rule of another method matched the path
    return base.http_problem(error)


def _routed_by_another_method(methods) -> bool:
    """Return True when the path names something with one of ``methods`` (an id out of range names nothing)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in methods:
        try:
            adapter.match(method=method)
            return True
        except HTTPException:
            continue
    return False
