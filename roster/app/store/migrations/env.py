"""Alembic's environment for the history store: run on the connection the store hands over."""

from alembic import context
from sqlalchemy.engine import Connection

from roster.app.store.models import Base

connection = context.config.attributes["connection"]
assert isinstance(connection, Connection)
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite alters a table by copying it; batch mode lets later migrations do that
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
