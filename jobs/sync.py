"""Incremental sync: the portal never re-sends a lost event (§3.4, §14.1), so we look ourselves.

First run per portal (no cursor): copy what reports need straight into the mirror. Later runs:
read what changed since the DATE_MODIFY watermark and, for every deal or lead our mirror has not
seen in that version, queue the same event the portal would have sent, so business handlers run
exactly as for a live event (coalescing with one still pending).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from b24.client import B24Client
from b24.values import iso, to_datetime, to_int
from handlers import directory
from handlers.calls import call_values
from handlers.contacts import SELECT as CONTACT_SELECT
from handlers.directory import pages
from handlers.lead_rules import deadlines
from handlers.stored import synthetic_payload
from handlers.telephony import config as telephony_config
from handlers.telephony import lines
from handlers.telephony.config import phone_normalizer
from store import inbox, mirror
from store.calls import upsert_call
from store.db import analyze, write_lock
from store.models import Call, Deal, Lead, SyncCursor

logger = logging.getLogger(__name__)
CHUNK = 500
BULK = 5000  # rows after which the planner's statistics are refreshed
ENTITIES = {  # entity -> (list method, mirror model, id column, event code for a missed change)
    "deal": ("crm.deal.list", Deal, "b24_deal_id", "ONCRMDEALUPDATE"),
    "lead": ("crm.lead.list", Lead, "b24_lead_id", "ONCRMLEADUPDATE"),
}


@dataclass
class SyncReport:
    counts: dict[str, int] = field(default_factory=dict)
    queued: int = 0

    def add(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def sync_portal(sessions: sessionmaker[Session], portal_id: int, b24: B24Client,
                now: Callable[[], datetime] | None = None) -> SyncReport:
    clock = now or (lambda: datetime.now(UTC))
    report = SyncReport()
    _sync_directory(sessions, portal_id, b24, report, clock)
    for entity in ENTITIES:
        _sync_entity(sessions, portal_id, b24, entity, report, clock)
    _sync_contacts(sessions, portal_id, b24, report, clock)
    _sync_stage_history(sessions, portal_id, b24, report, clock)
    _sync_calls(sessions, portal_id, b24, report, clock)
    _sync_lines(sessions, portal_id, b24, clock)
    _sync_open_activities(sessions, portal_id, b24, report)
    if sum(report.counts.values()) > BULK:
        with sessions() as session, session.begin():
            analyze(session, ["deals", "leads", "contacts", "calls", "deal_stage_history",
                              "contact_keys", "open_activities"])
    logger.info("job.sync.portal_done", extra={"portal_id": portal_id, **report.counts,
                                               "queued": report.queued})
    return report


def chunks(rows: Iterator[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    while batch := list(islice(rows, size)):
        yield batch


def _sync_directory(sessions: sessionmaker[Session], portal_id: int, b24: B24Client,
                    report: SyncReport, clock: Callable[[], datetime]) -> None:
    """Users, departments, pipelines, stages: small, and read whole every time."""
    found = directory.read(b24)
    with sessions() as session, session.begin():
        directory.save(session, portal_id, found, clock())
    for key, n in found.counts().items():
        report.add(key, n)


def _cursor(session: Session, portal_id: int, entity: str, now: datetime) -> SyncCursor:
    row = session.scalar(select(SyncCursor).where(SyncCursor.portal_id == portal_id,
                                                  SyncCursor.entity == entity))
    if row is None:
        row = SyncCursor(portal_id=portal_id, entity=entity, last_id=0, updated_at=now)
        session.add(row)
        session.flush()
    return row


def _sync_entity(sessions: sessionmaker[Session], portal_id: int, b24: B24Client, entity: str,
                 report: SyncReport, clock: Callable[[], datetime]) -> None:
    method, model, id_col, code = ENTITIES[entity]
    with sessions() as session:
        write_lock(session)
        watermark = _cursor(session, portal_id, entity, clock()).watermark
        session.commit()
    select = ["*", "UF_*", "PHONE", "EMAIL"] if entity == "lead" else ["*", "UF_*"]
    params: dict[str, Any] = {"select": select}
    if watermark:
        params["filter"] = {">=DATE_MODIFY": watermark}
    newest = watermark
    for batch in chunks(b24.list_all(method, params)):
        with sessions() as session, session.begin():
            write_lock(session)
            if watermark is None:
                _first_copy(session, portal_id, entity, batch, clock())
            for fields in batch:
                if watermark is not None and _stale(session, model, id_col, portal_id, fields):
                    report.queued += inbox.record(
                        session, portal_id=portal_id, code=code, now=clock(), event_ts=None,
                        payload=synthetic_payload(code, {"FIELDS": {"ID": str(fields["ID"])}}))
                newest = _later(newest, fields.get("DATE_MODIFY"))
        report.add(entity + "s", len(batch))
    with sessions() as session, session.begin():
        write_lock(session)
        cursor = _cursor(session, portal_id, entity, clock())
        # An empty portal still gets a watermark, so its first deals are not mistaken for history.
        cursor.watermark = newest or cursor.watermark or iso(clock())
        cursor.updated_at = clock()


def _first_copy(session: Session, portal_id: int, entity: str, batch: list[dict],
                now: datetime) -> None:
    """What existed before the install goes straight into the mirror; leads also get their
    track, so their tab and the overdue counts work without waiting for an event."""
    if entity == "lead":
        deadlines.adopt(session, portal_id, batch, now)
        return
    for fields in batch:
        mirror.upsert_deal(session, portal_id, fields)


def _stale(session: Session, model: type, id_col: str, portal_id: int, fields: dict) -> bool:
    row = session.scalar(select(model).where(model.portal_id == portal_id,
                                             getattr(model, id_col) == to_int(fields["ID"])))
    seen = to_datetime(fields.get("DATE_MODIFY"))
    return row is None or row.date_modify is None or (seen is not None and seen > row.date_modify)


def _later(current: str | None, candidate: Any) -> str | None:
    if not candidate:
        return current
    if current is None or to_datetime(candidate) > to_datetime(current):
        return str(candidate)
    return current


def _sync_contacts(sessions: sessionmaker[Session], portal_id: int, b24: B24Client,
                   report: SyncReport, clock: Callable[[], datetime]) -> None:
    """No business rule hangs on a contact change yet, so the mirror is written directly."""
    with sessions() as session:
        write_lock(session)
        watermark = _cursor(session, portal_id, "contact", clock()).watermark
        session.commit()
    params: dict[str, Any] = {"select": CONTACT_SELECT}
    if watermark:
        params["filter"] = {">=DATE_MODIFY": watermark}
    newest = watermark
    for batch in chunks(b24.list_all("crm.contact.list", params)):
        with sessions() as session, session.begin():
            write_lock(session)
            normalize = phone_normalizer(session, portal_id)  # the portal's region (settings)
            for fields in batch:
                mirror.upsert_contact(session, portal_id, fields, normalize=normalize)
                newest = _later(newest, fields.get("DATE_MODIFY"))
        report.add("contacts", len(batch))
    with sessions() as session, session.begin():
        write_lock(session)
        cursor = _cursor(session, portal_id, "contact", clock())
        cursor.watermark = newest or cursor.watermark or iso(clock())
        cursor.updated_at = clock()


def _sync_open_activities(sessions: sessionmaker[Session], portal_id: int, b24: B24Client,
                          report: SyncReport) -> None:
    """A deal's next step is an open activity; the report's hygiene checks need them all."""
    params = {"filter": {"COMPLETED": "N"},
              "select": ["ID", "OWNER_TYPE_ID", "OWNER_ID", "RESPONSIBLE_ID", "DEADLINE"]}
    items = list(b24.list_all("crm.activity.list", params))
    with sessions() as session, session.begin():
        write_lock(session)
        report.add("open_activities", mirror.replace_open_activities(session, portal_id, items))


def _sync_stage_history(sessions: sessionmaker[Session], portal_id: int, b24: B24Client,
                        report: SyncReport, clock: Callable[[], datetime]) -> None:
    with sessions() as session:
        write_lock(session)
        last_id = _cursor(session, portal_id, "stagehistory", clock()).last_id
        session.commit()
    params = {"entityTypeId": 2, "filter": {">ID": last_id}}
    for batch in chunks(b24.list_all("crm.stagehistory.list", params, items_key="items")):
        with sessions() as session, session.begin():
            write_lock(session)
            report.add("stage_history", mirror.add_stage_history(session, portal_id, batch))
            cursor = _cursor(session, portal_id, "stagehistory", clock())
            cursor.last_id = max(cursor.last_id, *(to_int(i["ID"]) or 0 for i in batch))
            cursor.updated_at = clock()


def _sync_lines(sessions: sessionmaker[Session], portal_id: int, b24: B24Client,
                clock: Callable[[], datetime]) -> None:
    """The lines' names for the pages, at most daily (two small reads)."""
    with sessions() as session:
        if not lines.due(session, portal_id, clock()):
            return
    found = lines.read(b24)
    with sessions() as session, session.begin():
        lines.save(session, portal_id, found, clock())


def _sync_calls(sessions: sessionmaker[Session], portal_id: int, b24: B24Client,
                report: SyncReport, clock: Callable[[], datetime]) -> None:
    with sessions() as session:
        write_lock(session)
        cursor = _cursor(session, portal_id, "calls", clock())
        last_id, initial = cursor.last_id, cursor.watermark is None
        session.commit()
    params = {"FILTER": {">ID": last_id}, "SORT": "ID", "ORDER": "ASC"}
    for batch in chunks(pages(b24, "voximplant.statistic.get", params)):
        with sessions() as session, session.begin():
            write_lock(session)
            region = telephony_config.load(session, portal_id).region
            for row in batch:
                known = session.scalar(select(Call.id).where(
                    Call.portal_id == portal_id, Call.call_id == str(row["CALL_ID"])))
                if initial or known:
                    upsert_call(session, portal_id, call_values(row, region))
                else:  # a call whose event we never got: run the live path for it
                    report.queued += inbox.record(
                        session, portal_id=portal_id, code="ONVOXIMPLANTCALLEND", now=clock(),
                        event_ts=None, payload=synthetic_payload("ONVOXIMPLANTCALLEND", row))
            cursor = _cursor(session, portal_id, "calls", clock())
            cursor.last_id = max(cursor.last_id, *(to_int(r["ID"]) or 0 for r in batch))
            cursor.watermark, cursor.updated_at = "seen", clock()
        report.add("calls", len(batch))
    with sessions() as session, session.begin():
        write_lock(session)
        cursor = _cursor(session, portal_id, "calls", clock())
        cursor.watermark = cursor.watermark or "seen"
