"""The external-PBX endpoint over real HTTP: secret, validation, idempotency, and the call shown
in the emulated portal (registered and finished exactly once, with its recording)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from sandbox.crm_common import phone_key
from store import portals
from store import routing as routing_store
from store.models import Call
from tests.conftest import frozen_moment
from tests.e2e.telephony_kit import comments_on, no_client_limit, our_deals, prepare, settle

RECORD = "https://pbx.example.com/rec/pbx-1001.mp3"


START = frozen_moment().astimezone(UTC).replace(microsecond=0) - timedelta(minutes=10)


def at(seconds: int) -> str:
    return (START + timedelta(seconds=seconds)).isoformat()


def body(**overrides: object) -> dict:
    return {"call_id": "pbx-1001", "direction": "in", "phone": "+7 (916) 555-01-02",
            "line": "+74951234567", "started_at": at(0), "answered_at": at(4),
            "ended_at": at(184), "extension": "102", "record_url": RECORD, **overrides}


@pytest.fixture
def pbx(installed, live_app, monkeypatch):
    no_client_limit(monkeypatch)
    pid = prepare(installed, live_app)
    with live_app.sessions() as s:
        secret = routing_store.issue_pbx_secret(s, pid, user_id=1, now=datetime.now(UTC))
        s.commit()
    url = f"{live_app.url}/pbx/{installed.member_id}/calls"

    def post(payload: object, *, key: str | None = secret, raw: bytes | None = None):
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["X-PBX-Secret"] = key
        if raw is not None:
            return requests.post(url, data=raw, headers=headers, timeout=10)
        return requests.post(url, json=payload, headers=headers, timeout=10)
    return installed, post


def stored_calls(live_app) -> int:
    with live_app.sessions() as s:
        return s.scalar(select(func.count(Call.id)).where(Call.source == "pbx"))


def calls_to(portal, method: str) -> list:
    return [c for c in portal.calls if c.method == method and c.error is None]


def test_wrong_or_missing_secret_is_401_and_stores_nothing(pbx, live_app) -> None:
    _, post = pbx
    for key in ("wrong", None, ""):
        answer = post(body(), key=key)
        assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"
    assert requests.post(f"{live_app.url}/pbx/nosuchportal/calls", json=body(),
                         headers={"X-PBX-Secret": "x"}, timeout=10).status_code == 401
    assert stored_calls(live_app) == 0


def test_malformed_json_and_bad_fields_are_400_with_the_reason(pbx, live_app) -> None:
    _, post = pbx
    answer = post(None, raw=b"{not json")
    assert answer.status_code == 400 and answer.json()["error"] == "malformed_json"
    answer = post([1, 2])
    assert answer.status_code == 400 and "JSON object" in answer.json()["message"]
    answer = post(body(call_id="", direction="sideways", started_at="yesterday",
                       ended_at="2026-03-11T10:03:04", extension=None))
    message = answer.json()["message"]
    assert answer.status_code == 400
    for reason in ("call_id is required", "direction must be", "started_at is not an ISO",
                   "ended_at has no time zone", "user_id or extension is required"):
        assert reason in message
    answer = post(body(answered_at=at(-60)))
    assert answer.status_code == 400 and "answered_at must lie between" in answer.text
    assert stored_calls(live_app) == 0


def test_repeated_delivery_is_one_call_registered_and_finished_once(pbx, live_app) -> None:
    portal, post = pbx
    first = post(body())
    assert first.status_code == 200 and first.json() == {
        "ok": True, "call_id": "pbx-1001", "duplicate": False}
    assert post(body()).json()["duplicate"] is True
    assert stored_calls(live_app) == 1
    assert not [c for c in portal.calls  # queued only (the sync may read line names)
                if c.method.startswith("telephony.externalCall.")]

    settle(live_app, portal)
    assert post(body()).json()["duplicate"] is True  # a late repeat changes nothing either
    settle(live_app, portal)
    [register] = calls_to(portal, "telephony.externalCall.register")
    [finish] = calls_to(portal, "telephony.externalCall.finish")
    assert register.params["EXTERNAL_CALL_ID"] == "pbx-1001"
    assert register.params["USER_PHONE_INNER"] == "102" and "USER_ID" not in register.params
    assert (str(register.params["CRM_CREATE"]), str(register.params["SHOW"])) == ("0", "0")
    assert register.params["LINE_NUMBER"] == "+74951234567"
    assert (str(finish.params["DURATION"]), str(finish.params["STATUS_CODE"])) == ("180", "200")
    [stat] = [r for r in portal.table("voximplant.statistic")
              if r["EXTERNAL_CALL_ID"] == "pbx-1001"]
    [deal] = our_deals(portal)  # a number the CRM did not know: the deal came first ...
    assert RECORD in comments_on(portal, int(deal["ID"]))[0]
    assert (register.params["CRM_ENTITY_TYPE"], int(register.params["CRM_ENTITY_ID"])) == (
        "CONTACT", int(deal["CONTACT_ID"]))  # ... so the call lands in the client's card
    assert "RECORD_URL" not in finish.params  # deprecated there: attachRecord carries it
    [attach] = calls_to(portal, "telephony.externalCall.attachRecord")
    assert (attach.params["CALL_ID"], attach.params["RECORD_URL"]) == (stat["CALL_ID"], RECORD)
    assert attach.params["FILENAME"] == "pbx-1001.mp3"
    assert stat["RECORD_FILE_ID"] and stat["CRM_ACTIVITY_ID"]
    activity = portal.table("crm.activity").get(int(stat["CRM_ACTIVITY_ID"]))
    assert {"OWNER_TYPE_ID": "2", "OWNER_ID": str(deal["ID"])} in activity["BINDINGS"]
    with live_app.sessions() as s:
        [call] = s.scalars(select(Call).where(Call.phone == "+79165550102")).all()  # no twin
        assert (call.source, call.call_id, call.answer_seconds, call.duration) == (
            "pbx", "pbx-1001", 4, 180)
        assert call.crm_activity_id == int(stat["CRM_ACTIVITY_ID"])
        assert call.record_file_id == int(stat["RECORD_FILE_ID"])  # played via disk.file.get


def test_unanswered_pbx_call_is_finished_as_missed(pbx, live_app) -> None:
    portal, post = pbx
    operator = portal.meta["managers"][2]
    assert post(body(call_id="pbx-2", answered_at=None, record_url=None,
                     extension=None, user_id=operator)).status_code == 200
    settle(live_app, portal)
    [register] = calls_to(portal, "telephony.externalCall.register")
    [finish] = calls_to(portal, "telephony.externalCall.finish")
    assert not calls_to(portal, "telephony.externalCall.attachRecord")  # nothing recorded
    assert int(register.params["USER_ID"]) == operator
    assert (str(finish.params["STATUS_CODE"]), str(finish.params["DURATION"])) == ("304", "0")
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        [call] = s.scalars(select(Call).where(Call.portal_id == pid,
                                              Call.phone == "+79165550102")).all()
        assert (call.answered, call.answer_seconds, call.user_id) == (False, None, operator)
    [deal] = our_deals(portal)
    assert "Пропущенный звонок" in comments_on(portal, int(deal["ID"]))[0]


def test_the_scheduled_jobs_do_the_work(pbx, live_app) -> None:
    """jobs.runner's telephony_work / telephony_missed, as the scheduler runs them."""
    from jobs.runner import job_specs, telephony_missed, telephony_work

    portal, post = pbx
    assert {"telephony_work", "telephony_missed"} <= {s.id for s in job_specs(live_app.settings)}
    assert telephony_work(live_app.app) == {}  # nothing queued: the job stays idle
    assert post(body(call_id="pbx-3", answered_at=None, record_url=None)).status_code == 200
    for _ in range(3):
        telephony_work(live_app.app)
        live_app.drain(portal)
    assert len(calls_to(portal, "telephony.externalCall.finish")) == 1
    assert telephony_missed(live_app.app)[portal.member_id] > 0  # the synced history, once
    assert telephony_missed(live_app.app) == {portal.member_id: 0}


def test_a_failed_attach_record_is_retried_alone(pbx, live_app) -> None:
    """The portal refuses attachRecord once: the call stays finished once, the record lands on
    the retry (portal errors are retried, never dropped)."""
    from store.telephony_models import CallWork

    portal, post = pbx
    portal.fail_next("telephony.externalCall.attachRecord", "ERROR_CORE", 400,
                     description="Server returns HTTP error code 502")  # the page's own error
    assert post(body(call_id="pbx-4")).status_code == 200
    settle(live_app, portal)
    assert not calls_to(portal, "telephony.externalCall.attachRecord")
    with live_app.sessions() as s:
        [item] = s.scalars(select(CallWork).where(CallWork.kind == "pbx")).all()
        assert (item.status, item.attempts) == ("pending", 1)
        item.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
        s.commit()
    settle(live_app, portal)
    assert len(calls_to(portal, "telephony.externalCall.finish")) == 1
    [attach] = calls_to(portal, "telephony.externalCall.attachRecord")
    [stat] = [r for r in portal.table("voximplant.statistic") if r["CALL_ID"] ==
              attach.params["CALL_ID"]]
    with live_app.sessions() as s:
        [call] = s.scalars(select(Call).where(Call.call_id == "pbx-4")).all()
        assert call.record_file_id == int(stat["RECORD_FILE_ID"])


@pytest.mark.parametrize("portal_leads", [True, False])
def test_a_new_pbx_caller_is_one_contact_and_no_portal_lead(pbx, live_app, portal_leads) -> None:
    """Register says CRM_CREATE=0 and binds our contact: the portal makes no client of its own,
    whatever its built-in telephony does; the register answer's binding lands on our row."""
    portal, post = pbx
    portal.telephony_creates_leads = portal_leads
    assert post(body()).status_code == 200
    settle(live_app, portal)
    [deal] = our_deals(portal)
    mine = [c for c in portal.table("crm.contact") if phone_key(
        (c.get("PHONE") or [{}])[0].get("VALUE")) == phone_key("+79165550102")]
    assert [c["ID"] for c in mine] == [deal["CONTACT_ID"]]
    assert not [lead for lead in portal.table("crm.lead") if phone_key(
        (lead.get("PHONE") or [{}])[0].get("VALUE")) == phone_key("+79165550102")]
    with live_app.sessions() as s:
        call = s.scalar(select(Call).where(Call.call_id == "pbx-1001"))
        assert (call.crm_entity_type, call.crm_entity_id) == ("CONTACT", int(deal["CONTACT_ID"]))
