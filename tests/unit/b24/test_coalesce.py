"""Gets by id share a list command; an id the list misses is asked again with its own get."""

from __future__ import annotations

import json

from b24.batching import coalesce
from tests.unit.b24.conftest import url
from tests.unit.b24.test_batch import batch_answer


def test_gets_after_a_write_merge_but_never_move_before_it() -> None:
    plan = coalesce({"get0": ("crm.deal.get", {"id": 9}),
                     "w": ("crm.deal.update", {"id": 1, "fields": {}}),
                     "a": ("crm.deal.get", {"id": 1}), "b": ("crm.deal.get", {"id": 2})})
    keys = list(plan.commands)
    assert keys[:2] == ["get0", "w"] and len(keys) == 3  # a and b: one list after the write
    method, params = plan.commands[keys[2]]
    assert method == "crm.deal.list" and params["filter"] == {"@ID": [1, 2]}


def test_split_gives_rows_back_and_asks_again_for_the_missing(rsps, b24) -> None:
    def answer(request):
        cmd = json.loads(request.body)["cmd"]
        if list(cmd) == ["b"]:  # the second request: the missing id's own get
            return 200, {}, json.dumps(batch_answer(errors={"b": {
                "error": "", "error_description": "Not found"}}))
        (key,) = cmd  # the first: one list command for both ids
        return 200, {}, json.dumps(batch_answer({key: [{"ID": "1", "TITLE": "A"}]}))
    rsps.add_callback("POST", url("batch"), callback=answer)
    result = b24.batch({"a": ("crm.deal.get", {"id": 1}), "b": ("crm.deal.get", {"id": 2})})
    assert result.results == {"a": {"ID": "1", "TITLE": "A"}}
    assert "Not found" in result.errors["b"].description and len(rsps.calls) == 2
