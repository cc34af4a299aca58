"""Alembic's entry point: run the migrations on the connection the app hands over.

The app calls ``alembic.command.upgrade`` with ``config.attributes["connection"]`` set
(nnpes_core.coursework.database.upgrade_schema). To write a new migration after changing tables.py::

    from alembic import command
    from nnpes_core.coursework.database import alembic_config, open_database
    with open_database("sqlite:////tmp/scratch.sqlite3").engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        command.revision(alembic_config(connection), "what changed", autogenerate=True)

then read and edit the generated file in versions/ (autogenerate is a draft, not the truth).
"""
from alembic import context

from nnpes_core.coursework.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the coursework migrations through nnpes_core.coursework.database.upgrade_schema")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place: later migrations copy-and-move tables instead
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
