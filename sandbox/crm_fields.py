"""Field descriptors of the classic CRM entities, taken from the official method schemas.

crm.deal/lead/company/activity.fields come from sandbox/spec/methods/*.fields.json (the docs'
own `resultExample`, EN:api-reference/crm/deals/crm-deal-fields.md and siblings); contacts have
no fields schema there, so their list is copied from
EN:api-reference/crm/contacts/crm-contact-fields.md.
The descriptors answer `crm.*.fields` and type the list engine (sandbox/listing.py).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from sandbox.listing import Fields
from sandbox.listing_ops import DT, ENUM, INT, MULTI, NUM, OBJ, OBJLIST, STR

SPEC_DIR = Path(__file__).with_name("spec") / "methods"

# contact fields (EN:api-reference/crm/contacts/crm-contact-fields.md): name:type[:m][:ro]
_CONTACT = (
    "ID:integer:ro HONORIFIC:crm_status NAME:string SECOND_NAME:string LAST_NAME:string "
    "PHOTO:file BIRTHDATE:date TYPE_ID:crm_status SOURCE_ID:crm_status SOURCE_DESCRIPTION:string "
    "POST:string ADDRESS:string ADDRESS_2:string ADDRESS_CITY:string ADDRESS_POSTAL_CODE:string "
    "ADDRESS_REGION:string ADDRESS_PROVINCE:string ADDRESS_COUNTRY:string "
    "ADDRESS_COUNTRY_CODE:string ADDRESS_LOC_ADDR_ID:integer COMMENTS:string OPENED:char "
    "EXPORT:char HAS_PHONE:char:ro HAS_EMAIL:char:ro HAS_IMOL:char:ro ASSIGNED_BY_ID:user "
    "CREATED_BY_ID:user:ro MODIFY_BY_ID:user:ro DATE_CREATE:datetime:ro DATE_MODIFY:datetime:ro "
    "COMPANY_ID:crm_company COMPANY_IDS:crm_company:m LEAD_ID:crm_lead:ro ORIGINATOR_ID:string "
    "ORIGIN_ID:string ORIGIN_VERSION:string UTM_SOURCE:string UTM_MEDIUM:string "
    "UTM_CAMPAIGN:string UTM_CONTENT:string UTM_TERM:string LAST_ACTIVITY_TIME:datetime:ro "
    "LAST_ACTIVITY_BY:user:ro PHONE:crm_multifield:m EMAIL:crm_multifield:m "
    "WEB:crm_multifield:m IM:crm_multifield:m LINK:crm_multifield:m"
)

_KIND = {
    "integer": INT, "double": NUM, "datetime": DT, "date": DT, "char": STR, "string": STR,
    "crm_status": ENUM, "crm_currency": ENUM, "crm_category": INT, "user": INT,
    "crm_company": INT, "crm_contact": INT, "crm_lead": INT, "crm_quote": INT,
    "crm_entity": INT, "crm_enum_ownertype": INT, "crm_enum_activitytype": INT,
    "crm_enum_activitystatus": INT, "crm_enum_activitypriority": INT,
    "crm_enum_activitynotifytype": INT, "crm_enum_contenttype": INT,
    "crm_enum_activitydirection": INT, "location": STR, "file": OBJ, "object": OBJ,
    "crm_multifield": MULTI,
}

# UF types -> list kinds (EN:api-reference/crm/deals/user-defined-fields/crm-deal-userfield-add.md)
UF_KIND = {"integer": INT, "double": NUM, "money": STR, "datetime": DT, "date": DT,
           "boolean": INT, "employee": INT, "enumeration": INT, "crm_status": ENUM}


def _descriptor(ftype: str, multiple: bool, read_only: bool, title: str) -> dict:
    return {"type": ftype, "isRequired": False, "isReadOnly": read_only, "isImmutable": False,
            "isMultiple": multiple, "isDynamic": False, "title": title}


@cache
def descriptors(entity: str) -> dict[str, dict]:
    """crm.<entity>.fields without the sample portal's own UF_/PARENT_ID_ entries."""
    if entity == "contact":
        out = {}
        for token in _CONTACT.split():
            name, ftype, *flags = token.split(":")
            out[name] = _descriptor(ftype, "m" in flags, "ro" in flags, name)
        return out
    data = json.loads((SPEC_DIR / f"crm.{entity}.fields.json").read_text(encoding="utf-8"))
    result = data["resultExample"]["result"]
    return {k: v for k, v in result.items()
            if not k.startswith(("UF_", "PARENT_ID_"))}


def kind_of(desc: dict) -> str:
    kind = _KIND.get(desc.get("type", "string"), STR)
    if desc.get("isMultiple") and kind != MULTI:
        return OBJLIST
    return kind


@cache
def list_fields(entity: str) -> Fields:
    """Typed fields for the list engine; CONTACT_IDS/COMPANY_IDS are not selectable (§7)."""
    kinds = {name: kind_of(d) for name, d in descriptors(entity).items()}
    return Fields.of(kinds, hidden=("CONTACT_IDS", "COMPANY_IDS"))


def read_only(entity: str) -> frozenset[str]:
    return frozenset(k for k, d in descriptors(entity).items() if d.get("isReadOnly"))
