"""The chunk processor with a scripted portal client: batching, isolation, retries, gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from b24.batching import BatchResult
from b24.errors import B24ApiError, PortalGone, RateLimited
from jobs.inbox import process_inbox
from store import inbox, portals
from store.models import Deal, InboxEvent
from tests.factories import make_portal

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class ScriptedPortal:
    """Answers crm.deal.get from a dict; can fail whole batches on demand."""

    def __init__(self, deals: dict[int, dict]) -> None:
        self.deals = deals
        self.batches: list[dict] = []
        self.fail_with: list[Exception] = []

    def batch(self, cmds: dict, *, halt: bool = False) -> BatchResult:
        self.batches.append(dict(cmds))
        if self.fail_with:
            raise self.fail_with.pop(0)
        out = BatchResult()
        for key, (method, params) in cmds.items():
            assert method == "crm.deal.get"
            deal = self.deals.get(int(params["id"]))
            if deal is None:
                out.errors[key] = B24ApiError("", "Not found", 400)
            else:
                out.results[key] = deal
        return out

    def close(self) -> None:
        pass


def deal(deal_id: int, stage: str = "NEW", assigned: int = 5) -> dict:
    return {"ID": str(deal_id), "TITLE": f"Deal {deal_id}", "CATEGORY_ID": "0",
            "STAGE_ID": stage, "STAGE_SEMANTIC_ID": "P", "ASSIGNED_BY_ID": str(assigned),
            "DATE_MODIFY": "2026-11-23T12:00:00+03:00", "CLOSED": "N", "UF_CRM_KEEP": "0"}


def enqueue(sessions, portal_id: int, *deal_ids: int) -> None:
    with sessions() as s:
        for did in deal_ids:
            inbox.record(s, portal_id=portal_id, code="ONCRMDEALUPDATE", event_ts="1",
                         payload={"event": "ONCRMDEALUPDATE", "data": {"FIELDS": {"ID": str(did)}}},
                         now=NOW)
        s.commit()


def run(sessions, settings, fake, now=NOW) -> int:
    return process_inbox(sessions, settings, now=lambda: now, client_factory=lambda p: fake)


def test_chunk_reads_in_one_batch_and_mirrors(sessions, settings) -> None:
    with sessions() as s:
        portal = make_portal(s)
    enqueue(sessions, portal.id, 7, 8, 9)
    fake = ScriptedPortal({7: deal(7), 8: deal(8, "PREPARATION"), 9: deal(9)})
    assert run(sessions, settings, fake) == 3
    assert len(fake.batches) == 1 and set(fake.batches[0]) == {"deal:7", "deal:8", "deal:9"}
    with sessions() as s:
        assert {d.b24_deal_id: d.stage_id for d in s.query(Deal)} == {
            7: "NEW", 8: "PREPARATION", 9: "NEW"}
        assert inbox.stats(s).done == 3


def test_deleted_deal_is_marked_not_retried(sessions, settings) -> None:
    with sessions() as s:
        portal = make_portal(s)
    fake = ScriptedPortal({7: deal(7)})
    enqueue(sessions, portal.id, 7)
    run(sessions, settings, fake)
    del fake.deals[7]
    enqueue(sessions, portal.id, 7)
    run(sessions, settings, fake)
    with sessions() as s:
        assert s.query(Deal).one().deleted is True
        assert inbox.stats(s).done == 2


def test_rate_limited_chunk_is_retried_later_and_nothing_lost(sessions, settings) -> None:
    with sessions() as s:
        portal = make_portal(s)
    enqueue(sessions, portal.id, 7, 8)
    fake = ScriptedPortal({7: deal(7), 8: deal(8)})
    fake.fail_with = [RateLimited("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)]
    run(sessions, settings, fake)
    with sessions() as s:
        assert inbox.stats(s).pending == 2 and s.query(Deal).count() == 0
        retry_at = max(r.next_attempt_at for r in s.query(InboxEvent))
    assert run(sessions, settings, fake, NOW) == 0  # not before the backoff
    assert run(sessions, settings, fake, retry_at + timedelta(seconds=1)) == 2
    with sessions() as s:
        assert inbox.stats(s).done == 2 and s.query(Deal).count() == 2


def test_portal_gone_stops_calls_and_keeps_its_events_for_a_reinstall(sessions, settings) -> None:
    with sessions() as s:
        portal = make_portal(s)
    enqueue(sessions, portal.id, 7)
    fake = ScriptedPortal({7: deal(7)})
    fake.fail_with = [PortalGone("PAYMENT_REQUIRED", "Payment required", 401)]
    run(sessions, settings, fake)
    later = NOW + timedelta(hours=1)
    assert run(sessions, settings, fake, later) == 0 and len(fake.batches) == 1  # not called
    with sessions() as s:
        assert portals.get(s, portal.id).status == "gone"
        row = s.query(InboxEvent).one()
        assert (row.status, row.attempts) == ("pending", 0)  # kept, the attempt not counted
    with sessions() as s:
        make_portal(s)  # the portal paid and the app was installed again (same member_id)
    assert run(sessions, settings, fake, later) == 1
    with sessions() as s:
        assert inbox.stats(s).done == 1 and s.query(Deal).count() == 1


def test_uninstalled_portal_events_wait_untouched(sessions, settings) -> None:
    with sessions() as s:
        portal = make_portal(s)
        enqueue(sessions, portal.id, 7)
        portals.mark_uninstalled(s, portals.get(s, portal.id), NOW)
        s.commit()
    fake = ScriptedPortal({7: deal(7)})
    assert run(sessions, settings, fake) == 0 and fake.batches == []
    with sessions() as s:
        assert inbox.stats(s).pending == 1


def test_portal_fault_keeps_retrying_past_max_attempts(sessions, settings) -> None:
    with sessions() as s:
        portal = make_portal(s)
    enqueue(sessions, portal.id, 7)
    fake = ScriptedPortal({7: deal(7)})
    fake.fail_with = [RateLimited("QUERY_LIMIT_EXCEEDED", "", 503)] * (
        settings.inbox_max_attempts + 2)
    at = NOW
    for _ in range(settings.inbox_max_attempts + 2):
        at += timedelta(hours=1)  # past any backoff
        assert run(sessions, settings, fake, at) == 1
    with sessions() as s:
        row = s.query(InboxEvent).one()
        assert row.status == "pending" and row.attempts == settings.inbox_max_attempts + 2
        assert row.next_attempt_at - at == timedelta(seconds=2 ** row.attempts)  # backing off
    assert run(sessions, settings, fake, at + timedelta(hours=1)) == 1
    with sessions() as s:
        assert inbox.stats(s).done == 1


def test_one_bad_event_does_not_stop_the_chunk(sessions, settings) -> None:
    with sessions() as s:
        portal = make_portal(s)
        inbox.record(s, portal_id=portal.id, code="ONCRMDEALUPDATE", event_ts="1",
                     payload={"event": "ONCRMDEALUPDATE", "data": {"FIELDS": {}}}, now=NOW)
        s.commit()
    enqueue(sessions, portal.id, 7)
    fake = ScriptedPortal({7: deal(7)})
    # the event without an id fails in its reads(); it must not take deal 7 down with it
    run(sessions, settings, fake)
    with sessions() as s:
        st = inbox.stats(s)
        assert s.query(Deal).count() == 1
        assert st.done == 1 and st.pending + st.dead == 1


def test_failing_portal_does_not_block_another(sessions, settings) -> None:
    with sessions() as s:
        bad = make_portal(s, member_id="b" * 32)
        good = make_portal(s, member_id="g" * 32)
    enqueue(sessions, bad.id, 1)
    enqueue(sessions, good.id, 2)
    good_fake = ScriptedPortal({2: deal(2)})
    bad_fake = ScriptedPortal({})
    bad_fake.fail_with = [RateLimited("QUERY_LIMIT_EXCEEDED", "", 503)]
    process_inbox(sessions, settings, now=lambda: NOW,
                  client_factory=lambda p: bad_fake if p.id == bad.id else good_fake)
    with sessions() as s:
        assert inbox.stats(s, good.id).done == 1 and inbox.stats(s, bad.id).pending == 1


def test_echo_of_our_own_write_is_not_read_again(sessions, settings) -> None:
    from store import echoes

    with sessions() as s:
        portal = make_portal(s)  # installer_user_id=1
        echoes.expect(s, portal.id, [("deal", 7)], NOW + timedelta(minutes=2))
        for user_id in (1, 5):  # our echo, then a person's change
            inbox.record(s, portal_id=portal.id, code="ONCRMDEALUPDATE", event_ts=str(user_id),
                         payload={"event": "ONCRMDEALUPDATE", "auth": {"user_id": user_id},
                                  "data": {"FIELDS": {"ID": "7", "n": user_id}}}, now=NOW)
        s.commit()
    fake = ScriptedPortal({7: deal(7)})
    assert run(sessions, settings, fake) == 2
    assert [set(b) for b in fake.batches] == [{"deal:7"}]  # read once, for the person's change
    with sessions() as s:
        assert inbox.stats(s).done == 2
        assert not echoes.consume(s, portal.id, "deal", 7, NOW)  # the mark was used up


def test_portal_at_its_limit_is_passed_over_not_slept_on(sessions, settings) -> None:
    with sessions() as s:
        busy = make_portal(s, member_id="b" * 32)
        calm = make_portal(s, member_id="c" * 32)
    enqueue(sessions, busy.id, 1)
    enqueue(sessions, calm.id, 2)
    busy_fake, calm_fake = ScriptedPortal({1: deal(1)}), ScriptedPortal({2: deal(2)})
    busy_fake.ready_in = lambda requests: 4.0  # its bucket is full for 4 s
    slept: list[float] = []
    process_inbox(sessions, settings, now=lambda: NOW, max_rounds=2, sleep=slept.append,
                  client_factory=lambda p: busy_fake if p.id == busy.id else calm_fake)
    with sessions() as s:
        assert inbox.stats(s, calm.id).done == 1 and inbox.stats(s, busy.id).pending == 1
    assert busy_fake.batches == [] and slept == [4.0]  # slept once, when nobody else was due


def test_portal_fault_defers_the_portals_whole_backlog(sessions, settings) -> None:
    from dataclasses import replace

    with sessions() as s:
        portal = make_portal(s)
    enqueue(sessions, portal.id, 7, 8)
    fake = ScriptedPortal({7: deal(7), 8: deal(8)})
    fake.fail_with = [RateLimited("QUERY_LIMIT_EXCEEDED", "", 503)]
    one = replace(settings, inbox_chunk_size=1)
    assert process_inbox(sessions, one, now=lambda: NOW, client_factory=lambda p: fake,
                         max_rounds=3) == 1  # deal 8 is not tried against the same 503
    with sessions() as s:
        rows = {r.coalesce_key is None: r for r in s.query(InboxEvent)}
        assert rows[True].next_attempt_at == rows[False].next_attempt_at > NOW
        assert rows[False].attempts == 0


def test_request_level_4xx_stays_an_event_failure() -> None:
    from b24.errors import AccessDenied, B24TransportError, InvalidGrant, ServerError
    from jobs.inbox import portal_fault

    assert portal_fault(RateLimited("QUERY_LIMIT_EXCEEDED", "", 503))
    assert portal_fault(ServerError("INTERNAL_SERVER_ERROR", "", 500))
    assert portal_fault(InvalidGrant("invalid_grant"))
    assert portal_fault(B24TransportError("connect refused", maybe_sent=False))
    assert not portal_fault(B24TransportError("413", status=413))  # maybe one event's payload
    assert not portal_fault(AccessDenied("ACCESS_DENIED", "", 403))
