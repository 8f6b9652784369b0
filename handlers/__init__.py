"""Event handlers. The import list below is the registry's documentation (STYLE §4)."""

from handlers import (  # noqa: F401  registers handlers
    calls,
    contacts,
    deals,
    leads,
    lifecycle,
    touches,
)
from handlers.router import router

__all__ = ["router"]
