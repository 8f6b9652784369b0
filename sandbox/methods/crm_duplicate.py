"""crm.duplicate.findbycomm — which leads/contacts/companies own a phone or e-mail.

Facts (§8.6, EN:api-reference/crm/duplicates/crm-duplicate-find-by-comm.md): `type` PHONE|EMAIL,
`values` up to 20, optional `entity_type` LEAD|CONTACT|COMPANY; result {"LEAD": [ids],
"CONTACT": [...], "COMPANY": [...]} with integer ids and only the types that matched, and `[]`
(an empty array, PHP) when nothing matched; types are searched LEAD, CONTACT, COMPANY and once
one type has 20 or more hits the later types are omitted; phone formatting is ignored.
Decision (docs silent): more than 20 values -> error "Too many values" rather than truncation.
"""

from __future__ import annotations

from sandbox.crm_common import phone_key
from sandbox.errors import RestError
from sandbox.listing import param
from sandbox.listing_ops import as_list
from sandbox.registry import CallContext, method

ORDER = ("LEAD", "CONTACT", "COMPANY")


@method("crm.duplicate.findbycomm", scope="crm")
def findbycomm(ctx: CallContext, params: dict) -> dict | list:
    kind = str(param(params, "type") or "").upper()
    if not kind:
        raise RestError("", "Communication type is not defined.", 400)
    if kind not in ("PHONE", "EMAIL"):
        raise RestError("", f"Communication type '{kind}' is not supported in current context.")
    values = [str(v) for v in as_list(param(params, "values")) if str(v or "").strip()]
    if not values:
        raise RestError("", "Communication values is not defined.", 400)
    if len(values) > 20:
        raise RestError("", "Too many values: 20 at most.", 400)
    only = str(param(params, "entity_type") or "").upper()
    norm = phone_key if kind == "PHONE" else (lambda v: str(v).strip().casefold())
    wanted = {norm(v) for v in values} - {""}
    result: dict[str, list[int]] = {}
    for entity in ORDER:
        if only and entity != only:
            continue
        ids = [int(row["ID"]) for row in ctx.portal.table(f"crm.{entity.lower()}")
               if any(norm(e.get("VALUE")) in wanted for e in row.get(kind) or ())]
        if ids:
            result[entity] = ids
        if len(ids) >= 20:
            break
    return result or []
