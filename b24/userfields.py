"""CRM user fields the app needs (the exchange's "keep" checkbox, the lead's junk reason),
created once per portal. EN:api-reference/crm/deals/user-defined-fields/crm-deal-userfield-add.md
(and crm-deal-userfield-list.md; the lead's crm.lead.userfield.* take the same fields):
FIELD_NAME is given without the UF_CRM_ prefix that Bitrix24 adds, and a label may be a dict
by language id."""

from __future__ import annotations

from b24.client import B24Client


def ensure_user_field(b24: B24Client, entity: str, field: str, kind: str,
                      label: dict[str, str], xml_id: str) -> bool:
    """True when the field had to be created; an existing field (ours or the admin's) is kept
    as it is, so a reinstall never resets the portal's own settings of it."""
    existing = b24.call(f"crm.{entity}.userfield.list", {"filter": {"FIELD_NAME": field}}) or []
    if any(f.get("FIELD_NAME") == field for f in existing):
        return False
    b24.call(f"crm.{entity}.userfield.add", {"fields": {
        "FIELD_NAME": field.removeprefix("UF_CRM_"), "USER_TYPE_ID": kind,
        "EDIT_FORM_LABEL": label, "LIST_COLUMN_LABEL": label, "LIST_FILTER_LABEL": label,
        "SHOW_FILTER": "Y", "XML_ID": xml_id}})
    return True
