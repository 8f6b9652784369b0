"""crm.company.* — companies (add/get/list/update/delete/fields).

Facts (EN:api-reference/crm/companies/crm-company-add.md, crm-company-list.md,
crm-company-fields.md): same classic rules as contacts — multi-field PHONE/EMAIL, default select
`*` + `UF_*`, ONCRMCOMPANYADD/UPDATE/DELETE with {"FIELDS": {"ID": ...}}.
"""

from __future__ import annotations

from sandbox import crm_entity as ce
from sandbox.listing import param
from sandbox.registry import CallContext, Page, method

COMPANY = ce.Entity("company", 4, "CRM_COMPANY",
                    defaults={"COMPANY_TYPE": "CUSTOMER", "IS_MY_COMPANY": "N"})


@method("crm.company.add", scope="crm")
def company_add(ctx: CallContext, params: dict) -> int:
    return ce.add(ctx, COMPANY, ce.fields_arg(params))


@method("crm.company.update", scope="crm")
def company_update(ctx: CallContext, params: dict) -> bool:
    return ce.update(ctx, COMPANY, param(params, "id"), ce.fields_arg(params))


@method("crm.company.get", scope="crm")
def company_get(ctx: CallContext, params: dict) -> dict:
    return ce.get(ctx, COMPANY, params)


@method("crm.company.list", scope="crm")
def company_list(ctx: CallContext, params: dict) -> Page:
    return ce.list_(ctx, COMPANY, params)


@method("crm.company.delete", scope="crm")
def company_delete(ctx: CallContext, params: dict) -> bool:
    return ce.delete(ctx, COMPANY, params)


@method("crm.company.fields", scope="crm")
def company_fields(ctx: CallContext, params: dict) -> dict:
    return ce.fields_method(ctx, COMPANY)
