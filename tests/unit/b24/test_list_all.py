"""list_all against a small simulated portal that honours filter >ID and $result references."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from b24.errors import B24TransportError, RateLimited
from b24.query import parse_query
from tests.unit.b24.conftest import ENDPOINT

REF = re.compile(r"^\$result\[([^\]]+)\]((?:\[[^\]]*\])*)$")


class FakeList:
    """crm.deal.list (plain rows, "ID" strings) or crm.item.list ({"items"}, int "id")."""

    def __init__(self, ids, *, items_key: str | None = None, id_field: str = "ID",
                 unresolved: str = "literal", fail: set[str] | None = None) -> None:
        self.items_key, self.id_field, self.unresolved = items_key, id_field, unresolved
        self.fail = fail or set()
        as_id = (lambda i: i) if items_key else str
        self.rows = [{id_field: as_id(i), "TITLE": f"deal {i}",
                      "STAGE_ID": "WON" if i % 3 else "NEW"} for i in sorted(ids)]
        self.requests: list[tuple[str, Any]] = []

    def page(self, params: dict[str, Any]) -> Any:
        assert params["order"] == {self.id_field: "ASC"} and str(params["start"]) == "-1"
        flt = dict(params.get("filter") or {})
        after = flt.pop(f">{self.id_field}", 0)
        after = int(after) if str(after).lstrip("-").isdigit() else 0  # PHP: "$result.." -> 0
        rows = [r for r in self.rows if int(r[self.id_field]) > after
                and all(str(r.get(k)) == str(v) for k, v in flt.items())][:50]
        if params.get("select"):
            rows = [{k: r[k] for k in params["select"]} for r in rows]
        return {self.items_key: rows} if self.items_key else rows

    def resolve(self, value: Any, results: dict[str, Any]) -> Any:
        if isinstance(value, dict):
            return {k: self.resolve(v, results) for k, v in value.items()}
        match = REF.match(value) if isinstance(value, str) else None
        if not match:
            return value
        node: Any = results.get(match.group(1))
        for part in re.findall(r"\[([^\]]*)\]", match.group(2)):
            try:
                node = node[int(part)] if isinstance(node, list) else node[part]
            except (KeyError, IndexError, TypeError):
                if self.unresolved == "error":
                    raise LookupError(value) from None
                return value  # left as the literal text
        return node

    def __call__(self, request) -> tuple[int, dict, str]:
        method = request.url.removeprefix(ENDPOINT).removesuffix(".json")
        body = json.loads(request.body)
        self.requests.append((method, body))
        if method != "batch":
            return 200, {}, json.dumps({"result": self.page(body), "time": {}})
        results, errors = {}, {}
        for key, cmd in body["cmd"].items():
            _, _, query = cmd.partition("?")
            if key in self.fail:
                errors[key] = {"error": "OPERATION_TIME_LIMIT", "error_description": "blocked"}
                break
            try:
                results[key] = self.page(self.resolve(parse_query(query), results))
            except LookupError:
                errors[key] = {"error": "ERROR_BATCH_REFERENCE", "error_description": "bad ref"}
                break  # halt
        answer = {"result": results or [], "result_error": errors or [], "result_total": [],
                  "result_next": [], "result_time": []}
        return 200, {}, json.dumps({"result": answer, "time": {}})


def serve(rsps, portal: FakeList) -> FakeList:
    rsps.add_callback("POST", re.compile(re.escape(ENDPOINT) + ".*"), callback=portal)
    return portal


@pytest.mark.parametrize(("count", "requests"), [
    (0, 1), (30, 1), (50, 2), (1234, 2), (2549, 2), (2550, 3), (6000, 4)])
def test_reads_everything_in_order_with_few_requests(rsps, b24, count, requests) -> None:
    ids = [i * 3 + 1 for i in range(count)]  # gaps, like a real table
    portal = serve(rsps, FakeList(ids))
    rows = list(b24.list_all("crm.deal.list"))
    assert [int(r["ID"]) for r in rows] == ids
    assert len(portal.requests) == requests


def test_chained_pages_reference_the_previous_page(rsps, b24) -> None:
    portal = serve(rsps, FakeList(range(1, 200)))
    list(b24.list_all("crm.deal.list"))
    method, body = portal.requests[1]
    cmd = body["cmd"]
    assert method == "batch" and body["halt"] == 1 and len(cmd) == 50
    assert parse_query(cmd["p0"].partition("?")[2])["filter"] == {">ID": "50"}
    assert parse_query(cmd["p1"].partition("?")[2])["filter"] == {">ID": "$result[p0][49][ID]"}


@pytest.mark.parametrize("unresolved", ["literal", "error"])
def test_commands_after_the_short_page_are_ignored(rsps, b24, unresolved) -> None:
    portal = serve(rsps, FakeList(range(1, 131), unresolved=unresolved))
    rows = list(b24.list_all("crm.deal.list", pages_per_batch=10))
    assert [int(r["ID"]) for r in rows] == list(range(1, 131))  # no repeats of page 1
    assert len(portal.requests) == 2


def test_keeps_the_callers_filter_and_select(rsps, b24) -> None:
    portal = serve(rsps, FakeList(range(1, 400)))
    rows = list(b24.list_all("crm.deal.list", {"filter": {"STAGE_ID": "WON", ">ID": 100},
                                               "select": ["TITLE"]}))
    expected = [i for i in range(101, 400) if i % 3]
    assert [int(r["ID"]) for r in rows] == expected
    assert set(rows[0]) == {"TITLE", "ID"}
    assert portal.requests[0][1]["filter"] == {"STAGE_ID": "WON", ">ID": 100}


def test_items_shaped_results(rsps, b24) -> None:
    serve(rsps, FakeList(range(1, 180), items_key="items", id_field="id"))
    rows = list(b24.list_all("crm.item.list", {"entityTypeId": 2}, id_field="id",
                             items_key="items"))
    assert [r["id"] for r in rows] == list(range(1, 180))


def test_reads_lazily_one_batch_at_a_time(rsps, b24) -> None:
    portal = serve(rsps, FakeList(range(1, 6001)))
    rows = b24.list_all("crm.deal.list")
    assert portal.requests == []
    first = [next(rows) for _ in range(50)]
    assert len(portal.requests) == 1 and first[-1]["ID"] == "50"
    next(rows)
    assert len(portal.requests) == 2


def test_a_failing_page_raises_after_the_pages_before_it(rsps, b24) -> None:
    serve(rsps, FakeList(range(1, 500), fail={"p2"}))
    seen = []
    with pytest.raises(RateLimited):
        for row in b24.list_all("crm.deal.list"):
            seen.append(int(row["ID"]))
    assert seen == list(range(1, 151))  # first page, p0, p1 — never a silently short list


def test_a_server_ignoring_the_cursor_cannot_loop_forever(rsps, b24) -> None:
    rows = [{"ID": str(i)} for i in range(1, 51)]
    rsps.post(f"{ENDPOINT}crm.deal.list.json", json={"result": rows})
    rsps.post(f"{ENDPOINT}batch.json", json={"result": {"result": {
        f"p{i}": rows for i in range(50)}, "result_error": []}})
    with pytest.raises(B24TransportError, match="no progress"):
        list(b24.list_all("crm.deal.list"))


@pytest.mark.parametrize("params", [{"start": 50}, {"order": {"DATE_CREATE": "DESC"}},
                                    {"ORDER": {"ID": "DESC"}}])
def test_paging_params_of_the_caller_are_refused(b24, params) -> None:
    with pytest.raises(ValueError):
        b24.list_all("crm.deal.list", params)  # at the call, not at the first row


def test_object_result_without_items_key_is_explained(rsps, b24) -> None:
    rsps.post(f"{ENDPOINT}crm.item.list.json", json={"result": {"items": []}})
    with pytest.raises(ValueError, match="items_key"):
        list(b24.list_all("crm.item.list", {"entityTypeId": 2}))
