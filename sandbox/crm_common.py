"""Shared CRM rules of the emulated portal: wire values, multi-fields, stages, stage history.

Facts (§0, §7, §8): classic methods carry ids and numbers as strings, `Y`/`N` flags,
datetimes as `YYYY-MM-DDThh:mm:ss±hh:mm` in the portal's zone (EN:api-reference/data-types.md);
multi-field updates append entries without ID, edit by ID, delete by ID + empty VALUE
(EN:tutorials/crm/how-to-edit-crm-objects/how-to-change-email-or-phone.md); stage semantics
come from the status directory (EN:api-reference/crm/status/crm-status-list.md).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from sandbox.listing_ops import as_list, parse_dt

MULTI_FIELDS = ("PHONE", "EMAIL", "WEB", "IM", "LINK")
ENTITY_TYPE = {"LEAD": 1, "DEAL": 2, "CONTACT": 3, "COMPANY": 4}  # §8.1
ENTITY_NAME = {v: k for k, v in ENTITY_TYPE.items()}
ABBR = {1: "L", 2: "D", 3: "C", 4: "CO"}  # binding strings "D_12" (§8.1)
FINAL_FALLBACK = {"WON": "S", "CONVERTED": "S", "LOSE": "F", "APOLOGY": "F", "JUNK": "F"}


def fmt_dt(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def wire_dt(value: Any, now: datetime) -> str | None:
    """Any accepted date/datetime input as the portal renders it (naive = portal time zone)."""
    if value in (None, "", False):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        moment = parse_dt(str(value))
        if moment is None:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return fmt_dt(moment.astimezone(now.tzinfo))


def wire_value(ftype: str, value: Any, now: datetime) -> Any:
    """One scalar as classic CRM methods store and return it (§0)."""
    if value is None:
        return None
    if ftype in ("datetime", "date"):
        return wire_dt(value, now)
    if ftype == "double":
        try:
            return f"{float(value or 0):.2f}"
        except (TypeError, ValueError):
            return "0.00"
    if ftype == "char":
        if isinstance(value, bool):
            return "Y" if value else "N"
        return "Y" if str(value).upper() in ("Y", "1", "TRUE") else "N"
    if ftype in ("integer", "user", "crm_company", "crm_contact", "crm_lead", "crm_category"):
        if value == "":
            return None
        try:
            return str(int(float(value)))
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, dict | list):
        return value
    return str(value)


def next_seq(portal: Any, name: str) -> int:
    """Portal-wide counters for ids that are not table rows (multi-field entries, UF ids)."""
    seqs = portal.meta.setdefault("_seq", {})
    seqs[name] = seqs.get(name, 0) + 1
    return seqs[name]


def merge_multi(portal: Any, current: list[dict] | None, incoming: Any,
                type_id: str) -> list[dict]:
    """Apply a PHONE/EMAIL/... write: no ID -> append, ID -> edit, ID + empty VALUE -> delete."""
    entries = [dict(e) for e in current or ()]
    if isinstance(incoming, str):
        incoming = [{"VALUE": incoming}]
    for item in as_list(incoming):
        if not isinstance(item, dict):
            continue
        value = item.get("VALUE")
        entry_id = str(item.get("ID") or "")
        if entry_id:
            for e in entries:
                if e["ID"] == entry_id:
                    if value in (None, ""):
                        entries.remove(e)
                    else:
                        e["VALUE"] = str(value)
                        e["VALUE_TYPE"] = str(item.get("VALUE_TYPE") or e["VALUE_TYPE"])
                    break
            continue
        if value in (None, ""):
            continue
        entries.append({"ID": str(next_seq(portal, "crm.multifield")),
                        "VALUE_TYPE": str(item.get("VALUE_TYPE") or "WORK"),
                        "VALUE": str(value), "TYPE_ID": type_id})
    return entries


def phone_key(text: Any) -> str:
    """Digits of a phone without formatting or extension; Russian 8XXXXXXXXXX / 10 digits -> 7..."""
    raw = re.split(r"(?i)(?:доб|ext|#|,)", str(text or ""))[0]
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    elif len(digits) == 10:  # a national number without the country code
        digits = "7" + digits
    return digits


def stage_entity(category_id: int) -> str:
    """Funnel 0 -> DEAL_STAGE, funnel N -> DEAL_STAGE_N (§8.3)."""
    return "DEAL_STAGE" if int(category_id or 0) == 0 else f"DEAL_STAGE_{int(category_id)}"


def stage_category(stage_id: str) -> int:
    match = re.match(r"C(\d+):", stage_id or "")
    return int(match.group(1)) if match else 0


def statuses(portal: Any, entity_id: str) -> list[dict]:
    rows = [r for r in portal.table("crm.status") if r.get("ENTITY_ID") == entity_id]
    return sorted(rows, key=lambda r: (int(r.get("SORT") or 0), int(r["ID"])))


def semantic_of(portal: Any, entity_id: str, status_id: str | None) -> str:
    """P/S/F of a stage: SEMANTICS of its directory row, default names as a fallback (§8.3)."""
    for row in portal.table("crm.status"):
        if row.get("ENTITY_ID") == entity_id and row.get("STATUS_ID") == status_id:
            return row.get("SEMANTICS") or "P"
    tail = (status_id or "").split(":")[-1]
    return FINAL_FALLBACK.get(tail, "P")


def first_stage(portal: Any, entity_id: str, fallback: str = "NEW") -> str:
    rows = statuses(portal, entity_id)
    return rows[0]["STATUS_ID"] if rows else fallback


def has_status(portal: Any, entity_id: str, status_id: str) -> bool:
    rows = statuses(portal, entity_id)
    return not rows or any(r["STATUS_ID"] == status_id for r in rows)


def record_history(portal: Any, *, entity_type_id: int, owner_id: int, kind: int,
                   stage_id: str, semantic: str, when: str, category_id: int = 0) -> None:
    """A crm.stagehistory row: TYPE_ID 1 created, 2 moved, 3 final, 5 funnel changed (§8.9)."""
    row: dict[str, Any] = {"TYPE_ID": kind, "OWNER_ID": int(owner_id), "CREATED_TIME": when,
                           "_ENTITY_TYPE_ID": entity_type_id}
    if entity_type_id == 1:  # leads use STATUS_* names (§8.9)
        row.update({"STATUS_SEMANTIC_ID": semantic, "STATUS_ID": stage_id})
    else:
        row.update({"CATEGORY_ID": int(category_id), "STAGE_SEMANTIC_ID": semantic,
                    "STAGE_ID": stage_id})
    table = portal.table("crm.stagehistory")
    new_id = table.insert(row)
    row["ID"] = new_id  # crm.stagehistory.list returns integers (§8.9)


def move_kind(semantic: str) -> int:
    return 3 if semantic in ("S", "F") else 2


def find_by_phone(portal: Any, phone: str, order: tuple[str, ...] = ("CONTACT", "COMPANY", "LEAD"),
                  ) -> list[tuple[str, dict]]:
    """CRM cards whose PHONE matches ignoring formatting, in the given type order."""
    key = phone_key(phone)
    if not key:
        return []
    hits = []
    for name in order:
        for row in portal.table(f"crm.{name.lower()}"):
            if any(phone_key(e.get("VALUE")) == key for e in row.get("PHONE") or ()):
                hits.append((name, row))
    return hits
