"""A real PBX routes a real call: Kamailio asks our routing API for each INVITE and forks the
call step by step; SIPp phones play the managers (one never answers, one answers, one is on
leave and one has ended his day, so presence keeps them from ringing at all).

Checked from the phones' own SIP traces: who rang, in which order, for how long, and who
answered; from the app: the answering step counted, the skipped people, and the Bitrix24 call
card (telephony.externalcall.* in the emulated portal) following the call.
`make test-pbx` (installs the Debian packages first); a missing binary fails, never skips.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.routing import config, stats
from handlers.routing.ranking import load_ranking
from jobs.runner import routing_cards, routing_presence, sync_all
from sandbox.methods.timeman import add_absence, close_day, open_day, pause_day
from store import portals
from store import routing as routing_store
from store.routing_models import RoutingCall
from tests.e2e import sip_kit

pytestmark = pytest.mark.pbx

CLIENT_PHONE = "79165551234"
LINE = "74951509008"
RING = 5  # seconds per step (the minimum the settings allow), so the test stays short


@pytest.fixture(scope="module", autouse=True)
def tools() -> None:
    missing = sip_kit.missing_tools()
    if missing:
        pytest.fail("the PBX test needs Debian packages: apt-get install -y "
                    + " ".join(missing) + " (or `make pbx-tools`)")


@pytest.fixture
def company(installed, live_app):
    """Responsible A; the group A..F; C on leave, D ended his day; every step rings 5 s."""
    portal = installed
    managers = portal.meta["managers"]
    a = managers[0]
    portal.invoke("crm.contact.add", {"fields": {
        "NAME": "Вера", "LAST_NAME": "Звонкова", "ASSIGNED_BY_ID": a,
        "PHONE": [{"VALUE": f"+{CLIENT_PHONE}", "VALUE_TYPE": "MOBILE"}]}}, user_id=a)
    live_app.drain(portal)
    sync_all(live_app.app)
    now = portal.clock.now()
    for user in [*managers, portal.meta["head"], portal.meta["owner"]]:
        open_day(portal, user, now.replace(hour=0, minute=0, second=0, microsecond=0))
    add_absence(portal, managers[2], now.date() - timedelta(days=1), now.date() + timedelta(days=6))
    close_day(portal, managers[3], now - timedelta(minutes=5))
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        config.save(s, pid, config.RoutingConfig(
            sales_department_ids=[portal.meta["departments"]["sales"]], ring_seconds=RING,
            step_seconds={"group": RING}, work_days=list(range(7)), work_start="00:00",
            work_end="00:00"), user_id=portal.meta["owner"], now=datetime.now(UTC))
        secret = routing_store.issue_pbx_secret(s, pid, user_id=portal.meta["owner"],
                                                now=datetime.now(UTC))
        s.commit()
    assert routing_presence(live_app.app)[portal.member_id] == 2  # C and D are away
    return portal, pid, secret


def ext_of(portal, user_id: int) -> str:
    return portal.table("user").get(user_id)["UF_PHONE_INNER"]


def test_kamailio_forks_the_call_step_by_step_and_the_card_follows(
        company, live_app, tmp_path) -> None:
    portal, pid, secret = company
    managers = portal.meta["managers"]
    a, b, c, d, e, f = (ext_of(portal, u) for u in managers)
    route_url = f"{live_app.url}/pbx/{portal.member_id}/route"
    with sip_kit.kamailio(tmp_path, route_url=route_url, secret=secret) as pbx:
        answers = {a: None, b: 2.0, c: 0.5, d: 0.5, e: None, f: None}
        with sip_kit.phones(tmp_path, pbx.port, answers) as phones:
            done = sip_kit.call(tmp_path, pbx.port, caller=CLIENT_PHONE, line=LINE, talk_s=1.5)
            assert done.returncode == 0, (done.stdout[-3000:], pbx.text()[-4000:])
            rings = {ext: phone.calls() for ext, phone in phones.items()}
    log = pbx.text()
    # A alone at step 1 (never answers: cancelled after the step's 5 s) ...
    assert [kind for *_, kind in rings[a]] == ["cancelled", "cancelled"], (rings, log[-3000:])
    first_start, first_end, _ = rings[a][0]
    assert RING - 0.5 <= (first_end - first_start).total_seconds() <= RING + 1.5
    # ... then the group together (A again, B, E, F); B answers after 2 s
    b_start, b_end, b_kind = rings[b][0]
    assert b_kind == "answered" and len(rings[b]) == 1
    # the next step starts as the previous one times out (its CANCEL may trail the new INVITE)
    assert abs((b_start - first_end).total_seconds()) < 0.5
    assert 1.5 <= (b_end - b_start).total_seconds() <= 3.5
    for ext in (e, f):
        assert [kind for *_, kind in rings[ext]] == ["cancelled"]  # hidden when B answered
        assert abs((rings[ext][0][0] - b_start).total_seconds()) < 1.0
    # presence: the one on leave and the one who ended his day never heard a ring
    assert rings[c] == [] and rings[d] == []
    with live_app.sessions() as s:
        (row,) = [r for r in s.query(RoutingCall).filter_by(portal_id=pid)]
        assert (row.status, row.answered_step, row.answered_by) == ("answered", 2, managers[1])
        assert row.duration is not None and row.duration >= 1
        group = next(st for st in row.steps if st["step"] == 2)["users"]
        assert managers[2] not in group and managers[3] not in group
        now = datetime.now(UTC)
        assert stats.per_step(s, pid, since=now - timedelta(hours=1),
                              until=now + timedelta(hours=1)) == {2: 1}
    # the Bitrix24 call card followed: registered to A, shown to the group, finished by B
    routing_cards(live_app.app)
    registers = [x for x in portal.calls_to("telephony.externalCall.register") if x.error is None]
    assert len(registers) == 1 and str(registers[0].params["USER_ID"]) == str(managers[0])
    finishes = [x for x in portal.calls_to("telephony.externalCall.finish") if x.error is None]
    assert len(finishes) == 1 and str(finishes[0].params["USER_ID"]) == str(managers[1])
    shown = {int(u) for x in portal.calls_to("telephony.externalCall.show") if x.error is None
             for u in (x.params["USER_ID"] if isinstance(x.params["USER_ID"], list)
                       else [x.params["USER_ID"]])}
    assert managers[1] in shown and managers[2] not in shown and managers[3] not in shown


def test_the_responsible_on_leave_is_a_skipped_step_and_the_group_rings_in_turn(
        installed, live_app, tmp_path) -> None:
    """A on leave: step 1 rings nobody and is counted; the group rings one by one, fewest
    open deals first: of B and E (C, D and F are away) the first rings its 5 s unanswered,
    then the second rings and answers."""
    portal = installed
    managers = portal.meta["managers"]
    a, b, c, d, e, f = managers
    portal.invoke("crm.contact.add", {"fields": {
        "NAME": "Вера", "LAST_NAME": "Звонкова", "ASSIGNED_BY_ID": a,
        "PHONE": [{"VALUE": f"+{CLIENT_PHONE}", "VALUE_TYPE": "MOBILE"}]}}, user_id=a)
    live_app.drain(portal)
    sync_all(live_app.app)
    now = portal.clock.now()
    add_absence(portal, a, now.date(), now.date() + timedelta(days=2))
    add_absence(portal, c, now.date(), now.date())
    close_day(portal, d, now - timedelta(minutes=1))
    pause_day(portal, f, now)
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        config.save(s, pid, config.RoutingConfig(
            sales_department_ids=[portal.meta["departments"]["sales"]], ring_seconds=RING,
            group_mode="turn", group_order="load", work_days=list(range(7)),
            work_start="00:00", work_end="00:00"), user_id=portal.meta["owner"],
            now=datetime.now(UTC))
        secret = routing_store.issue_pbx_secret(s, pid, user_id=portal.meta["owner"],
                                                now=datetime.now(UTC))
        s.commit()
    assert routing_presence(live_app.app)[portal.member_id] == 4
    with live_app.sessions() as s:
        load = load_ranking(s, pid, datetime.now(UTC))
    first, second = sorted((b, e), key=lambda u: (load.get(u, (0.0, 0))[1], u))
    exts = {u: ext_of(portal, u) for u in managers}
    with sip_kit.kamailio(tmp_path, route_url=f"{live_app.url}/pbx/{portal.member_id}/route",
                          secret=secret) as pbx:
        answers = {exts[a]: 0.5, exts[first]: None, exts[c]: 0.5, exts[d]: 0.5,
                   exts[second]: 1.0, exts[f]: 0.5}
        with sip_kit.phones(tmp_path, pbx.port, answers) as phones:
            done = sip_kit.call(tmp_path, pbx.port, caller=CLIENT_PHONE, line=LINE, talk_s=1.0)
            assert done.returncode == 0, (done.stdout[-3000:], pbx.text()[-4000:])
            rings = {u: phones[exts[u]].calls() for u in managers}
    assert rings[a] == rings[c] == rings[d] == rings[f] == []  # away: never rung
    (one_start, one_end, one_kind), = rings[first]
    (two_start, _two_end, two_kind), = rings[second]
    assert (one_kind, two_kind) == ("cancelled", "answered")
    assert RING - 0.5 <= (one_end - one_start).total_seconds() <= RING + 1.5  # alone, its turn
    assert two_start >= one_start + timedelta(seconds=RING - 0.5)  # the second after the first
    with live_app.sessions() as s:
        (row,) = s.query(RoutingCall).filter_by(portal_id=pid).all()
        assert (row.status, row.answered_step, row.answered_by) == ("answered", 2, second)
        assert [x["step"] for x in row.skipped] == [1]
        assert row.skipped[0]["users"] == [{"user_id": a, "reason": "absent"}]
        when = datetime.now(UTC)
        assert stats.skipped_steps(s, pid, since=when - timedelta(hours=1),
                                   until=when + timedelta(hours=1)) == 1
