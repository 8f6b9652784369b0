"""Every REST method module of the emulated portal, imported by name: this list is the registry's
documentation (as handlers/__init__.py is for event handlers). Importing a module registers its
methods in sandbox.registry.METHODS.
"""

from __future__ import annotations

import importlib

from sandbox import batch  # noqa: F401  registers `batch`
from sandbox.methods import app, events, placement  # noqa: F401  registers their methods

# Written in parallel by another helper. TEMPORARY guard: a module that does not exist yet is
# skipped (only that exact module's absence; any other import error still fails). Remove the
# guard once every module below exists.
PARALLEL_MODULES = (
    "crm_deal", "crm_lead", "crm_contact", "crm_company", "crm_status", "crm_category",
    "crm_activity", "crm_timeline", "crm_stagehistory", "crm_duplicate", "crm_userfield",
    "crm_item", "user", "department", "telephony", "voximplant", "im", "tasks",
)

for _name in PARALLEL_MODULES:
    _full = f"{__name__}.{_name}"
    try:
        importlib.import_module(_full)
    except ModuleNotFoundError as exc:
        if exc.name != _full:
            raise


def load_all() -> None:
    """Nothing left to do: importing this package registered every method. Kept as the one
    explicit call sites use (Cloud()) so the import is not mistaken for an unused one."""
