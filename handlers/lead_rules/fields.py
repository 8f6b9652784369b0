"""The junk reason field on leads (UF_CRM_JUNK_REASON), created the first time it is needed.

Not MANDATORY in Bitrix24 (that would demand it on every save of every lead): the app demands
it only when a lead goes to a failure status, in "field" reason mode (§8.8).
"""

from __future__ import annotations

from b24.client import B24Client
from b24.userfields import ensure_user_field
from handlers import catalog
from handlers.lead_rules.config import REASON_FIELD

# Bitrix24 keeps a label per language (crm.*.userfield.add, EDIT_FORM_LABEL by language id).
LABEL = {lang: catalog.text(lang, "field.rejection_reason") for lang in ("ru", "en")}


def ensure_reason_field(b24: B24Client) -> bool:
    """Returns True when the field had to be created."""
    return ensure_user_field(b24, "lead", REASON_FIELD, "string", LABEL,
                             "SALES_GUARD_JUNK_REASON")
