"""batch: encoding of sub-calls, the PHP-shaped answer, per-key errors, >50 split, halt."""

from __future__ import annotations

import json

import pytest
from responses import matchers

from b24.batching import BatchResult, encode_command, is_idempotent, parse_batch
from b24.errors import AccessDenied, RateLimited, ServerError
from tests.unit.b24.conftest import url


def batch_answer(result=None, errors=None, totals=None, nexts=None) -> dict:
    """An outer batch answer; empty sections are [] as PHP sends them (§0)."""
    return {"result": {"result": result or [], "result_error": errors or [],
                       "result_total": totals or [], "result_next": nexts or [],
                       "result_time": []}, "time": {}}


def test_batch_sends_php_query_strings(rsps, b24) -> None:
    rsps.post(url("batch"), json=batch_answer({"upd": True, "get": {"ID": "2"}}), match=[
        matchers.json_params_matcher({"halt": 0, "auth": "access-1", "cmd": {
            "upd": "crm.deal.update?id=1&fields[TITLE]=A+%26+B&fields[OPENED]=1",
            "get": "crm.deal.get?id=2"}})])
    result = b24.batch({"upd": ("crm.deal.update", {"id": 1, "fields": {"TITLE": "A & B",
                                                                         "OPENED": True}}),
                        "get": ("crm.deal.get", {"id": 2})})
    assert result.get("upd") is True and result.get("get") == {"ID": "2"} and result.ok


def test_batch_keeps_errors_per_key(rsps, b24) -> None:
    rsps.post(url("batch"), json=batch_answer(
        {"a": {"ID": "1"}}, errors={"b": {"error": "ACCESS_DENIED", "error_description": "no"}},
        totals={"a": "1"}, nexts={"a": 50}))
    result = b24.batch({"a": ("crm.deal.list", {}), "b": ("crm.deal.get", {"id": 3})})
    assert result.get("a") == {"ID": "1"}
    assert result.totals == {"a": 1} and result.nexts == {"a": 50}
    with pytest.raises(AccessDenied):
        result.get("b")
    assert not result.ok


def test_empty_sections_as_php_arrays() -> None:
    parsed = parse_batch({"result": [], "result_error": [], "result_total": [],
                          "result_next": [], "result_time": []})
    assert parsed == BatchResult()
    assert parse_batch([]) == BatchResult()


def test_numeric_keys_come_back_as_a_json_list() -> None:
    parsed = parse_batch({"result": [{"ID": "1"}, {"ID": "2"}], "result_error": []})
    assert parsed.results == {"0": {"ID": "1"}, "1": {"ID": "2"}}


def test_sub_call_rate_errors_are_typed() -> None:
    parsed = parse_batch({"result": [], "result_error": {
        "x": {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}}})
    assert isinstance(parsed.errors["x"], RateLimited)


def test_never_ran_command_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        BatchResult().get("later")


def _echo(request):
    """A batch server answering every command with its own key."""
    cmd = json.loads(request.body)["cmd"]
    return 200, {}, json.dumps(batch_answer({key: key for key in cmd}))


def test_more_than_50_commands_are_split_in_order(rsps, b24) -> None:
    rsps.add_callback("POST", url("batch"), callback=_echo)
    cmds = {f"k{i:03}": ("crm.activity.get", {"id": i}) for i in range(120)}
    result = b24.batch(cmds)
    sizes = [len(json.loads(call.request.body)["cmd"]) for call in rsps.calls]
    assert sizes == [50, 50, 20]
    assert list(result.results) == list(cmds)


def test_halt_stops_after_the_failing_chunk(rsps, b24) -> None:
    rsps.post(url("batch"), json=batch_answer({"a": 1}, errors={"b": {"error": "ERROR_CORE"}}))
    cmds = {f"k{i}": ("crm.deal.get", {"id": i}) for i in range(60)}
    b24.batch(cmds, halt=True)
    assert len(rsps.calls) == 1
    assert json.loads(rsps.calls[0].request.body)["halt"] == 1


def test_batch_with_an_add_is_not_retried_after_a_5xx(rsps, b24) -> None:
    rsps.post(url("batch"), status=500, json={"error": "INTERNAL_SERVER_ERROR"})
    with pytest.raises(ServerError):
        b24.batch({"a": ("crm.deal.get", {"id": 1}), "b": ("crm.timeline.comment.add", {})})
    assert len(rsps.calls) == 1


def test_read_only_batch_is_retried_after_a_5xx(rsps, b24) -> None:
    rsps.post(url("batch"), status=500, json={"error": "INTERNAL_SERVER_ERROR"})
    with pytest.raises(ServerError):
        b24.batch({"a": ("crm.deal.get", {"id": 1})})
    assert len(rsps.calls) == 4


def test_encode_command_without_params_and_bad_names() -> None:
    assert encode_command("user.current", None) == "user.current"
    assert encode_command("crm.deal.list", {"filter": {">ID": 5}}) == \
        "crm.deal.list?filter[%3EID]=5"
    with pytest.raises(ValueError):
        encode_command("crm.deal.get?id=1&x", {})


@pytest.mark.parametrize(("method", "expected"), [
    ("crm.deal.add", False), ("im.notify.system.add", False),
    ("telephony.externalcall.register", False), ("voximplant.infocall.startwithtext", False),
    ("crm.deal.update", True), ("crm.deal.list", True), ("event.bind", True)])
def test_idempotency_by_method_name(method, expected) -> None:
    assert is_idempotent(method) is expected
