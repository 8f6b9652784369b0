"""The "Оставить за мной" checkbox on deals, created once per portal (§8.8)."""

from __future__ import annotations

from b24.client import B24Client
from handlers import catalog
from handlers.exchange.config import KEEP_FIELD

# Bitrix24 keeps a label per language (crm.*.userfield.add, EDIT_FORM_LABEL by language id).
LABEL = {lang: catalog.text(lang, "field.keep") for lang in ("ru", "en")}


def ensure_keep_field(b24: B24Client) -> bool:
    """Returns True when the field had to be created. FIELD_NAME gets the UF_CRM_ prefix."""
    existing = b24.call("crm.deal.userfield.list", {"filter": {"FIELD_NAME": KEEP_FIELD}}) or []
    if any(f.get("FIELD_NAME") == KEEP_FIELD for f in existing):
        return False
    b24.call("crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": KEEP_FIELD.removeprefix("UF_CRM_"), "USER_TYPE_ID": "boolean",
        "EDIT_FORM_LABEL": LABEL, "LIST_COLUMN_LABEL": LABEL, "LIST_FILTER_LABEL": LABEL,
        "SHOW_FILTER": "Y", "XML_ID": "SALES_GUARD_KEEP"}})
    return True
