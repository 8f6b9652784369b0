"""Checks each call's top-level parameter names against the official method schemas.

The schemas in sandbox/spec/methods/*.json are generated from the documentation pages by the
docs' own simulator (bitrix-tools/b24-rest-docs `_assets/simulator/spec`, see spec/README.md).
A call to a method that has a schema fails loudly (strict mode) when it sends a top-level name
the page does not document or omits one marked `required: true`, so the emulator cannot silently
accept a wrong call. Methods without a schema (batch, app.info, event.get, placement.bind,
user.current, user.admin, ...) are not checked. Names match case-insensitively: the docs' own
examples use both `filter` and `FILTER`
(EN:settings/how-to-call-rest-api/list-methods-pecularities.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SPEC_DIR = Path(__file__).parent / "spec" / "methods"

# Accepted on every call: the token, the page offset, and the offline-events source key that
# modifying calls may carry (EN:api-reference/events/offline-events.md "How to avoid cycles").
ALWAYS_ALLOWED = frozenset({"auth", "start", "auth_connector"})

# What the parsed schemas miss but the pages document in prose (cited per entry).
EXTRA_PARAMS: dict[str, frozenset[str]] = {
    # EN:api-reference/events/event-offline-get.md "Additional Parameters"
    "event.offline.get": frozenset({"clear", "process_id", "error", "auth_connector"}),
    # EN:api-reference/events/offline-events.md: offline bindings pass no handler
    "event.bind": frozenset(),
    # EN:api-reference/crm/leads/crm-lead-list.md documents `order` (the RU schema omits it)
    "crm.lead.list": frozenset({"order"}),
}

# Parameters documented as "one of these is required" (the schema marks each as required).
# EN:api-reference/telephony/telephony-external-call-register.md, ...-finish.md:
# "USER_ID or USER_PHONE_INNER".
ONE_OF: dict[str, tuple[str, ...]] = {
    "telephony.externalcall.register": ("USER_ID", "USER_PHONE_INNER"),
    "telephony.externalcall.finish": ("USER_ID", "USER_PHONE_INNER"),
}

# Methods whose top-level names are data, not parameters (SRC CRestProvider::appOptionSet and
# userOptionSet: without `options` the params themselves are the options), so not checked.
FREE_FORM = frozenset({"app.option.set", "user.option.set"})


@dataclass(frozen=True)
class Schema:
    method: str
    names: frozenset[str]  # lower-cased documented top-level names
    prefixes: tuple[str, ...]  # `UF_...`-style placeholders, lower-cased, without the dots
    required: tuple[str, ...]  # documented spelling


def _schema(path: Path) -> Schema:
    doc = json.loads(path.read_text(encoding="utf-8"))
    names, prefixes, required = set(), [], []
    for param in doc.get("params", []):
        name = str(param.get("name", ""))
        if name.endswith("..."):  # `UF_...`: any name with that prefix
            prefixes.append(name[:-3].lower())
            continue
        if "." in name:  # `fields.COMPANY_ID` describes a nested key
            continue
        names.add(name.lower())
        if param.get("required") is True:
            required.append(name)
    method = str(doc.get("method", path.stem))
    return Schema(method, frozenset(names), tuple(prefixes), tuple(required))


@cache
def schemas() -> dict[str, Schema]:
    """Every schema by lower-cased method name (loaded once per process)."""
    found = {}
    for path in sorted(SPEC_DIR.glob("*.json")):
        schema = _schema(path)
        found[schema.method.lower()] = schema
    return found


def find(method: str) -> Schema | None:
    return schemas().get(method.lower())


def _required(schema: Schema, params: dict) -> tuple[str, ...]:
    if schema.method.lower() == "event.bind":
        event_type = next((v for k, v in params.items() if k.lower() == "event_type"), "")
        if str(event_type).lower() == "offline":  # offline bindings have no handler
            return tuple(r for r in schema.required if r.lower() != "handler")
    return schema.required


def violations(method: str, params: dict) -> list[tuple[str, str]]:
    """[("unknown"|"missing", name), ...] for this call; [] when fine or not covered."""
    schema = find(method)
    if schema is None or schema.method.lower() in FREE_FORM:
        return []
    sent = {str(k).lower() for k in params}
    found: list[tuple[str, str]] = []
    allowed = schema.names | ALWAYS_ALLOWED | EXTRA_PARAMS.get(schema.method.lower(), frozenset())
    for key in params:
        low = str(key).lower()
        if low not in allowed and not low.startswith(schema.prefixes or ("\0",)):
            found.append(("unknown", str(key)))
    group = ONE_OF.get(schema.method.lower(), ())
    for name in _required(schema, params):
        if name.lower() not in sent and name not in group:
            found.append(("missing", name))
    if group and not {g.lower() for g in group} & sent:
        found.append(("missing", " or ".join(group)))
    return found


def describe(method: str, problems: list[tuple[str, str]]) -> str:
    """Error text naming the parameters, e.g. for a 400 INVALID_ARG_VALUE."""
    schema = find(method)
    known = ", ".join(sorted(schema.names)) if schema else ""
    parts = [f"{kind} parameter '{name}'" for kind, name in problems]
    return (f"sandbox strict spec: {method}: {'; '.join(parts)} "
            f"(documented: {known or 'none'}; see sandbox/spec/methods/{method}.json)")
