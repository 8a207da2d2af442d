"""The WSGI entry point: ``gunicorn wsgi:application`` (see gunicorn.conf.py and README, "Deployment")."""

from erms.app import create_app

application = create_app()
