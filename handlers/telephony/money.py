"""What a lost call costs: the average value of a client per pipeline, times the lost calls.

The average value of a client (per pipeline, deal CATEGORY_ID) = the OPPORTUNITY of the won
deals of the last `months` months (settable, default 6) divided by the number of distinct won
clients (a contact, else a company, else the deal itself): a client who bought twice is one
client worth both deals. "Won in the window" = the deal is in a success stage now and its stage
moved inside the window (MOVED_TIME, else DATE_MODIFY), the same moment handlers.report uses.
Amounts are summed as stored: a portal keeps one base currency for its reports.

Lost calls are exactly the LCR numerator of handlers.telephony.kpis (`lost_condition`).
Which pipeline a lost call belongs to: the pipeline the call's deal went to, i.e. the deal the
call is bound to in the CRM (CRM_ENTITY_TYPE = DEAL), else the deal our intake opened or used
for that number (call_deals, the latest one opened at or before the call); a call with no
deal, or whose deal is not mirrored, belongs to the default pipeline — the one intake puts new
call deals in (the exchange's first pipeline, else the general pipeline 0). Money at risk of
a row = its lost calls × that pipeline's client value; a pipeline without won deals in the
window is worth 0 (no guess).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select, true
from sqlalchemy.orm import Session

from handlers.exchange import config as exchange_config
from handlers.telephony.kpis import Period, Rules, lost_condition
from store.models import Call, Deal
from store.settings import load_section, save_section
from store.telephony_models import CallDeal, MissedCall
from store.telephony_sql import day_number

SECTION = "money"
EPOCH_DAY = date(1970, 1, 1)
MONTHS_RANGE = (1, 36)


@dataclass
class MoneyConfig:
    months: int = 6  # the window of won deals the client value is averaged over

    def validate(self) -> list[str]:
        lo, hi = MONTHS_RANGE
        return [] if isinstance(self.months, int) and lo <= self.months <= hi else ["months"]


def load(session: Session, portal_id: int) -> MoneyConfig:
    data = load_section(session, portal_id, SECTION)
    known = {f.name for f in dataclasses.fields(MoneyConfig)}
    cfg = MoneyConfig(**{k: v for k, v in data.items() if k in known})
    return cfg if not cfg.validate() else MoneyConfig()


def save(session: Session, portal_id: int, cfg: MoneyConfig, *, user_id: int | None,
         now: datetime) -> None:
    if cfg.validate():
        raise ValueError("invalid money settings: " + ", ".join(cfg.validate()))
    save_section(session, portal_id, SECTION, dataclasses.asdict(cfg), user_id=user_id, now=now)


def months_back(moment: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier (31 March - 1 month = 28/29 Feb)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    first_next = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last_day = (first_next - timedelta(days=1)).day
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def client_values(session: Session, portal_id: int, since: datetime,
                  until: datetime) -> dict[int, float]:
    """{pipeline: revenue of its won deals / its distinct won clients} for deals won in
    [since, until)."""
    won_at = func.coalesce(Deal.moved_time, Deal.date_modify)
    has_contact, has_company = Deal.contact_id > 0, Deal.company_id > 0
    kind = case((has_contact, 1), (has_company, 2), else_=3)
    who = case((has_contact, Deal.contact_id), (has_company, Deal.company_id),
               else_=Deal.b24_deal_id)
    per_client = (select(Deal.category_id.label("category"), kind.label("kind"),
                         who.label("who"), func.sum(Deal.opportunity).label("revenue"))
                  .where(Deal.portal_id == portal_id, Deal.stage_semantic == "S",
                         Deal.deleted.is_(False), won_at >= since, won_at < until)
                  .group_by(Deal.category_id, kind, who).subquery())
    rows = session.execute(select(per_client.c.category, func.sum(per_client.c.revenue),
                                  func.count()).group_by(per_client.c.category)).all()
    return {int(cat): float(revenue or 0) / n for cat, revenue, n in rows if n}


def default_pipeline(session: Session, portal_id: int) -> int:
    """Where intake puts a new call deal (handlers.telephony.intake._new_deal)."""
    ex = exchange_config.load(session, portal_id)
    return ex.categories[0] if ex.ready and ex.categories else 0


def pipeline_of_call(portal_id: int, default: int) -> Any:
    """SQL: the pipeline of the missed call in the current row (see the module docstring)."""
    bound = (select(Deal.category_id)
             .where(Deal.portal_id == portal_id, Deal.b24_deal_id == Call.crm_entity_id)
             .limit(1).scalar_subquery())
    opened = (select(Deal.category_id)
              .join(CallDeal, and_(CallDeal.portal_id == Deal.portal_id,
                                   CallDeal.b24_deal_id == Deal.b24_deal_id))
              .where(Deal.portal_id == portal_id, CallDeal.phone == MissedCall.phone,
                     MissedCall.phone != "", CallDeal.status != "failed",
                     CallDeal.call_at <= MissedCall.start_at)
              .order_by(CallDeal.call_at.desc(), CallDeal.id.desc()).limit(1).scalar_subquery())
    return func.coalesce(case((Call.crm_entity_type == "DEAL", bound)), opened, literal(default))


@dataclass(frozen=True)
class Risk:
    key: Any
    lost: int = 0
    amount: float = 0.0


@dataclass
class MoneyAtRisk:
    months: int
    values: dict[int, float]          # client value per pipeline
    default: int                      # the default pipeline
    total: Risk = field(default_factory=lambda: Risk(None))
    by_day: list[Risk] = field(default_factory=list)
    by_line: list[Risk] = field(default_factory=list)
    by_operator: list[Risk] = field(default_factory=list)
    by_pipeline: list[Risk] = field(default_factory=list)


def lost_groups(session: Session, portal_id: int, period: Period, rules: Rules,
                default: int) -> list[tuple[date, str | None, int | None, int, int]]:
    """(local day, line, operator, pipeline, lost calls): one aggregate over missed_calls."""
    rows = (select(day_number(MissedCall.start_at, rules.utc_offset).label("day"),
                   MissedCall.line.label("line"), MissedCall.user_id.label("user"),
                   pipeline_of_call(portal_id, default).label("pipeline"))
            .join(Call, Call.id == MissedCall.call_pk)
            .where(MissedCall.portal_id == portal_id, MissedCall.start_at >= period.start,
                   MissedCall.start_at < period.end, lost_condition(rules),
                   true() if rules.operator is None else MissedCall.user_id == rules.operator)
            .subquery())
    grouped = select(rows.c.day, rows.c.line, rows.c.user, rows.c.pipeline, func.count()) \
        .group_by(rows.c.day, rows.c.line, rows.c.user, rows.c.pipeline)
    return [(EPOCH_DAY + timedelta(days=int(d)), line, user, int(p), int(n))
            for d, line, user, p, n in session.execute(grouped).all()]


def at_risk(session: Session, portal_id: int, period: Period, rules: Rules, *,
            now: datetime, months: int | None = None) -> MoneyAtRisk:
    """The money at risk from the period's lost calls, per day, line, operator, pipeline."""
    months = months or load(session, portal_id).months
    until = now.astimezone(UTC)
    values = client_values(session, portal_id, months_back(until, months), until)
    default = default_pipeline(session, portal_id)
    result = MoneyAtRisk(months, values, default)
    sums: dict[str, dict[Any, list]] = {"day": {}, "line": {}, "user": {}, "pipeline": {}}
    lost, amount = 0, 0.0
    for day, line, user, pipeline, n in lost_groups(session, portal_id, period, rules, default):
        money = n * values.get(pipeline, 0.0)
        lost, amount = lost + n, amount + money
        for dim, key in (("day", day), ("line", line), ("user", user), ("pipeline", pipeline)):
            acc = sums[dim].setdefault(key, [0, 0.0])
            acc[0], acc[1] = acc[0] + n, acc[1] + money
    result.total = Risk(None, lost, amount)

    def rows(dim: str) -> list[Risk]:
        return sorted((Risk(k, n, a) for k, (n, a) in sums[dim].items()),
                      key=lambda r: (-r.amount, -r.lost, str(r.key)))
    result.by_day = sorted(rows("day"), key=lambda r: r.key)
    result.by_line, result.by_operator = rows("line"), rows("user")
    result.by_pipeline = rows("pipeline")
    return result


def report_section(session: Session, portal_id: int, since: datetime, until: datetime,
                   now: datetime) -> dict[str, Any]:
    """The owner's report's share: money at risk over the period, and each person's daily
    targets (days met, calls that counted, average outgoing duration)."""
    from handlers.telephony import config as telephony_config
    from handlers.telephony import targets

    tcfg = telephony_config.load(session, portal_id)
    span = Period(since, until)
    rules = Rules.of(tcfg, span, as_of=now)
    risk = at_risk(session, portal_id, span, rules, now=now)
    cfg = targets.load(session, portal_id)
    days = targets.period_days(span, rules.utc_offset)
    rows = targets.progress(session, portal_id, span, rules,
                            targets.people(session, portal_id, cfg), days)
    return {"risk": risk, "targets": targets.summaries(rows), "days": days}
