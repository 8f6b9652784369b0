"""The audit queue page: opened from the portal by the quality controller, the verdict form,
and closed to managers."""

from __future__ import annotations

import re
from html import unescape

import requests

from tests.e2e.test_audits import audited, lost_after_short_call, rejection_of  # noqa: F401
from tests.e2e.test_pages import session_of, text


def test_controller_sees_the_queue_and_decides(audited, live_app) -> None:  # noqa: F811
    manager = audited.meta["managers"][0]
    deal_id = lost_after_short_call(audited, live_app, manager, "+7 913 777-01-01")
    opened = audited.open_app(audited.meta["quality"])  # not an admin: the controller
    assert opened.status_code == 200
    token = session_of(opened)
    page = requests.get(f"{live_app.url}/app/audits", params={"s": token}, timeout=10)
    assert page.status_code == 200
    body = text(page.text)
    assert "Отказы на проверке" in body and "только короткие звонки" in body
    assert "Клиент не берет трубку" in body and "3 с" in body
    played = re.search(r'<audio[^>]*\ssrc="(/app/call/\d+/record\?s=[^"]+)"', page.text)
    assert played  # the recording plays through the app, not from a portal link
    sound = requests.get(live_app.url + unescape(played.group(1)), timeout=10)
    assert sound.status_code == 200 and sound.headers["Content-Type"] == "audio/wav"
    assert 'href="/app/audits?s=' in page.text  # the nav link for the controller
    rid = rejection_of(live_app, deal_id).id
    answer = requests.post(f"{live_app.url}/app/audits/{rid}",
                           data={"s": token, "outcome": "confirmed"}, timeout=10)
    assert answer.status_code == 200 and "Отказ подтверждён." in text(answer.text)
    assert rejection_of(live_app, deal_id).state == "confirmed"
    assert f'data-rejection="{rid}"' not in answer.text


def test_a_manager_cannot_open_or_post_to_the_queue(audited, live_app) -> None:  # noqa: F811
    manager = audited.meta["managers"][1]
    deal_id = lost_after_short_call(audited, live_app, manager, "+7 913 777-02-02")
    opened = audited.open_app(manager)
    token = session_of(opened)
    assert "/app/audits?s=" not in opened.text
    page = requests.get(f"{live_app.url}/app/audits", params={"s": token}, timeout=10)
    assert page.status_code == 403
    rid = rejection_of(live_app, deal_id).id
    post = requests.post(f"{live_app.url}/app/audits/{rid}",
                         data={"s": token, "outcome": "false_rejection"}, timeout=10)
    assert post.status_code == 403
    assert rejection_of(live_app, deal_id).state == "open"


def test_admin_tunes_the_audit_settings(audited, live_app) -> None:  # noqa: F811
    from handlers.audits import config as audit_config
    from store import portals

    admin = min(audited.admins)
    token = session_of(audited.open_app(admin))
    page = requests.get(f"{live_app.url}/app/audits/settings", params={"s": token}, timeout=10)
    assert page.status_code == 200
    assert "Контролёр качества" in page.text and "Старший специалист" in page.text
    form = {"s": token, "controller_id": str(audited.meta["head"]), "suspicious_score": "40",
            "sample_percent": "25", "callback_days": "2", "callback_kind": "todo",
            "reengage_to": "controller", "short_call_seconds": "15",
            "quick_reject_minutes": "20", "rate_factor": "1,5", "rate_window_days": "30",
            "rate_min_closed": "5", "followup_days": "4",
            "handoff_enabled": "on", "senior_1": str(audited.meta["quality"]),
            "followup_days_1": "10", "followup_days_0": "",
            "proposal_stages": "preparation, C1:PREPARATION", "invoice_stages": "FINAL_INVOICE",
            **{f"weight_{r}": "10" for r in audit_config.REASONS}}
    assert 'name="followup_days_1"' in page.text  # a row per pipeline, blank = common
    bad = requests.post(f"{live_app.url}/app/audits/settings",
                        data={**form, "sample_percent": "250"}, timeout=10)
    assert bad.status_code == 422
    assert requests.post(f"{live_app.url}/app/audits/settings",
                         data={**form, "followup_days_1": "0"}, timeout=10).status_code == 422
    saved = requests.post(f"{live_app.url}/app/audits/settings", data=form, timeout=10)
    assert saved.status_code == 200 and "Настройки сохранены" in text(saved.text)
    with live_app.sessions() as s:
        cfg = audit_config.load(s, portals.find(s, audited.member_id).id)
    assert (cfg.controller_id, cfg.suspicious_score, cfg.callback_kind, cfg.rate_factor) == \
        (audited.meta["head"], 40, "todo", 1.5)
    assert cfg.seniors == {1: audited.meta["quality"]} and cfg.weights["no_call"] == 10
    assert cfg.proposal_stages == ["PREPARATION"]  # pipeline prefixes dropped
    assert cfg.followup_by_pipeline == {1: 10} and cfg.followup(1) == 10 and cfg.followup(0) == 4
    manager = session_of(audited.open_app(audited.meta["managers"][0]))
    assert requests.get(f"{live_app.url}/app/audits/settings", params={"s": manager},
                        timeout=10).status_code == 403


def test_audit_stages_are_picked_by_name_not_typed_as_codes(audited, live_app) -> None:  # noqa: F811
    import re

    from handlers.audits import config as audit_config
    from store import portals

    token = session_of(audited.open_app(min(audited.admins)))
    page = requests.get(f"{live_app.url}/app/audits/settings", params={"s": token},
                        timeout=10).text
    picker = re.search(r'<select[^>]*name="proposal_stages".*?</select>', page, re.S)
    assert picker and 'type="text" name="proposal_stages"' not in page
    names = dict(re.findall(r'<option value="([A-Z0-9_]+)"[^>]*>([^<]+)</option>',
                            picker.group(0)))
    assert "PREPARATION" in names and names["PREPARATION"] != "PREPARATION"  # a name
    assert re.search(r'<option value="PREPARATION" selected>', picker.group(0))  # the default
    form = {"s": token, "suspicious_score": "40", "sample_percent": "25", "callback_days": "2",
            "callback_kind": "todo", "reengage_to": "controller", "short_call_seconds": "15",
            "quick_reject_minutes": "20", "rate_factor": "1,5", "rate_window_days": "30",
            "rate_min_closed": "5", "followup_days": "4",
            **{f"weight_{r}": "10" for r in audit_config.REASONS},
            "proposal_stages": ["EXECUTING", "PREPARATION"],  # a picker posts one per stage
            "invoice_stages": ["FINAL_INVOICE"]}
    saved = requests.post(f"{live_app.url}/app/audits/settings", data=form, timeout=10)
    assert saved.status_code == 200, text(saved.text)[:400]
    with live_app.sessions() as s:
        cfg = audit_config.load(s, portals.find(s, audited.member_id).id)
    assert cfg.proposal_stages == ["EXECUTING", "PREPARATION"]
    assert cfg.invoice_stages == ["FINAL_INVOICE"]
