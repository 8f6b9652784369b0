"""install.json validation and idempotent binding."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from b24.errors import AccessDenied, ManifestError
from b24.manifest import Manifest, bind_events, bind_placements
from tests.unit.b24.conftest import url

GOOD = {
    "name": {"ru": "Контроль продаж", "en": "Sales Guard"},
    "version": 1,
    "scopes": ["crm", "placement", "telephony"],
    "handlers": {"install": "/b24/install", "app": "/app", "events": "/b24/events"},
    "events": ["ONAPPUNINSTALL", "ONCRMDEALUPDATE", "ONVOXIMPLANTCALLEND"],
    "placements": [{"placement": "CRM_DEAL_DETAIL_TAB", "handler": "/app/placement",
                    "title": {"ru": "Вкладка", "en": "Tab"}}],
}


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "install.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def broken(**changes: object) -> dict:
    data = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


def test_load_a_good_manifest(tmp_path) -> None:
    manifest = Manifest.load(write(tmp_path, GOOD))
    assert manifest.event_codes == frozenset(GOOD["events"])
    assert manifest.placements[0].placement == "CRM_DEAL_DETAIL_TAB"
    assert manifest.handler_url("https://app.test/", "events") == "https://app.test/b24/events"


@pytest.mark.parametrize(("data", "problem"), [
    (broken(extra=1), "unknown key 'extra'"),
    (broken(events=["onCrmDealUpdate"]), "UPPER-case"),
    (broken(events=["ONCRMDEALUPDATE", "ONCRMDEALUPDATE"]), "duplicate 'ONCRMDEALUPDATE'"),
    (broken(events=["ONAPPINSTALL"]), "ONAPPINSTALL"),
    (broken(scopes=["crm", "crmm", "placement", "telephony"]), "unknown scope 'crmm'"),
    (broken(scopes=["crm", "placement"]), "'telephony' is needed"),
    (broken(handlers={"install": "b24/install", "app": "/app", "events": "/e"}), "single /"),
    (broken(handlers={"install": "/i", "app": "/a"}), "missing 'events'"),
    (broken(handlers={"install": "/i", "app": "/a", "events": "/e", "hook": "/h"}),
     "unknown handler 'hook'"),
    (broken(name={"ru": "Имя"}), "name: missing 'en'"),
    (broken(version=True), "version"),
    (broken(version=None), "missing 'version'"),
    (broken(placements=[{"placement": "crm_deal_detail_tab", "handler": "/p",
                         "title": {"ru": "a", "en": "b"}}]), "UPPER-case"),
    (broken(placements=[{"placement": "X", "handler": "/p", "title": {"ru": "a"}}]),
     "title: missing 'en'"),
    (broken(placements=[GOOD["placements"][0], GOOD["placements"][0]]), "duplicate"),
    (broken(placements=[{**GOOD["placements"][0], "icon": "x"}]), "unknown key 'icon'"),
    ([1, 2], "top level must be an object"),
])
def test_manifest_errors(tmp_path, data, problem) -> None:
    with pytest.raises(ManifestError, match=problem):
        Manifest.load(write(tmp_path, data))


def test_every_problem_is_reported_at_once(tmp_path) -> None:
    with pytest.raises(ManifestError) as caught:
        Manifest.load(write(tmp_path, broken(extra=1, events=["bad"], scopes=["nope"])))
    text = str(caught.value)
    assert "extra" in text and "'bad'" in text and "'nope'" in text


def test_unreadable_json(tmp_path) -> None:
    path = tmp_path / "install.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ManifestError):
        Manifest.load(path)
    with pytest.raises(ManifestError):
        Manifest.load(tmp_path / "missing.json")


def batch_answer(errors: dict | None = None) -> dict:
    return {"result": {"result": [], "result_error": errors or [], "result_total": [],
                       "result_next": [], "result_time": []}}


def test_bind_events_binds_only_what_is_missing(rsps, b24) -> None:
    manifest = Manifest.from_dict(GOOD)
    base = "https://app.test"
    rsps.post(url("event.get"), json={"result": [
        {"event": "ONCRMDEALUPDATE", "handler": f"{base}/b24/events", "auth_type": "0"}]})
    rsps.post(url("batch"), json=batch_answer(
        {"ONAPPUNINSTALL": {"error": "ERROR_CORE", "error_description": "Handler already binded"}}))
    assert bind_events(b24, manifest, base) == ["ONAPPUNINSTALL", "ONVOXIMPLANTCALLEND"]
    cmd = json.loads(rsps.calls[1].request.body)["cmd"]
    assert set(cmd) == {"ONAPPUNINSTALL", "ONVOXIMPLANTCALLEND"}


def test_bind_events_raises_real_errors(rsps, b24) -> None:
    rsps.post(url("event.get"), json={"result": []})
    rsps.post(url("batch"), json=batch_answer({"ONCRMDEALUPDATE": {"error": "ACCESS_DENIED"}}))
    with pytest.raises(AccessDenied):
        bind_events(b24, Manifest.from_dict(GOOD), "https://app.test")


def test_bind_placements_skips_bound_ones(rsps, b24) -> None:
    rsps.post(url("placement.get"), json={"result": [
        {"placement": "CRM_DEAL_DETAIL_TAB", "handler": "https://app.test/app/placement"}]})
    assert bind_placements(b24, Manifest.from_dict(GOOD), "https://app.test") == []


def test_a_moved_rest_app_uri_handler_is_replaced_not_refused(rsps, b24) -> None:
    """REST_APP_URI takes one handler (ERROR_PLACEMENT_MAX_COUNT): unbind the old one first."""
    data = broken(placements=[{"placement": "REST_APP_URI", "handler": "/app/placement",
                               "title": {"ru": "Приложение", "en": "App"}}])
    rsps.post(url("placement.get"), json={"result": [
        {"placement": "REST_APP_URI", "handler": "https://old.test/app/placement"}]})
    rsps.post(url("batch"), json=batch_answer({}))
    assert bind_placements(b24, Manifest.from_dict(data), "https://app.test") == [
        "REST_APP_URI:/app/placement"]
    cmd = json.loads(rsps.calls[1].request.body)["cmd"]
    assert list(cmd) == ["REST_APP_URI:unbind", "REST_APP_URI:/app/placement"]
    assert cmd["REST_APP_URI:unbind"].startswith("placement.unbind?")
