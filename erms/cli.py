"""The operator's console: ``erms …`` (also ``flask --app erms.app erms …``).

Commands are thin: they open a transaction, call a service and print. Errors print the
precise English message and exit non-zero; nothing is half-written.
"""

from __future__ import annotations

import getpass
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property

import click
from sqlalchemy import select

from erms import accounts, audit, config, migrate
from erms.db import make_engine, make_session_factory, transaction
from erms.errors import ERMSError, InvalidMetadata
from erms.models import Organisation, Role


@dataclass
class Context:
    """What every command shares: the settings and, on first use, the database."""

    settings: dict

    @cached_property
    def engine(self):
        return make_engine(self.settings["DATABASE_URL"])

    def transaction(self):
        return transaction(make_session_factory(self.engine))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def fail(error: ERMSError) -> None:
    """Print a refused request precisely (every problem on its own line) and exit 1."""
    lines = [str(problem) for problem in error.problems] if isinstance(error, InvalidMetadata) else [str(error)]
    for line in lines:
        click.echo(f"error: {line}", err=True)
    sys.exit(1)


@click.group("erms")
@click.pass_context
def erms_group(ctx: click.Context) -> None:
    """ERMS: electronic records management (Vietnamese public agencies)."""
    ctx.obj = Context(config.load())


@erms_group.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.pass_obj
def db_upgrade(obj: Context) -> None:
    """Run the migrations up to the newest schema."""
    with obj.engine.begin() as connection:
        migrate.upgrade(connection)
    click.echo(f"database at the newest schema: {obj.engine.url.render_as_string(hide_password=True)}")


@erms_group.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@click.pass_obj
def audit_verify(obj: Context) -> None:
    """Walk the hash chain; exit 1 naming the first altered or missing event."""
    with obj.transaction() as session:
        report = audit.verify(session)
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} events verified")
        return
    click.echo(f"audit chain BROKEN at event {report.broken_id}: {report.reason} "
               f"({report.checked} events verified before it)", err=True)
    sys.exit(1)


@erms_group.group("org")
def org_group() -> None:
    """Organisations (archival fonds)."""


@org_group.command("list")
@click.pass_obj
def org_list(obj: Context) -> None:
    """Print one fonds code per line."""
    with obj.transaction() as session:
        for code in session.scalars(select(Organisation.code).order_by(Organisation.code)):
            click.echo(code)


@erms_group.group("user")
def user_group() -> None:
    """User accounts."""


@user_group.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name as shown on records.")
@click.option("--org", "organisation", required=True, help="Organisation (fonds) code.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--unit", default=None, help="Unit code; omit for an organisation-wide role.")
@click.option("--password", default=None, help="Read from the prompt when omitted.")
@click.pass_obj
def user_create(obj: Context, username, full_name, organisation, roles, unit, password) -> None:
    """Create a user with one or more roles."""
    password = password or getpass.getpass("password: ")
    try:
        with obj.transaction() as session:
            user = accounts.create_user(session, None, username, full_name, password, now=utcnow())
            for role in roles:
                accounts.grant(session, None, user, Role(role), organisation, unit, now=utcnow())
    except ERMSError as error:
        fail(error)
    click.echo(f"created {username} ({', '.join(roles)})")


@erms_group.group("demo")
def demo_group() -> None:
    """Demonstration data."""


@demo_group.command("load")
@click.pass_obj
def demo_load(obj: Context) -> None:
    """Load the demo organisation once; every run (re)sets and prints the demo accounts' passwords."""
    from erms import demo

    with obj.transaction() as session:
        created = demo.load(session, now=utcnow(), progress=lambda label: click.echo(f"  {label}"))
        passwords = demo.reset_passwords(session, now=utcnow())
    click.echo("demo data loaded" if created else "demo data already present")
    click.echo("demo accounts (username / password / role):")
    for username, password, role in passwords:
        click.echo(f"  {username:<10} {password:<22} {role}")


@erms_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def serve(host: str, port: int) -> None:
    """Serve the web app (a single process, for one office)."""
    from erms.app import create_app

    create_app().run(host=host, port=port, threaded=True)


def main() -> None:
    """Entry point of the ``erms`` console script."""
    erms_group(prog_name="erms")
