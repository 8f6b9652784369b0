"""Strict schema check: undocumented or missing parameters fail loudly (sandbox.spec)."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from sandbox import spec
from sandbox.server import make_wsgi_app
from sandbox.state import Cloud, PortalState
from sandbox.testing import installed_portal


@pytest.fixture
def portal(cloud: Cloud) -> PortalState:
    return installed_portal(cloud, "acme", scopes=("crm",))


@pytest.fixture
def post(cloud: Cloud, portal: PortalState):
    http = Client(make_wsgi_app(cloud))
    token = portal.issue_tokens(1)["access_token"]

    def run(method: str, **params: object) -> tuple[int, dict]:
        resp = http.post(f"/p/acme/rest/{method}", json={"auth": token, **params})
        return resp.status_code, resp.get_json()

    return run


def test_unknown_parameter_is_a_400_naming_it(post, portal: PortalState) -> None:
    status, body = post("event.bind", event="ONCRMDEALADD", handler="http://x.test/e",
                        handlr="oops")
    assert status == 400 and body["error"] == "INVALID_ARG_VALUE"
    assert "unknown parameter 'handlr'" in body["error_description"]
    violation = portal.spec_violations[-1]
    assert (violation.method, violation.kind, violation.param) == ("event.bind", "unknown",
                                                                   "handlr")
    assert portal.bindings == []


def test_missing_required_parameter_is_a_400(post) -> None:
    status, body = post("event.unbind", handler="http://x.test/e")
    assert status == 400 and "missing parameter 'event'" in body["error_description"]


def test_names_match_case_insensitively(post) -> None:
    status, _ = post("event.bind", EVENT="ONCRMDEALADD", HANDLER="http://x.test/e")
    assert status == 200


def test_auth_start_and_auth_connector_are_always_accepted(post) -> None:
    status, _ = post("feature.get", CODE="x", start=0, auth_connector="k")
    assert status == 200


def test_offline_binding_needs_no_handler(post) -> None:
    assert post("event.bind", event="ONCRMDEALADD", event_type="offline")[0] == 200


def test_methods_without_a_schema_are_not_checked(post) -> None:
    assert post("app.info", anything="goes")[0] == 200
    assert spec.find("batch") is None and spec.find("app.info") is None


def test_non_strict_mode_records_but_runs(post, portal: PortalState) -> None:
    portal.spec_strict = False
    assert post("feature.get", CODE="rest_offline_extended", extra=1)[0] == 200
    assert portal.spec_violations[-1].param == "extra"


def test_violations_inside_batch_fail_that_command(post) -> None:
    _, body = post("batch", cmd={"a": "feature.get?code=x&bogus=1", "b": "feature.get?code=x"})
    assert "bogus" in body["result"]["result_error"]["a"]["error_description"]
    assert body["result"]["result"] == {"b": {"value": "N"}}


def test_placeholder_names_allow_prefixes() -> None:
    assert spec.violations("crm.company.fields", {"UF_CRM_1": 1, "PARENT_ID_128": 2}) == []
    assert spec.violations("crm.company.fields", {"XYZ": 1}) == [("unknown", "XYZ")]


def test_every_schema_loads() -> None:
    schemas = spec.schemas()
    assert len(schemas) >= 265
    assert "crm.deal.list" in schemas and "telephony.externalcall.register" in schemas


def test_app_option_set_takes_options_directly(post, portal: PortalState) -> None:
    assert post("app.option.set", color="red")[0] == 200
    assert portal.app_options == {"color": "red"}


def test_one_of_user_id_or_inner_phone_is_enough():
    from sandbox import spec

    base = {"PHONE_NUMBER": "+79120000000", "TYPE": 2}
    assert spec.violations("telephony.externalCall.register", {**base, "USER_ID": 3}) == []
    assert spec.violations("telephony.externalCall.register",
                           {**base, "USER_PHONE_INNER": "101"}) == []
    assert spec.violations("telephony.externalCall.register", base) == [
        ("missing", "USER_ID or USER_PHONE_INNER")]


def test_lead_list_accepts_order():
    from sandbox import spec

    assert spec.violations("crm.lead.list", {"order": {"ID": "ASC"}}) == []
