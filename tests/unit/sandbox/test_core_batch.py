"""batch: limits, halt, references, result members (EN:settings/how-to-call-rest-api/batch.md)."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from sandbox.batch import php_array, php_bool, resolve, substitute
from sandbox.errors import RestError
from sandbox.registry import CallContext, Page, method
from sandbox.server import make_wsgi_app
from sandbox.state import Cloud, PortalState
from sandbox.testing import installed_portal


@method("sandboxtest.batch.echo", scope="basic")
def _echo(ctx: CallContext, params: dict) -> dict:
    return dict(params)


@method("sandboxtest.batch.page", scope="basic")
def _page(ctx: CallContext, params: dict) -> Page:
    return Page([{"ID": "10"}, {"ID": "11"}], 2, None if params.get("last") else 50)


@method("sandboxtest.batch.fail", scope="basic")
def _fail(ctx: CallContext, params: dict) -> None:
    raise RestError("", "Not found", 400)


@method("sandboxtest.batch.tasky", scope="task")
def _tasky(ctx: CallContext, params: dict) -> bool:
    return True


COLLECTED = {"result": {"user": {"ID": "7", "UF_DEPARTMENT": [3, 4], "EMPTY": None},
                        "n": 5},
             "error": {"bad": {"error": "X", "error_description": ""}},
             "total": {"list": 120}, "next": {}, "time": {}}


@pytest.mark.parametrize(("value", "expected"), [
    ("$result[user][ID]", "7"),
    ("$result[user][UF_DEPARTMENT][1]", 4),
    ("$result[n]", 5),
    ("dept-$result[user][UF_DEPARTMENT][0]", "dept-3"),
    ("$total[list]", 120),
    ("$error[bad][error]", "X"),
    ("no reference", "no reference"),
    ("$result", "$result"),  # no [key]: not a reference
])
def test_references_resolve_like_the_rest_module(value: str, expected: object) -> None:
    assert substitute(value, COLLECTED) == expected


def test_unresolved_whole_value_becomes_what_the_walk_reached() -> None:
    assert substitute("$result[user][NOPE]", COLLECTED) == COLLECTED["result"]["user"]
    assert substitute("$result[user][EMPTY]", COLLECTED) == COLLECTED["result"]["user"]
    assert substitute("$result[bad][ID]", COLLECTED) == COLLECTED["result"]


def test_unresolved_reference_inside_text_stays_literal() -> None:
    assert substitute("x $result[user][NOPE]", COLLECTED) == "x $result[user][NOPE]"


def test_resolve_walks_nested_params() -> None:
    params = {"filter": {"ID": "$result[user][ID]"}, "ids": ["$result[n]"]}
    assert resolve(params, COLLECTED) == {"filter": {"ID": "7"}, "ids": [5]}


def test_php_helpers() -> None:
    assert [php_bool(v) for v in ("0", "", 0, False, None, "1", "false", True, 1)] == [
        False, False, False, False, False, True, True, True, True]
    assert php_array({}) == []
    assert php_array({"0": "a", "1": "b"}) == ["a", "b"]
    assert php_array({"0": "a", "2": "b"}) == {"0": "a", "2": "b"}


@pytest.fixture
def portal(cloud: Cloud) -> PortalState:
    return installed_portal(cloud, "acme", scopes=("crm",))


@pytest.fixture
def http(cloud: Cloud) -> Client:
    return Client(make_wsgi_app(cloud))


@pytest.fixture
def batch(http: Client, portal: PortalState):
    token = portal.issue_tokens(1)["access_token"]

    def run(**body: object) -> tuple[int, dict]:
        resp = http.post("/p/acme/rest/batch.json", json={"auth": token, **body})
        return resp.status_code, resp.get_json()

    return run


def test_chained_commands_and_members(batch) -> None:
    status, body = batch(cmd={
        "a": "sandboxtest.batch.echo?ID=7&fields[TITLE]=x%20y",
        "b": "sandboxtest.batch.echo?ID=$result[a][ID]&T=$result[a][fields][TITLE]",
        "l": "sandboxtest.batch.page",
    })
    assert status == 200
    result = body["result"]
    assert result["result"]["a"] == {"ID": "7", "fields": {"TITLE": "x y"}}
    assert result["result"]["b"] == {"ID": "7", "T": "x y"}
    assert result["result"]["l"] == [{"ID": "10"}, {"ID": "11"}]
    assert result["result_error"] == []
    assert result["result_total"] == {"l": 2} and result["result_next"] == {"l": 50}
    assert set(result["result_time"]["a"]) == {"start", "finish", "duration", "processing",
                                               "date_start", "date_finish"}
    assert "time" in body


def test_errors_are_collected_per_key_without_halt(batch) -> None:
    _, body = batch(cmd={"x": "sandboxtest.batch.fail", "y": "sandboxtest.batch.echo?a=1",
                         "z": "sandboxtest.batch.tasky", "w": "no.such.method"})
    result = body["result"]
    assert result["result"] == {"y": {"a": "1"}}
    assert result["result_error"]["x"] == {"error": "", "error_description": "Not found"}
    assert result["result_error"]["z"]["error"] == "insufficient_scope"
    assert result["result_error"]["w"]["error"] == "ERROR_METHOD_NOT_FOUND"


@pytest.mark.parametrize("halt", [1, True, "1", "true", "false"])
def test_halt_stops_at_the_first_error(batch, halt: object) -> None:
    _, body = batch(halt=halt, cmd={"y": "sandboxtest.batch.echo", "x": "sandboxtest.batch.fail",
                                    "z": "sandboxtest.batch.echo"})
    result = body["result"]
    assert list(result["result"]) == ["y"] and list(result["result_error"]) == ["x"]


def test_halt_zero_runs_everything(batch) -> None:
    _, body = batch(HALT=0, CMD={"x": "sandboxtest.batch.fail", "z": "sandboxtest.batch.echo"})
    assert list(body["result"]["result"]) == ["z"]


def test_more_than_50_commands_is_refused(batch) -> None:
    status, body = batch(cmd={f"c{i}": "sandboxtest.batch.echo" for i in range(51)})
    assert status == 400
    assert body == {"error": "ERROR_BATCH_LENGTH_EXCEEDED",
                    "error_description": "Max batch length exceeded"}
    assert batch(cmd={f"c{i}": "sandboxtest.batch.echo" for i in range(50)})[0] == 200


def test_nested_batch_is_not_allowed(batch) -> None:
    _, body = batch(cmd={"inner": "batch?cmd[a]=sandboxtest.batch.echo"})
    assert body["result"]["result_error"]["inner"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"


def test_cmd_as_array_gives_list_members(batch) -> None:
    _, body = batch(cmd=["sandboxtest.batch.echo?a=1", "sandboxtest.batch.echo?a=2"])
    assert body["result"]["result"] == [{"a": "1"}, {"a": "2"}]


def test_start_minus_one_sub_call_has_no_total(batch) -> None:
    _, body = batch(cmd={"l": "sandboxtest.batch.page?start=-1&last=1"})
    assert body["result"]["result_total"] == [] and body["result"]["result_next"] == []


def test_sub_calls_are_recorded_with_via_batch(batch, portal: PortalState) -> None:
    batch(cmd={"a": "sandboxtest.batch.echo?x=1"})
    sub, outer = portal.calls[-2:]
    assert (sub.method, sub.params, sub.via) == ("sandboxtest.batch.echo", {"x": "1"}, "batch")
    assert (outer.method, outer.via) == ("batch", "http")


def test_faults_hit_sub_calls(batch, portal: PortalState) -> None:
    portal.fail_next("sandboxtest.batch.echo", "QUERY_LIMIT_EXCEEDED", 503)
    _, body = batch(cmd={"a": "sandboxtest.batch.echo", "b": "sandboxtest.batch.echo"})
    assert body["result"]["result_error"]["a"]["error"] == "QUERY_LIMIT_EXCEEDED"
    assert "b" in body["result"]["result"]


def test_form_encoded_batch_with_double_encoded_commands(http: Client, portal: PortalState) -> None:
    token = portal.issue_tokens(1)["access_token"]
    resp = http.post("/p/acme/rest/batch", data={
        "auth": token, "halt": "0",
        "cmd[a]": "sandboxtest.batch.echo?filter%5B%3EID%5D=5",
        "cmd[b]": "sandboxtest.batch.echo?ID=$result[a][filter][>ID]"})
    result = resp.get_json()["result"]["result"]
    assert result == {"a": {"filter": {">ID": "5"}}, "b": {"ID": "5"}}


@method("sandboxtest.batch.crash", scope="basic")
def _crash(ctx: CallContext, params: dict) -> None:
    raise KeyError("bug")


def test_a_crashing_sub_call_fails_alone(batch) -> None:
    status, body = batch(cmd={"a": "sandboxtest.batch.crash", "b": "sandboxtest.batch.echo"})
    assert status == 200
    assert body["result"]["result_error"]["a"]["error"] == "INTERNAL_SERVER_ERROR"
    assert "b" in body["result"]["result"]
