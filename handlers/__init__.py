"""Event handlers. The import list below is the registry's documentation (STYLE §4)."""

from handlers.router import router

from handlers import calls, deals, leads, lifecycle  # noqa: E402,F401  registers handlers

__all__ = ["router"]
