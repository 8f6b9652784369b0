"""task engine: Procrastinate's tables on PostgreSQL (issue 15 #3)

Revision ID: d3a9f5c1e7b2
Revises: d1c0a7e5f3b9
Create Date: 2026-12-02 20:10:00

The production workers (tasks/, `flask --app app worker --engine procrastinate`) keep their
jobs in PostgreSQL. Procrastinate's own schema (the version pinned in requirements.txt) is
applied here, so `flask --app app db upgrade` / store/migrate.py stays the one way to migrate;
a later Procrastinate upgrade brings its migration SQL in a migration of ours. SQLite has no
task engine (the embedded runner needs none): nothing changes there.
"""
from __future__ import annotations

import re

from alembic import op

revision = 'd3a9f5c1e7b2'
down_revision = 'd1c0a7e5f3b9'
branch_labels = None
depends_on = None


def _schema() -> str:
    from procrastinate.schema import SchemaManager

    return SchemaManager.get_schema()


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # psycopg reads '%' as a placeholder once any parameters are given: run the file as is
    with op.get_bind().connection.dbapi_connection.cursor() as cursor:
        cursor.execute(_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    sql = _schema()
    for table in ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs",
                  "procrastinate_workers"):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    for function in sorted(set(re.findall(r"CREATE FUNCTION (\w+)\(", sql))):
        op.execute(f"DROP FUNCTION IF EXISTS {function} CASCADE")
    for type_ in sorted(set(re.findall(r"CREATE TYPE (\w+) AS", sql))):
        op.execute(f"DROP TYPE IF EXISTS {type_} CASCADE")
