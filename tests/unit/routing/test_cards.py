"""Progress reports and the call card: what the PBX says moves the call; the card follows once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from b24.batching import BatchResult
from b24.errors import B24ApiError
from handlers.routing import cards, progress
from jobs import routing as card_job
from store import routing as store
from store.routing_models import RoutingCall
from tests.factories import make_portal

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
STEPS = [{"step": 1, "kind": "responsible", "users": [11]},
         {"step": 2, "kind": "group", "users": [11, 12, 13]},
         {"step": 3, "kind": "head", "users": [11, 12, 13, 10]}]


def call(**values) -> RoutingCall:
    base = {"portal_id": 1, "routing_id": "r1", "caller": "+79161234567", "steps": STEPS,
            "created_at": NOW, "cards": True, "version": 0, "status": "routed",
            "card_shown": [], "card_hidden": False, "card_finished": False, "card_attempts": 0,
            "client_type": "CONTACT", "client_id": 5, "line": "74951234567"}
    return RoutingCall(**{**base, **values})


def report(row: RoutingCall, **body) -> bool:
    return progress.apply(row, progress.parse_report(body), NOW)


def test_reports_are_idempotent_and_the_first_answer_wins() -> None:
    row = call()
    assert report(row, step=1) and row.status == "ringing" and row.cards_pending
    assert not report(row, step=1)  # a retried request changes nothing
    assert report(row, step="2", answered_by="12") and row.answered_step == 2
    assert not report(row, step=3, answered_by=13)  # already answered by 12
    assert (row.answered_by, row.status) == (12, "answered")
    assert report(row, step=2, finished="true", duration="61")
    assert (row.duration, row.version) == (61, 3)
    assert not report(row, step=3)  # after the end nothing moves


@pytest.mark.parametrize("body,key", [({}, "bad_step"), ({"step": "x"}, "bad_step"),
                                      ({"step": 1, "answered_by": True}, "bad_user"),
                                      ({"step": 1, "duration": -1}, "bad_duration"),
                                      (["step"], "bad_json")])
def test_bad_reports_name_the_field(body, key) -> None:
    with pytest.raises(progress.BadReport) as caught:
        progress.parse_report(body)
    assert caught.value.key == key


def test_a_step_outside_the_plan_is_refused() -> None:
    with pytest.raises(progress.BadReport):
        report(call(), step=7)


def test_card_actions_register_show_hide_finish() -> None:
    row = call()
    report(row, step=1)
    register = cards.register_action(row)
    assert register.params == {"USER_ID": 11, "PHONE_NUMBER": "+79161234567", "TYPE": 2,
                               "CALL_START_DATE": "2026-11-24T08:00:00+00:00", "CRM_CREATE": 0,
                               "SHOW": 1, "EXTERNAL_CALL_ID": "r1",
                               "LINE_NUMBER": "74951234567", "CRM_ENTITY_TYPE": "CONTACT",
                               "CRM_ENTITY_ID": 5}
    row.card_call_id, row.card_user_id, row.card_shown = "C1", 11, [11]
    assert cards.follow_actions(row) == []
    report(row, step=3)  # the PBX skipped the report of step 2: everyone so far sees it
    (show,) = cards.follow_actions(row)
    assert show.params == {"CALL_ID": "C1", "USER_ID": [12, 13, 10]}
    row.card_shown = show.effect["card_shown"]
    report(row, step=3, answered_by=10, finished=True, duration=5)
    hide, finish = cards.follow_actions(row)
    assert hide.params == {"CALL_ID": "C1", "USER_ID": [11, 12, 13]}
    assert finish.params == {"CALL_ID": "C1", "USER_ID": 10, "DURATION": 5,
                             "STATUS_CODE": "200", "ADD_TO_CHAT": 0}


def test_a_missed_call_finishes_on_the_registered_user_with_304() -> None:
    row = call(card_call_id="C1", card_user_id=11, card_shown=[11, 12, 13])
    report(row, step=2)
    report(row, step=3, finished=True)
    hide, finish = cards.follow_actions(row)  # nobody new is shown a call that has ended
    assert hide.params["USER_ID"] == [12, 13]
    assert (finish.params["USER_ID"], finish.params["STATUS_CODE"]) == (11, "304")


@dataclass
class FakePortal:
    """Answers like the portal; `fail` makes a method fail (in a call or inside the batch)."""

    fail: set[str] = field(default_factory=set)
    sent: list[tuple[str, dict]] = field(default_factory=list)

    def call(self, method: str, params: dict) -> dict:
        self.sent.append((method, params))
        if method in self.fail:
            raise B24ApiError("ERROR_CORE", "User is not found or is not active", 400)
        return {"CALL_ID": "externalCall.1"}

    def batch(self, cmds: dict, *, halt: bool = False) -> BatchResult:
        out = BatchResult()
        for key, (method, params) in cmds.items():
            self.sent.append((method, params))
            if method in self.fail:
                out.errors[key] = B24ApiError("ERROR_CORE", "no", 400)
                break
            out.results[key] = True
        return out


@dataclass
class Ctx:
    portal: object
    session: object
    b24: FakePortal
    now: datetime
    cfg: object = None


def pending_row(sessions, **values) -> tuple[int, int]:
    with sessions() as s:
        portal = make_portal(s)
        row = store.add_call(s, **{"portal_id": portal.id, "routing_id": "r1",
                                   "caller": "+79161234567", "steps": STEPS,
                                   "created_at": NOW, "cards": True, **values})
        report(row, step=2, answered_by=12, finished=True, duration=9)
        s.commit()
        return portal.id, row.id


def run(sessions, fake: FakePortal, now: datetime = NOW) -> int:
    with sessions() as s:
        from store.models import Portal
        portal = s.get(Portal, s.query(Portal.id).scalar())
        return card_job.push_cards(Ctx(portal, s, fake, now))


def test_the_job_sends_everything_once_and_settles(sessions) -> None:
    _, rid = pending_row(sessions)
    fake = FakePortal()
    assert run(sessions, fake) == 1
    assert [m for m, _ in fake.sent] == ["telephony.externalCall.register",
                                         "telephony.externalCall.show",
                                         "telephony.externalCall.hide",
                                         "telephony.externalCall.finish"]
    with sessions() as s:
        row = s.get(RoutingCall, rid)
        assert (row.card_call_id, row.card_finished, row.cards_pending) == \
            ("externalCall.1", True, False)
    assert run(sessions, fake) == 0 and len(fake.sent) == 4  # nothing left to say


def test_a_refused_card_is_retried_later_then_given_up(sessions) -> None:
    _, rid = pending_row(sessions)
    fake = FakePortal(fail={"telephony.externalCall.register"})
    run(sessions, fake)
    with sessions() as s:
        row = s.get(RoutingCall, rid)
        assert row.cards_pending and row.card_attempts == 1 and row.card_next_at > NOW
        assert "not active" in row.card_error
    assert run(sessions, fake) == 0 and len(fake.sent) == 1  # backing off: not yet
    later = NOW
    for _ in range(card_job.MAX_ATTEMPTS):
        later += timedelta(minutes=10)
        run(sessions, fake, later)
    with sessions() as s:
        row = s.get(RoutingCall, rid)
        assert not row.cards_pending and row.card_attempts == card_job.MAX_ATTEMPTS
    assert len(fake.sent) == card_job.MAX_ATTEMPTS


def test_a_report_arriving_while_the_card_is_sent_keeps_it_pending(sessions) -> None:
    _, rid = pending_row(sessions)
    with sessions() as s:
        version = s.get(RoutingCall, rid).version
        s.get(RoutingCall, rid).version = version + 1  # the API applied a newer report
        s.commit()
        assert not store.settle_card(s, rid, version)
        s.commit()
        assert s.get(RoutingCall, rid).cards_pending
