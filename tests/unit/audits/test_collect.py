"""Finishing recorded rejections: one batch for many, the reason from the timeline when
COMMENTS is empty, the callback only for suspicious (or sampled) ones, a bad row isolated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from b24.client import BatchResult
from handlers.audits import collect, evidence
from handlers.audits import config as audit_config
from handlers.exchange.actions import ActionContext
from handlers.exchange.config import ExchangeConfig
from store import audits
from store.audits_models import AuditCallback
from tests.factories import make_portal

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@dataclass
class FakeB24:
    results: dict = field(default_factory=dict)
    batches: list = field(default_factory=list)

    def batch(self, cmds, *, halt=False) -> BatchResult:
        self.batches.append(dict(cmds))
        return BatchResult(results={k: self.results.get(k, []) for k in cmds})


def record(session, pid: int, deal_id: int, reason: str | None) -> int:
    return audits.record_rejection(session, pid, key=f"deal:{deal_id}", values={
        "entity_type": "deal", "b24_entity_id": deal_id, "stage_id": "LOSE", "manager_id": 5,
        "reason": reason, "rejected_at": NOW - timedelta(hours=1)}).id


def test_one_batch_reasons_and_callbacks(session, monkeypatch) -> None:
    portal = make_portal(session)
    audit_config.save(session, portal.id, audit_config.AuditConfig(
        sample_percent=0, controller_id=7), user_id=1, now=NOW)
    quiet = record(session, portal.id, 1, "Дорого, купили у конкурента")
    silent = record(session, portal.id, 2, None)
    broken = record(session, portal.id, 3, "x")
    session.commit()
    real_gather = evidence.gather

    def gather(session_, pid, row, cfg, **kw):
        if row.b24_entity_id == 3:
            raise RuntimeError("odd data")
        return real_gather(session_, pid, row, cfg, **kw)

    monkeypatch.setattr(evidence, "gather", gather)
    b24 = FakeB24({f"c{silent}": [{"ID": "1", "COMMENT": "не дозвонился", "AUTHOR_ID": "5"}]})
    ctx = ActionContext(portal, session, b24, NOW, ExchangeConfig())
    assert collect.collect(ctx) == 3
    assert len(b24.batches) == 1 and len(b24.batches[0]) == 6  # two reads per rejection
    rows = {r.b24_entity_id: r for r in audits.queue(session, portal.id)}
    assert rows[1].reasons == ["no_call"] and rows[1].score == 40
    assert rows[2].reason == "не дозвонился"
    assert rows[2].reasons == ["no_call", "no_answer_claim"] and rows[2].score == 70
    assert rows[3].state == "open" and "odd data" in rows[3].evidence["error"]
    callbacks = session.query(AuditCallback).all()
    assert [(c.rejection_id, c.due_at, c.responsible_id) for c in callbacks] == \
        [(silent, NOW - timedelta(hours=1) + timedelta(days=3), 7)]
    assert quiet not in {c.rejection_id for c in callbacks} and broken
    assert collect.collect(ctx) == 0  # nothing left collecting
