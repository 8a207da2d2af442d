"""Trusted browsers: a browser a person has logged in with keeps a signed cookie saying so ("device cookie", OWASP's
answer to lock-outs by a stranger), and its log-in tries are counted apart from every other browser's.

The cookie names, for each username logged in with here (a shared office computer holds several), a random id; it
is signed with the app's key, so it cannot be made for a name, and it proves nothing but that this browser once knew
the password: every try from it is still checked, and five wrong ones lock it as any other browser.
"""

from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

COOKIE = "erms_browser"
# A browser is trusted for as long as an office computer is used by the same person; a year unused, it is a stranger.
MAX_AGE = 365 * 24 * 3600
KEPT = 8  # names per browser: the most recently logged in with


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="erms.trusted-browser")


def _names() -> dict[str, str]:
    """The names this browser is trusted for, each with its id (an unsigned or altered cookie: none)."""
    raw = request.cookies.get(COOKIE, "")
    try:
        names = _signer().loads(raw) if raw else {}
    except BadSignature:
        return {}
    if not isinstance(names, dict):
        return {}
    return {name: id_ for name, id_ in names.items() if isinstance(name, str) and isinstance(id_, str)}


def browser_for(username: str) -> str | None:
    """The id of this browser for ``username`` (folded as the lock folds it), or None: not trusted for it."""
    return _names().get(username)


def trust(response: Response, username: str) -> None:
    """Mark this browser trusted for ``username`` (just logged in with), keeping its id if it had one."""
    names = _names()
    id_ = names.pop(username, None) or secrets.token_hex(8)
    names[username] = id_  # last: the newest is kept when the oldest go
    kept = dict(list(names.items())[-KEPT:])
    response.set_cookie(
        COOKIE,
        _signer().dumps(kept),
        max_age=MAX_AGE,
        path="/",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
