"""Money at risk (handlers/telephony/money.py) against a plain-Python count over a generated
month of calls and deals: lost calls by the LCR rule, their pipeline, the client value."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from handlers.telephony import kpis, money
from store import telephony
from store.calls import upsert_call
from store.models import Call, Deal
from store.telephony_models import CallDeal
from tests.factories import make_portal

MSK = 3 * 3600
FIRST = datetime(2026, 10, 31, 21, 0, tzinfo=UTC)  # 1 November, 00:00 in Moscow
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MONTH = kpis.Period(FIRST, datetime(2026, 11, 30, 21, 0, tzinfo=UTC))
RULES = kpis.Rules(callback_minutes=15, utc_offset=MSK, as_of=NOW)
PHONES = [f"+7912000{n:04d}" for n in range(40)]
LINES, USERS, PIPELINES = ("reg1", "reg2", None), (10, 11, 12), (0, 3, 7)


@pytest.fixture
def pid(session) -> int:
    return make_portal(session).id


def make_deals(session, pid: int, rng: random.Random) -> list[dict]:
    deals = []
    for i in range(1, 121):
        moved = NOW - timedelta(days=rng.randint(0, 260), minutes=rng.randint(0, 1000))
        d = {"b24_deal_id": i, "category_id": rng.choice(PIPELINES),
             "stage_semantic": rng.choice("SSPF"), "contact_id": rng.choice([None, 0, *range(1,
                                                                                      30)]),
             "company_id": rng.choice([None, 500, 501]), "opportunity": rng.randint(1, 90) * 1000,
             "moved_time": moved, "deleted": rng.random() < 0.05}
        deals.append(d)
        session.add(Deal(portal_id=pid, title=f"D{i}", stage_id="X", **{
            **d, "opportunity": Decimal(d["opportunity"])}))
    session.flush()
    return deals


def expected_values(deals: list[dict], since: datetime) -> dict[int, float]:
    revenue: dict[int, float] = defaultdict(float)
    clients: dict[int, set] = defaultdict(set)
    for d in deals:
        if d["stage_semantic"] != "S" or d["deleted"] or not since <= d["moved_time"] < NOW:
            continue
        who = ("c", d["contact_id"]) if d["contact_id"] else (
            ("co", d["company_id"]) if d["company_id"] else ("d", d["b24_deal_id"]))
        revenue[d["category_id"]] += d["opportunity"]
        clients[d["category_id"]].add(who)
    return {c: revenue[c] / len(clients[c]) for c in revenue}


def make_calls(session, pid: int, rng: random.Random, deal_ids: list[int]) -> list[dict]:
    calls, moment = [], FIRST - timedelta(hours=2)
    while moment < MONTH.end + timedelta(hours=1):
        moment += timedelta(minutes=rng.randint(1, 90))
        kind = rng.choice((1, 2, 2, 3))
        bound = rng.choice([*deal_ids, *[None] * 60]) if kind != 1 else None
        c = {"call_id": f"c{len(calls)}", "call_type": kind, "phone": rng.choice(PHONES),
             "line": rng.choice(LINES), "user_id": rng.choice(USERS), "start_at": moment,
             "answered": rng.random() < 0.55, "crm_entity_type": "DEAL" if bound else None,
             "crm_entity_id": bound}
        calls.append(c)
        row, _ = upsert_call(session, pid, {
            **c, "source": "b24", "phone_raw": c["phone"], "duration": 60 if c["answered"] else 0,
            "failed_code": "200" if c["answered"] else "304"})
        telephony.note_call(session, row)
    return calls


def make_call_deals(session, pid: int, rng: random.Random, deal_ids: list[int]) -> list[dict]:
    rows = []
    for n in range(50):
        r = {"phone": rng.choice(PHONES), "origin_call_id": f"o{n}",
             "b24_deal_id": rng.choice([*deal_ids, None, 9999]),  # 9999: not mirrored
             "status": rng.choice(("open", "open", "closed", "failed", "pending")),
             "call_at": FIRST + timedelta(hours=rng.randint(-200, 720)), "line": None}
        rows.append(r)
        session.add(CallDeal(portal_id=pid, created_at=r["call_at"], **r))
    session.flush()
    return rows


def expected_risk(calls, call_deals, deals, values, default: int):
    mirrored = {d["b24_deal_id"]: d["category_id"] for d in deals}
    window = RULES.callback_minutes * 60
    out = []
    for c in calls:
        if c["call_type"] not in (2, 3) or c["answered"]:
            continue
        if not MONTH.start <= c["start_at"] < MONTH.end:
            continue
        backs = [x["start_at"] for x in calls if x["phone"] == c["phone"] and x["answered"]
                 and x["start_at"] > c["start_at"]]
        first_back = min(backs) if backs else None
        if first_back is not None and (first_back - c["start_at"]).total_seconds() <= window:
            continue
        if first_back is None and c["start_at"] > RULES.as_of - timedelta(seconds=window):
            continue  # still pending
        pipeline = None
        if c["crm_entity_type"] == "DEAL":
            pipeline = mirrored.get(c["crm_entity_id"])
        if pipeline is None:
            opened = sorted((r for r in call_deals if r["phone"] == c["phone"]
                             and r["status"] != "failed" and r["call_at"] <= c["start_at"]
                             and r["b24_deal_id"] in mirrored),
                            key=lambda r: r["call_at"], reverse=True)
            pipeline = mirrored[opened[0]["b24_deal_id"]] if opened else default
        day = (c["start_at"] + timedelta(seconds=MSK)).date()
        out.append((day, c["line"], c["user_id"], values.get(pipeline, 0.0)))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_money_at_risk_matches_a_plain_count(session, pid, seed) -> None:
    rng = random.Random(seed)
    deals = make_deals(session, pid, rng)
    ids = [d["b24_deal_id"] for d in deals]
    calls = make_calls(session, pid, rng, ids)
    call_deals = make_call_deals(session, pid, rng, ids)
    since = money.months_back(NOW, 6)
    values = expected_values(deals, since)
    assert money.client_values(session, pid, since, NOW) == pytest.approx(values)
    lost = expected_risk(calls, call_deals, deals, values, default=0)
    got = money.at_risk(session, pid, MONTH, RULES, now=NOW, months=6)
    assert len(lost) > 20 and got.total.lost == len(lost)
    assert got.total.lost == kpis.summary(session, pid, MONTH, RULES).lost  # the LCR's numerator
    assert got.total.amount == pytest.approx(sum(v for *_, v in lost))
    for attr, index in (("by_day", 0), ("by_line", 1), ("by_operator", 2)):
        want: dict = defaultdict(lambda: [0, 0.0])
        for row in lost:
            want[row[index]][0] += 1
            want[row[index]][1] += row[3]
        have = {r.key: [r.lost, r.amount] for r in getattr(got, attr)}
        assert have.keys() == want.keys(), attr
        for key, (n, amount) in want.items():
            assert have[key][0] == n and have[key][1] == pytest.approx(amount), (attr, key)
    assert all(isinstance(r.key, date) for r in got.by_day)


def test_one_operator_sees_his_own_lost_calls_only(session, pid) -> None:
    rng = random.Random(5)
    deals = make_deals(session, pid, rng)
    make_calls(session, pid, rng, [d["b24_deal_id"] for d in deals])
    every = money.at_risk(session, pid, MONTH, RULES, now=NOW, months=6)
    mine = money.at_risk(session, pid, MONTH, kpis.Rules(callback_minutes=15, utc_offset=MSK,
                                                          as_of=NOW, operator=11),
                         now=NOW, months=6)
    [row] = [r for r in every.by_operator if r.key == 11]
    assert (mine.total.lost, mine.total.amount) == (row.lost, pytest.approx(row.amount))


def test_a_call_without_a_deal_counts_in_the_default_pipeline(session, pid) -> None:
    """The exchange's first pipeline is the default one once the exchange is set up."""
    from handlers.exchange import config as exchange_config

    cfg = exchange_config.load(session, pid)
    cfg.exchange_user_id, cfg.categories = 99, [7, 3]
    exchange_config.save(session, pid, cfg, user_id=1, now=NOW)
    for i, (cat, amount) in enumerate(((7, 100_000), (0, 1_000)), start=1):
        session.add(Deal(portal_id=pid, b24_deal_id=i, title="x", category_id=cat,
                         stage_semantic="S", contact_id=i, opportunity=Decimal(amount),
                         moved_time=NOW - timedelta(days=3)))
    row, _ = upsert_call(session, pid, {"call_id": "m1", "source": "b24", "call_type": 2,
                                        "phone": PHONES[0], "phone_raw": PHONES[0],
                                        "start_at": FIRST + timedelta(days=2), "answered": False,
                                        "duration": 0, "user_id": 10, "line": "reg1"})
    telephony.note_call(session, row)
    got = money.at_risk(session, pid, MONTH, RULES, now=NOW, months=6)
    assert got.default == 7 and (got.total.lost, got.total.amount) == (1, 100_000)
    assert session.get(Call, row.id) is not None


@pytest.mark.parametrize(("moment", "months", "expected"), [
    (datetime(2026, 3, 31, 12, tzinfo=UTC), 1, datetime(2026, 2, 28, 12, tzinfo=UTC)),
    (datetime(2028, 3, 31, 12, tzinfo=UTC), 1, datetime(2028, 2, 29, 12, tzinfo=UTC)),
    (datetime(2026, 1, 15, tzinfo=UTC), 6, datetime(2025, 7, 15, tzinfo=UTC)),
    (datetime(2026, 12, 31, 23, tzinfo=UTC), 12, datetime(2025, 12, 31, 23, tzinfo=UTC)),
    (datetime(2026, 6, 30, tzinfo=UTC), 36, datetime(2023, 6, 30, tzinfo=UTC)),
])
def test_months_back_is_calendar_months(moment, months, expected) -> None:
    assert money.months_back(moment, months) == expected


def test_money_settings_validate(session, pid) -> None:
    assert money.load(session, pid).months == 6
    with pytest.raises(ValueError):
        money.save(session, pid, money.MoneyConfig(months=0), user_id=1, now=NOW)
    money.save(session, pid, money.MoneyConfig(months=12), user_id=1, now=NOW)
    assert money.load(session, pid).months == 12
    assert date(2026, 11, 1) == (MONTH.start + timedelta(seconds=MSK)).date()


def test_revenue_per_line_is_the_won_deals_amount(session, pid) -> None:
    """The channel table's revenue: the OPPORTUNITY of the line's call deals that are won."""
    rows = [("reg1", 1, "S", 120_000), ("reg1", 2, "P", 50_000), ("reg1", 3, "S", 30_000),
            ("reg2", 4, "F", 70_000), ("reg2", 5, "S", 9_000)]
    for line, deal, semantic, amount in rows:
        session.add(Deal(portal_id=pid, b24_deal_id=deal, title="x", stage_semantic=semantic,
                         opportunity=Decimal(amount)))
        session.add(CallDeal(portal_id=pid, phone=f"+7916{deal:07d}", line=line,
                             origin_call_id=f"o{deal}", b24_deal_id=deal, status="open",
                             call_at=FIRST + timedelta(days=deal), created_at=FIRST))
    session.add(CallDeal(portal_id=pid, phone="+79160000099", line="reg2", origin_call_id="f",
                         b24_deal_id=5, status="failed", call_at=FIRST + timedelta(days=1),
                         created_at=FIRST))  # a failed deal creation is no deal of the line
    session.flush()
    got = {r.key: (r.deals, r.won, r.revenue) for r in kpis.by_line(session, pid, MONTH, RULES)}
    assert got == {"reg1": (3, 2, 150_000.0), "reg2": (2, 1, 9_000.0)}
