"""The web application factory: settings, the database session factory, the file store, Babel,
security headers, login, blueprints, error handlers and the ``flask erms`` commands.

``create_app`` never starts the scheduler (docs/architecture.md §3) and holds no business rules:
those live in the services the blueprints of ``erms.web`` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from flask import Flask, has_request_context, request, session
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from erms import auth, config, search
from erms.cli import erms_group
from erms.db import make_engine, make_session_factory
from erms.storage import FileStore
from erms.web import api, blueprints, i18n, summary_labels
from erms.web.common import LARGEST_INTEGER

# The product language; English is offered for foreign advisers and developers.
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

# Every asset is served by the app itself: no CDN, no inline script, no framing (PL6 I.2).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Every printable ASCII character keeps its meaning in a query string ("&", "=", "%" …); only other bytes are encoded.
QUERY_SAFE = "".join(map(chr, range(0x21, 0x7F)))

csrf = CSRFProtect()


def utcnow() -> datetime:
    """Return the wall clock in UTC: the one place the web app reads the time."""
    return datetime.now(UTC)


class RecordIdConverter(IntegerConverter):
    """``<int:…>`` in every URL: ASCII digits naming an id the database can hold (1 to LARGEST_INTEGER).

    Anything else (0, "٣", 2**63) matches no route and answers 404, instead of reaching the
    database driver, which overflows on numbers beyond its integer type.
    """

    regex = r"[0-9]+"

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", LARGEST_INTEGER)
        super().__init__(url_map, *args, **kwargs)


@dataclass(frozen=True)
class Services:
    """What every request shares, kept in ``app.extensions["erms"]``."""

    session_factory: Callable[[], Session]
    store: FileStore
    settings: dict
    clock: Callable[[], datetime] = utcnow


def create_app(test_config: dict | None = None) -> Flask:
    """Create the ERMS web application; ``test_config`` overrides the settings (tests)."""
    overrides = dict(test_config or {})
    session_factory = overrides.pop("SESSION_FACTORY", None)
    clock = overrides.pop("CLOCK", None) or utcnow
    settings = config.load(overrides)
    Path(settings["DATA_DIR"]).mkdir(parents=True, exist_ok=True)

    app = Flask(__name__)
    app.url_map.converters["int"] = RecordIdConverter  # before any blueprint adds its rules
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Idle expiry: the session is permanent and re-signed on every request, so it lapses only
        # after SESSION_MINUTES without activity (Flask checks the signature's age server-side).
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=int(settings["SESSION_MINUTES"])),
        SESSION_REFRESH_EACH_REQUEST=True,
        MAX_CONTENT_LENGTH=int(settings["MAX_CONTENT_LENGTH"]),
        BABEL_DEFAULT_LOCALE=DEFAULT_LANGUAGE,
        BABEL_DEFAULT_TIMEZONE=config.TIMEZONE,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).resolve().parent / "translations"),
    )
    if not callable(session_factory):
        engine = make_engine(settings["DATABASE_URL"], busy_timeout_ms=int(settings["SQLITE_BUSY_MS"]))
        session_factory = make_session_factory(engine)
    app.extensions["erms"] = Services(session_factory, FileStore(settings["STORAGE_ROOT"]), settings, clock)

    Babel(app, locale_selector=select_language)
    i18n.install(app)
    csrf.init_app(app)
    app.before_request(_keep_session_alive)
    app.after_request(_security_headers)
    app.after_request(summary_labels.name_fields)
    auth.init_app(app)
    search.install(settings)
    blueprints.register(app)
    api.register(app, csrf)
    register_cli(app)
    app.wsgi_app = ascii_query(app.wsgi_app)  # type: ignore[method-assign]  # Flask's documented way to add middleware
    proxies = int(settings["PROXY_COUNT"])
    if proxies:
        proxied = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
        app.wsgi_app = proxied  # type: ignore[method-assign]  # Flask's documented way to add middleware
    return app


def ascii_query(wsgi_app: Callable) -> Callable:
    """Wrap the app so that raw non-ASCII bytes in a query string arrive percent-encoded, as browsers send them.

    A client may send bytes above 0x7F unencoded; Werkzeug decodes the query string as strict UTF-8 and
    would fail on every page. Encoded, valid UTF-8 reads as the text it is and invalid bytes stay ``%FF``.
    """

    def app(environ: dict, start_response: Callable):
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            # WSGI passes the raw bytes as Latin-1 text (PEP 3333).
            environ["QUERY_STRING"] = quote(query.encode("latin-1"), safe=QUERY_SAFE)
        return wsgi_app(environ, start_response)

    return app


def select_language() -> str:
    """Return the language the user chose (``?lang=en`` or the switch link), Vietnamese by default; the API's
    answers (not its reference page, which people read) are in the language the caller accepts (Accept-Language),
    English by default."""
    if has_request_context() and _api_call():
        return request.accept_languages.best_match(LANGUAGES, default="en") or "en"
    return session.get("lang", DEFAULT_LANGUAGE)


def _api_call() -> bool:
    """Return True for a call of the JSON API (a system with a token), not its reference page (a person)."""
    return request.blueprint == "api" and request.endpoint != "api.reference"


def _keep_session_alive() -> None:
    if _api_call():
        return  # the API keeps no session: its caller is the token of each request
    session.permanent = True
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def register_cli(app: Flask) -> None:
    """Offer the operator's commands as ``flask --app erms.app erms …``."""
    app.cli.add_command(erms_group)
