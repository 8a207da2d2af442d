"""Where a redirect may lead: a path of this site only (no open redirect, no header injection).

Browsers drop tabs and newlines inside URLs and read ``\\`` as ``/``, so ``/\\t/evil.example`` or
``/\\\\evil.example`` would leave the site; a newline in a ``Location`` header would split it.
Only printable ASCII without backslashes is let through, and it must parse as a bare path.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_LENGTH = 2000


def same_site_path(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site (``/…``, not ``//…``), else None."""
    if not target or len(target) > MAX_LENGTH or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return None
    if any(not "!" <= character <= "~" or character == "\\" for character in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
