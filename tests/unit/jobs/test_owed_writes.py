"""Writes decided by a handler survive a failed write batch or a dead worker (issue 08 faults).

A handler's database effects commit before the chunk's write batch; running the handler again
would find its work done and write nothing, so the writes it owes are kept with the event.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from b24.batching import BatchResult
from b24.errors import ServerError
from handlers.router import EventRouter, Read
from jobs import inbox as inbox_job
from store import inbox
from store.models import Deal
from tests.factories import make_portal
from tests.unit.jobs.test_process_inbox import NOW, enqueue, run


class WritePortal:
    """Takes write batches; the first `failures` of them fail as a 5xx would."""

    def __init__(self, failures: int = 0) -> None:
        self.failures, self.sent = failures, []

    def batch(self, cmds: dict, *, halt: bool = False) -> BatchResult:
        if self.failures:
            self.failures -= 1
            raise ServerError("INTERNAL_SERVER_ERROR", "boom", 500)
        self.sent.extend(method for method, _ in cmds.values())
        out = BatchResult()
        out.results.update({key: True for key in cmds})
        return out

    def close(self) -> None:
        pass


def comment_once(monkeypatch) -> list[int]:
    """A handler that decides from the mirror: the first time it sees a deal it comments."""
    calls: list[int] = []
    router = EventRouter()

    @router.on("ONCRMDEALUPDATE")
    def on_update(event, ctx) -> None:
        deal_id = int(event.data["FIELDS"]["ID"])
        calls.append(deal_id)
        if ctx.session.query(Deal).filter_by(portal_id=ctx.portal.id,
                                             b24_deal_id=deal_id).first() is None:
            ctx.session.add(Deal(portal_id=ctx.portal.id, b24_deal_id=deal_id))
            ctx.write("crm.timeline.comment.add", {"fields": {"ENTITY_ID": deal_id}})

    monkeypatch.setattr(inbox_job, "router", router)
    return calls


def test_failed_write_batch_is_sent_on_retry_without_rerunning_handlers(
        sessions, settings, monkeypatch) -> None:
    calls = comment_once(monkeypatch)
    with sessions() as s:
        portal = make_portal(s)
    enqueue(sessions, portal.id, 7)
    fake = WritePortal(failures=1)
    run(sessions, settings, fake)
    with sessions() as s:
        assert inbox.stats(s).pending == 1 and s.query(Deal).count() == 1  # effects committed
    run(sessions, settings, fake, NOW + timedelta(minutes=5))
    assert fake.sent == ["crm.timeline.comment.add"]  # the owed write went out, once
    assert calls == [7]  # and the handler did not run twice
    with sessions() as s:
        assert inbox.stats(s).done == 1


def test_worker_dead_after_handlers_leaves_the_writes_to_the_next(
        sessions, settings, monkeypatch) -> None:
    comment_once(monkeypatch)
    with sessions() as s:
        portal = make_portal(s)
    enqueue(sessions, portal.id, 7)

    class Killed(BaseException):
        """SIGKILL between the handler commit and the write batch."""

    class Dying(WritePortal):
        def batch(self, cmds: dict, *, halt: bool = False) -> BatchResult:
            raise Killed

    with pytest.raises(Killed):
        run(sessions, settings, Dying())
    fake = WritePortal()
    run(sessions, settings, fake, NOW + inbox.LEASE + timedelta(seconds=1))
    assert fake.sent == ["crm.timeline.comment.add"]
    with sessions() as s:
        assert inbox.stats(s).done == 1


def test_owed_writes_outlive_a_retry_that_fails_before_writing(
        sessions, settings, monkeypatch) -> None:
    """The retry of an owed write shares a chunk with a fresh event whose reads fail: the
    write is still owed afterwards (nothing was sent), and goes out on the next attempt."""
    comment_once(monkeypatch)
    with sessions() as s:
        portal = make_portal(s)
    enqueue(sessions, portal.id, 7)
    run(sessions, settings, WritePortal(failures=1))  # handled, the write batch failed
    router = inbox_job.router

    @router.on("ONCRMDEALUPDATE", reads=lambda e: [Read("deal", "crm.deal.get", {"id": 1})])
    def needs_a_read(event, ctx) -> None:
        pass

    enqueue(sessions, portal.id, 8)
    later = NOW + timedelta(minutes=5)
    run(sessions, settings, WritePortal(failures=1), later)  # the reads fail: nothing sent
    fake = WritePortal()
    run(sessions, settings, fake, later + timedelta(minutes=5))
    assert fake.sent.count("crm.timeline.comment.add") == 2  # 7's owed one and 8's own
    with sessions() as s:
        assert inbox.stats(s).done == 2
