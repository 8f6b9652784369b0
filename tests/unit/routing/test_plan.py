"""The escalation plan over a realistic structure (tests/unit/routing/company.py)."""

from __future__ import annotations

import dataclasses

import pytest

from handlers.routing import config
from handlers.routing.plan import build_plan
from handlers.routing.presence import absent
from handlers.routing.snapshot import load_snapshot
from tests.factories import make_portal
from tests.unit.routing.company import (
    ANNA,
    DIRECTOR,
    EVENING,
    EXCHANGE,
    GONE,
    HEAD,
    IN_HOURS,
    IVAN,
    KNOWN,
    LEAD_PHONE,
    OLEG,
    ORPHAN,
    OWNER,
    SATURDAY,
    SENIOR,
    TWO_DEALS,
    UNKNOWN,
    seed,
)

GROUP = [ANNA, OLEG, IVAN]  # the sales departments' active people, heads and exchange aside


@pytest.fixture
def snap(sessions):
    with sessions() as s:
        pid = make_portal(s).id
        seed(s, pid)
        s.commit()
        return load_snapshot(s, pid)


def shape(plan) -> list[tuple[int, str, list[int]]]:
    return [(st.step, st.kind, sorted(st.user_ids())) for st in plan.steps]


def test_known_caller_rings_the_responsible_then_the_group_then_up_to_the_owner(snap) -> None:
    plan = build_plan(snap, KNOWN, IN_HOURS)
    assert plan.responsible.user_id == ANNA and plan.responsible.source == "contact"
    assert plan.client.name == "Клиентова Мария" and not plan.out_of_hours
    assert shape(plan) == [
        (1, "responsible", [ANNA]),
        (2, "group", sorted(GROUP)),
        (3, "head", sorted([*GROUP, HEAD])),
        (4, "head", sorted([*GROUP, HEAD, DIRECTOR])),
        (5, "head", sorted([*GROUP, HEAD, DIRECTOR, OWNER])),
    ]
    assert all(st.ring_seconds == 10 for st in plan.steps)
    first = plan.steps[0].users[0]
    assert (first.name, first.extension) == ("Анна Смирнова", "102")


def test_the_fired_manager_the_exchange_account_and_other_departments_never_ring(snap) -> None:
    everyone = {u for st in build_plan(snap, KNOWN, IN_HOURS).steps for u in st.user_ids()}
    assert GONE not in everyone and EXCHANGE not in everyone and SENIOR not in everyone


def test_the_head_listed_in_his_own_department_waits_for_step_3(snap) -> None:
    plan = build_plan(snap, UNKNOWN, IN_HOURS)
    assert HEAD not in plan.steps[0].user_ids()
    assert next(st.step for st in plan.steps if HEAD in st.user_ids()) == 3


def test_two_open_deals_with_different_managers_the_most_recent_wins(snap) -> None:
    plan = build_plan(snap, TWO_DEALS, IN_HOURS)
    # deal 202 (Иван, 2 h ago) beats 201 (Олег, 3 days ago); the won deal 203 does not count;
    # the contact's own responsible (Анна) loses to the deal being worked on
    assert plan.responsible.user_id == IVAN
    assert (plan.responsible.source, plan.responsible.deal_id) == ("deal", 202)
    assert plan.steps[0].user_ids() == [IVAN]


def test_a_recent_stage_move_counts_as_activity(sessions) -> None:
    with sessions() as s:
        pid = make_portal(s).id
        seed(s, pid)
        from datetime import timedelta

        from store import mirror
        mirror.upsert_deal(s, pid, {  # Олег's deal, edited 3 days ago, moved an hour ago
            "ID": "201", "CONTACT_ID": "2", "ASSIGNED_BY_ID": str(OLEG), "STAGE_ID": "NEW",
            "STAGE_SEMANTIC_ID": "P", "DATE_MODIFY": (IN_HOURS - timedelta(days=3)).isoformat(),
            "MOVED_TIME": (IN_HOURS - timedelta(hours=1)).isoformat()})
        s.commit()
        snap = load_snapshot(s, pid)
    plan = build_plan(snap, TWO_DEALS, IN_HOURS)
    assert (plan.responsible.user_id, plan.responsible.deal_id) == (OLEG, 201)


def test_a_deal_of_a_manager_who_left_passes_to_the_next_deal(sessions) -> None:
    with sessions() as s:
        pid = make_portal(s).id
        seed(s, pid)
        from store import mirror
        mirror.upsert_user(s, pid, {"ID": str(IVAN), "NAME": "Иван", "LAST_NAME": "Петров",
                                    "ACTIVE": False, "UF_DEPARTMENT": [4]})
        s.commit()
        snap = load_snapshot(s, pid)
    plan = build_plan(snap, TWO_DEALS, IN_HOURS)
    assert (plan.responsible.user_id, plan.responsible.deal_id) == (OLEG, 201)


def test_a_client_whose_manager_left_starts_at_the_group(snap) -> None:
    plan = build_plan(snap, ORPHAN, IN_HOURS)
    assert plan.client is not None and plan.responsible is None
    assert plan.steps[0].step == 2 and sorted(plan.steps[0].user_ids()) == sorted(GROUP)


def test_unknown_caller_starts_at_step_2(snap) -> None:
    plan = build_plan(snap, UNKNOWN, IN_HOURS)
    assert plan.client is None and plan.responsible is None
    assert [st.step for st in plan.steps] == [2, 3, 4, 5]


def test_an_open_lead_with_the_number_makes_its_responsible_first(snap) -> None:
    plan = build_plan(snap, LEAD_PHONE, IN_HOURS)
    assert plan.client.entity_type == "LEAD" and plan.responsible.user_id == OLEG
    assert plan.steps[0].user_ids() == [OLEG]


@pytest.mark.parametrize("moment", [SATURDAY, EVENING], ids=["saturday", "evening"])
def test_out_of_hours_the_whole_group_rings_from_the_first_step(snap, moment) -> None:
    plan = build_plan(snap, KNOWN, moment)
    assert plan.out_of_hours
    assert plan.steps[0].step == 2 and sorted(plan.steps[0].user_ids()) == sorted(GROUP)
    assert [st.step for st in plan.steps] == [2, 3, 4, 5]


def test_an_inactive_head_is_skipped_and_the_chain_goes_on_up(sessions) -> None:
    with sessions() as s:
        pid = make_portal(s).id
        seed(s, pid, director_active=False)
        s.commit()
        snap = load_snapshot(s, pid)
    plan = build_plan(snap, UNKNOWN, IN_HOURS)
    assert shape(plan)[1:] == [(3, "head", sorted([*GROUP, HEAD])),
                               (4, "head", sorted([*GROUP, HEAD, OWNER]))]


def test_absent_people_are_skipped_in_hours_only(snap) -> None:
    away = absent({ANNA, HEAD})
    plan = build_plan(snap, KNOWN, IN_HOURS, available=away)
    # Анна stays the responsible, but her step rings nobody: skipped and counted; the head's
    # level keeps its number 3 and is skipped too, so step 4 still means "the director".
    assert plan.responsible.user_id == ANNA
    assert [st.step for st in plan.steps] == [2, 4, 5]
    assert plan.skipped_steps == ((1, "responsible"), (3, "head"))
    assert ANNA not in plan.steps[-1].user_ids() and HEAD not in plan.steps[-1].user_ids()
    assert [(a.step, a.user_id) for a in plan.away] == [(1, ANNA), (3, HEAD)]
    assert plan.stored_skipped()[0] == {"step": 1, "kind": "responsible",
                                        "users": [{"user_id": ANNA, "reason": "absent"}]}
    evening = build_plan(snap, KNOWN, EVENING, available=away)
    assert ANNA in evening.steps[0].user_ids()  # nobody is clocked in out of hours
    assert not evening.skipped_steps


def test_ring_time_and_a_configured_owner_as_the_last_hop(snap) -> None:
    cfg = dataclasses.replace(snap.config, ring_seconds=15, owner_user_id=SENIOR)
    plan = build_plan(dataclasses.replace(snap, config=cfg), UNKNOWN, IN_HOURS)
    assert {st.ring_seconds for st in plan.steps} == {15}
    assert plan.steps[-1].kind == "owner" and SENIOR in plan.steps[-1].user_ids()


def test_plan_json_is_what_the_pbx_gets(snap) -> None:
    body = build_plan(snap, KNOWN, IN_HOURS).as_json("r1")
    assert body["routing_id"] == "r1" and body["responsible_id"] == ANNA
    assert body["steps"][0] == {"step": 1, "kind": "responsible", "ring_seconds": 10,
                                "mode": "all",
                                "users": [{"user_id": ANNA, "name": "Анна Смирнова",
                                           "extension": "102"}]}
    assert body["attempts"][0] == {"step": 1, "seconds": 10, "users": [ANNA],
                                   "targets": [{"user_id": ANNA, "extension": "102"}]}
    assert len(body["attempts"]) == len(body["steps"]) and body["skipped"] == []


def test_working_hours_follow_the_zone_and_may_cross_midnight() -> None:
    cfg = config.RoutingConfig()
    assert cfg.in_hours(IN_HOURS) and not cfg.in_hours(EVENING) and not cfg.in_hours(SATURDAY)
    night = config.RoutingConfig(work_start="22:00", work_end="06:00", work_days=[0])
    monday_late = IN_HOURS.replace(day=23, hour=20)  # Monday 23:00 Moscow
    tuesday_early = IN_HOURS.replace(hour=1)  # Tuesday 04:00 Moscow (the Monday shift)
    assert night.in_hours(monday_late) and night.in_hours(tuesday_early)
    assert not night.in_hours(IN_HOURS)
    assert config.RoutingConfig(time_zone="Mars/Olympus").validate() == ["time_zone"]
    assert config.RoutingConfig(ring_seconds=2).validate() == ["ring_seconds"]
