"""Tables of the telephony area (imported by store.models so Alembic and create_all see them)."""

from __future__ import annotations
