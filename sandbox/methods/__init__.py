"""Every REST method module of the emulated portal, imported by name: this list is the registry's
documentation (as handlers/__init__.py is for event handlers). Importing a module registers its
methods in sandbox.registry.METHODS.
"""

from __future__ import annotations

from sandbox import batch  # noqa: F401  registers `batch`
from sandbox.methods import (  # noqa: F401  each import registers that family's methods
    app,
    comm,
    crm_activity,
    crm_category,
    crm_company,
    crm_contact,
    crm_deal,
    crm_duplicate,
    crm_item,
    crm_lead,
    crm_stagehistory,
    crm_status,
    crm_timeline,
    crm_userfield,
    department,
    disk,
    events,
    im,
    placement,
    tasks,
    telephony,
    telephony_line,
    timeman,
    user,
    voximplant,
)


def load_all() -> None:
    """Nothing left to do: importing this package registered every method. Kept as the one
    explicit call sites use (Cloud()) so the import is not mistaken for an unused one."""
