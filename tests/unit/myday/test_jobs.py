"""The evening reminder (working days, after the set time, once per person and day) and the
report's copy in the CRM (a timeline comment, retried until the portal takes it)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from b24.batching import BatchResult
from b24.errors import B24ApiError, B24TransportError
from handlers.exchange.actions import ActionContext
from handlers.exchange.config import ExchangeConfig
from handlers.lead_rules import config as lead_config
from handlers.myday import config, crm
from jobs.myday import remind_day_reports, write_day_reports
from store import myday
from tests.factories import make_portal
from tests.unit.myday.world import ANNA, OLEG, at, build

FRI, SAT, MON = date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 7)


class Portal24:
    """What the jobs send; `fail` makes the next calls refused."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.calls: list[tuple[str, dict]] = []
        self.fail: Exception | None = None
        self.comments: dict[int, str] = {}
        self.companies = {76}
        self.next_id, self.next_company = 500, 76
        self.during = None  # runs while the portal "works" on an add (someone edits meanwhile)

    def batch(self, cmds: dict, *, halt: bool = False) -> BatchResult:
        self.sent.append(cmds)
        return BatchResult(results=dict.fromkeys(cmds, 1))

    def call(self, method: str, params: dict | None = None) -> object:
        self.calls.append((method, params or {}))
        if self.fail is not None:
            raise self.fail
        if method == "crm.company.list":
            return []
        if method == "crm.company.add":
            self.next_company += 1
            self.companies.add(self.next_company)
            return self.next_company
        if method == "crm.timeline.comment.add":
            if params["fields"]["ENTITY_ID"] not in self.companies:
                raise B24ApiError("OWNER_NOT_FOUND", "Owner not found", 400)
            if self.during:
                self.during()
            new, self.next_id = self.next_id, self.next_id + 1
            self.comments[new] = params["fields"]["COMMENT"]
            return new
        if method == "crm.timeline.comment.update":
            if params["id"] not in self.comments:
                raise B24ApiError("NOT_FOUND", "Not found.", 400)
            self.comments[params["id"]] = params["fields"]["COMMENT"]
            return True
        if method == "crm.timeline.comment.list":
            return [{"ID": str(i), "COMMENT": c} for i, c in self.comments.items()]
        raise AssertionError(method)


def ctx(session, portal, now: datetime, b24: Portal24) -> ActionContext:
    return ActionContext(portal, session, b24, now, ExchangeConfig(), app_code="local.x.1")


def reminded(b24: Portal24) -> list[int]:
    return sorted(p["USER_ID"] for cmds in b24.sent for _, p in cmds.values())


def test_reminded_after_the_set_time_once_and_only_those_who_did_not_hand_in(session) -> None:
    portal = make_portal(session)
    build(session, portal.id, FRI)
    myday.submit(session, portal.id, ANNA, FRI, values={
        "counters": {}, "prefill": {}, "ratings": {}, "text": "Сделал"}, now=at(FRI, 17))
    session.commit()
    b24 = Portal24()
    assert remind_day_reports(ctx(session, portal, at(FRI, 17, 59), b24)) == 0
    assert remind_day_reports(ctx(session, portal, at(FRI, 18, 0), b24)) == 1
    assert remind_day_reports(ctx(session, portal, at(FRI, 18, 5), b24)) == 0  # once a day
    assert remind_day_reports(ctx(session, portal, at(FRI, 23, 0), b24)) == 0
    assert reminded(b24) == [OLEG]
    ((_, params),) = b24.sent[0].values()
    assert "«Мой день»" in params["MESSAGE"] and "params%5Bpage%5D=myday" in params["MESSAGE"]


def test_no_reminder_on_a_weekend_or_a_holiday(session) -> None:
    portal = make_portal(session)
    build(session, portal.id, FRI)
    lead_config.save(session, portal.id, lead_config.LeadRulesConfig(
        holidays=[MON.isoformat()]), user_id=None, now=at(FRI, 9))
    session.commit()
    b24 = Portal24()
    for day in (SAT, SAT + timedelta(days=1), MON):
        assert remind_day_reports(ctx(session, portal, at(day, 19), b24)) == 0
    assert remind_day_reports(ctx(session, portal, at(MON + timedelta(days=1), 19), b24)) == 2


def test_the_time_is_a_setting_in_the_calendars_zone(session) -> None:
    portal = make_portal(session)
    build(session, portal.id, FRI)
    config.save(session, portal.id, config.MydayConfig(remind_at="16:30"), user_id=None,
                now=at(FRI, 9))
    session.commit()
    b24 = Portal24()
    assert remind_day_reports(ctx(session, portal, at(FRI, 16, 29), b24)) == 0
    assert remind_day_reports(ctx(session, portal, at(FRI, 16, 30), b24)) == 2
    assert at(FRI, 16, 30) == datetime(2026, 12, 4, 13, 30, tzinfo=UTC)  # Moscow wall clock


def hand_in(session, portal, now: datetime):
    row = myday.submit(session, portal.id, ANNA, FRI, values={
        "counters": {"new_calls": 2, "invoices": 1}, "prefill": {}, "ratings": {"7": 4},
        "text": "Договорился о пилоте."}, now=now)
    session.commit()
    return row


def test_the_report_is_fixed_in_the_crm_as_a_timeline_comment(session) -> None:
    portal = make_portal(session)
    build(session, portal.id, FRI)
    row = hand_in(session, portal, at(FRI, 18))
    b24 = Portal24()
    assert write_day_reports(ctx(session, portal, at(FRI, 18, 1), b24)) == 1
    methods = [m for m, _ in b24.calls]
    assert methods == ["crm.company.list", "crm.company.add", "crm.timeline.comment.add"]
    add = b24.calls[-1][1]["fields"]
    assert (add["ENTITY_TYPE"], add["ENTITY_ID"]) == ("company", 77)  # made once
    assert add["COMMENT"].startswith(f"«Мой день» №{row.id}: Анна Смирнова, 04.12.2026")
    assert "Счета и договоры: 1" in add["COMMENT"] and "Договорился о пилоте." in add["COMMENT"]
    session.refresh(row)
    assert (row.status, row.b24_comment_id) == ("done", 500)
    assert write_day_reports(ctx(session, portal, at(FRI, 18, 2), b24)) == 0  # nothing due
    myday.comment(session, row, "Молодец.", user_id=OLEG, now=at(FRI, 19))
    session.commit()
    assert write_day_reports(ctx(session, portal, at(FRI, 19, 1), b24)) == 1
    assert b24.calls[-1][0] == "crm.timeline.comment.update"  # the same comment, rewritten
    assert "Молодец." in b24.comments[500] and len(b24.comments) == 1


def test_portal_errors_are_retried_never_dropped(session) -> None:
    portal = make_portal(session)
    build(session, portal.id, FRI)
    row = hand_in(session, portal, at(FRI, 18))
    b24 = Portal24()
    now = at(FRI, 18, 1)
    for attempt in range(8):  # refused again and again: backed off, still scheduled
        b24.fail = B24ApiError("ACCESS_DENIED") if attempt % 2 else B24TransportError("down")
        assert write_day_reports(ctx(session, portal, now, b24)) == 0
        session.refresh(row)
        assert row.status == "scheduled" and row.due_at > now
        now = row.due_at
    b24.fail = None
    assert write_day_reports(ctx(session, portal, now, b24)) == 1
    session.refresh(row)
    assert row.status == "done" and len(b24.comments) == 1


def test_a_write_lost_after_the_portal_took_it_is_found_not_repeated(session) -> None:
    portal = make_portal(session)
    build(session, portal.id, FRI)
    row = hand_in(session, portal, at(FRI, 18))
    b24 = Portal24()
    body = crm.comment_text(ctx(session, portal, at(FRI, 18), b24), row)
    b24.comments[900] = body  # the portal added it; our answer was lost with the worker
    row.status, row.attempts, row.locked_until = "firing", 1, at(FRI, 18, 1)
    session.commit()
    assert write_day_reports(ctx(session, portal, at(FRI, 18, 30), b24)) == 1
    session.refresh(row)
    assert row.b24_comment_id == 900 and len(b24.comments) == 1


def test_an_edit_made_while_writing_is_written_next_round(session, sessions) -> None:
    portal = make_portal(session)
    build(session, portal.id, FRI)
    row = hand_in(session, portal, at(FRI, 18))
    b24 = Portal24()

    def edit() -> None:
        with sessions() as other:
            fresh = myday.get(other, portal.id, row.id)
            myday.submit(other, portal.id, ANNA, FRI, values={
                "counters": fresh.counters, "prefill": {}, "ratings": {},
                "text": "Исправил: договорился о пилоте на 3 месяца."}, now=at(FRI, 18, 2))
            other.commit()
        b24.during = None

    b24.during = edit
    assert write_day_reports(ctx(session, portal, at(FRI, 18, 3), b24)) == 1
    session.refresh(row)
    assert row.status == "scheduled" and row.b24_comment_id == 500  # the edit is still owed
    assert write_day_reports(ctx(session, portal, at(FRI, 18, 4), b24)) == 1
    session.refresh(row)
    assert row.status == "done" and len(b24.comments) == 1
    assert "на 3 месяца" in b24.comments[row.b24_comment_id]


def test_a_comment_or_card_deleted_in_the_portal_is_written_anew(session) -> None:
    portal = make_portal(session)
    build(session, portal.id, FRI)
    row = hand_in(session, portal, at(FRI, 18))
    b24 = Portal24()
    assert write_day_reports(ctx(session, portal, at(FRI, 18, 1), b24)) == 1
    del b24.comments[500]  # someone deleted our comment
    myday.comment(session, row, "Видел.", user_id=OLEG, now=at(FRI, 19))
    session.commit()
    assert write_day_reports(ctx(session, portal, at(FRI, 19, 1), b24)) == 1
    session.refresh(row)
    assert row.b24_comment_id != 500 and "Видел." in b24.comments[row.b24_comment_id]
    b24.companies.clear()  # and then the company card itself
    myday.comment(session, row, "Видел дважды.", user_id=OLEG, now=at(FRI, 20))
    del b24.comments[row.b24_comment_id]
    session.commit()
    assert write_day_reports(ctx(session, portal, at(FRI, 20, 1), b24)) == 0  # refused once
    session.refresh(row)
    assert write_day_reports(ctx(session, portal, row.due_at, b24)) == 1  # a new card
    session.refresh(row)
    assert row.status == "done" and b24.companies == {78}
