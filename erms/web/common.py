"""What every blueprint needs: the transaction, the store, the clock, labels and small parsers.

Views stay thin (docs/architecture.md rule 1): they parse the request with these helpers, call one
service inside ``with transaction() as session:`` and render or redirect.
"""

from __future__ import annotations

import contextlib
import functools
import io
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import BinaryIO, cast

from flask import current_app, g, has_request_context, request, send_file, url_for
from flask import session as browser_session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from erms import db, metadata
from erms.config import LOCAL_TZ
from erms.errors import N_, InvalidMetadata, PermissionDenied, Problem
from erms.models import Role
from erms.models.dossier import DossierState
from erms.permissions import Actor
from erms.storage import FileStore
from filing.dossiers import Upload
from retention import clock

# Ids, years and counts are stored in INTEGER columns (PostgreSQL int4): a larger number names nothing.
LARGEST_INTEGER = 2**31 - 1
# Stored file names are at most this long (DocumentVersion.filename); an extension longer than
# EXTENSION_LENGTH is not kept apart when a name is shortened.
FILENAME_LENGTH = 255
EXTENSION_LENGTH = 16
# Unicode control, format (direction overrides, zero-width) and surrogate characters: never in a file name.
CONTROL_CATEGORIES = {"Cc", "Cf", "Cs"}
FILENAME_CONTROL = N_("The file name contains control characters. Rename the file and choose it again.")
FILENAME_MISSING = N_("The file has no name. Choose the file again.")


def services():
    return current_app.extensions["erms"]


@contextlib.contextmanager
def transaction(*, write: bool = False, read_only: bool = False) -> Iterator[Session]:
    """Open the request's unit of work: commit when the block ends, roll back on any error.

    A GET only reads (on SQLite it then waits for no writer) unless its view is marked :func:`writes`
    or the caller says ``write``; every other method may write, unless the caller says ``read_only``
    (slow checks before a short write).
    """
    read_only = read_only or (
        has_request_context() and request.method in ("GET", "HEAD") and not write and not g.get("writes", False)
    )
    page_session = g.get("page_session")
    if read_only and page_session is not None:
        # A read inside the page's own transaction (the header's counts) uses its connection: asking the pool
        # for a second one while holding the first could wait forever once everyone holding one does the same.
        yield page_session
        return
    with db.transaction(services().session_factory, read_only=read_only) as session:
        g.page_session = session
        try:
            yield session
        finally:
            g.page_session = page_session


def writes(view: Callable) -> Callable:
    """Mark a GET view that writes (a download is audited): its transactions are opened to write."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.writes = True
        return view(*args, **kwargs)

    return wrapper


def store() -> FileStore:
    return services().store


def utcnow() -> datetime:
    """Return the current time in UTC (the clock can be fixed in tests through ``CLOCK``)."""
    return services().clock()


def setting(key: str):
    return services().settings[key]


def period_from_query() -> tuple[date, date]:
    """Read a report's period from the query, ``start`` and ``end`` (default: this year up to today), naming each
    day that cannot be read."""
    today = utcnow().astimezone(LOCAL_TZ).date()
    defaults = {"start": today.replace(month=1, day=1), "end": today}
    period, problems = {}, []
    for name, default in defaults.items():
        raw = request.args.get(name, "").strip()
        day = metadata.parse_day(raw) if raw else default
        if day is None:
            problems.append(metadata.day_refusal(name, raw))
        else:
            period[name] = day
    if problems:
        raise InvalidMetadata(problems)
    return period["start"], period["end"]


def upload_from_request(field: str = "file") -> Upload | None:
    """Return the uploaded file as a stream (never read into memory here), or None if none was chosen."""
    uploads = uploads_from_request(field)
    return uploads[0] if uploads else None


def uploads_from_request(field: str) -> list[Upload]:
    """Return every file chosen in a (multiple) file field, as streams spooled by Werkzeug, not in memory.

    Each file keeps its own name, made safe to store (see :func:`upload_name`); a name that cannot be
    made safe refuses the request on the file field, before anything is stored.
    """
    limit = int(setting("MAX_CONTENT_LENGTH"))
    # Werkzeug types the spooled stream as IO[bytes]; it is a binary file, as BinaryIO says.
    uploads = [
        Upload(upload_name(field, storage.filename), cast(BinaryIO, storage.stream), limit)
        for storage in request.files.getlist(field)
        if storage.filename  # a file input left empty is sent as a part without a name: nothing was chosen
    ]
    empty = [upload.filename for upload in uploads if _is_empty(upload.stream)]
    if empty:  # a file of no byte is no document's content (as the API and the intake say too)
        raise InvalidMetadata([Problem(field, EMPTY_FILE, {"name": ", ".join(empty)})])
    return uploads


EMPTY_FILE = N_("The file %(name)s is empty: choose the file itself.")


def _is_empty(stream: BinaryIO) -> bool:
    """Whether the spooled stream holds no byte (read back from its start)."""
    stream.seek(0, io.SEEK_END)
    empty = stream.tell() == 0
    stream.seek(0)
    return empty


def upload_name(field: str, sent: str) -> str:
    """Return the file's own name as sent by the browser, NFC, at most FILENAME_LENGTH characters.

    Old browsers send the client's full path (``C:\\fakepath\\a.pdf``): only the last part is kept. A
    name holding control characters (NUL, line breaks, direction overrides) or naming no file at all
    is refused on ``field``; a long name is shortened, keeping its extension.
    """
    last = PurePosixPath(sent.replace("\\", "/")).name
    # U+FFFE and U+FFFF are no control characters but no XML can carry them: a package's METS names the file.
    if metadata.FORBIDDEN_CHARACTERS.search(last) or any(
        unicodedata.category(character) in CONTROL_CATEGORIES for character in last
    ):
        raise InvalidMetadata([Problem(field, FILENAME_CONTROL)])
    name = unicodedata.normalize("NFC", last).strip()
    if name in ("", ".", ".."):
        raise InvalidMetadata([Problem(field, FILENAME_MISSING)])
    if len(name) <= FILENAME_LENGTH:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > EXTENSION_LENGTH:
        return name[:FILENAME_LENGTH]
    return stem[: FILENAME_LENGTH - len(extension) - 1].rstrip() + "." + extension


def safe_back(default: str) -> str:
    """Return the page the request came from if it is ours, else ``default``."""
    referrer = request.referrer or ""
    host = request.host_url
    if referrer.startswith(host):
        return "/" + referrer[len(host) :]
    return default


def seen_values(*fields: str) -> dict[str, str] | None:
    """What an edit form showed of ``fields`` (its ``seen_<field>`` hidden inputs), so that a save over someone
    else's is refused; None from a form that sent none (a script's post: no check)."""
    if not any(f"seen_{name}" in request.form for name in fields):
        return None
    return {name: request.form.get(f"seen_{name}", "") for name in fields}


def integer(value: str | None) -> int | None:
    """Return the form value as a whole number the database can hold, or None if it is not one.

    Only ASCII digits count (``str.isdigit`` also accepts "²", which ``int`` refuses), and a number
    above LARGEST_INTEGER is no number at all: no id, year or count is that large.
    """
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(LARGEST_INTEGER)):
        return None
    number = int(text)
    return number if number <= LARGEST_INTEGER else None


def require_present(values: dict) -> None:
    """Raise InvalidMetadata naming every field whose parsed value is missing."""
    problems = [Problem(key, metadata.MESSAGES["required"]) for key, value in values.items() if not value]
    if problems:
        raise InvalidMetadata(problems)


# Where the browser's session keeps the organisation a person in several chose to work in (account page).
WORKING_IN = "organisation"


def organisation_of(actor: Actor) -> int:
    """Return the organisation the actor works in: the one they chose on their account page if they hold roles in
    several (and still do), else the first; a deployment administrator with no role in any organisation has no
    records to work on."""
    if not actor.organisation_ids():
        raise PermissionDenied()
    chosen = browser_session.get(WORKING_IN) if has_request_context() else None
    return chosen if chosen in actor.organisation_ids() else min(actor.organisation_ids())


def has_role(actor: Actor | None, role: Role) -> bool:
    return actor is not None and any(grant.role is role for grant in actor.grants)


# ---------------------------------------------------------------- labels shown to people

STATE_LABELS = {
    DossierState.OPEN: _l("Being compiled"),
    DossierState.CLOSED: _l("Closed"),
    DossierState.SUBMITTED: _l("Submitted, awaiting acceptance"),
    DossierState.ARCHIVED: _l("In the agency archive"),
    DossierState.TRANSFERRED: _l("Transferred to the historical archive"),
    DossierState.DESTROYED: _l("Destroyed"),
}

# Past participles the domain puts in messages ("cannot be %(action)s", "already been %(outcome)s").
ACTION_LABELS = {
    "closed": _l("closed"),
    "reopened": _l("reopened"),
    "submitted": _l("submitted"),
    "rejected": _l("returned"),
    "accepted": _l("accepted"),
    "transferred": _l("transferred"),
    "destroyed": _l("destroyed"),
}

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.HEAD: _l("Head of agency"),
    Role.REGISTRY: _l("Registry office"),
    Role.OFFICER: _l("Officer"),
    Role.UNIT_HEAD: _l("Unit head"),
    Role.ARCHIVIST: _l("Archivist"),
    Role.COUNCIL: _l("Appraisal council"),
}

# The code lists of schemas/defs-v1.json and document-v1.json, in the order a form offers them.
CHOICES = {
    "urgency": [
        ("normal", _l("Normal")),
        ("khan", _l("Urgent")),
        ("thuong_khan", _l("Very urgent")),
        ("hoa_toc", _l("Immediate")),
    ],
    "marking": [
        ("none", _l("None")),
        ("mat", _l("Confidential")),
        ("toi_mat", _l("Secret")),
        ("tuyet_mat", _l("Top secret")),
    ],
    "direction": [
        ("incoming", _l("Incoming document")),
        ("outgoing", _l("Outgoing document")),
        ("internal", _l("Internal document")),
    ],
    "status": [("final", _l("Final")), ("draft", _l("Draft"))],
    "rights": [("public", _l("Public")), ("restricted", _l("Restricted use"))],
    "medium": [("electronic", _l("Electronic")), ("paper", _l("Paper")), ("hybrid", _l("Paper and electronic"))],
}


def choice_label(kind: str, value: str) -> str:
    return _translated_once(("choice", kind, value), lambda: dict(CHOICES[kind]).get(value, value))


def _translated_once(key: tuple, words: Callable[[], object]) -> str:
    """Return ``words()`` translated, once per request: a list's rows ask the same few labels hundreds of times."""
    labels = g.setdefault("erms_labels", {})
    if key not in labels:
        labels[key] = str(words())
    return labels[key]


def changed_by_person(form: Mapping[str, str]) -> dict[str, str]:
    """Return the fields of ``form`` the person changed from what their form showed them: a refused form shows these
    as typed and every other field as the record holds it now, so saving it again never puts back, over a colleague's
    save, a value this person did not touch. A field sent without what it showed counts as changed."""
    shown = {key.removeprefix("seen_"): value for key, value in request.form.items() if key.startswith("seen_")}
    return {name: value for name, value in form.items() if name not in shown or not _same(value, shown[name])}


def _same(typed: str, shown: str) -> bool:
    # A textarea sends its lines back with CRLF; a day is typed dd/mm/yyyy where the form holds it as ISO.
    typed, shown = (text.replace("\r\n", "\n").strip() for text in (typed, shown))
    if typed == shown:
        return True
    day = metadata.parse_day(typed)
    return day is not None and day == metadata.parse_day(shown)


def size_words(size: int) -> str:
    """Return a size in bytes as people read it (1,5 MB; 200 MB, not 200,0), with the Vietnamese decimal comma."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0").replace(".", ",") + f" {unit}"
    return f"{size} B"


def state_label(state) -> str:
    return _translated_once(("state", state), lambda: STATE_LABELS.get(DossierState(state), state))


def role_label(role) -> str:
    return str(ROLE_LABELS.get(Role(role), role))


def local_date(value: date | datetime | None, with_time: bool = False) -> str:
    """Format a date as dd/mm/yyyy (datetimes in the agency's time zone, optionally with hh:mm)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ)
        return value.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


def language_url(language: str) -> str:
    """Return the current page in another language (the switch in the header)."""
    args = request.args.to_dict()
    args["lang"] = language
    if request.endpoint and request.method == "GET":
        # The page's own path parts win over query parameters of the same name (?list_id=… on /lists/<list_id>).
        return url_for(request.endpoint, **{**args, **(request.view_args or {})})
    return url_for("home.index", lang=language)


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "vi"


def retention_label(holder) -> str:
    """Return the retention period of an entry or a dossier as the list prints it ("10 năm", "Vĩnh viễn")."""
    return clock.Period(holder.retention_permanent, holder.retention_years, holder.retention_condition).label()


def calendar_words() -> str:
    """The words of the day fields' calendar (static/days.js), in the page's language: month, previous month, next
    month, then the weekdays from Monday, separated by "|" and ","; once per request, as every day field asks."""
    return _translated_once(("calendar",), _calendar_words)


def _calendar_words() -> str:
    weekdays = ",".join(str(day) for day in (_l("Mo"), _l("Tu"), _l("We"), _l("Th"), _l("Fr"), _l("Sa"), _l("Su")))
    return "|".join((str(_l("Month")), str(_l("Previous month")), str(_l("Next month")), weekdays))


# Types a browser may run or render if it ever ignored the attachment disposition.
ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
    "application/x-shockwave-flash",
}


def attachment(stream, name: str, media_type: str):
    """Send stored bytes as a download: never inline, never sniffed, never cached by shared caches."""
    if media_type.split(";")[0].strip().lower() in ACTIVE_TYPES:
        media_type = "application/octet-stream"
    response = send_file(stream, mimetype=media_type, as_attachment=True, download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def by_line(errors: dict, kind: str) -> list[tuple[str, str, str]]:
    """Turn a spreadsheet's problems {"5:title": [...]} into (line, column title, message) rows for its report;
    ``kind`` is the row schema whose titles name the columns."""
    titles = metadata.field_titles(kind)
    rows = []
    for key, messages in errors.items():
        line, _sep, field = key.partition(":")
        for message in messages:
            rows.append((line if field else "", titles.get(field, field), message))
    return rows
