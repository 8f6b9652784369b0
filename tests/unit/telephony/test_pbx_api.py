"""The PBX endpoint's body rules (handlers/telephony/pbx_api.py) without HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from handlers.telephony.pbx_api import MAX_BODY, PbxPayloadError, parse, parse_body

GOOD = {"call_id": "a-1", "direction": "in", "phone": "89123456789", "line": "+74950000000",
        "started_at": "2026-03-11T07:00:00Z", "answered_at": "2026-03-11T10:00:05+03:00",
        "ended_at": "2026-03-11T07:02:05Z", "user_id": 7}


def problems(**changes: object) -> str:
    with pytest.raises(PbxPayloadError) as caught:
        parse({**GOOD, **changes})
    return str(caught.value)


def test_a_good_call_in_any_zone_spelling() -> None:
    call = parse(GOOD)
    assert call.started_at == datetime(2026, 3, 11, 7, tzinfo=UTC)
    assert (call.answered_at - call.started_at).total_seconds() == 5
    assert (call.user_id, call.extension, call.record_url) == (7, None, None)
    assert parse({**GOOD, "user_id": None, "extension": 102}).extension == "102"
    assert parse({**GOOD, "answered_at": None}).answered_at is None


@pytest.mark.parametrize(("changes", "reason"), [
    ({"call_id": None}, "call_id is required"),
    ({"call_id": "x" * 101}, "call_id is longer than 100"),
    ({"direction": "both"}, 'direction must be "in" or "out"'),
    ({"phone": "anonymous"}, "phone has no digits"),
    ({"started_at": "11.03.2026 10:00"}, "started_at is not an ISO-8601 timestamp"),
    ({"ended_at": "2026-03-11T07:02:05"}, "ended_at has no time zone"),
    ({"ended_at": "2026-03-11T06:00:00Z"}, "ended_at is before started_at"),
    ({"answered_at": "2026-03-11T08:00:00Z"}, "answered_at must lie between"),
    ({"user_id": None}, "user_id or extension is required"),
    ({"user_id": True}, "user_id must be a positive integer"),
    ({"user_id": "-3"}, "user_id must be a positive integer"),
    ({"record_url": "ftp://pbx/rec.mp3"}, "record_url must be an http(s) URL"),
    ({"line": {"n": 1}}, "line must be a string"),
])
def test_every_problem_is_named(changes: dict, reason: str) -> None:
    assert reason in problems(**changes)


def test_several_problems_at_once() -> None:
    text = problems(call_id="", direction="x")
    assert "call_id is required" in text and "direction must be" in text


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe", b"[1]", b"null", b'"text"'])
def test_not_a_json_object_is_malformed(raw: bytes) -> None:
    with pytest.raises(PbxPayloadError) as caught:
        parse_body(raw)
    assert caught.value.kind == "malformed_json"


def test_too_large_body() -> None:
    raw = json.dumps({**GOOD, "pad": "x" * MAX_BODY}).encode()
    with pytest.raises(PbxPayloadError, match="too large"):
        parse_body(raw)
