"""Alembic environment: runs on the connection the caller hands over."""
from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata
# APScheduler creates and owns its job table; autogenerate must never propose dropping it
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001, D103 (alembic's hook signature)
    return not (type_ == "table" and name in FOREIGN_TABLES)


connection = context.config.attributes.get("connection")
if connection is None:  # the alembic CLI, for writing new revisions
    from store.db import make_engine

    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///alembic-dev.db"
    with make_engine(url).connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()
