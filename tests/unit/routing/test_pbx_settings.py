"""Issue 18 settings: each step's ring time, the group at once or in turn (by conversion or
load), presence on the preview with a reason per skipped person."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from handlers.routing import config
from handlers.routing.plan import build_plan
from handlers.routing.snapshot import load_snapshot
from store import presence as presence_store
from tests.factories import make_portal
from tests.unit.routing.company import ANNA, HEAD, IN_HOURS, IVAN, KNOWN, OLEG, OWNER, seed
from tests.unit.routing.test_pages import around_the_clock, text, token


@pytest.fixture
def portal(sessions):
    with sessions() as s:
        row = make_portal(s)
        seed(s, row.id)
        around_the_clock(s, row.id)
        s.commit()
        return row


BASE = {"sales_department_ids": ["3", "4"], "ring_seconds": "10", "work_days": [str(d) for d in
        range(7)], "work_start": "00:00", "work_end": "00:00", "time_zone": "Europe/Moscow",
        "show_cards": "1", "presence": "1"}


def test_each_step_rings_its_own_time_and_the_group_may_ring_in_turn(
        client, app, portal, sessions) -> None:
    form = {**BASE, "s": token(app, portal, OWNER, admin=True), "seconds_responsible": "20",
            "seconds_group": "", "seconds_head": "7", "seconds_owner": "30",
            "group_mode": "turn", "group_order": "load"}
    assert client.post("/app/routing", data=form).status_code == 303
    with sessions() as s:
        cfg = config.load(s, portal.id)
        snap = load_snapshot(s, portal.id)
    assert cfg.step_seconds == {"responsible": 20, "head": 7, "owner": 30}
    assert (cfg.group_mode, cfg.group_order, cfg.presence) == ("turn", "load", True)
    plan = build_plan(snap, KNOWN, IN_HOURS)
    seconds = {st.kind: st.ring_seconds for st in plan.steps}
    assert seconds == {"responsible": 20, "group": 10, "head": 7}
    group = next(st for st in plan.steps if st.kind == "group")
    assert group.mode == "turn" and ANNA not in group.user_ids()  # she rang alone at step 1
    turns = [a for a in plan.as_json("r")["attempts"] if a["step"] == 2]
    assert [a["users"] for a in turns] == [[u] for u in group.user_ids()]


def test_bad_ring_times_and_choices_are_refused_with_messages(
        client, app, portal, sessions) -> None:
    form = {**BASE, "s": token(app, portal, OWNER, admin=True), "seconds_group": "2",
            "seconds_head": "soon", "group_mode": "random", "group_order": "1e9"}
    page = client.post("/app/routing", data=form)
    assert page.status_code == 422
    body = text(page.text)
    assert body.count("От 5 до 120 секунд.") >= 2 and 'value="soon"' in page.text
    assert "Выберите, как звонит отдел." in body and "Выберите порядок очереди." in body
    with sessions() as s:
        cfg = config.load(s, portal.id)
    assert cfg.step_seconds == {} and cfg.group_mode == "all"  # nothing saved
    assert config.RoutingConfig(step_seconds={"group": 200}).validate() == ["step_seconds"]
    assert config.RoutingConfig(step_seconds={"lunch": 10}).validate() == ["step_seconds"]
    assert config.RoutingConfig(group_mode="x", group_order="y").validate() == \
        ["group_mode", "group_order"]


def test_the_group_in_turn_follows_conversion_or_load(sessions, portal) -> None:
    with sessions() as s:
        snap = load_snapshot(s, portal.id)
    ranking = {OLEG: (0.9, 12), IVAN: (0.2, 1)}  # Олег converts, Иван is free
    turn = dataclasses.replace(snap.config, group_mode="turn", group_order="conversion")
    by_conversion = build_plan(dataclasses.replace(snap, config=turn, ranking=ranking),
                               KNOWN, IN_HOURS)
    group = next(st for st in by_conversion.steps if st.kind == "group").user_ids()
    assert group.index(OLEG) < group.index(IVAN)
    by_load = build_plan(dataclasses.replace(
        snap, config=dataclasses.replace(turn, group_order="load"), ranking=ranking),
        KNOWN, IN_HOURS)
    group = next(st for st in by_load.steps if st.kind == "group").user_ids()
    assert group.index(IVAN) < group.index(OLEG)


def test_the_preview_names_who_is_away_and_why(client, app, portal, sessions) -> None:
    with sessions() as s:
        presence_store.save_presence(s, portal.id, {
            ANNA: ("absent", date(2030, 1, 9), "absence"), HEAD: ("day_closed", None, "timeman"),
            OLEG: ("offline", None, "online"), IVAN: (None, None, "")}, now=datetime.now(UTC))
        s.commit()
    page = client.get(f"/app/routing?s={token(app, portal)}&phone=8 916 123-45-67")
    body = text(page.text)
    assert "Не позвонит сейчас" in body
    assert "В отсутствии до 09.01.2030" in body and "Закончил рабочий день" in body
    assert "Не в сети (учёта рабочего времени нет)" in body
    assert "Шаг 1 пропущен: все на нём отсутствуют" in body
    english = text(client.get(f"/app/routing?s={token(app, portal, lang='en')}"
                              "&phone=8 916 123-45-67").text)
    assert "Away until Jan 9, 2030" in english and "Has ended the work day" in english
