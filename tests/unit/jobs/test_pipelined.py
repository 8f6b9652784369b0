"""Issue 15 item 5: one batch per step (chunk N's writes + chunk N+1's reads), errors apart."""

from __future__ import annotations

from dataclasses import replace

import pytest

from b24.batching import BatchResult
from b24.errors import B24ApiError
from handlers.deals import deal_id, deal_reads
from handlers.router import Route
from jobs import inbox as job
from store import inbox
from store.models import InboxEvent
from tests.factories import make_portal
from tests.unit.jobs.test_process_inbox import NOW, deal, enqueue


def on_deal(event, ctx) -> None:
    did = deal_id(event)
    ctx.read(f"deal:{did}")
    ctx.write("crm.deal.update", {"id": did, "fields": {"UF_CRM_SCORE": "1"}},
              key=f"score:{did}")


class Portal:
    """Answers gets and updates; `fail` names command keys that get a result_error."""

    def __init__(self, ids) -> None:
        self.deals = {i: deal(i) for i in ids}
        self.batches: list[dict] = []
        self.fail: set[str] = set()
        self.crash_on: int | None = None  # the batch number that kills the worker

    def batch(self, cmds: dict, *, halt: bool = False) -> BatchResult:
        self.batches.append(dict(cmds))
        if self.crash_on == len(self.batches):
            raise SystemExit("worker killed")
        out = BatchResult()
        for key, (method, params) in cmds.items():
            if key in self.fail:
                out.errors[key] = B24ApiError("ACCESS_DENIED", "no", 403)
            elif method == "crm.deal.get":
                out.results[key] = self.deals[int(params["id"])]
            else:
                out.results[key] = True
        return out

    def close(self) -> None:
        pass


@pytest.fixture
def scoring(monkeypatch):
    route = Route(on_deal, deal_reads, False)
    monkeypatch.setattr(job.router, "handlers_for", lambda code: (route,))


def run(sessions, settings, fake, now=NOW) -> int:
    return job.process_inbox(sessions, settings, now=lambda: now,
                             client_factory=lambda p: fake)


def updates(fake) -> list[str]:
    return [k for b in fake.batches for k, (m, _) in b.items() if m == "crm.deal.update"]


def test_three_chunks_cost_four_requests_not_six(sessions, settings, scoring) -> None:
    with sessions() as s:
        portal = make_portal(s)
    ids = list(range(1, 148))  # three chunks of 49
    enqueue(sessions, portal.id, *ids)
    fake = Portal(ids)
    assert run(sessions, settings, fake) == 147
    assert len(fake.batches) == 4  # reads 1; writes 1 + reads 2; writes 2 + reads 3; writes 3
    # (this client does not merge the gets: B24Client.batch makes 49 writes + 1 list of it)
    assert sorted(updates(fake)) == sorted(f"score:{i}" for i in ids)
    with sessions() as s:
        assert inbox.stats(s).done == 147


def test_a_failed_write_and_a_failed_read_stay_with_their_own_chunk(sessions, settings,
                                                                   scoring) -> None:
    with sessions() as s:
        portal = make_portal(s)
    ids = list(range(1, 99))  # two chunks of 49
    enqueue(sessions, portal.id, *ids)
    fake = Portal(ids)
    fake.fail = {"score:3", "deal:60"}  # chunk 1's write, chunk 2's read: same request
    assert run(sessions, settings, fake) == 98
    assert "score:3" in fake.batches[1] and "deal:60" in fake.batches[1]
    with sessions() as s:
        failed = {r.payload["data"]["FIELDS"]["ID"] for r in s.query(InboxEvent)
                  if r.status != "done"}
    assert failed == {"3", "60"}  # the others of both chunks are done


def test_a_crash_between_steps_sends_the_owed_writes_once(sessions, settings, scoring) -> None:
    with sessions() as s:
        portal = make_portal(s)
    ids = list(range(1, 99))
    enqueue(sessions, portal.id, *ids)
    fake = Portal(ids)
    fake.crash_on = 2  # the request with chunk 1's writes and chunk 2's reads
    with pytest.raises(SystemExit):
        job.process_chunk(sessions, settings, portal.id, lambda: NOW, lambda p: fake)
    assert "score:1" in fake.batches[1] and "deal:60" in fake.batches[1]
    fake.crash_on = None
    sent_before = len(updates(fake))  # the crashed request never reached the portal
    later = NOW + job.inbox.LEASE + job.timedelta(seconds=1)
    while run(sessions, replace(settings), fake, later):
        pass
    sent = updates(fake)[sent_before:]
    assert sorted(sent) == sorted(f"score:{i}" for i in ids)  # each write exactly once
    with sessions() as s:
        assert inbox.stats(s).done == 98


def test_a_pass_ending_on_a_backlog_carries_its_last_writes_into_the_next(
        sessions, settings, scoring) -> None:
    with sessions() as s:
        portal = make_portal(s)
    ids = list(range(1, 197))  # four chunks of 49, passes of two chunks
    enqueue(sessions, portal.id, *ids)
    fake = Portal(ids)
    two = replace(settings, inbox_pipeline_chunks=2)
    assert run(sessions, two, fake) == 49  # chunk 2 handled, its writes owed, due again
    assert len(fake.batches) == 2  # reads 1; writes 1 + reads 2 (no request for writes 2)
    with sessions() as s:
        assert inbox.stats(s) == inbox.InboxStats(pending=147, processing=0, done=49, dead=0)
    assert run(sessions, two, fake) == 49  # writes 2 + reads 3; chunk 3 carried
    assert fake.batches[2].keys() == {f"score:{i}" for i in range(50, 99)} | {
        f"deal:{i}" for i in range(99, 148)}
    assert run(sessions, two, fake) == 98  # writes 3 + reads 4; no backlog: writes 4 alone
    assert run(sessions, two, fake) == 0
    assert len(fake.batches) == 5  # four chunks, five requests (six without the carry)
    assert sorted(updates(fake)) == sorted(f"score:{i}" for i in ids)  # each write once
    with sessions() as s:
        assert inbox.stats(s).done == 196
        assert {r.attempts for r in s.query(InboxEvent)} == {1}  # the carry is no attempt


def test_a_chunk_with_a_failed_event_sends_its_writes_before_the_pass_ends(
        sessions, settings, scoring) -> None:
    with sessions() as s:
        portal = make_portal(s)
    ids = list(range(1, 148))
    enqueue(sessions, portal.id, *ids)
    fake = Portal(ids)
    fake.fail = {"deal:60"}  # chunk 2's read: that chunk is not clean
    two = replace(settings, inbox_pipeline_chunks=2)
    assert run(sessions, two, fake) == 98
    assert len(fake.batches) == 3 and "score:61" in fake.batches[2]  # writes 2 went alone


def test_a_short_chunk_claims_no_follow_up(sessions, settings, scoring, monkeypatch) -> None:
    with sessions() as s:
        portal = make_portal(s)
    enqueue(sessions, portal.id, 1, 2, 3)
    claims: list[int] = []
    claim = inbox.claim
    monkeypatch.setattr(job.inbox, "claim", lambda *a, **k: claims.append(1) or claim(*a, **k))
    fake = Portal([1, 2, 3])
    assert run(sessions, settings, fake) == 3
    assert len(claims) == 1  # three rows of 49 took every due row: no empty second claim
    assert len(fake.batches) == 2  # reads; writes


def test_an_event_owing_no_writes_is_done_with_the_handlers_commit(sessions, settings,
                                                                  monkeypatch) -> None:
    route = Route(lambda event, ctx: ctx.read(f"deal:{deal_id(event)}"), deal_reads, False)
    monkeypatch.setattr(job.router, "handlers_for", lambda code: (route,))
    with sessions() as s:
        portal = make_portal(s)
    enqueue(sessions, portal.id, 1, 2)

    def killed(*args, **kwargs) -> None:
        raise SystemExit("worker killed before the outcome transaction")

    monkeypatch.setattr(job, "_finish", killed)
    with pytest.raises(SystemExit):
        job.process_chunk(sessions, settings, portal.id, lambda: NOW, lambda p: Portal([1, 2]))
    with sessions() as s:
        assert inbox.stats(s).done == 2  # nothing was left to do after the handlers
