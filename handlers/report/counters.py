"""The seed-001 daily counters per manager, each one GROUP BY over the period's rows.

Definitions (all counted for the manager the call or the deal belongs to):
- new_calls: his calls (outgoing or incoming, CALL_TYPE 1-3) with a number the portal had no
  earlier call with, by anyone: a client new to the company. Calls without a number are
  neither new nor repeat.
- repeat_calls: his calls (CALL_TYPE 1-3) with a number that had an earlier call.
- feedback_calls: his answered outgoing calls to a client (a contact's or company's phone in
  the CRM) who already had a won deal when the call started: after-sale follow-up. The
  answer is what makes it feedback; a ring nobody took asked nothing.
- proposals / invoices / payments: his deals (responsible now) that entered a stage mapped to
  the counter (handlers.report.stages) inside the period. A deal counts once per counter even
  if it was dragged back and entered the stage again: one proposal, not two.
"Earlier" is by start time, then by our row id for calls that started in the same second;
each number's first call is kept in `first_calls` by store.calls as calls arrive.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, select, union_all
from sqlalchemy.orm import Session

from handlers.report import stages
from handlers.report.period import Period
from store import call_hours
from store.models import Call, Deal, DealStageHistory
from store.report_models import ContactKey, FirstCall

CALL_COUNTERS = ("new_calls", "repeat_calls", "feedback_calls")
CONVERSATIONS = (1, 2, 3)


def _won_phones(portal_id: int):  # noqa: ANN202 - SQL subquery
    """Each client phone with its first win: driven from the won deals, one equality join per
    client kind (an OR in the join made SQLite pair every key with every won deal)."""
    won = and_(Deal.portal_id == portal_id, Deal.stage_semantic == "S", Deal.deleted.is_(False))
    moved = func.coalesce(Deal.moved_time, Deal.date_modify)
    parts = [select(ContactKey.key.label("phone"), moved.label("won_at"))
             .join(ContactKey, and_(ContactKey.portal_id == portal_id,
                                    ContactKey.entity_type == kind, ContactKey.b24_id == column))
             .where(won)
             for kind, column in (("CONTACT", Deal.contact_id), ("COMPANY", Deal.company_id))]
    every = union_all(*parts).subquery()
    return (select(every.c.phone, func.min(every.c.won_at).label("first_won"))
            .group_by(every.c.phone).subquery())


def client_calls(session: Session, portal_id: int, period: Period,
                 managers: list[int]) -> dict[int, dict[str, int]]:
    """{manager: {new_calls, repeat_calls, feedback_calls}} for the managers with calls.

    Four small aggregates instead of one pass that read every call row of the period: the
    conversations are counted from the KPI index alone, less the few without a number; the
    feedback calls are found from the won clients' numbers through the phone index; the new
    calls from each number's first call.
    """
    in_period = and_(Call.portal_id == portal_id, Call.start_at >= period.since,
                     Call.start_at < period.until, Call.user_id.in_(managers))
    conversation = and_(in_period, Call.call_type.in_(CONVERSATIONS))
    no_number = Call.phone == ""  # NOT NULL; an OR with IS NULL would hide the phone index

    def per_manager(stmt) -> dict[int, int]:  # noqa: ANN001 - SQL statement
        return {uid: int(n) for uid, n in session.execute(
            stmt.add_columns(func.count()).group_by(Call.user_id)).all()}

    every = _conversations(session, portal_id, period, managers)
    if every is None:
        every = per_manager(select(Call.user_id).where(conversation))
    # Over all time through the phone index, then the period: a time range in WHERE made
    # SQLite read every call row of the period to find the few without a number.
    numberless = dict(session.execute(
        select(Call.user_id, func.sum(case((and_(Call.start_at >= period.since,
                                                 Call.start_at < period.until), 1), else_=0)))
        .where(Call.portal_id == portal_id, no_number, Call.call_type.in_(CONVERSATIONS),
               Call.user_id.in_(managers)).group_by(Call.user_id)).all())
    won = _won_phones(portal_id)
    fed = per_manager(select(Call.user_id).select_from(won).join(Call, and_(
        Call.portal_id == portal_id, Call.phone == won.c.phone, Call.answered.is_(True),
        Call.start_at >= won.c.first_won)).where(in_period, Call.call_type == 1))
    # The period's new calls straight from each number's first call (kept as calls arrive).
    firsts = {uid: int(n) for uid, n in session.execute(
        select(FirstCall.user_id, func.count())
        .where(FirstCall.portal_id == portal_id, FirstCall.start_at >= period.since,
               FirstCall.start_at < period.until, FirstCall.user_id.in_(managers),
               FirstCall.call_type.in_(CONVERSATIONS))
        .group_by(FirstCall.user_id)).all()}
    out: dict[int, dict[str, int]] = {}
    for uid, n in every.items():
        talked = n - int(numberless.get(uid) or 0)
        out[uid] = {"new_calls": firsts.get(uid, 0),
                    "repeat_calls": talked - firsts.get(uid, 0),
                    "feedback_calls": fed.get(uid, 0)}
    return out


def _conversations(session: Session, portal_id: int, period: Period,
                   managers: list[int]) -> dict[int, int] | None:
    """{manager: calls of CALL_TYPE 1-3} from the hourly rollup (store.call_hours), or None
    when it cannot answer; the threshold it was counted with does not matter here."""
    rules = call_hours.rules_of(session, portal_id)
    rolled = None if rules is None else call_hours.per_user(
        session, portal_id, period.since, period.until, managers, rules.long_call_seconds)
    if rolled is None:
        return None
    return {uid: v["conversations"] for uid, v in rolled.items() if v["conversations"]}


def stage_counters(session: Session, portal_id: int, period: Period,
                   managers: list[int]) -> dict[int, dict[str, int]]:
    """{manager: {proposals, invoices, payments}}: distinct deals entering mapped stages."""
    mapping = stages.resolve(session, portal_id, stages.load(session, portal_id))
    if not mapping:
        return {}
    hist = DealStageHistory
    counter = case(mapping, value=hist.stage_id)
    # Distinct (deal, counter) pairs from the history index first, then one deal lookup each
    # (not one per transition).
    entered = (select(hist.b24_deal_id.label("deal"), counter.label("counter")).distinct()
               .where(hist.portal_id == portal_id, hist.created_at >= period.since,
                      hist.created_at < period.until, hist.stage_id.in_(list(mapping)))
               .subquery())
    rows = session.execute(
        select(Deal.assigned_by_id, entered.c.counter, func.count())
        .select_from(entered)
        .join(Deal, and_(Deal.portal_id == portal_id, Deal.b24_deal_id == entered.c.deal))
        .where(Deal.assigned_by_id.in_(managers))
        .group_by(Deal.assigned_by_id, entered.c.counter)).all()
    out: dict[int, dict[str, int]] = {}
    for uid, name, n in rows:
        out.setdefault(uid, {})[name] = int(n)
    return out
