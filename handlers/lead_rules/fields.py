"""The junk reason field on leads (UF_CRM_JUNK_REASON), created the first time it is needed.

Not MANDATORY in Bitrix24 (that would demand it on every save of every lead): the app demands
it only when a lead goes to a failure status, in "field" reason mode (§8.8).
"""

from __future__ import annotations

from b24.client import B24Client
from handlers import catalog
from handlers.lead_rules.config import REASON_FIELD

# Bitrix24 keeps a label per language (crm.*.userfield.add, EDIT_FORM_LABEL by language id).
LABEL = {lang: catalog.text(lang, "field.rejection_reason") for lang in ("ru", "en")}


def ensure_reason_field(b24: B24Client) -> bool:
    """Returns True when the field had to be created. FIELD_NAME gets the UF_CRM_ prefix."""
    existing = b24.call("crm.lead.userfield.list", {"filter": {"FIELD_NAME": REASON_FIELD}}) or []
    if any(f.get("FIELD_NAME") == REASON_FIELD for f in existing):
        return False
    b24.call("crm.lead.userfield.add", {"fields": {
        "FIELD_NAME": REASON_FIELD.removeprefix("UF_CRM_"), "USER_TYPE_ID": "string",
        "EDIT_FORM_LABEL": LABEL, "LIST_COLUMN_LABEL": LABEL, "LIST_FILTER_LABEL": LABEL,
        "SHOW_FILTER": "Y", "XML_ID": "SALES_GUARD_JUNK_REASON"}})
    return True
