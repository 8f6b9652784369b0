"""Every table that holds a portal's data, found from the models, and its removal (CLEAN=1).

The list is not written by hand: a table with a `portal_id` column, or one that hangs off such a
table by a foreign key (keep_sweep_items -> keep_sweeps), belongs to the portal. A new model is
covered the day it is added; tests/abuse/test_uninstall_forged.py fills every table to prove it.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from store.db import Base


def _parent_fk(table: Table):  # noqa: ANN202
    """The foreign key that ties a table without portal_id to a portal-keyed one, if any."""
    for fk in table.foreign_keys:
        if "portal_id" in fk.column.table.c:
            return fk
    return None


def portal_tables() -> list[Table]:
    """Children before parents, so the deletes never trip a foreign key."""
    import store.models  # noqa: F401  registers every area's tables on the metadata

    return [t for t in reversed(Base.metadata.sorted_tables) if t.name != "portals"
            and ("portal_id" in t.c or _parent_fk(t) is not None)]


def purge_portal(session: Session, portal_id: int) -> dict[str, int]:
    """Delete every row of the portal except its `portals` row (late events stay recognised)."""
    removed: dict[str, int] = {}
    for table in portal_tables():
        if "portal_id" in table.c:
            stmt = delete(table).where(table.c.portal_id == portal_id)
        else:
            fk = _parent_fk(table)
            parent = fk.column.table
            ids = select(fk.column).where(parent.c.portal_id == portal_id)
            stmt = delete(table).where(fk.parent.in_(ids))
        removed[table.name] = session.execute(stmt).rowcount or 0
    return removed
