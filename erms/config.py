"""Configuration: one DEFAULTS mapping, overridden by instance/config.py, ERMS_* variables and test dicts.

The web app, the CLI and scheduled jobs read the same mapping through :func:`load`, so no Flask
app is needed to know where the data lives.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# Records are dated in Vietnam's time (UTC+7) wherever the server runs: the product's one time zone, not a
# setting (a record's date must not depend on how one server was configured).
TIMEZONE = "Asia/Ho_Chi_Minh"
LOCAL_TZ = ZoneInfo(TIMEZONE)

DEFAULTS: dict[str, Any] = {
    # Root of everything the deployment writes; the other paths default below it.
    "DATA_DIR": "instance",
    # SQLAlchemy URL; empty means SQLite at DATA_DIR/erms.sqlite3 (WAL, foreign keys on).
    "DATABASE_URL": "",
    # How many proxies (nginx) stand in front of the app: their X-Forwarded-For/-Proto/-Host are then trusted
    # for the client's address (security events, logs) and the scheme. 0 when serving directly.
    "PROXY_COUNT": 0,
    # SQLite only: milliseconds a writer waits for the one before it before the user is asked to try again.
    "SQLITE_BUSY_MS": 10_000,
    # Content-addressed file store (sha256-sharded folders).
    "STORAGE_ROOT": "",
    # Temp area for package builds (later issues).
    "STAGING_ROOT": "",
    # Where the archivist's web page finds legacy folders to import: INTAKE_DIR/<organisation code>/<folder> with its
    # mapping file, copied there by the system's administrator (each organisation sees only its own subfolder); the
    # server reads scans from its own disk, never over the browser.
    "INTAKE_DIR": "",
    # The search engine: "postgresql" (the database's own full-text search), "whoosh" (an index in
    # SEARCH_INDEX_DIR), or "" for PostgreSQL's when the database is PostgreSQL and Whoosh otherwise.
    # Changing it on a running deployment takes `erms search rebuild`.
    "SEARCH_ENGINE": "",
    # The Whoosh index's folder.
    "SEARCH_INDEX_DIR": "",
    # Flask session signing key; generated into DATA_DIR/secret_key when absent.
    "SECRET_KEY": "",
    # Largest upload accepted, in bytes (PL6 I.2: uploads are size-limited).
    "MAX_CONTENT_LENGTH": 200 * 1024 * 1024,
    # Idle minutes before a web session expires.
    "SESSION_MINUTES": 30,
    # Hours after log-in when a web session ends however active it is (a forgotten open browser).
    "SESSION_MAX_HOURS": 10,
    # Send the session cookie over HTTPS only; the name is Flask's own, so app.config takes it as is.
    # Off by default because `make run` serves plain HTTP on 127.0.0.1; set ERMS_SESSION_COOKIE_SECURE=1
    # behind TLS.
    "SESSION_COOKIE_SECURE": False,
    # TrueType font with Vietnamese glyphs for generated PDFs; empty = look in the usual places.
    "PDF_FONT": "",
    # Largest file whose text the search index extracts, in bytes; larger files are indexed by metadata only.
    "SEARCH_EXTRACT_MAX_BYTES": 50 * 1024 * 1024,
    # Seconds one text extraction may run before it is abandoned (a malformed PDF must not stall indexing).
    "SEARCH_EXTRACT_TIMEOUT": 20,
    # How much lower than the web processes the worker runs (Unix niceness added, 0-19): indexing, text extraction
    # and package builds take only the CPU that pages leave.
    "WORKER_NICE": 10,
    # Where `erms backup create` writes, "name=/path;name=/path": at least two, each on an independent medium
    # (Thông tư 02/2019/TT-BNV).
    "BACKUP_TARGETS": "",
    # The fixity audit: how fast the worker re-reads stored files (MB/s, so people never wait for the disk) and how
    # many days pass before a file is checked again.
    "FIXITY_MB_PER_S": 10,
    "FIXITY_DAYS": 30,
    # Days before the worker compares a closed dossier's metadata with its seal again (PL6 III.7.đ: a change made
    # in the database outside ERMS is told to the archivists).
    "METADATA_CHECK_DAYS": 1,
    # Hours a file in the store that no record lists is left alone before the daily sweep removes it: an upload
    # stores its bytes before its transaction commits the row that lists them.
    "STORE_SWEEP_GRACE_HOURS": 24,
    # Days a backup set stays on its medium before the daily backup removes it (the newest always stays); a
    # destruction record says the destroyed content remains in the sets made before it until then.
    "BACKUP_KEEP_DAYS": 30,
    # Years after entering the agency archive by which permanent dossiers go to the historical archive:
    # 5 under Luật Lưu trữ 2024 Điều 17, up to 30 where another law sets it (docs/standards.md decision 4); 5..30.
    "HANDOVER_YEARS": 5,
    # Notices by e-mail (erms.mail): the agency's mail server; empty SMTP_HOST sends none (notices stay in the app).
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": False,
    "MAIL_FROM": "erms@localhost",
    # The address people open ERMS at (https://erms.example.gov.vn), for the link in each e-mail; empty: no link.
    "BASE_URL": "",
}

# Keys read from the environment without the ERMS_ prefix, as deployments expect.
_UNPREFIXED = ("DATABASE_URL",)


def _parse(raw: str, default: Any) -> Any:
    """Read an environment value as the type of its default ("1", "true", "yes", "on" switch a flag on)."""
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return int(raw) if isinstance(default, int) else raw


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        raw = environ.get("ERMS_" + key)
        if raw is None and key in _UNPREFIXED:
            raw = environ.get(key)
        if raw is None:
            continue
        found[key] = _parse(raw, default)
    return found


# The folders an instance keeps, each under DATA_DIR unless its setting names another place.
DATA_FOLDERS = {
    "STORAGE_ROOT": "files",
    "STAGING_ROOT": "staging",
    "SEARCH_INDEX_DIR": "search",
    "INTAKE_DIR": "intake",
}


def resolve(settings: dict[str, Any]) -> dict[str, Any]:
    """Fill the derived paths and the secret key; every path becomes absolute (bagit needs it)."""
    data_dir = Path(settings["DATA_DIR"]).expanduser().resolve()
    settings["DATA_DIR"] = str(data_dir)
    for key, sub in DATA_FOLDERS.items():
        settings[key] = str(Path(settings[key] or data_dir / sub).expanduser().resolve())
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{data_dir / 'erms.sqlite3'}"
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _stored_secret(data_dir)
    return settings


def _stored_secret(data_dir: Path) -> str:
    """Return the key kept in DATA_DIR/secret_key, creating it (mode 600) on first use."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the resolved configuration: defaults, then environment, then ``overrides``."""
    settings = dict(DEFAULTS)
    settings.update(_from_environment(os.environ if environ is None else environ))
    settings.update(overrides or {})
    return resolve(settings)
