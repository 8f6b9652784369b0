"""Which deal stages count as "proposal sent", "invoice/contract" and "payment" in the report.

Kept in the "report" settings section (next to the morning notice's keys) as three lists of
stage codes. A code matches the stage in every pipeline: "PREPARATION" also matches
"C2:PREPARATION", as in the senior specialist's counters (handlers.audits.counters); a full id
("C2:UC_X1Y2") matches only that stage. The defaults are the standard Bitrix24 stages.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Stage
from store.settings import load_section, save_section

SECTION = "report"
COUNTERS = ("proposals", "invoices", "payments")
DEFAULTS: dict[str, list[str]] = {
    "proposals": ["PREPARATION"],
    "invoices": ["PREPAYMENT_INVOICE", "FINAL_INVOICE"],
    "payments": ["WON"],
}


def load(session: Session, portal_id: int) -> dict[str, list[str]]:
    """{counter: [stage codes]}; a counter never saved keeps its default."""
    saved = load_section(session, portal_id, SECTION).get("stage_counters") or {}
    return {name: list(saved.get(name, DEFAULTS[name])) for name in COUNTERS}


def save(session: Session, portal_id: int, mapping: dict[str, list[str]], *,
         user_id: int | None, now: datetime) -> None:
    """Store the mapping without touching the section's other keys (send time, zone)."""
    data = load_section(session, portal_id, SECTION)
    data["stage_counters"] = {name: list(mapping.get(name, [])) for name in COUNTERS}
    save_section(session, portal_id, SECTION, data, user_id=user_id, now=now)


def parse(raw: str) -> list[str]:
    """A comma- or space-separated list as typed by the admin, upper-cased, without repeats."""
    seen: list[str] = []
    for part in raw.replace(";", ",").replace(" ", ",").split(","):
        code = part.strip().upper()
        if code and code not in seen:
            seen.append(code)
    return seen


def deal_stages(session: Session, portal_id: int) -> list[Stage]:
    """Every deal stage of every pipeline, in pipeline then SORT order (for the settings page)."""
    return list(session.scalars(select(Stage).where(
        Stage.portal_id == portal_id, Stage.entity_id.like("DEAL_STAGE%"))
        .order_by(Stage.category_id, Stage.sort, Stage.status_id)))


def by_pipeline(stages: list[Stage]) -> list[tuple[int, list[Stage]]]:
    """The stages grouped by pipeline, the general one (CATEGORY_ID absent or 0) first."""
    groups: dict[int, list[Stage]] = {}
    for stage in stages:
        groups.setdefault(stage.category_id or 0, []).append(stage)
    return sorted(groups.items(), key=lambda item: item[0])


def parse_form(form: Mapping[str, str], known: list[str]) -> tuple[dict[str, list[str]],
                                                                    dict[str, str]]:
    """The typed lists and {field: error key}: a code no pipeline has is a typo, not a stage.

    With no stages mirrored yet (`known` empty) every code is accepted."""
    mapping = {name: parse(",".join(_values(form, f"stages_{name}"))) for name in COUNTERS}
    codes = set(known) | {stage_id.split(":")[-1] for stage_id in known}
    errors = {f"stages_{name}": "report.error.stage" for name, listed in mapping.items()
              if known and any(code not in codes for code in listed)}
    return mapping, errors


def _values(form: Mapping[str, str], field: str) -> list[str]:
    """A picker posts one value per chosen stage; a typed field posts one list."""
    getlist = getattr(form, "getlist", None)
    return [v for v in (getlist(field) if getlist else [form.get(field)]) if v]


def resolve(session: Session, portal_id: int,
            mapping: dict[str, list[str]]) -> dict[str, str]:
    """{full stage id: counter} for the portal's deal stages, plus the codes themselves.

    Resolved against the (small) stage table so the report's SQL can compare stage ids for
    equality; the first counter listing a stage wins."""
    ids = session.scalars(select(Stage.status_id).where(
        Stage.portal_id == portal_id, Stage.entity_id.like("DEAL_STAGE%")))
    out: dict[str, str] = {}
    known = list(ids)
    for name in COUNTERS:
        for code in mapping.get(name, []):
            out.setdefault(code, name)
            for stage_id in known:
                if stage_id.split(":")[-1] == code:
                    out.setdefault(stage_id, name)
    return out
