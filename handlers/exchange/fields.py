"""The "Оставить за мной" checkbox on deals, created once per portal (§8.8)."""

from __future__ import annotations

from b24.client import B24Client
from b24.userfields import ensure_user_field
from handlers import catalog
from handlers.exchange.config import KEEP_FIELD

# Bitrix24 keeps a label per language (crm.*.userfield.add, EDIT_FORM_LABEL by language id).
LABEL = {lang: catalog.text(lang, "field.keep") for lang in ("ru", "en")}


def ensure_keep_field(b24: B24Client) -> bool:
    """Returns True when the field had to be created."""
    return ensure_user_field(b24, "deal", KEEP_FIELD, "boolean", LABEL, "SALES_GUARD_KEEP")
