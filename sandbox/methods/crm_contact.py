"""crm.contact.* — contacts with multi-field phones/emails and company bindings.

Facts (§7, EN:api-reference/crm/contacts/crm-contact-add.md, crm-contact-update.md,
crm-contact-list.md): PHONE/EMAIL/WEB/IM are multi-fields (append without ID, edit by ID, delete
by ID + empty VALUE); list filters on them match exactly; HAS_PHONE/HAS_EMAIL are derived;
ONCRMCONTACTADD/UPDATE/DELETE carry {"FIELDS": {"ID": ...}} (EN:api-reference/crm/contacts/events/).
"""

from __future__ import annotations

from sandbox import crm_entity as ce
from sandbox.listing import param
from sandbox.registry import CallContext, Page, method

CONTACT = ce.Entity("contact", 3, "CRM_CONTACT", defaults={"TYPE_ID": "CLIENT", "EXPORT": "Y"})


@method("crm.contact.add", scope="crm")
def contact_add(ctx: CallContext, params: dict) -> int:
    return ce.add(ctx, CONTACT, ce.fields_arg(params))


@method("crm.contact.update", scope="crm")
def contact_update(ctx: CallContext, params: dict) -> bool:
    return ce.update(ctx, CONTACT, param(params, "id"), ce.fields_arg(params))


@method("crm.contact.get", scope="crm")
def contact_get(ctx: CallContext, params: dict) -> dict:
    return ce.get(ctx, CONTACT, params)


@method("crm.contact.list", scope="crm")
def contact_list(ctx: CallContext, params: dict) -> Page:
    return ce.list_(ctx, CONTACT, params)


@method("crm.contact.delete", scope="crm")
def contact_delete(ctx: CallContext, params: dict) -> bool:
    return ce.delete(ctx, CONTACT, params)


@method("crm.contact.company.items.get", scope="crm")
def contact_company_items_get(ctx: CallContext, params: dict) -> list[dict]:
    rec = ce.get_record(ctx, CONTACT, param(params, "id"))
    return [{"COMPANY_ID": cid, "SORT": 10 * (n + 1), "ROLE_ID": 0,
             "IS_PRIMARY": "Y" if n == 0 else "N"}
            for n, cid in enumerate(rec.get("_COMPANY_IDS") or ())]


@method("crm.contact.fields", scope="crm")
def contact_fields(ctx: CallContext, params: dict) -> dict:
    """Documented (EN:api-reference/crm/contacts/crm-contact-fields.md), not in the spec set."""
    return ce.fields_method(ctx, CONTACT)
