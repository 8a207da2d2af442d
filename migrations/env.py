"""Alembic environment: the URL comes from ERMS configuration, the metadata from erms.models."""

from alembic import context

import erms.models  # noqa: F401  (fills the metadata)
from erms import config as erms_config
from erms.db import Base, make_engine
from erms.models.types import UTCDateTime

target_metadata = Base.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or erms_config.load()["DATABASE_URL"]
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
        connection.commit()
    engine.dispose()


def _render_item(type_, obj, autogen_context):
    # Our UTCDateTime only converts values in Python; in the schema it is a plain timestamptz.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:
    # render_as_batch: SQLite can only ALTER a table by copying it; Alembic's batch mode does that.
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True, render_item=_render_item
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
