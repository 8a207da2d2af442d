"""Translations in templates looked up once per request instead of once per string.

Flask-Babel's template ``_()`` asks for the request's locale and catalogue on every call (a page
has a hundred or more); the catalogue a request uses does not change while it renders, so it is
kept on ``flask.g`` after the first lookup.
"""

from __future__ import annotations

from flask import Flask, g
from flask_babel import get_translations


def install(app: Flask) -> None:
    """Replace the template gettext callables Flask-Babel installed with ones that cache per request."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda text: _catalogue().ugettext(text),
        ngettext=lambda one, many, count: _catalogue().ungettext(one, many, count),
        pgettext=lambda context, text: _catalogue().upgettext(context, text),
        npgettext=lambda context, one, many, count: _catalogue().unpgettext(context, one, many, count),
        newstyle=True,
    )


def _catalogue():
    catalogue = g.get("erms_catalogue")
    if catalogue is None:
        catalogue = g.erms_catalogue = get_translations()
    return catalogue
