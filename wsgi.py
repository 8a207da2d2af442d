"""The WSGI entry point: ``gunicorn wsgi:application`` (see gunicorn.conf.py and README, "Deployment")."""

from erms import migrate
from erms.app import create_app
from erms.db import make_engine

application = create_app()
# On a schema this code was not written for (an upgrade installed, `erms db upgrade` not run) every page would fail on
# a missing table: the server refuses to start and says why.
_engine = make_engine(application.config["DATABASE_URL"])
try:
    migrate.require_current(_engine)
finally:
    _engine.dispose()
