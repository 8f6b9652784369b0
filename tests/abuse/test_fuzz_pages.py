"""Fuzzing the app pages: every settings form and action as an admin, every query parameter.

Property: never a 500 or a logged exception; a form that is refused (4xx, e.g. 422 with
messages) saves nothing and calls nothing.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.abuse.conftest import ABUSE, MANAGER, session_token
from tests.abuse.strategies import JSON, VALUE, extra_pairs

EXCHANGE = ("default_cap", "cap_min", "cap_max", "stale_days", "alert_waiting_over",
            "alert_wait_hours", "exchange_user_id", "head_user_id", "categories",
            "landing_mode", "cap_mode", "cap_1", "cap_11", "cap_min", "managers")
SWEEP = ("managers", "when", "at", "tz")
ROUTING = ("ring_seconds", "sales_department_ids", "work_days", "work_start", "work_end",
           "time_zone", "owner_user_id", "show_cards", "seconds_responsible", "seconds_group",
           "seconds_head", "seconds_owner", "group_mode", "group_order", "presence")
TELEPHONY = ("region", "timezone", "callback_minutes", "ring_seconds", "long_call_seconds",
             "workday_hours")
LEADS = ("sla_hours", "stage_default_hours", "grace_hours", "stage_NEW", "stage_IN_PROCESS",
         "min_call_seconds", "holidays", "timezone", "work_start", "work_end", "junk_mode",
         "reason_mode", "deal_owner", "work_days", "evidence_kinds", "require_patronymic",
         "link_repeats", "deal_category", "head_user_id")
AUDITS = ("suspicious_score", "sample_percent", "short_call_seconds", "quick_reject_minutes",
          "rate_window_days", "rate_min_closed", "callback_days", "followup_days",
          "rate_factor", "weight_no_call", "weight_high_rate",
          "callback_kind", "reengage_to", "controller_id", "senior_id", "senior_0",
          "handoff_enabled", "proposal_stages", "invoice_stages")
TARGETS = ("months", "calls", "minutes", "role.head.calls", "role.head.minutes",
           "role.boss.calls", "person.11.calls", "person.11.minutes", "person.x.calls")
FORMS = {"/app/settings": EXCHANGE, "/app/settings/sweep/preview": SWEEP,
         "/app/settings/sweep/confirm": SWEEP, "/app/settings/sweep/undo": ("sweep_id",),
         "/app/routing": ROUTING, "/app/calls/settings": TELEPHONY,
         "/app/leads/settings": LEADS, "/app/audits/settings": AUDITS,
         "/app/calls/callback": ("call_id", "from", "to"), "/app/audits/1": ("outcome",),
         "/app/audits/99999999999999999999": ("outcome",),
         "/app/lead/7/convert": (), "/app/lead/99999999999999999999/convert": (),
         "/app/api/claim": ("deal_id",), "/app/api/return": ("deal_id", "reason"),
         "/app/calls/targets": TARGETS,
         "/app/myday": ("day", "new_calls", "proposals", "text", "rating_1", "rating_x"),
         "/app/myday/comment": ("report", "comment"),
         "/app/myday/settings": ("remind_at", "reminders")}
PLAUSIBLE = st.sampled_from(["1", "11", "50", "0", "20", "now", "later", "2026-12-01T10:00",
                             "-180", "Europe/Moscow", "RU", "09:00", "18:00", "field", "y",
                             "on", "call", "task", "exchange", "confirmed", "NEW"])


@st.composite
def form_posts(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    path = draw(st.sampled_from(sorted(FORMS)))
    pairs = [(name, draw(st.one_of(PLAUSIBLE, VALUE)))
             for name in FORMS[path] for _ in range(draw(st.integers(0, 2)))]
    pairs += list(draw(extra_pairs(3)).items())
    return path, pairs


def test_fuzz_settings_forms_as_admin(client, app, tenants, probe) -> None:
    a, _ = tenants
    token = session_token(app, a)

    @settings(ABUSE, max_examples=80)
    @given(post=form_posts())
    def check(post: tuple[str, list[tuple[str, str]]]) -> None:
        path, pairs = post
        probe.start()
        if path.startswith("/app/api/"):
            response = client.post(path, data=MultiDict(pairs),
                                   headers={"X-App-Session": token})
        else:
            response = client.post(path, data=MultiDict([("s", token), *pairs]))
        probe.check(response)
    check()


QUERIES = {"/app/report.csv": ("period", "date"), "/app/report": ("period", "date"),
           "/app/calls": ("from", "to", "notice", "name"), "/app/board": ("sort", "page"),
           "/app/taken": (), "/app/leads": ("days", "notice"),
           "/app/routing": ("phone", "notice"), "/app/settings": ("notice", "n"),
           "/app/audits": ("notice", "name", "deal", "ok"),
           "/app/audits/settings": ("saved",), "/app/calls/settings": ("notice",),
           "/app/calls/targets": ("notice",),
           "/app/lead/7": ("notice", "missing"), "/app/deal/7": (),
           "/app/deal/99999999999999999999": (), "/app/lead/99999999999999999999": (),
           "/app/myday": ("date", "user", "saved")}
DATES = st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01", "today",
                         "2026-11-23", "99999-01-01", "2026-W01", "20261123"])


@st.composite
def page_gets(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    path = draw(st.sampled_from(sorted(QUERIES)))
    args = {name: draw(st.one_of(DATES, PLAUSIBLE, VALUE, st.sampled_from(
        ["day", "week", "month", "year", "-1", "99999999999999999999", "amount"])))
        for name in QUERIES[path] if draw(st.integers(0, 4))}
    return path, args


def test_fuzz_page_parameters(client, app, tenants, probe) -> None:
    """Reading a page with any parameters: no 500, and a GET never writes (except the first
    visit to the telephony settings, which issues a PBX secret: not fuzzed here)."""
    a, _ = tenants
    tokens = [session_token(app, a), session_token(app, a, user_id=MANAGER, admin=False)]

    @settings(ABUSE, max_examples=80)
    @given(get=page_gets(), who=st.sampled_from(tokens))
    def check(get: tuple[str, dict[str, str]], who: str) -> None:
        path, args = get
        probe.start()
        response = client.get(path, query_string={**args, "s": who})
        after = probe.check(response)
        assert after == probe.before, path
    check()


def test_fuzz_button_api_json(client, app, tenants, probe) -> None:
    """The buttons' JSON API with any JSON (wrong types, nesting, odd numbers) and charset."""
    a, _ = tenants
    token = session_token(app, a, user_id=MANAGER, admin=False)
    bodies = st.one_of(JSON, st.fixed_dictionaries({}, optional={"deal_id": JSON,
                                                                 "reason": JSON}))

    @settings(ABUSE, max_examples=40)
    @given(path=st.sampled_from(["/app/api/claim", "/app/api/return"]), body=bodies,
           content_type=st.sampled_from(["application/json", "text/plain",
                                         "application/json; charset=latin-1"]))
    def check(path: str, body: object, content_type: str) -> None:
        probe.start()
        response = client.post(path, data=json.dumps(body), content_type=content_type,
                               headers={"X-App-Session": token})
        probe.check(response)
    check()
