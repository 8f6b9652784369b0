"""Schema only through Alembic: head builds from nothing and equals the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from store.db import Base
from store.migrate import downgrade, upgrade


def not_the_task_engines(obj, name, type_, reflected, compare_to) -> bool:
    """Procrastinate's tables (PostgreSQL, migration d3a9f5c1e7b2) have no model of ours."""
    return not (type_ == "table" and reflected and compare_to is None
                and name.startswith("procrastinate_"))


def test_head_matches_models(engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_object": not_the_task_engines})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_upgrade_downgrade_roundtrip(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    from store.db import make_engine

    eng = make_engine(url)
    assert {"portals", "inbox_events", "deals"} <= set(inspect(eng).get_table_names())
    downgrade(url, "base")
    assert set(inspect(eng).get_table_names()) <= {"alembic_version"}
    eng.dispose()


def test_one_head() -> None:
    """Areas branch their migrations in parallel; a merge must join them before release."""
    from alembic.script import ScriptDirectory

    from store.migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads
