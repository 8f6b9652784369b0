"""Event handlers. The import list below is the registry's documentation (STYLE §4)."""

from handlers import calls, contacts, deals, leads, lifecycle  # noqa: F401  registers handlers
from handlers.router import router

__all__ = ["router"]
